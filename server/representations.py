"""The one RDF serialiser of the app's documents: resource descriptions, named graphs, the
ontology and the shapes, the dataset description, change records, the service description;
and `query_answer`, the body of a SPARQL answer. Views never call `.serialize(` themselves
(tests/test_architecture.py checks it).

One rule for every document (docs/pages.md, "Triples and graphs"):

- **triple formats** (Turtle, N-Triples, RDF/XML) and **JSON-LD** carry the union of the
  document's graphs as plain triples, so any client that parses them into a plain graph
  (`rdflib.Graph().parse(url)`, a JSON-LD processor without dataset support) gets every
  triple, and all four give the same set;
- **quad formats** (TriG, N-Quads) keep each triple in the named graph that states it: the
  per-source provenance.

Every term is written as the data holds it: rdflib's Turtle and TriG writers rewrite
literals (`"80"^^xsd:decimal` becomes `80.0`, a different term), so Turtle, TriG, N-Triples,
N-Quads and RDF/XML are written by pyoxigraph, which writes lexical forms as they are.
JSON-LD is written by rdflib (which keeps lexical forms there), compacted with the prefixes
only (no term definitions, so compaction never changes an IRI). Blank nodes are labelled
by RDFC-1.0 and statements, prefixes and JSON-LD nodes sorted, so the same document is the
same bytes in every worker, after every restart: one ETag.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, cast

import pyoxigraph as ox
from flask import Response
from rdflib import Dataset, Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from graph.formats import Format
from graph.iris import PREFIXES
from graph.store.base import QueryResult
from graph.store.terms import to_oxigraph, to_rdflib

from .errors import NotAcceptable

TEXT_TYPES = ("ntriples", "nquads")  # text formats whose media type is not text/*


def _canonical(data: Dataset | Graph) -> list[ox.Quad]:
    """Every statement of `data` as a quad (triples of a plain graph in the default graph),
    blank nodes labelled by RDFC-1.0, sorted: the same statements give the same list in
    every process, so the same bytes and the same ETag."""
    if isinstance(data, Dataset):
        statements = (
            (s, p, o, None if g is None or g == DATASET_DEFAULT_GRAPH_ID else g)
            for s, p, o, g in data.quads((None, None, None, None))
        )
    else:
        statements = ((s, p, o, None) for s, p, o in data)
    dataset = ox.Dataset(
        ox.Quad(
            cast(Any, to_oxigraph(s)),
            cast(ox.NamedNode, to_oxigraph(p)),
            to_oxigraph(o),
            ox.DefaultGraph() if g is None else cast(Any, to_oxigraph(g)),
        )
        for s, p, o, g in statements
    )
    if any(isinstance(t, ox.BlankNode) for q in dataset for t in (q.subject, q.object)):
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(
        dataset, key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object))
    )


def _triples(quads: list[ox.Quad]) -> list[ox.Triple]:
    return sorted(
        {q.triple for q in quads}, key=lambda t: (str(t.subject), str(t.predicate), str(t.object))
    )


# The end of an IRI that RDF/XML can write as a property element's local name (an NCName).
_XML_NAME_END = re.compile(r"[^\W\d][\w.\-]*$")


def _oxigraph(fmt: Format, quads: list[ox.Quad], prefixes: Mapping[str, str]) -> bytes:
    items: list[ox.Quad] | list[ox.Triple] = quads if fmt.quads else _triples(quads)
    rdf_format = getattr(ox.RdfFormat, fmt.oxigraph or "")
    if fmt.name in TEXT_TYPES:
        return ox.serialize(items, format=rdf_format) or b""
    if fmt.name == "rdfxml":
        for predicate in {t.predicate.value for t in items}:
            if not _XML_NAME_END.search(predicate):
                raise NotAcceptable(
                    f"RDF/XML cannot write the property <{predicate}>: its IRI does not end "
                    "in an XML name. Ask for Turtle, N-Triples or JSON-LD instead."
                )
    text = " ".join(str(item) for item in items)
    used = {k: v for k, v in prefixes.items() if f"<{v}" in text}
    body = ox.serialize(items, format=rdf_format, prefixes=used) or b""
    if fmt.name == "rdfxml":
        return body
    # The writer puts its prefix header in hash order; ours is sorted.
    lines = body.split(b"\n")
    start = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix")), 0)
    header = [f"@prefix {k}: <{v}> .".encode() for k, v in sorted(used.items())]
    return b"\n".join([*header, *lines[start:]])


def _jsonld(quads: list[ox.Quad], prefixes: Mapping[str, str]) -> bytes:
    """Compact JSON-LD of the union (prefixes only), its nodes and values in a fixed order
    (rdflib's writer follows set order, which differs between processes)."""
    union = Graph()
    for t in _triples(quads):
        union.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))  # type: ignore[arg-type]
    data = json.loads(union.serialize(format="json-ld", context=dict(prefixes), auto_compact=True))
    nodes = data.get("@graph") if isinstance(data, dict) else None
    for node in nodes if isinstance(nodes, list) else [data]:
        for key, value in node.items():
            if not key.startswith("@") and isinstance(value, list):
                value.sort(key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(nodes, list):
        nodes.sort(key=lambda n: json.dumps(n, sort_keys=True))
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")


def serialise(
    data: Dataset | Graph, fmt: Format, prefixes: Mapping[str, Any] | None = None
) -> bytes:
    """`data` in one RDF format: the union of its graphs, or its graphs for TriG/N-Quads."""
    table = {k: str(v) for k, v in (prefixes or PREFIXES).items()}
    quads = _canonical(data)
    if fmt.name == "jsonld":
        return _jsonld(quads, table)
    return _oxigraph(fmt, quads, table)


def rdf_response(
    data: Dataset | Graph, fmt: Format, prefixes: Mapping[str, Any] | None = None
) -> Response:
    """A response holding `serialise(data, fmt)`, with its media type (and charset)."""
    response = Response(serialise(data, fmt, prefixes), mimetype=fmt.media_type)
    if fmt.media_type.startswith("text/") or fmt.name in TEXT_TYPES:
        response.headers["Content-Type"] = f"{fmt.media_type}; charset=utf-8"
    response.vary.add("Accept")
    return response


def query_answer(result: QueryResult, fmt: Format) -> bytes:
    """A SPARQL query's answer (results or a CONSTRUCT/DESCRIBE graph) in `fmt`: written by
    the store's result (graph/store/results.py), in the format the query ran for."""
    return result.serialize(fmt)
