"""The project SHACL shapes (shapes/prospectus-shapes.ttl) against example graphs.

Laid out like pySHACL's W3C test runner: every file in tests/shapes/valid/ must conform and
every file in tests/shapes/invalid/ must be rejected for exactly the reason in its header:

    # expect: shp:ScoreOnScaleStep not a step of the scale
    # expect-warning: shp:DeadlineNotAfterStart is after the start

`expect` lines name the Violations (shape + a fragment of its message), `expect-warning`
lines the Warnings. The set of shapes reported must equal the set named, and each reported
message must contain the fragment named for its shape.

Each example is validated with the build's one pySHACL wrapper (graph/build/validate.py
`shacl`), together with the ontology (ont_graph, and mixed into the data as the build does)
and the vocabularies (part of the data graph).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, RDF, SH

from graph import paths
from graph.build.validate import shacl

EXAMPLES = Path(__file__).resolve().parent / "shapes"
VALID = sorted((EXAMPLES / "valid").glob("*.ttl"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.ttl"))
SHAPES_DOC = URIRef("https://w3id.org/prospectus/shapes")

_HEADER = re.compile(r"^#\s*(expect|expect-warning):\s*(\S+)\s*(.*?)\s*$")


@cache
def shapes() -> Graph:
    graph = Graph()
    graph.parse(paths.SHAPES_FILE, format="turtle")
    return graph


@cache
def ontology() -> Graph:
    graph = Graph()
    graph.parse(paths.ONTOLOGY_FILE, format="turtle")
    return graph


@cache
def vocabularies() -> Graph:
    graph = Graph()
    files = sorted(paths.VOCAB_DIR.glob("*.ttl"))
    assert files, f"no vocabularies in {paths.VOCAB_DIR}"
    for path in files:
        graph.parse(path, format="turtle")
    return graph


@dataclass(frozen=True)
class Result:
    severity: str
    shape: URIRef
    message: str
    focus: str


def run(example: Path) -> list[Result]:
    data = Graph()
    data.parse(example, format="turtle")
    data += vocabularies()
    data += ontology()
    report = shacl(data, shapes(), ontology=ontology(), advanced=True)
    return [
        Result(r.severity, URIRef(r.source_shape), r.message, r.focus_node) for r in report.results
    ]


def expectations(example: Path) -> dict[str, dict[URIRef, str]]:
    """{"Violation": {shape: fragment}, "Warning": {...}} from the file's comment header."""
    found: dict[str, dict[URIRef, str]] = {"Violation": {}, "Warning": {}}
    namespaces = shapes().namespace_manager
    for line in example.read_text(encoding="utf-8").splitlines():
        match = _HEADER.match(line)
        if match:
            kind, curie, fragment = match.groups()
            severity = "Violation" if kind == "expect" else "Warning"
            found[severity][namespaces.expand_curie(curie)] = fragment
    return found


def check(example: Path, results: list[Result]) -> None:
    expected = expectations(example)
    for severity, wanted in expected.items():
        got = [r for r in results if r.severity == severity]
        report = "\n".join(f"  {r.shape} on {r.focus}: {r.message}" for r in got)
        assert {r.shape for r in got} == set(wanted), (
            f"{example.name}: expected {severity}s from {sorted(wanted)}, got\n{report}"
        )
        for r in got:
            assert wanted[r.shape] in r.message, (
                f"{example.name}: {r.shape} said {r.message!r}, "
                f"expected it to mention {wanted[r.shape]!r}"
            )
    others = [r for r in results if r.severity not in expected]
    assert not others, f"{example.name}: unexpected results {others}"


def test_examples_exist() -> None:
    assert len(VALID) >= 4
    assert len(INVALID) >= 20


@pytest.mark.parametrize("example", VALID, ids=[p.stem for p in VALID])
def test_valid_example_conforms(example: Path) -> None:
    assert not expectations(example)["Violation"], "a valid example expects no Violation"
    check(example, run(example))


