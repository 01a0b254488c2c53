"""The programme list and the home page as queries whose cost does not grow with the
catalogue, every one through `store.query` (the query processes, bounded by `query_timeout`
and killed past it, as /sparql):

- `page()`: the programmes after a position of the catalogue order (`pro:listPosition`,
  graph/build/order.py). Unfiltered, a page is a lookup of exact positions (VALUES of
  `after+1 … after+size`); filtered, a keyset range (`?pos > after`, ORDER BY, LIMIT);
- `counts()`: the total and the facet counts of a filtered view, one query each (the
  unfiltered ones come from the build, graph/read/facets.py); those out of time left out;
- `class_counts()`: what the home page counts, when no build counted it (`serve --data`);
- `indexed_page()`, `indexed_counts()`: a filtered page and its counts from the version's
  facet index (graph/read/facet_index.py) instead of SPARQL, when the build wrote one: the
  same answers, without a join over the catalogue.

Data served without the catalogue order (`serve --data` files) is paged by IRI with OFFSET;
positions are then ranks in that order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from ..iris import PRO
from ..store.base import QueryQueueFull, QueryTimedOut, Store
from .catalogue import COUNTED, select
from .facet_index import FacetIndex
from .facets import (
    BY_NAME,
    FACETS,
    CatalogueCounts,
    FacetDef,
    credit_filter_sparql,
    credit_range_sparql,
)
from .facets import valid_value as valid_value

PAGE_SIZE = 20
HOME_SIZE = 20


@dataclass(frozen=True)
class Page:
    programmes: tuple[tuple[URIRef, int], ...]  # (programme, position), in catalogue order
    after: int  # the position this page starts after
    next_after: int | None  # `after` of the next page, None on the last
    prev_after: int | None  # `after` of the previous page, None on the first


def ordered(store: Store) -> bool:
    """Whether the data holds the catalogue order (every build writes it)."""
    rows = select(store, f"SELECT ?p WHERE {{ ?p {PRO.listPosition.n3()} ?n }} LIMIT 1")
    return bool(rows)


def filters(chosen: Mapping[str, str]) -> str:
    """SPARQL patterns keeping the programmes (?p) with every chosen facet value."""
    patterns = []
    for i, (name, value) in enumerate(sorted(chosen.items())):
        facet = BY_NAME.get(name)
        if facet is None or not value or not valid_value(name, value):
            continue
        if name == "credits":
            patterns.append(f"?p {facet.path} ?_c{i} . {credit_filter_sparql(f'?_c{i}', value)}")
        else:
            patterns.append(f"?p {facet.path} <{value}> .")
    return "\n".join(patterns)


def _universe(is_ordered: bool) -> str:
    if is_ordered:
        return f"?p {PRO.listPosition.n3()} ?pos ."
    return f"?p {RDF.type.n3()} {PRO.StudyProgramme.n3()} ."


def _position(n: int) -> str:
    return Literal(n, datatype=XSD.integer).n3()


def page(store: Store, chosen: Mapping[str, str], after: int, size: int, is_ordered: bool) -> Page:
    """The `size` programmes after position `after` that the chosen values keep."""
    after = max(0, after)
    where = filters(chosen)
    if is_ordered and not where:
        values = " ".join(_position(n) for n in range(after + 1, after + size + 2))
        rows = select(
            store,
            f"SELECT ?p ?pos WHERE {{ VALUES ?pos {{ {values} }} "
            f"?p {PRO.listPosition.n3()} ?pos }} ORDER BY ?pos",
        )
        found = _rows(rows)
        prev = max(0, after - size) if after > 0 else None
    elif is_ordered:
        rows = select(
            store,
            f"SELECT DISTINCT ?p ?pos WHERE {{ {_universe(True)} {where} "
            f"FILTER(?pos > {after}) }} ORDER BY ?pos LIMIT {size + 1}",
        )
        found = _rows(rows)
        prev = None
        if after > 0:
            back = select(
                store,
                f"SELECT DISTINCT ?p ?pos WHERE {{ {_universe(True)} {where} "
                f"FILTER(?pos <= {after}) }} ORDER BY DESC(?pos) LIMIT {size}",
            )
            earlier = _rows(back)
            full = len(earlier) == size
            prev = min(n for _p, n in earlier) - 1 if full else 0
    else:
        rows = select(
            store,
            f"SELECT DISTINCT ?p WHERE {{ {_universe(False)} {where} }} "
            f"ORDER BY ?p OFFSET {after} LIMIT {size + 1}",
        )
        found = [
            (row["p"], after + i + 1) for i, row in enumerate(rows) if isinstance(row["p"], URIRef)
        ]
        prev = max(0, after - size) if after > 0 else None
    shown = tuple(found[:size])
    next_after = shown[-1][1] if len(found) > size and shown else None
    return Page(shown, after, next_after, prev)


def _rows(rows: Sequence[dict]) -> list[tuple[URIRef, int]]:
    out = []
    for row in rows:
        p, pos = row.get("p"), row.get("pos")
        if isinstance(p, URIRef) and isinstance(pos, Literal):
            try:
                out.append((p, int(pos.toPython())))
            except (TypeError, ValueError):
                continue
    return sorted(out, key=lambda r: r[1])


def facet_query(facet: FacetDef, chosen: Mapping[str, str], is_ordered: bool) -> str:
    """The programmes the chosen values keep, counted per value of `facet`."""
    if facet.name == "credits":
        pattern = (
            f"?p {facet.path} ?_credits FILTER(isNumeric(?_credits)) "
            f"BIND({credit_range_sparql('?_credits')} AS ?value)"
        )
    else:
        pattern = f"?p {facet.path} ?value FILTER(isIRI(?value))"
    return (
        f"SELECT ?value (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {_universe(is_ordered)} "
        f"{filters(chosen)}\n{pattern} }} GROUP BY ?value"
    )


def total_query(chosen: Mapping[str, str], is_ordered: bool) -> str:
    return (
        f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {_universe(is_ordered)} {filters(chosen)} }}"
    )


def _number(node: object) -> int:
    return int(node.toPython()) if isinstance(node, Literal) else 0


def counts(store: Store, chosen: Mapping[str, str], is_ordered: bool) -> CatalogueCounts:
    """The total and the facet counts of the view the chosen values keep, one query each
    (one grouped query over every facet at once is 20-100 times slower in Oxigraph); a count
    that ran out of time (or found no free query process in it) is left out and the page
    says so."""
    missing: set[str] = set()
    total: int | None = None
    try:
        rows = select(store, total_query(chosen, is_ordered))
        total = _number(rows[0].get("n")) if rows else 0
    except (QueryTimedOut, QueryQueueFull):
        pass
    facets: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        try:
            rows = select(store, facet_query(facet, chosen, is_ordered))
        except (QueryTimedOut, QueryQueueFull):
            missing.add(facet.name)
            continue
        facets[facet.name] = {
            str(row["value"]): _number(row.get("n")) for row in rows if row.get("value") is not None
        }
    return CatalogueCounts(total, facets, frozenset(missing))


def class_counts(store: Store) -> list[tuple[str, URIRef, int]]:
    """(what, class, how many) for each class the home page counts, by one grouped query."""
    values = " ".join(cls.n3() for _w, cls in COUNTED)
    rows = select(
        store,
        f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?c {{ {values} }} "
        f"?s {RDF.type.n3()} ?c }} GROUP BY ?c",
    )
    found = {}
    for row in rows:
        c, n = row.get("c"), row.get("n")
        if isinstance(c, URIRef) and isinstance(n, Literal):
            found[c] = int(n.toPython())
    return [(what, cls, found.get(cls, 0)) for what, cls in COUNTED]


def indexed_page(
    index: FacetIndex, chosen: Mapping[str, str], after: int, size: int, timeout: float
) -> Page:
    """The `size` programmes after position `after` that the chosen values keep, from the
    facet index (QueryTimedOut past `timeout`)."""
    after = max(0, after)
    later, earlier = index.page(chosen, after, size, timeout)
    shown = tuple((URIRef(iri), pos) for iri, pos in later[:size])
    next_after = shown[-1][1] if len(later) > size and shown else None
    prev = None
    if after > 0:
        prev = min(pos for _iri, pos in earlier) - 1 if len(earlier) == size else 0
    return Page(shown, after, next_after, prev)


def indexed_counts(index: FacetIndex, chosen: Mapping[str, str], timeout: float) -> CatalogueCounts:
    """The total and the facet counts of the view the chosen values keep, from the facet
    index; when they run out of time, every count is left out and the page says so."""
    try:
        return index.counts(chosen, timeout)
    except QueryTimedOut:
        return CatalogueCounts(None, {}, frozenset(f.name for f in FACETS))
