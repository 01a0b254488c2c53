"""graph/store/staged.py: lookups over a staged version's sorted N-Quads and store give the
terms as written (not the store's canonical literals), find IRI and blank-node subjects by
object, leave hidden graphs out, and serve an rdflib Graph view of the union."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from graph.canonical import literals_as_written, sorted_lines
from graph.store.oxigraph import create_on_disk
from graph.store.sorted_nquads import SortedNQuads
from graph.store.staged import StagedLookup, union_graph
from graph.store.staged_batch import TermLookup

EX = "http://example.org/"
NQ = f"""\
<{EX}p1> <{EX}duration> "P24M"^^<http://www.w3.org/2001/XMLSchema#duration> <{EX}g1> .
<{EX}p1> <{EX}credits> "120.0"^^<http://www.w3.org/2001/XMLSchema#decimal> <{EX}g1> .
<{EX}p1> <{EX}provider> <{EX}org> <{EX}g1> .
<{EX}p1> <{EX}provider> <{EX}org> <{EX}g2> .
<{EX}p2> <{EX}provider> <{EX}org> <{EX}g2> .
<{EX}p2> <{EX}position> "2"^^<http://www.w3.org/2001/XMLSchema#integer> <{EX}order> .
_:c14n0 <{EX}about> <{EX}org> <{EX}g1> .
_:c14n0 <{EX}note> "a note" <{EX}g1> .
"""


@pytest.fixture()
def lookup(tmp_path: Path) -> Iterator[StagedLookup]:
    nq = tmp_path / "dataset.nq"
    nq.write_bytes(sorted_lines(NQ.encode()))
    create_on_disk(nq, tmp_path / "store")
    quads_file = SortedNQuads(nq)
    store = ox.Store.read_only(str(tmp_path / "store"))
    yield StagedLookup(quads_file, store, hidden=[EX + "order"])
    quads_file.close()


def test_literals_come_back_as_written(lookup: StagedLookup) -> None:
    with literals_as_written():
        found = {q[2] for q in lookup.quads(URIRef(EX + "p1"), None, None, None)}
        assert Literal("P24M", datatype=XSD.duration) in found
        assert Literal("120.0", datatype=XSD.decimal) in found
    assert all(str(o) != "P2Y" for o in found)


def test_subjects_by_object_include_blank_nodes_as_written(lookup: StagedLookup) -> None:
    subjects = set(lookup.subjects_for(None, URIRef(EX + "org")))
    assert subjects == {URIRef(EX + "p1"), URIRef(EX + "p2"), BNode("c14n0")}
    notes = [q[2] for q in lookup.quads(BNode("c14n0"), URIRef(EX + "note"), None, None)]
    assert notes == [Literal("a note")]


def test_hidden_graphs_are_left_out(lookup: StagedLookup) -> None:
    assert list(lookup.quads(URIRef(EX + "p2"), URIRef(EX + "position"), None, None)) == []
    assert URIRef(EX + "order") not in lookup.named_graphs()


def test_union_graph_has_each_triple_once(lookup: StagedLookup) -> None:
    graph = union_graph(lookup)
    providers = list(graph.triples((URIRef(EX + "p1"), URIRef(EX + "provider"), None)))
    assert providers == [(URIRef(EX + "p1"), URIRef(EX + "provider"), URIRef(EX + "org"))]
    assert set(graph.subjects(URIRef(EX + "provider"), URIRef(EX + "org"))) == {
        URIRef(EX + "p1"),
        URIRef(EX + "p2"),
    }
    assert (URIRef(EX + "p1"), URIRef(EX + "duration"), None) in graph


def test_a_cache_miss_and_a_hit_give_the_same_answer(lookup: StagedLookup) -> None:
    first = lookup.subject_quads(URIRef(EX + "p1"))
    lookup.prefetch([URIRef(EX + "p1"), URIRef(EX + "p2"), URIRef(EX + "missing")])
    assert lookup.subject_quads(URIRef(EX + "p1")) == first
    assert lookup.subject_quads(URIRef(EX + "missing")) == ()
    assert len(first) == 4  # one quad per graph: the store protocol keeps graph names


def test_term_lookup_finds_iri_subjects_once_and_leaves_hidden_graphs_out(tmp_path: Path) -> None:
    """TermLookup.subjects: one SPARQL query over the union when no hidden graph holds the
    pattern, else the store's quads one by one; the same answer either way."""
    nq = tmp_path / "dataset.nq"
    nq.write_bytes(sorted_lines(NQ.encode()))
    create_on_disk(nq, tmp_path / "store")
    store = ox.Store.read_only(str(tmp_path / "store"))
    provider, org = ox.NamedNode(EX + "provider"), ox.NamedNode(EX + "org")
    position, two = (
        ox.NamedNode(EX + "position"),
        ox.Literal("2", datatype=ox.NamedNode(XSD.integer)),
    )
    with SortedNQuads(nq) as quads_file:
        lookup = TermLookup(quads_file, store, hidden=[EX + "order"])
        assert lookup.subjects(provider, org) == [EX + "p1", EX + "p2"]  # no blank node
        assert lookup.subjects(position, two) == []  # stated in the hidden graph only
        shown = TermLookup(quads_file, store)
        assert shown.subjects(position, two) == [EX + "p2"]
