"""The programme list's facet counts over the whole catalogue, counted once per version:
`facets.json` (graph/read/facets.py says what each facet counts), so that the unfiltered
`/programmes` and the home page never count at request time.

One pass over the dataset keeps the few predicates the facets follow; each programme (a
subject with `pro:listPosition`, the catalogue order) then counts once per value.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import RDF

from ...iris import ELM, PRO, SCHEMA
from ...read.facets import FACETS, FACETS_FILE, credit_range
from ..context import BuildContext

_FOLLOWED = {
    str(p)
    for p in (
        PRO.listPosition,
        ELM.providedBy,
        SCHEMA.address,
        SCHEMA.addressCountry,
        PRO.awards,
        ELM.EQFLevel,
        PRO.fieldOfEducation,
        ELM.defaultLanguage,
        ELM.mode,
        ELM.creditPoint,
        RDF.value,
    )
}


def facet_counts(dataset: ox.Dataset) -> dict[str, Any]:
    """{"programmes": N, "facets": {facet: {value key: programmes}}} of `dataset`."""
    links: dict[str, dict[Any, set[Any]]] = defaultdict(lambda: defaultdict(set))
    for q in dataset:
        if q.predicate.value in _FOLLOWED:
            links[q.predicate.value][q.subject].add(q.object)

    def follow(nodes: set[Any], *predicates: Any) -> set[Any]:
        for p in predicates:
            table = links[str(p)]
            nodes = {o for n in nodes for o in table.get(n, ())}
        return nodes

    programmes = [p for p in links[str(PRO.listPosition)] if isinstance(p, ox.NamedNode)]
    counts: dict[str, Counter[str]] = {f.name: Counter() for f in FACETS}
    for p in programmes:
        providers = follow({p}, ELM.providedBy)
        values: dict[str, set[Any]] = {
            "country": follow(providers, SCHEMA.address, SCHEMA.addressCountry),
            "institution": providers,
            "eqf": follow({p}, PRO.awards, ELM.EQFLevel),
            "field": follow({p}, PRO.fieldOfEducation),
            "language": follow({p}, ELM.defaultLanguage),
            "mode": follow({p}, ELM.mode),
        }
        for name, nodes in values.items():
            counts[name].update({n.value for n in nodes if isinstance(n, ox.NamedNode)})
        ranges = set()
        for v in follow({p}, ELM.creditPoint, RDF.value):
            try:
                ranges.add(credit_range(float(v.value)))
            except (AttributeError, ValueError):
                continue
        counts["credits"].update(ranges)
    return {
        "programmes": len(programmes),
        "facets": {name: dict(sorted(c.items())) for name, c in counts.items()},
    }


def write_facets(ctx: BuildContext) -> None:
    """Writer: `facets.json`, the unfiltered facet counts of the programme list."""
    (ctx.path / FACETS_FILE).write_text(
        json.dumps(facet_counts(ctx.dataset), sort_keys=True) + "\n", encoding="utf-8"
    )
