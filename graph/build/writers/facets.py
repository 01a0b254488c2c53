"""The programme list's facet counts over the whole catalogue, counted once per version:
`facets.json` (graph/read/facets.py says what each facet counts), so that the unfiltered
`/programmes` and the home page never count at request time.

The programmes (subjects with `pro:listPosition`, the catalogue order) are found in the
version's store; each then counts once per value, read from the version's sorted N-Quads one
batch of programmes at a time (graph/store/staged.py), so nothing grows with the catalogue
but the list of programmes.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from ...iris import ELM, PRO, SCHEMA
from ...read.facets import FACETS, FACETS_FILE, credit_range
from ...store.sorted_nquads import SortedNQuads
from ...store.staged import StagedLookup
from ..context import BuildContext


def facet_counts(lookup: StagedLookup, batch: int = 1000) -> dict[str, Any]:
    """{"programmes": N, "facets": {facet: {value key: programmes}}} of the staged version
    `lookup` reads, one batch of programmes at a time."""
    position = URIRef(str(PRO.listPosition))
    programmes = [p for p in lookup.subjects_for(position, None) if isinstance(p, URIRef)]

    def follow(nodes: set[Any], *predicates: Any) -> set[Any]:
        for p in predicates:
            nodes = {q[2] for n in nodes for q in lookup.quads(n, URIRef(str(p)))}
        return nodes

    counts: dict[str, Counter[str]] = {f.name: Counter() for f in FACETS}
    for first in range(0, len(programmes), batch):
        chunk = programmes[first : first + batch]
        lookup.prefetch(chunk)
        for p in chunk:
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
                counts[name].update({str(n) for n in nodes if isinstance(n, URIRef)})
            ranges = set()
            for v in follow({p}, ELM.creditPoint, RDF.value):
                if not isinstance(v, Literal):
                    continue
                try:
                    ranges.add(credit_range(float(str(v))))
                except ValueError:
                    continue
            counts["credits"].update(ranges)
    return {
        "programmes": len(programmes),
        "facets": {name: dict(sorted(c.items())) for name, c in counts.items()},
    }


def write_facets(ctx: BuildContext) -> None:
    """Writer: `facets.json`, the unfiltered facet counts of the programme list."""
    with SortedNQuads(ctx.nquads_path) as quads_file:
        counts = facet_counts(StagedLookup(quads_file, ctx.store))
    (ctx.path / FACETS_FILE).write_text(json.dumps(counts, sort_keys=True) + "\n", encoding="utf-8")
