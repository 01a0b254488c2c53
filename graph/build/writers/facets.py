"""The programme list's facet counts over the whole catalogue, counted once per version:
`facets.json` (graph/read/facets.py says what each facet counts), so that the unfiltered
`/programmes` and the home page never count at request time.

The programmes are the IRI subjects with `pro:listPosition` (the catalogue order). Each counts
once per value of a facet: one SPARQL query per facet (its path, graph/read/facets.py) over the
version's store (the union of its graphs), grouped by value, so nothing grows with the
catalogue in Python but the credit values (read as numbers: the store's canonical form of
"75.0" is "75", the same number).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, cast

import pyoxigraph as ox

from ...iris import PRO
from ...read.facets import BY_NAME, FACETS, FACETS_FILE, credit_range
from ..context import BuildContext

_PROGRAMME = f"?p <{PRO.listPosition}> ?position . FILTER(isIRI(?p))"


def _rows(store: ox.Store, query: str) -> ox.QuerySolutions:
    return cast(ox.QuerySolutions, store.query(query, use_default_graph_as_union=True))


def facet_counts(store: ox.Store) -> dict[str, Any]:
    """{"programmes": N, "facets": {facet: {value key: programmes}}} of the version in
    `store`."""
    programmes = 0
    for row in _rows(store, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {_PROGRAMME} }}"):
        programmes = int(cast(ox.Literal, row["n"]).value)
    counts: dict[str, Counter[str]] = {f.name: Counter() for f in FACETS}
    for facet in FACETS:
        if facet.name == "credits":
            continue
        query = (
            f"SELECT ?v (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {_PROGRAMME} "
            f"?p {facet.path} ?v . FILTER(isIRI(?v)) }} GROUP BY ?v"
        )
        for row in _rows(store, query):
            value = cast(ox.NamedNode, row["v"]).value
            counts[facet.name][value] = int(cast(ox.Literal, row["n"]).value)
    ranges: dict[str, set[str]] = {}
    query = (
        f"SELECT DISTINCT ?p ?v WHERE {{ {_PROGRAMME} "
        f"?p {BY_NAME['credits'].path} ?v . FILTER(isLiteral(?v)) }}"
    )
    for row in _rows(store, query):
        try:
            key = credit_range(float(cast(ox.Literal, row["v"]).value))
        except ValueError:
            continue
        ranges.setdefault(cast(ox.NamedNode, row["p"]).value, set()).add(key)
    counts["credits"].update(key for keys in ranges.values() for key in keys)
    return {
        "programmes": programmes,
        "facets": {name: dict(sorted(c.items())) for name, c in counts.items()},
    }


def write_facets(ctx: BuildContext) -> None:
    """Writer: `facets.json`, the unfiltered facet counts of the programme list."""
    counts = facet_counts(ctx.store)
    (ctx.path / FACETS_FILE).write_text(json.dumps(counts, sort_keys=True) + "\n", encoding="utf-8")
