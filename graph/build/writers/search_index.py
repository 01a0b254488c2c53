"""The full-text index of the version (graph/search/, docs/search.md): `search.sqlite`,
built from the version's N-Quads in one streaming pass and published with the version."""

from __future__ import annotations

from ...search import INDEX_FILE, build_index
from ..context import BuildContext


def write_search_index(ctx: BuildContext) -> None:
    """`search.sqlite` in the version being staged."""
    build_index(ctx.path / "dataset.nq", ctx.path / INDEX_FILE)
