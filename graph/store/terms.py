"""RDF terms between rdflib (the interface) and pyoxigraph (the default store)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.term import IdentifiedNode, Node

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_rdflib(
    term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.DefaultGraph | ox.Triple,
) -> Node | None:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == XSD_STRING else URIRef(datatype))
    if isinstance(term, ox.DefaultGraph):
        return None
    raise TypeError(f"no rdflib term for {term!r}")


def to_oxigraph(node: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if isinstance(node, Literal):
        if node.language:
            return ox.Literal(str(node), language=node.language)
        if node.datatype is not None:
            return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
        return ox.Literal(str(node))
    raise TypeError(f"no Oxigraph term for {node!r}")


def graph_to_oxigraph(node: Node | None) -> ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None:
    """A graph-name pattern: None matches any graph."""
    if node is None:
        return None
    if hasattr(node, "identifier") and not isinstance(node, URIRef | BNode):
        node = node.identifier  # an rdflib Graph given as a context
    return to_oxigraph(node)  # type: ignore[return-value]


def dataset_of(quads: Iterable[tuple[Node, Node, Node, Node | None]]) -> Dataset:
    """An rdflib Dataset holding `quads` (graph None: the default graph), names kept."""
    dataset = Dataset()
    for s, p, o, g in quads:
        target = dataset.default_context if g is None else dataset.graph(cast(IdentifiedNode, g))
        target.add((s, p, o))
    return dataset


def term_from_json(cell: dict) -> Node:
    """One cell of SPARQL 1.1 JSON results (https://www.w3.org/TR/sparql11-results-json/)."""
    kind = cell.get("type")
    if kind == "uri":
        return URIRef(cell["value"])
    if kind == "bnode":
        return BNode(cell["value"])
    if cell.get("xml:lang"):
        return Literal(cell["value"], lang=cell["xml:lang"])
    datatype = cell.get("datatype")
    if datatype and datatype != "http://www.w3.org/2001/XMLSchema#string":
        return Literal(cell["value"], datatype=URIRef(datatype))
    return Literal(cell["value"])
