"""Reading a version's sorted N-Quads by line (graph/store/sorted_nquads.py): the statistics'
pass takes each line's terms as written (`line_terms`, `subject_runs`), the search index
parses only the lines of the predicates it keeps (`quads_with_predicates`), neither through
pyoxigraph line by line; the union of the graphs is the lines' triples in order, without a
sort (graph/build/union.py, `triple_lines`). The lines that make a pattern hard (literals
holding spaces, `<…>`, `_:x`, " ." and escapes, the default graph, blank-node graph names, a
triple term) must give the terms, quads and triples pyoxigraph reads, and the statistics
must be those counted from pyoxigraph's quads."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.build import union
from graph.build.writers.statistics import compute_statistics
from graph.build.writers.statistics_update import resource_digest
from graph.canonical import sorted_lines
from graph.iris import PRO
from graph.store import sorted_nquads
from graph.store.sorted_nquads import (
    SortedNQuads,
    line_terms,
    quads_with_predicates,
    subject_runs,
    text_quads,
)

BASE = "https://example.org/id/"
XSD = "http://www.w3.org/2001/XMLSchema#"
S = ox.NamedNode(BASE + "programme/a")
T = ox.NamedNode(BASE + "programme/b")
P = ox.NamedNode("https://example.org/p")
Q = ox.NamedNode("https://example.org/q")
G = ox.NamedNode(BASE + "graph/one")
H = ox.NamedNode(BASE + "graph/two")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PROGRAMME = ox.NamedNode(str(PRO.StudyProgramme))
START = ox.NamedNode(str(PRO.startDate))
TRICKY = [
    ox.Literal("two words"),
    ox.Literal("ends like a quad <https://example.org/g> ."),
    ox.Literal("a _:b"),
    ox.Literal('quote " and backslash \\ and \\" both'),
    ox.Literal("line\nbreak\ttab\r"),
    ox.Literal("étude ✓ 𝄞"),
    ox.Literal("gelijk", language="nl"),
    ox.Literal("mixed case", language="en-GB"),
    ox.Literal("120.0", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("120", datatype=ox.NamedNode(XSD + "decimal")),
    ox.Literal("P24M", datatype=ox.NamedNode(XSD + "duration")),
    ox.Literal("2026-09-01", datatype=ox.NamedNode(XSD + "date")),
    ox.Literal("a b", datatype=ox.NamedNode("https://example.org/dt")),
    ox.BlankNode("b1"),
    ox.NamedNode("https://example.org/o?x=1#frag"),
]


def _quads() -> list[ox.Quad]:
    quads = [ox.Quad(S, TYPE, PROGRAMME, G), ox.Quad(T, TYPE, PROGRAMME, H)]
    for i, obj in enumerate(TRICKY):
        quads.append(ox.Quad(S, P, obj, G))
        quads.append(ox.Quad(T, Q, obj, H if i % 2 else G))
        quads.append(ox.Quad(S, P, obj, H))  # the same triple in another graph
        quads.append(ox.Quad(S, Q, obj))  # the default graph
        quads.append(ox.Quad(ox.BlankNode("x"), P, obj, ox.BlankNode("graph")))
    quads.append(ox.Quad(T, P, ox.Triple(S, P, ox.Literal("said")), G))
    quads.append(
        ox.Quad(S, START, ox.Literal("2026-09", datatype=ox.NamedNode(XSD + "gYearMonth")), G)
    )
    quads.append(
        ox.Quad(T, START, ox.Literal("2027-02-01", datatype=ox.NamedNode(XSD + "date")), H)
    )
    return quads


@pytest.fixture
def written(tmp_path: Path) -> Path:
    """The quads as a version's dataset.nq holds them: pyoxigraph's lines, sorted."""
    path = tmp_path / "dataset.nq"
    path.write_bytes(sorted_lines(ox.serialize(_quads(), format=ox.RdfFormat.N_QUADS) or b""))
    return path


def _text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph) -> bytes:
    return str(term).encode()


def test_each_line_gives_the_terms_pyoxigraph_reads(written: Path) -> None:
    lines = written.read_bytes().splitlines(keepends=True)
    assert len(lines) == len(set(_quads()))
    for line in lines:
        quad = next(iter(ox.parse(line, format=ox.RdfFormat.N_QUADS)))
        graph = None if isinstance(quad.graph_name, ox.DefaultGraph) else _text(quad.graph_name)
        expected = (_text(quad.subject), _text(quad.predicate), _text(quad.object), graph)
        assert line_terms(line) == expected, line
    # all but the triple term's line are read by the pattern, not by pyoxigraph
    assert sum(sorted_nquads._LINE.fullmatch(line) is None for line in lines) == 1


def test_text_quads_give_each_term_as_the_line_writes_it(written: Path) -> None:
    """graph/store/staged_batch.py reads lines by `text_quads`: each term as the line writes
    it (a triple term within `<<( … )>>`, never bare like an IRI's text), the graph None for
    the default graph, and the triple's text as pyoxigraph writes the triple."""
    lines = written.read_text(encoding="utf-8").splitlines()
    for line, (s, p, o, g, triple) in zip(lines, text_quads(lines), strict=True):
        quad = next(iter(ox.parse(line, format=ox.RdfFormat.N_QUADS)))
        graph = None if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)
        assert line == " ".join([s, p, o, *([g] if g is not None else []), "."]), line
        expected = (str(quad.subject), str(quad.predicate), graph, str(quad.triple))
        assert (s, p, g, triple) == expected, line
        if isinstance(quad.object, ox.Triple):
            assert o.startswith("<<( ") and o.endswith(" )>>"), line
        else:
            assert o == str(quad.object), line


