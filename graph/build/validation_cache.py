"""The validation cache: a group's results, keyed by the SHA-256 of everything they depend on.

graph/build/validate.py validates each group of sources (graph/build/groups.py) on its data:
the group's statements and the context it needs from the union. The key of an entry
(groups.data_key) covers that data, the focus nodes the group reports on, the shapes, the
ontology and the vocabularies, the pySHACL version and the code of the validator (`salt`),
so an entry is reused only where validating again would give the same results: a rebuild
validates only the groups whose data changed, and a cached result is never stale (a broken
change has another key).

Entries live in `<data_dir>/cache/validation/`, one JSON file each, written whole or not at
all. Results are stored without their source file: that is located at each build.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

from ..errors import Violation
from .parse import write_atomic


def load(folder: Path | None, key: str) -> list[Violation] | None:
    """The cached results of the group with this key, or None (not cached, or unreadable)."""
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        return [Violation(**item) for item in data]
    except (OSError, ValueError, TypeError):
        return None


def store(folder: Path | None, key: str, results: list[Violation]) -> None:
    if folder is None:
        return
    items = [asdict(replace(r, source_file=None)) for r in results]
    write_atomic(folder / f"{key}.json", json.dumps(items, sort_keys=True).encode("utf-8"))


__all__ = ["load", "store"]
