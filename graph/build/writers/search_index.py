"""The full-text index of the version (graph/search/, docs/search.md): `search.sqlite`,
built from the version's N-Quads in one streaming pass and published with the version.

A rebuild after a small change (BuildContext.changed_lines) updates a copy of the previous
version's index instead: a document is made of a programme's statements, its providers' and
their addresses' (graph/search/index.py), so a changed line whose subject is a programme, a
provider or an address touches the documents of the programmes that reach that subject, in
the previous or the new store; those documents are deleted and made again from the new
version's lines. A changed line with a blank-node subject touches no document (the index
reads IRI subjects only). Without a previous index made by the same code, or after a large
change, the index is built whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pyoxigraph as ox

from ...iris import ELM, PRO, SCHEMA
from ...search import INDEX_FILE, build_index
from ...search.index import LINKS, TEXT_FIELDS, updatable, update_index
from ...versions import STORE_DIR
from ..context import BuildContext

_PROVIDER = f"(<{ELM.providedBy}>|<{PRO.coordinatedBy}>)"
_RELEVANT = {*TEXT_FIELDS, *LINKS, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"}
_REFERRERS = (
    f"SELECT DISTINCT ?x WHERE {{{{ ?x {_PROVIDER} <{{}}> }}}}",
    f"SELECT DISTINCT ?x WHERE {{{{ ?x {_PROVIDER}/<{SCHEMA.address}> <{{}}> }}}}",
)


def _affected(changed: tuple[Path, Path], stores: tuple[ox.Store, ...]) -> set[str]:
    """The IRIs whose documents a changed line may touch: its subject and what reaches the
    subject as a provider or a provider's address, in any of `stores`."""
    subjects: set[str] = set()
    for path in changed:
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
            if isinstance(quad.subject, ox.NamedNode) and quad.predicate.value in _RELEVANT:
                subjects.add(quad.subject.value)
    affected = set(subjects)
    for subject in sorted(subjects):
        for store in stores:
            for query in _REFERRERS:
                for row in cast(
                    ox.QuerySolutions,
                    store.query(query.format(subject), use_default_graph_as_union=True),
                ):
                    if isinstance(row["x"], ox.NamedNode):
                        affected.add(row["x"].value)
    return affected


def _descriptions(ctx: BuildContext, programmes: set[str]) -> list[ox.Quad]:
    """The new version's quads of `programmes`, their providers and the providers'
    addresses (terms as written)."""
    providers = {predicate for predicate, kind in LINKS.items() if kind == "provider"}
    follow: tuple[set[str], ...] = (providers, {str(SCHEMA.address)}, set())
    found: list[ox.Quad] = []
    level, seen = set(programmes), set(programmes)
    for predicates in follow:
        reached: set[str] = set()
        for iri in sorted(level):
            quads = ctx.quads_file.describe(ox.NamedNode(iri))
            found.extend(quads)
            reached.update(
                q.object.value
                for q in quads
                if q.predicate.value in predicates and isinstance(q.object, ox.NamedNode)
            )
        level = reached - seen
        seen |= reached
    return found


def write_search_index(ctx: BuildContext) -> None:
    """`search.sqlite` in the version being staged: updated from the previous version's
    after a small change, else built from the version's N-Quads."""
    target = ctx.path / INDEX_FILE
    previous = ctx.previous
    old_index = previous.path / INDEX_FILE if previous is not None else None
    changed = ctx.changed_lines if old_index is not None and updatable(old_index) else None
    if previous is not None and old_index is not None and changed is not None:
        old_store = previous.path / STORE_DIR
        if old_store.is_dir():
            old = ox.Store.read_only(str(old_store))
            try:
                programmes = _affected(changed, (old, ctx.store))
            finally:
                del old  # closed before later writers fork
            deleted, made = update_index(
                old_index, target, programmes, _descriptions(ctx, programmes)
            )
            ctx.manifest["search"] = {"made": "updated", "deleted": deleted, "made_again": made}
            return
    build_index(ctx.nquads_path, target)
    ctx.manifest["search"] = {"made": "built"}
