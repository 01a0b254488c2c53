"""SHACL validation with rudof (https://rudof-project.github.io/, the `pyrudof` package): a
SHACL engine written in Rust, the build's engine for validating its groups of sources
(graph/build/validate.py, setting `shacl_engine`). It gives the results pySHACL gives, in the
same form (`Violation`s: terms as validate.py's `shacl()` writes them), several times faster.

What rudof does not do as pySHACL does, and how this module makes up for it:

- SHACL-AF SPARQL targets (`sh:target [ a sh:SPARQLTarget ; sh:select … ]`) are ignored by
  rudof. Each is run here in Oxigraph over the data being validated; every node it selects
  gets a marker statement (predicate `SHACL_TARGET_MARKER` + the target's number,
  graph/iris.py), and the shape given to rudof targets the subjects of that predicate
  instead (`sh:targetSubjectsOf`: rudof cannot target a blank node by `sh:targetNode`).
  Only the statements whose predicate a target can read are loaded for them
  (graph/build/sparql_reads.py; all of them when a target's reads are not known).
- A result's message is the shape's `sh:message`s (as pySHACL gives them); rudof prepends
  a text of its own. A shape without a message keeps rudof's text.
- A path that is not an IRI comes back written as a SPARQL path (`^(…)`): the result names
  its shape's `sh:path` node, as pySHACL's do.
- Literal values come back from rudof abbreviated (`"0.0"^^xsd:decimal`, escapes undone):
  each is looked up among the literals of the data (read only when a result has one),
  and written as `shacl()` writes them.
  Blank nodes keep the labels the data had.

rudof runs on the data as one graph: the caller puts the ontology's statements in it.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
import pyrudof as pr
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ..canonical import literals_as_written
from ..errors import Violation
from ..iris import SHACL_TARGET_MARKER
from .groups import _rdflib, parse_lines
from .sparql_reads import predicates, query_reads

# What rudof reports as a literal: "lexical form" then @language or ^^datatype (<iri> or a
# prefixed name). The lexical form is as read, escapes undone, so it may hold quotes.
LITERAL = re.compile(r'"(.*)"(?:@([A-Za-z0-9-]+)|\^\^(<[^<>]*>|[^\s<>"]*))?', re.DOTALL)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
VERSION: str = pr.__version__


@dataclass(frozen=True)
class Shapes:
    """Shapes prepared for rudof once per build: `text` (N-Triples) with every SPARQL target
    replaced by a marker's target, `targets` (marker predicate, SELECT with its prefixes),
    `messages` (source shape as reported -> its messages joined as shacl() joins them),
    `paths` (property shape as reported -> its sh:path as reported), `target_reads` (the
    predicates the targets can read, as N-Triples IRIs; None: any)."""

    text: str
    targets: tuple[tuple[str, str], ...]
    messages: dict[str, str]
    paths: dict[str, str]
    target_reads: frozenset[str] | None = None


def reported(node: Node) -> str:
    """A term as validate.py's shacl() reports it: an IRI bare, anything else in N-Triples."""
    if isinstance(node, URIRef):
        return str(node)
    with warnings.catch_warnings():  # rdflib warns about an ill-typed literal, as written
        warnings.simplefilter("ignore", UserWarning)
        return node.n3()


def _prefixes(shapes: Graph, target: Node) -> str:
    return "".join(
        f"PREFIX {shapes.value(d, SH.prefix)}: <{shapes.value(d, SH.namespace)}>\n"
        for holder in shapes.objects(target, SH.prefixes)
        for d in shapes.objects(holder, SH.declare)
    )


def prepare(shapes: Graph) -> Shapes:
    """`shapes` as rudof is given them (module doc)."""
    given = Graph()
    given += shapes
    targets: list[tuple[str, str]] = []
    for shape, target in sorted(shapes.subject_objects(SH.target)):
        select = shapes.value(target, SH.select)
        if (target, RDF.type, SH.SPARQLTarget) not in shapes or select is None:
            continue
        marker = f"{SHACL_TARGET_MARKER}{len(targets)}"
        targets.append((marker, _prefixes(shapes, target) + str(select)))
        given.remove((shape, SH.target, target))
        for triple in list(given.triples((target, None, None))):
            given.remove(triple)
        given.add((shape, SH.targetSubjectsOf, URIRef(marker)))
    messages = {}
    for shape in set(shapes.subjects(SH.message, None)):
        texts = sorted(str(m) for m in shapes.objects(shape, SH.message))
        messages[reported(shape)] = " / ".join(texts)
    paths = {reported(shape): reported(path) for shape, path in shapes.subject_objects(SH.path)}
    with literals_as_written():
        text = given.serialize(format="nt", encoding="utf-8").decode("utf-8")
    return Shapes(text, tuple(targets), messages, paths, _target_reads(targets))