@pytest.mark.parametrize("example", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_example_is_rejected_for_its_reason(example: Path) -> None:
    wanted = expectations(example)["Violation"]
    assert wanted, f"{example.name} has no '# expect: shp:Shape message' header"
    check(example, run(example))


def test_warnings_only_example_reports_its_warning() -> None:
    warned = [p for p in VALID if expectations(p)["Warning"]]
    assert warned, "one valid example must exercise the Warnings"
    for example in warned:
        results = run(example)
        assert {r.severity for r in results} == {"Warning"}


def test_every_expected_shape_exists() -> None:
    declared = set(shapes().subjects(SH.severity, None))
    for example in VALID + INVALID:
        for wanted in expectations(example).values():
            missing = set(wanted) - declared
            assert not missing, f"{example.name} names unknown shapes {missing}"


def test_every_sparql_rule_is_exercised() -> None:
    """Each SHACL-SPARQL shape is triggered by at least one example."""
    sparql_shapes = {s for s in shapes().subjects(SH.sparql, None) if isinstance(s, URIRef)}
    expected = {
        shape
        for example in VALID + INVALID
        for wanted in expectations(example).values()
        for shape in wanted
    }
    assert sparql_shapes - expected == set()


def _shape_nodes(graph: Graph) -> set:
    nodes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(
        graph.subjects(RDF.type, SH.PropertyShape)
    )
    nodes |= set(graph.objects(None, SH.property)) | set(graph.objects(None, SH.node))
    return nodes


# Parameters that make a shape report something itself (targets and sh:property do not).
_CONSTRAINTS = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH.minCount,
    SH.maxCount,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH.pattern,
    SH.languageIn,
    SH.uniqueLang,
    SH["in"],
    SH.hasValue,
    SH.node,
    SH["or"],
    SH["and"],
    SH["not"],
    SH.lessThan,
    SH.lessThanOrEquals,
    SH.equals,
    SH.disjoint,
    SH.closed,
}


def test_every_shape_has_an_explicit_severity() -> None:
    graph = shapes()
    for node in _shape_nodes(graph):
        severity = graph.value(node, SH.severity)
        assert severity in {SH.Violation, SH.Warning, SH.Info}, f"{node} has no sh:severity"


def test_every_constraint_has_a_message() -> None:
    graph = shapes()
    for node in _shape_nodes(graph):
        if any((node, p, None) in graph for p in _CONSTRAINTS):
            assert graph.value(node, SH.message) is not None, f"{node} has no sh:message"
    constraints = list(graph.objects(None, SH.sparql))
    assert constraints
    for node in constraints:
        message = graph.value(node, SH.message)
        assert isinstance(message, Literal) and str(message), f"{node} has no sh:message"


def test_sparql_shapes_carry_no_second_message() -> None:
    """pySHACL would report a shape-level sh:message next to the constraint's own one."""
    graph = shapes()
    for shape in set(graph.subjects(SH.sparql, None)):
        assert graph.value(shape, SH.message) is None, shape


def test_shapes_document_header() -> None:
    graph = shapes()
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license):
        assert graph.value(SHAPES_DOC, prop) is not None, f"shapes document lacks {prop}"
    prefixes = {str(graph.value(d, SH.prefix)) for d in graph.objects(SHAPES_DOC, SH.declare)}
    assert {"pro", "skos", "dct", "prov", "xsd"} <= prefixes


def test_shapes_graph_loads_in_pyshacl() -> None:
    report = shacl(Graph(), shapes(), advanced=True)
    assert report.conforms, [r.render() for r in report.results]


def test_language_lists_are_well_formed() -> None:
    graph = shapes()
    for node in graph.objects(None, SH.languageIn):
        tags = [str(t) for t in Collection(graph, node)]
        assert tags and all(re.fullmatch(r"[a-z]{2}", t) for t in tags), tags
