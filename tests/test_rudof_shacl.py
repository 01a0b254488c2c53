"""The rudof engine (graph/build/rudof_shacl.py) gives the results pySHACL gives
(graph/build/validate.py `shacl()`), term for term, where rudof's own output differs from
pySHACL's: literal values with escapes, language tags and datatypes; blank nodes as focus
nodes and values; SHACL-AF SPARQL targets (which rudof ignores), selecting IRIs and blank
nodes; messages from the shapes. The whole-catalogue equivalence is in
tests/test_validation_groups.py.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from rdflib import Graph

from graph.build import rudof_shacl
from graph.build.groups import rdflib_graph
from graph.build.release import read_release
from graph.build.validate import ShapesError, result_order, shacl, validate_groups
from graph.canonical import literals_as_written
from graph.errors import Violation

SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .

ex:Thing a sh:NodeShape ; sh:targetClass ex:Thing ; sh:severity sh:Violation ;
    sh:property ex:Thing-label , ex:Thing-size , ex:Thing-part , ex:Thing-count .
ex:Thing-label a sh:PropertyShape ; sh:path ex:label ; sh:datatype xsd:integer ;
    sh:severity sh:Warning ; sh:message "a label is a number"@en , "ein Etikett"@de .
ex:Thing-size a sh:PropertyShape ; sh:path ex:size ; sh:maxInclusive 10 ;
    sh:severity sh:Violation ; sh:message "too large" .
ex:Thing-part a sh:PropertyShape ; sh:path ex:part ; sh:class ex:Part ;
    sh:severity sh:Violation ; sh:message "a part is a Part" .
ex:Thing-count a sh:PropertyShape ; sh:path [ sh:inversePath ex:of ] ; sh:maxCount 1 ;
    sh:severity sh:Info ; sh:message "one owner at most" .

ex:Flagged a sh:NodeShape ; sh:severity sh:Violation ;
    sh:target [ a sh:SPARQLTarget ; sh:prefixes ex:prefixes ;
                sh:select '''SELECT ?this WHERE {
                    ?this ex:flag true . FILTER NOT EXISTS { ?this ex:ok true } }''' ] ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message "flagged and unnamed" ] .
ex:prefixes sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
"""

DATA = r"""
ex:a rdf:type ex:Thing .
ex:a ex:label "say \"hi\"\n\tand a \\ backslash" .
ex:a ex:label "zero"@en-GB .
ex:a ex:label "0.0"^^xsd:decimal .
ex:a ex:label "7"^^xsd:integer .
ex:a ex:size "10.50"^^xsd:decimal .
ex:a ex:size "2"^^xsd:integer .
ex:a ex:part _:p1 .
ex:a ex:part ex:p2 .
_:p1 ex:label "blank" .
ex:p2 rdf:type ex:SubPart .
ex:SubPart rdfs:subClassOf ex:Part .
_:t2 rdf:type ex:Thing .
_:t2 ex:size "11"^^xsd:integer .
_:o1 ex:of _:t2 .
ex:o2 ex:of _:t2 .
ex:f1 ex:flag "true"^^xsd:boolean .
_:f2 ex:flag "true"^^xsd:boolean .
ex:f3 ex:flag "true"^^xsd:boolean .
ex:f3 ex:ok "true"^^xsd:boolean .
"""


def shapes_graph(text: str = SHAPES) -> Graph:
    with literals_as_written():
        return Graph().parse(data=text, format="turtle")


