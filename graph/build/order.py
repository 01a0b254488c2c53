"""The catalogue order: a precomputed position for every programme (`pro:listPosition`).

Sorting every programme by title is a full scan and sort on each request; at 100,000
programmes that is 1-3 s in Oxigraph for any page of a listing, at any offset. The build
therefore ranks the programmes once per published version and writes the rank into its own
named graph (`id:graph/order`), so that a listing or a deep page is a range on an integer:

    ?programme pro:listPosition ?pos .  FILTER (?pos > 5000 && ?pos <= 5050)  ORDER BY ?pos

The rule (also stated in the graph, `pro:classificationRule`): programmes ordered by their
smallest `dct:title` (lexical form in code-point order, then language tag), then by IRI;
positions 1..N without gaps. graph/synthetic/ writes the same graph through `positions()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from ..iris import ORDER_GRAPH, PRO

LABEL = "Catalogue order (computed by the build)"
RULE = (
    "Every pro:StudyProgramme gets pro:listPosition 1..N: ordered by its smallest dct:title "
    "(lexical form in Unicode code-point order, then language tag), then by IRI. Computed "
    "from the source graphs each time a version is built; not stated by any page."
)

SortKey = tuple[str, str]


def title_key(title: Literal) -> SortKey:
    return (str(title), title.language or "")


def positions(titles: Iterable[tuple[str, SortKey]]) -> list[tuple[str, int]]:
    """(programme IRI, title key) pairs, several per programme allowed -> (IRI, position)."""
    best: dict[str, SortKey] = {}
    for programme, key in titles:
        if programme not in best or key < best[programme]:
            best[programme] = key
    ranked = sorted(best, key=lambda programme: (best[programme], programme))
    return [(programme, n) for n, programme in enumerate(ranked, start=1)]


def describe_graph() -> list[tuple[URIRef, URIRef, Literal | URIRef]]:
    """The graph's own description: a curation record (a rule the project applies)."""
    return [
        (ORDER_GRAPH, RDF.type, PRO.CurationRecord),
        (ORDER_GRAPH, RDFS.label, Literal(LABEL, lang="en")),
        (ORDER_GRAPH, PRO.classificationRule, Literal(RULE, lang="en")),
    ]


def order_graph(dataset: Dataset) -> Graph:
    """The order graph for the programmes of `dataset` (titles from any of its graphs)."""
    programmes = {s for s, _p, _o, _g in dataset.quads((None, RDF.type, PRO.StudyProgramme, None))}
    titles = [
        (str(s), title_key(o))
        for s, _p, o, _g in dataset.quads((None, DCTERMS.title, None, None))
        if s in programmes and isinstance(o, Literal)
    ]
    graph = Graph(identifier=ORDER_GRAPH)
    for triple in describe_graph():
        graph.add(triple)
    for programme, n in positions(titles):
        graph.add((URIRef(programme), PRO.listPosition, Literal(n, datatype=XSD.integer)))
    return graph


class _Described(Protocol):
    @property
    def titles(self) -> tuple[tuple[str, str, str], ...]: ...

    @property
    def programmes(self) -> tuple[str, ...]: ...


def order_lines(parts: Iterable[_Described]) -> tuple[str, ...]:
    """The order graph, as N-Quads lines, for the programmes and titles the parsed sources
    (graph/build/parse.py ParsedSource) state: the same positions as `order_graph`."""
    programmes = {p for part in parts for p in part.programmes}
    titles = [
        (s, (text, lang)) for part in parts for s, text, lang in part.titles if s in programmes
    ]
    graph = f"<{ORDER_GRAPH}>"
    lines = [f"{_ox_triple(t)} {graph} ." for t in describe_graph()]
    position = f"<{PRO.listPosition}>"
    for programme, n in positions(titles):
        lines.append(f'<{programme}> {position} "{n}"^^<{XSD.integer}> {graph} .')
    return tuple(lines)


def _ox_triple(triple: tuple[URIRef, URIRef, Literal | URIRef]) -> ox.Triple:
    s, p, o = triple
    if isinstance(o, Literal):
        obj: ox.NamedNode | ox.Literal = ox.Literal(str(o), language=o.language or None)
    else:
        obj = ox.NamedNode(str(o))
    return ox.Triple(ox.NamedNode(str(s)), ox.NamedNode(str(p)), obj)


def add_order(dataset: Dataset) -> None:
    """Replace the order graph of `dataset` with one computed from its programmes."""
    dataset.graph(ORDER_GRAPH).remove((None, None, None))
    computed = order_graph(dataset)
    target = dataset.graph(ORDER_GRAPH)
    for triple in computed:
        target.add(triple)


__all__ = ["add_order", "order_graph", "order_lines", "positions", "title_key"]