def test_runs_keep_each_subject_whole_and_digest_as_the_quads_do(written: Path) -> None:
    quads = list(ox.parse(written.read_bytes(), format=ox.RdfFormat.N_QUADS))
    by_subject: dict[bytes, list[ox.Quad]] = {}
    for q in quads:
        by_subject.setdefault(_text(q.subject), []).append(q)
    runs = list(subject_runs(written))
    assert [s for s, _, _ in runs] == sorted(by_subject)
    for subject, lines, terms in runs:
        assert len(lines) == len(terms) == len(by_subject[subject])
        assert sorted(lines) == sorted(_text(q) for q in by_subject[subject])
        assert resource_digest(by_subject[subject])  # the digest the rebuild compares
        assert all(t[0] == subject for t in terms)


def test_counts_are_those_of_the_quads(written: Path) -> None:
    quads = set(_quads())
    store = ox.Store()
    store.extend(quads)
    digests: dict[str, list[bytes]] = {}
    with SortedNQuads(written) as quads_file:
        found = compute_statistics(
            quads_file, BASE, lambda iri, lines: digests.update({iri: lines})
        )
    triples = {q.triple for q in quads}
    predicates = Counter(t.predicate.value for t in triples)
    named = Counter(q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode))
    assert found["quads"] == len(quads)
    assert found["triples"] == len(triples)
    assert found["distinct_subjects"] == len({t.subject for t in triples})
    assert found["entities"] == 2
    assert found["property_partitions"] == dict(sorted(predicates.items()))
    assert found["class_partitions"] == {PROGRAMME.value: 2}
    assert {g: v["triples"] for g, v in found["graphs"].items()} == dict(named)
    # objects: each term as written, so "120.0" and "120" are two, a triple term is one
    assert found["distinct_objects"] == len({str(t.object) for t in triples})
    # the IRIs, blank nodes, triple terms and strings among them: as the store counts them
    strings = (XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")
    by_store = store.query(
        "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }"
        f" FILTER(!isLiteral(?o) || datatype(?o) IN (<{strings[0]}>, <{strings[1]}>)) }}"
    )
    other = {
        str(t.object)
        for t in triples
        if isinstance(t.object, ox.Literal) and t.object.datatype.value not in strings
    }
    assert found["distinct_objects"] == int(next(iter(by_store))["n"].value) + len(other)
    assert found["examples"] == [S.value, T.value]
    assert found["temporal"] == ["2026-09-01", "2027-02-01"]
    assert set(digests) == {S.value, T.value}
    for iri, lines in digests.items():
        own = [q for q in quads if q.subject == ox.NamedNode(iri)]
        assert sorted(lines) == sorted(_text(q) for q in own)


def test_only_the_lines_of_the_predicates_asked_for_are_read(written: Path) -> None:
    data = written.read_bytes().rstrip(b"\n")  # the last line without its line break
    written.write_bytes(data)
    quads = set(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    for predicates in ({Q.value}, {P.value, START.value}, {TYPE.value}, set()):
        found = list(quads_with_predicates(written, predicates))
        assert len(found) == len(set(found))
        assert set(found) == {q for q in quads if q.predicate.value in predicates}


def _union_reference(data: bytes) -> bytes:
    """What `sort -u` of every quad's triple written by pyoxigraph gives."""
    triples = {q.triple for q in ox.parse(data, format=ox.RdfFormat.N_QUADS)}
    lines = {ox.serialize([t], format=ox.RdfFormat.N_TRIPLES) or b"" for t in triples}
    return b"".join(sorted(lines, key=lambda line: line[:-1]))


def test_the_union_of_sorted_lines_needs_no_sort(written: Path, tmp_path: Path) -> None:
    """union.from_scratch writes each triple once, in order, from the sorted lines (a
    triple stated in several graphs and in the default graph included); a file that is
    not sorted is sorted instead, with the same result."""
    expected = _union_reference(written.read_bytes())
    target = tmp_path / "union.nt"
    assert union.from_scratch(written, target, tmp_path) == expected.count(b"\n")
    assert target.read_bytes() == expected
    direct = tmp_path / "direct.nt"
    assert union.write_lines(union.in_order(written), direct) == expected.count(b"\n")
    assert direct.read_bytes() == expected  # no sort needed
    shuffled = tmp_path / "shuffled.nq"
    shuffled.write_bytes(b"".join(reversed(written.read_bytes().splitlines(keepends=True))))
    with pytest.raises(union.NotInOrder):
        union.write_lines(union.in_order(shuffled), direct)
    assert union.from_scratch(shuffled, target, tmp_path) == expected.count(b"\n")
    assert target.read_bytes() == expected
