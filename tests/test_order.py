"""The catalogue order (graph/build/order.py): one position per programme, 1..N, by title."""

from __future__ import annotations

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from graph.build import order
from graph.build.release import read_release
from graph.iris import ID, ORDER_GRAPH, PRO


def test_positions_rank_by_smallest_title_then_iri() -> None:
    ranked = order.positions(
        [
            ("urn:b", ("Zoology", "en")),
            ("urn:b", ("Anatomy", "en")),  # its smallest title counts
            ("urn:a", ("Anatomy", "en")),  # same title: the IRI decides
            ("urn:c", ("Anatomy", "de")),  # same text: the language tag decides
            ("urn:d", ("Botany", "en")),
        ]
    )
    assert ranked == [("urn:c", 1), ("urn:a", 2), ("urn:b", 3), ("urn:d", 4)]


def test_code_point_order_not_locale_order() -> None:
    ranked = order.positions(
        [("urn:x", ("Ångström", "en")), ("urn:y", ("Zeta", "en")), ("urn:z", ("alpha", "en"))]
    )
    assert [iri for iri, _n in ranked] == ["urn:y", "urn:z", "urn:x"]


def test_order_graph_replaces_a_stale_one() -> None:
    dataset = Dataset()
    source = dataset.graph(URIRef(ID["source/example"]))
    for n, title in enumerate(("Beta", "Alpha", "Gamma")):
        programme = URIRef(ID[f"programme/example/p{n}"])
        source.add((programme, RDF.type, PRO.StudyProgramme))
        source.add((programme, DCTERMS.title, Literal(title, lang="en")))
    stale = dataset.graph(ORDER_GRAPH)
    stale.add((URIRef(ID["programme/example/gone"]), PRO.listPosition, Literal(7)))
    order.add_order(dataset)
    positions = {
        str(s).rsplit("/", 1)[-1]: o.toPython()
        for s, o in dataset.graph(ORDER_GRAPH).subject_objects(PRO.listPosition)
    }
    assert positions == {"p1": 1, "p0": 2, "p2": 3}
    assert all(
        o.datatype == XSD.integer
        for o in dataset.graph(ORDER_GRAPH).objects(None, PRO.listPosition)
    )


def test_the_build_ranks_every_bundled_programme() -> None:
    dataset = read_release().dataset
    programmes = {s for s, _p, _o, _g in dataset.quads((None, RDF.type, PRO.StudyProgramme, None))}
    graph = dataset.graph(ORDER_GRAPH)
    ranks = dict(graph.subject_objects(PRO.listPosition))
    assert set(ranks) == programmes and len(programmes) >= 2
    assert sorted(r.toPython() for r in ranks.values()) == list(range(1, len(programmes) + 1))
    assert (ORDER_GRAPH, RDF.type, PRO.CurationRecord) in graph
