"""The validation cache of the catalogue order's unit: its results, keyed by the SHA-256 of
everything they depend on.

graph/build/validate.py validates the positions (graph/build/positions.py) as a unit of its
own; the key of its entry (groups.data_key) covers its data, the focus nodes it reports on,
the shapes, the ontology and the vocabularies, the engine and the code of the validator
(`salt`), so an entry is reused only where validating again would give the same results (a
broken change has another key). The other units' results are kept with the union's index
(graph/build/union_index.py), which tells which of them changed without gathering them.

Entries live in `<data_dir>/cache/validation/`, one JSON file each, written whole or not at
all. Results are stored without their source file: that is located at each build.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from ..errors import Violation
from .atomic import write_atomic
from .groups import data_key


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


def shapes_digest(graph: Graph) -> str:
    """A digest of the shapes `graph` (what every key depends on) that does not depend on
    its blank nodes' labels (RDFC-1.0)."""
    dataset = ox.Dataset(
        ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return data_key(sorted(str(q) for q in dataset), "")


__all__ = ["load", "shapes_digest", "store"]