NAMESPACES = {
    "ex": "http://example.org/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}


def lines(text: str = DATA) -> list[str]:
    """`text`'s lines as N-Triples (prefixed names written out)."""
    prefixed = re.compile(r"(?<![\w\"])(ex|xsd|rdf|rdfs):(\w+)")
    full = prefixed.sub(lambda m: f"<{NAMESPACES[m[1]]}{m[2]}>", text)
    return [line for line in full.strip().splitlines() if line]


def by_pyshacl(data: list[str], shapes: Graph) -> list[Violation]:
    return shacl(rdflib_graph(data), shapes, advanced=True).results


def by_rudof(data: list[str], shapes: Graph) -> list[Violation]:
    return sorted(rudof_shacl.validate_lines(data, rudof_shacl.prepare(shapes)), key=result_order)


def test_rudof_gives_pyshacls_results_term_for_term() -> None:
    shapes = shapes_graph()
    ours, reference = by_rudof(lines(), shapes), by_pyshacl(lines(), shapes)
    assert ours == reference
    values = {r.value for r in ours}
    # what rudof itself abbreviates or unescapes comes back as the data wrote it
    assert '"0.0"^^<http://www.w3.org/2001/XMLSchema#decimal>' in values
    assert '"zero"@en-gb' in values  # (rdflib writes language tags in lower case)
    assert any(v and 'say "hi"' in v and "backslash" in v for v in values)
    assert "_:p1" in values  # a blank node keeps its label
    assert {r.focus_node for r in ours} >= {"http://example.org/a", "_:t2"}
    assert {r.message for r in ours if r.source_shape == "http://example.org/Thing-label"} == {
        "a label is a number / ein Etikett"
    }


def test_sparql_targets_select_iris_and_blank_nodes() -> None:
    """rudof ignores SHACL-AF SPARQL targets: the module runs them and marks what they select."""
    shapes = shapes_graph()
    flagged = [r for r in by_rudof(lines(), shapes) if r.path == "http://example.org/name"]
    assert sorted(r.focus_node for r in flagged) == ["_:f2", "http://example.org/f1"]
    assert {r.message for r in flagged} == {"flagged and unnamed"}


def test_the_marker_statements_never_show() -> None:
    shapes = shapes_graph()
    found = by_rudof(lines(), shapes)
    assert not any("shacl-target" in (r.path or "") + (r.value or "") for r in found)


def test_a_shape_without_a_message_keeps_rudofs_text() -> None:
    shapes = shapes_graph(SHAPES.replace('sh:message "too large" ', ""))
    ours = [r for r in by_rudof(lines(), shapes) if r.source_shape.endswith("Thing-size")]
    reference = [r for r in by_pyshacl(lines(), shapes) if r.source_shape.endswith("Thing-size")]
    assert len(ours) == len(reference) == 2
    assert all(r.message and not r.message.startswith('"') for r in ours)
    strip = [(r.severity, r.focus_node, r.path, r.value, r.source_shape) for r in ours]
    assert strip == [(r.severity, r.focus_node, r.path, r.value, r.source_shape) for r in reference]


@pytest.mark.parametrize("value", ['"abc"^^<http://www.w3.org/2001/XMLSchema#integer>',
                                   '"1e3"^^<http://www.w3.org/2001/XMLSchema#double>',
                                   '"x"^^<http://example.org/custom>'])  # fmt: skip
def test_literals_of_every_kind_come_back_as_written(value: str) -> None:
    data = lines() + [f"<http://example.org/a> <http://example.org/label> {value} ."]
    assert ox.parse(data[-1].encode(), format=ox.RdfFormat.N_TRIPLES)
    shapes = shapes_graph()
    ours, reference = by_rudof(data, shapes), by_pyshacl(data, shapes)
    assert ours == reference
    assert any(r.value == value for r in ours) or not any(r.value == value for r in reference)


def test_an_unknown_engine_is_refused_by_name() -> None:
    release = read_release()
    with pytest.raises(ShapesError, match="shacl_engine.*'jena'"):
        validate_groups(release, shapes_graph(), engine="jena")


def test_the_targets_are_given_only_the_statements_they_can_read() -> None:
    """The SPARQL targets run over the statements whose predicate they name (here ex:flag
    and ex:ok, the FILTER NOT EXISTS's too), and still select what they select over all of
    them; a line whose predicate is not read as such (a triple term as subject) is kept."""
    prepared = rudof_shacl.prepare(shapes_graph())
    assert prepared.target_reads == {"<http://example.org/flag>", "<http://example.org/ok>"}
    data = lines()
    kept = list(rudof_shacl._readable(data, prepared.target_reads))
    assert kept == [line for line in data if " <http://example.org/flag> " in line
                    or " <http://example.org/ok> " in line]  # fmt: skip
    odd = '<< <http://example.org/a> <http://example.org/x> "1" >> <http://example.org/y> "2" .'
    assert list(rudof_shacl._readable([odd], prepared.target_reads)) == [odd]
    assert list(rudof_shacl._readable(data, None)) == data


def test_a_target_reading_any_predicate_is_given_every_statement() -> None:
    """A target whose predicates are not known (a variable predicate) reads every statement:
    its reads are None, and rudof's results are pySHACL's."""
    shapes = shapes_graph(SHAPES.replace("?this ex:flag true .", "?this ?p true ."))
    assert rudof_shacl.prepare(shapes).target_reads is None
    found = by_rudof(lines(), shapes)
    assert found == by_pyshacl(lines(), shapes)
    assert sorted(r.focus_node for r in found if r.path == "http://example.org/name") == [
        "_:f2",
        "http://example.org/f1",
    ]
