"""Change records: what each published version added and removed, per named graph."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.term import Node

from graph import versions
from graph.build.writers import changes
from graph.iris import CHANGESET, DCAT, PROV
from tests.conftest import ROOT
from tests.support import cli
from tests.support.publishing import fixture_dataset, make_client, publish_fixture

BASE = "https://w3id.org/prospectus/id/"
PORTAL = BASE + "source/example-portal"
CURATION = BASE + "source/curation"
ONTOLOGY = BASE + "graph/ontology"
PROGRAMME = URIRef(BASE + "programme/example/msc-example")
TITLE = URIRef("http://purl.org/dc/terms/title")

Triple = tuple[Node, Node, Node]


def recorded(version: versions.Version) -> dict[str, tuple[set[Triple], set[Triple]]]:
    return changes.read_changes(changes.read_record(version))


def test_first_version_records_its_publication_only(tmp_path: Path) -> None:
    version = publish_fixture(tmp_path)
    record = changes.read_record(version)
    activity = changes.record_iri(BASE, version.id)
    assert (activity, RDF.type, PROV.Activity) in record
    assert (activity, PROV.generated, changes.version_iri(BASE, version.id)) in record
    assert recorded(version) == {}
    assert version.manifest["changes"] == {"previous": None, "added": 0, "removed": 0, "graphs": {}}


def test_one_changed_literal_is_exactly_one_addition_and_one_removal(tmp_path: Path) -> None:
    first = publish_fixture(tmp_path)
    dataset = fixture_dataset()
    graph = dataset.graph(URIRef(PORTAL))
    old = (PROGRAMME, TITLE, Literal("MSc Example Studies", lang="en"))
    new = (PROGRAMME, TITLE, Literal("MSc Example Science", lang="en"))
    graph.remove(old)
    graph.add(new)
    second = publish_fixture(tmp_path, dataset)
    assert second.previous == first.id
    assert recorded(second) == {PORTAL: ({new}, {old})}
    assert second.manifest["changes"]["graphs"] == {PORTAL: {"added": 1, "removed": 1}}
    record = changes.read_record(second)
    activity = changes.record_iri(BASE, second.id)
    assert (activity, PROV.used, changes.version_iri(BASE, first.id)) in record
    changeset = next(record.objects(activity, URIRef("http://purl.org/dc/terms/hasPart")))
    assert (changeset, RDF.type, CHANGESET.ChangeSet) in record
    assert (changeset, CHANGESET.subjectOfChange, URIRef(PORTAL)) in record


def test_changed_literals_are_recorded_as_written(tmp_path: Path) -> None:
    """The record holds the source's terms: a duration of 24 months stays "P24M" (not the
    canonical "P2Y") and a decimal "120" stays "120" (not "120.0")."""
    first = publish_fixture(tmp_path)
    dataset = fixture_dataset()
    graph = dataset.graph(URIRef(PORTAL))
    duration = (PROGRAMME, URIRef("http://data.europa.eu/snb/model/elm/duration"))
    credits = (PROGRAMME, URIRef("https://w3id.org/prospectus/ontology#creditsStated"))
    graph.add((*duration, Literal("P24M", datatype=XSD.duration, normalize=False)))
    graph.add((*credits, Literal("120", datatype=XSD.decimal, normalize=False)))
    second = publish_fixture(tmp_path, dataset)
    assert second.previous == first.id
    added, _removed = recorded(second)[PORTAL]
    written = {(p, str(o), o.datatype) for _s, p, o in added if isinstance(o, Literal)}
    assert written == {
        (duration[1], "P24M", XSD.duration),
        (credits[1], "120", XSD.decimal),
    }


def test_graphs_that_appear_or_disappear(tmp_path: Path) -> None:
    publish_fixture(tmp_path)
    dataset = fixture_dataset()
    curation = set(dataset.graph(URIRef(CURATION)))
    dataset.remove((None, None, None, URIRef(CURATION)))
    added = (URIRef(BASE + "source/new-page"), RDFS.label, Literal("A new page", lang="en"))
    dataset.graph(URIRef(BASE + "source/new-page")).add(added)
    second = publish_fixture(tmp_path, dataset)
    assert recorded(second) == {
        CURATION: (set(), curation),
        BASE + "source/new-page": ({added}, set()),
    }


def test_blank_node_relabelling_is_no_change(tmp_path: Path) -> None:
    first = publish_fixture(tmp_path)
    again = publish_fixture(tmp_path, fixture_dataset())  # new labels for the same blank nodes
    # The labels differ, so the N-Quads differ and a version is published...
    assert again.id != first.id and again.previous == first.id
    # ...whose change record holds nothing.
    assert recorded(again) == {}
    assert again.manifest["changes"]["added"] == again.manifest["changes"]["removed"] == 0


def test_a_change_inside_blank_nodes_stays_in_its_graph(tmp_path: Path) -> None:
    publish_fixture(tmp_path)
    dataset = fixture_dataset()
    ontology = dataset.graph(URIRef(ONTOLOGY))
    prop = URIRef("https://w3id.org/prospectus/ontology#awards")
    union_class = next(ontology.objects(prop, RDFS.domain))
    ontology.add((union_class, RDFS.comment, Literal("programme or intake", lang="en")))
    second = publish_fixture(tmp_path, dataset)
    found = recorded(second)
    assert set(found) == {ONTOLOGY}
    added, removed = found[ONTOLOGY]
    # Blank nodes have no identity across versions: the triples around the changed node are
    # re-stated (removed with its old canonical form, added with the new), nothing else.
    assert (RDFS.comment, Literal("programme or intake", lang="en")) in {
        (p, o) for _s, p, o in added
    }
    assert all(isinstance(s, BNode) or isinstance(o, BNode) for s, _p, o in added | removed)
    assert len(added) == len(removed) + 1


def test_record_is_served_and_linked_from_the_description(tmp_path: Path) -> None:
    publish_fixture(tmp_path)
    dataset = fixture_dataset()
    dataset.graph(URIRef(PORTAL)).remove((PROGRAMME, TITLE, None))
    second = publish_fixture(tmp_path, dataset)
    client = make_client(tmp_path, public_url="https://p.example.org")
    description = Graph().parse(data=client.get("/.well-known/void").data, format="turtle")
    activity = changes.record_iri(BASE, second.id)
    link = URIRef(f"https://p.example.org/dataset/changes/{second.id}")
    assert (activity, RDFS.seeAlso, link) in description
    assert (URIRef(BASE + "dataset/prospectus"), PROV.wasGeneratedBy, activity) in description
    for accept, fmt in (("text/turtle", "turtle"), ("application/ld+json", "json-ld")):
        response = client.get(f"/dataset/changes/{second.id}", headers={"Accept": accept})
        assert response.status_code == 200 and response.mimetype == accept
        graph = Graph().parse(data=response.data, format=fmt)
        assert changes.read_changes(graph) == recorded(second)
    missing = client.get("/dataset/changes/nope", headers={"Accept": "application/json"})
    assert missing.status_code == 404


def _build(sources: Path, data_dir: Path) -> versions.Version:
    cli.built(data_dir, sources)
    version = versions.current(data_dir)
    assert version is not None
    return version


def test_rebuilding_after_editing_one_source_records_exactly_that_edit(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(ROOT / "graph" / "sources", sources)
    data_dir = tmp_path / "data"
    first = _build(sources, data_dir)
    curation = sources / "curation.ttl"
    graph = Graph().parse(curation, format="turtle")
    label = graph.value(URIRef(CURATION), RDFS.label)
    assert label is not None
    old_text = f'"{label}"@en'
    text = curation.read_text(encoding="utf-8")
    assert text.count(old_text) == 1
    curation.write_text(
        text.replace(old_text, '"Curation decisions (revised)"@en'), encoding="utf-8"
    )
    second = _build(sources, data_dir)
    assert second.id != first.id and second.previous == first.id
    assert recorded(second) == {
        CURATION: (
            {(URIRef(CURATION), RDFS.label, Literal("Curation decisions (revised)", lang="en"))},
            {(URIRef(CURATION), RDFS.label, label)},
        )
    }
    client = make_client(data_dir)
    for record in first.manifest["dumps"]:
        response = client.get(f"/dumps/{first.id}/{record['file']}")
        assert response.status_code == 200, record["file"]
        assert len(response.data) == record["bytes"]
    description = Graph().parse(data=client.get("/.well-known/void").data, format="turtle")
    assert (
        URIRef(BASE + "dataset/prospectus"),
        DCAT.previousVersion,
        changes.version_iri(BASE, first.id),
    ) in description


@pytest.mark.parametrize(
    "graph_iri", ["https://w3id.org/prospectus/id/source/a", "urn:x:not-under-the-base"]
)
def test_changeset_iris_are_minted_for_any_graph(graph_iri: str) -> None:
    added = Graph()
    added.add((PROGRAMME, TITLE, Literal("x")))
    record = changes.record(
        "20260101T000000Z-00000000",
        "2026-01-01T00:00:00+00:00",
        "20251231T000000Z-00000000",
        {graph_iri: (added, Graph())},
        BASE,
    )
    assert changes.read_changes(record) == {graph_iri: ({(PROGRAMME, TITLE, Literal("x"))}, set())}
