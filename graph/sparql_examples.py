"""The published example queries of the SPARQL endpoint, as RDF.

Each example is one Turtle file in `queries/` (in the style of the SIB sparql-examples,
https://github.com/sib-swiss/sparql-examples): a `sh:SPARQLExecutable` with its query in
`sh:select`, `sh:construct` or `sh:ask`, a title (`rdfs:label`), a comment
(`rdfs:comment`, English), `schema:keywords` and `schema:target`, our endpoint
(`iris.sparql_endpoint`). The files are the one source of truth: the server publishes their
graph at `/.well-known/sparql-examples` and shows the same examples on the query page, in
the order of the file names. They are read from the checkout, never from elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH

from . import iris
from .errors import SourceStructureError, SourceSyntaxError
from .paths import ROOT

EXAMPLES_DIR = ROOT / "queries"
FORMS = {SH.select: "select", SH.construct: "construct", SH.ask: "ask"}
PREFIXES = {
    "ex": iris.site_root() + ".well-known/sparql-examples/",
    "sh": str(SH),
    "rdfs": str(RDFS),
    "schema": str(iris.SCHEMA_ORG),
}
_LINE = re.compile(r"line (\d+)")


@dataclass(frozen=True)
class SparqlExample:
    iri: URIRef
    title: str
    comment: str
    query: str
    form: str  # select, construct, ask
    keywords: tuple[str, ...]


def _rebase(graph: Graph, base: str) -> Graph:
    """The same examples for another base IRI: example IRIs and targets on its site."""
    old, new = iris.site_root(), iris.site_root(base)
    if old == new:
        return graph
    moved = Graph()
    for s, p, o in graph:
        s2 = URIRef(new + str(s)[len(old) :]) if str(s).startswith(old) else s
        o2 = URIRef(new + o[len(old) :]) if isinstance(o, URIRef) and o.startswith(old) else o
        moved.add((s2, p, o2))
    return moved


def _parse(path: Path) -> Graph:
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises several types; each names the line
        found = _LINE.search(str(exc))
        raise SourceSyntaxError(path, int(found.group(1)) if found else None, str(exc)) from None
    return graph


def _example(graph: Graph, node: URIRef, path: Path) -> SparqlExample:
    forms = [(FORMS[URIRef(str(p))], o) for p, o in graph.predicate_objects(node) if p in FORMS]
    if len(forms) != 1 or not isinstance(forms[0][1], Literal):
        raise SourceStructureError(
            path, f"{node} needs exactly one query (sh:select, sh:construct or sh:ask)"
        )
    form, query = forms[0]
    return SparqlExample(
        iri=node,
        title=str(graph.value(node, RDFS.label) or node.rsplit("/", 1)[-1]),
        comment=str(graph.value(node, RDFS.comment) or ""),
        query=str(query),
        form=form,
        keywords=tuple(sorted(str(k) for k in graph.objects(node, iris.SCHEMA_ORG.keywords))),
    )


@lru_cache(maxsize=8)
def _load(directory: Path, base: str) -> tuple[Graph, tuple[SparqlExample, ...]]:
    union = Graph()
    found: list[SparqlExample] = []
    for path in sorted(directory.glob("*.ttl")):
        graph = _rebase(_parse(path), base)
        nodes = sorted(
            {s for s in graph.subjects(RDF.type, SH.SPARQLExecutable) if isinstance(s, URIRef)}
        )
        if not nodes:
            raise SourceStructureError(path, "no sh:SPARQLExecutable in this file")
        found.extend(_example(graph, node, path) for node in nodes)
        union += graph
    for prefix, namespace in PREFIXES.items():
        union.bind(prefix, _rebase_ns(namespace, base))
    return union, tuple(found)


def _rebase_ns(namespace: str, base: str) -> str:
    old = iris.site_root()
    return iris.site_root(base) + namespace[len(old) :] if namespace.startswith(old) else namespace


def graph(base: str = iris.DATA_BASE, directory: Path = EXAMPLES_DIR) -> Graph:
    """Every example, as one graph (parsed once per process; do not modify it)."""
    return _load(directory, base)[0]


def examples(
    base: str = iris.DATA_BASE, directory: Path = EXAMPLES_DIR
) -> tuple[SparqlExample, ...]:
    """Every example, in the order of the file names."""
    return _load(directory, base)[1]


def prefixes(base: str = iris.DATA_BASE) -> dict[str, str]:
    """The prefixes to write the examples' graph with."""
    return {prefix: _rebase_ns(ns, base) for prefix, ns in PREFIXES.items()}