def _target_reads(targets: Iterable[tuple[str, str]]) -> frozenset[str] | None:
    read: set[str] = set()
    for _marker, select in targets:
        keys = query_reads(select)
        if keys is None:
            return None
        read |= {f"<{p}>" for p in predicates(keys)}
    return frozenset(read)


def _readable(lines: Iterable[str], read: frozenset[str] | None) -> Iterator[str]:
    """The N-Triples `lines` whose predicate is one of `read` (None: all). A line whose
    predicate is not surely its second term (a triple term as subject) is kept."""
    if read is None:
        yield from lines
        return
    for line in lines:
        parts = line.split(" ", 2)
        predicate = parts[1] if len(parts) == 3 and not line.startswith("<<") else ""
        if predicate in read or not (predicate.startswith("<") and predicate.endswith(">")):
            yield line


def _marked(quads: Iterable[ox.Quad], targets: Iterable[tuple[str, str]]) -> list[str]:
    """Marker statements for the nodes each SPARQL target selects in `quads`."""
    targets = list(targets)
    if not targets:
        return []
    store = ox.Store()
    store.bulk_extend(quads)
    found: set[str] = set()
    for marker, select in targets:
        for row in store.query(select, use_default_graph_as_union=True):  # type: ignore[union-attr]
            node = row["this"]
            if isinstance(node, ox.NamedNode | ox.BlankNode):
                found.add(f'{node} <{marker}> "" .')
    return sorted(found)


def _literals(quads: Iterable[ox.Quad]) -> dict[tuple[str, str, str], ox.Literal]:
    """The literals of `quads` by (lexical form, language, datatype's local name)."""
    found: dict[tuple[str, str, str], ox.Literal] = {}
    for quad in quads:
        term = quad.object
        if isinstance(term, ox.Literal):
            datatype = "" if term.language else term.datatype.value
            local = "" if datatype == XSD_STRING else re.split(r"[#/:]", datatype)[-1]
            found.setdefault((term.value, (term.language or "").lower(), local), term)
    return found


def _value(text: str | None, literals: dict[tuple[str, str, str], ox.Literal]) -> str | None:
    """rudof's rendering of a result's value -> as shacl() reports it."""
    if text is None:
        return None
    if not text.startswith('"'):
        return text  # an IRI (bare) or a blank node (_:label), as shacl() writes them
    match = LITERAL.fullmatch(text)
    if match is None:
        return text
    lexical, language, datatype = match[1], match[2] or "", match[3] or ""
    local = re.split(r"[#/:]", datatype.strip("<>"))[-1] if datatype else ""
    if local == "string":
        local = ""
    literal = literals.get((lexical, language.lower(), local))
    if literal is None:
        return text
    with literals_as_written():
        return reported(_rdflib(literal))


def _message(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


# A rudof session per shapes text, kept by the process: each call reads new data into it
# (reading the shapes costs as much as validating a few programmes).
_SESSIONS: dict[str, pr.Rudof] = {}


def _session(shapes: Shapes) -> pr.Rudof:
    rudof = _SESSIONS.get(shapes.text)
    if rudof is None:
        _SESSIONS.clear()
        rudof = pr.Rudof(pr.RudofConfig())
        rudof.read_shacl(shapes.text, format=pr.ShaclFormat.Turtle)
        _SESSIONS[shapes.text] = rudof
    return rudof


def validate_lines(lines: Sequence[str], shapes: Shapes) -> list[Violation]:
    """The results of `shapes` over the data of N-Triples `lines` (one graph), unsorted and
    not located (source_file None), in the form validate.py's shacl() gives them."""
    # (_marked reads nothing when there are no targets: the parse is lazy)
    marked = _marked(parse_lines(_readable(lines, shapes.target_reads)), shapes.targets)
    rudof = _session(shapes)
    rudof.reset_data()
    rudof.read_data("\n".join([*lines, *marked, ""]), format=pr.RDFFormat.NTriples)
    found = rudof.validate_shacl().violations
    literals: dict[tuple[str, str, str], ox.Literal] = {}
    if any(r.value is not None and str(r.value).startswith('"') for r in found):
        literals = _literals(parse_lines(lines))
    results = []
    for result in found:
        shape = str(result.source_shape)
        results.append(
            Violation(
                severity=str(result.severity),
                focus_node=str(result.focus_node),
                path=None if result.path is None else shapes.paths.get(shape, str(result.path)),
                value=_value(None if result.value is None else str(result.value), literals),
                message=shapes.messages.get(shape) or _message(str(result.message)),
                source_shape=shape,
            )
        )
    return results
