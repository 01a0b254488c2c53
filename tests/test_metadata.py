"""The VoID / DCAT description: counts, partitions, subsets, dumps; negotiation; discovery."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from graph import versions
from graph.build.writers import statistics
from graph.iris import DCAT, PRO, SD, SPDX, VOID
from graph.read import dataset_description
from tests.support.publishing import fixture_dataset, make_client, publish_fixture, union

BASE = "https://w3id.org/prospectus/id/"
DATASET = URIRef(BASE + "dataset/prospectus")
ADDRESS = URIRef(BASE + "org/example-university/address")


FIRST_PUBLISHED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SECOND_PUBLISHED = datetime(2026, 3, 2, 17, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def published(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, versions.Version, versions.Version]:
    # Published at two different times, so that what comes from which version shows; read
    # by every test of the module, written by none (each makes its own app over it).
    data_dir = tmp_path_factory.mktemp("published") / "data"
    first = publish_fixture(data_dir, now=FIRST_PUBLISHED)
    second = publish_fixture(data_dir, without_address(), now=SECOND_PUBLISHED)
    return data_dir, first, second


def without_address():  # noqa: ANN201
    """The fixture after the university's address was dropped (two resources change)."""
    changed = fixture_dataset()
    changed.remove((ADDRESS, None, None, None))
    changed.remove((None, None, ADDRESS, None))
    return changed


def describe(data_dir: Path, url: str = "http://example.test") -> Graph:
    current = versions.current(data_dir)
    assert current is not None
    return dataset_description.describe_dataset(
        current, versions.retained(data_dir), dataset_description.Site(BASE, url)
    )


def integer(graph: Graph, subject: URIRef, prop: URIRef) -> int:
    value = graph.value(subject, prop)
    assert isinstance(value, Literal), f"{subject} has no {prop}"
    return int(value)


def test_counts_match_the_data(published) -> None:
    data_dir, _first, second = published
    g = describe(data_dir)
    data = union(without_address())
    assert integer(g, DATASET, VOID.triples) == len(data)
    assert integer(g, DATASET, VOID.distinctSubjects) == len(set(data.subjects()))
    assert integer(g, DATASET, VOID.distinctObjects) == len(set(data.objects()))
    assert integer(g, DATASET, VOID.properties) == len(set(data.predicates()))
    assert integer(g, DATASET, VOID.entities) == len(
        {s for s in data.subjects() if str(s).startswith(BASE)}
    )
    assert g.value(DATASET, DCAT.version) == Literal(second.id)


def test_class_and_property_partitions(published) -> None:
    data_dir, _first, _second = published
    g = describe(data_dir)
    data = union(without_address())
    classes = {
        g.value(p, VOID["class"]): int(g.value(p, VOID.entities))
        for p in g.objects(DATASET, VOID.classPartition)
    }
    assert classes == {
        c: len(set(data.subjects(RDF.type, c))) for c in set(data.objects(None, RDF.type))
    }
    properties = {
        g.value(p, VOID.property): int(g.value(p, VOID.triples))
        for p in g.objects(DATASET, VOID.propertyPartition)
    }
    assert properties == {
        p: len(list(data.triples((None, p, None)))) for p in set(data.predicates())
    }


def test_one_subset_per_named_graph(published) -> None:
    data_dir, _first, _second = published
    g = describe(data_dir)
    dataset = without_address()
    expected = {}
    for _s, _p, _o, ctx in dataset.quads():
        name = URIRef(ctx.identifier if hasattr(ctx, "identifier") else ctx)
        expected[name] = expected.get(name, 0) + 1
    subsets = {
        g.value(s, SD.name): int(g.value(s, VOID.triples)) for s in g.objects(DATASET, VOID.subset)
    }
    assert subsets == expected
    assert URIRef(BASE + "source/example-portal") in subsets


def test_every_dump_is_a_distribution_with_size_and_checksum(published) -> None:
    data_dir, _first, second = published
    g = describe(data_dir, "http://example.test")
    records = {
        f"http://example.test/dumps/{second.id}/{d['file']}": d
        for d in second.manifest["dumps"]
        if d["dataset"] == "graph"
    }
    dumps = {str(u) for u in g.objects(DATASET, VOID.dataDump)}
    assert dumps == set(records)
    for distribution in g.objects(DATASET, DCAT.distribution):
        url = str(g.value(distribution, DCAT.downloadURL))
        record = records[url]
        assert g.value(distribution, DCAT.byteSize) == Literal(
            record["bytes"], datatype=XSD.nonNegativeInteger
        )
        checksum = g.value(distribution, SPDX.checksum)
        assert str(g.value(checksum, SPDX.checksumValue)) == record["sha256"]
        assert str(g.value(distribution, DCAT.mediaType)).endswith(record["media_type"])
        assert g.value(distribution, DCTERMS["format"]) is not None


def test_endpoint_vocabularies_examples_and_uri_space(published) -> None:
    data_dir, _first, _second = published
    g = describe(data_dir, "https://data.example.org")
    assert g.value(DATASET, VOID.sparqlEndpoint) == URIRef("https://data.example.org/sparql")
    assert str(g.value(DATASET, VOID.uriSpace)) == BASE
    assert URIRef(str(PRO)) in set(g.objects(DATASET, VOID.vocabulary))
    assert URIRef("http://data.europa.eu/snb/model/elm/") in set(
        g.objects(DATASET, VOID.vocabulary)
    )
    assert set(g.objects(DATASET, VOID.exampleResource)) == {
        URIRef(BASE + "programme/example/msc-example")
    }
    service = g.value(None, DCAT.servesDataset, DATASET)
    assert g.value(service, DCAT.endpointURL) == URIRef("https://data.example.org/sparql")


def test_versions_previous_version_and_older_dumps(published) -> None:
    data_dir, first, second = published
    g = describe(data_dir)
    previous = g.value(DATASET, DCAT.previousVersion)
    assert previous is not None and g.value(previous, DCAT.version) == Literal(first.id)
    old_urls = {str(g.value(d, DCAT.downloadURL)) for d in g.objects(previous, DCAT.distribution)}
    assert f"http://example.test/dumps/{first.id}/dataset.nt.gz" in old_urls
    assert len(set(g.objects(DATASET, DCAT.hasVersion))) == 2


def test_temporal_and_spatial_coverage(published) -> None:
    data_dir, _first, _second = published
    g = describe(data_dir)
    period = g.value(DATASET, DCTERMS.temporal)
    assert str(g.value(period, DCAT.startDate)) == "2022-05-01"  # the page's own date
    assert str(g.value(period, DCAT.endDate)) == "2022-09-30"  # intake month
    # The second version dropped the only address: no country is stated any more.
    assert list(g.objects(DATASET, DCTERMS.spatial)) == []
    first_g = dataset_description.describe_dataset(
        versions.retained(data_dir)[0], [], dataset_description.Site(BASE, "http://example.test")
    )
    assert set(first_g.objects(DATASET, DCTERMS.spatial)) == {
        URIRef("http://publications.europa.eu/resource/authority/country/NLD")
    }


# --- over HTTP --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "accept", "media_type"),
    [
        ("/dataset", "text/html", "text/html"),
        ("/dataset", None, "text/html"),
        ("/dataset", "text/turtle", "text/turtle"),
        ("/dataset", "application/ld+json", "application/ld+json"),
        ("/dataset", "application/n-triples;q=0.9, text/html;q=0.1", "application/n-triples"),
        ("/.well-known/void", None, "text/turtle"),
        ("/.well-known/void", "*/*", "text/turtle"),
        ("/.well-known/void", "application/ld+json", "application/ld+json"),
        ("/dataset.ttl", "text/html", "text/turtle"),
        ("/dataset.jsonld", None, "application/ld+json"),
        ("/dataset?format=rdfxml", None, "application/rdf+xml"),
    ],
)
def test_description_is_negotiated(
    published, path: str, accept: str | None, media_type: str
) -> None:
    data_dir, _first, _second = published
    client = make_client(data_dir)
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers.get("Vary", "")
    if media_type != "text/html":
        from graph.formats import by_media_type

        g = Graph().parse(data=response.data, format=by_media_type(media_type).rdflib)
        assert (DATASET, RDF.type, VOID.Dataset) in g
        assert (DATASET, RDF.type, DCAT.Dataset) in g


def test_description_406_when_nothing_acceptable(published) -> None:
    data_dir, _first, _second = published
    response = make_client(data_dir).get("/dataset", headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_description_urls_follow_public_url(published) -> None:
    data_dir, _first, second = published
    client = make_client(data_dir, public_url="https://prospectus.example.org/")
    g = Graph().parse(data=client.get("/.well-known/void").data, format="turtle")
    dumps = {str(u) for u in g.objects(DATASET, VOID.dataDump)}
    assert f"https://prospectus.example.org/dumps/{second.id}/dataset.ttl" in dumps


def test_description_iris_follow_base_iri(tmp_path: Path) -> None:
    from graph.build.release import rebase

    base = "http://127.0.0.1:9/id/"
    data_dir = tmp_path / "data"
    publish_fixture(data_dir, rebase(fixture_dataset(), base), base_iri=base)
    client = make_client(data_dir, base_iri=base)
    g = Graph().parse(data=client.get("/.well-known/void").data, format="turtle")
    dataset = URIRef(base + "dataset/prospectus")
    assert (dataset, RDF.type, DCAT.Dataset) in g
    assert str(g.value(dataset, VOID.uriSpace)) == base
    assert (URIRef(base + "dataset/catalog"), DCAT.dataset, dataset) in g


def test_html_description_lists_dumps_and_versions(published) -> None:
    data_dir, first, second = published
    html = (
        make_client(data_dir)
        .get("/dataset", headers={"Accept": "text/html"})
        .get_data(as_text=True)
    )
    for record in second.manifest["dumps"]:
        assert f"/dumps/{second.id}/{record['file']}" in html
        assert record["sha256"] in html
    assert f"/dumps/{first.id}/dataset.nt.gz" in html
    assert f"/dataset/changes/{second.id}" in html


def test_sitemap_lists_resource_pages_with_last_modification(published) -> None:
    data_dir, first, second = published
    response = make_client(data_dir, public_url="https://p.example.org").get("/sitemap.xml")
    assert response.status_code == 200
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    root = ET.fromstring(response.data)
    entries = {
        u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns)
        for u in root.findall("s:url", ns)
    }
    resources = json.loads((second.path / statistics.RESOURCES_FILE).read_text())
    for iri in resources:
        assert "https://p.example.org/doc/" + iri[len(BASE) :] in entries
    programme = "https://p.example.org/doc/programme/example/msc-example"
    university = "https://p.example.org/doc/org/example-university"
    # The university's description changed (its address went), the programme's did not.
    assert first.created == FIRST_PUBLISHED and second.created == SECOND_PUBLISHED
    assert entries[programme] == "2026-03-01T09:00:00+00:00"
    assert entries[university] == "2026-03-02T17:30:00+00:00"
    assert "https://p.example.org/doc/org/example-university/address" not in entries


def test_robots_points_to_the_sitemap(published) -> None:
    data_dir, _first, _second = published
    text = (
        make_client(data_dir, public_url="https://p.example.org")
        .get("/robots.txt")
        .get_data(as_text=True)
    )
    assert "Sitemap: https://p.example.org/sitemap.xml" in text.splitlines()


def test_html_pages_link_the_description(published) -> None:
    # The home page is checked against the live server (tests/test_harvester.py).
    data_dir, _first, _second = published
    client = make_client(data_dir)
    error = client.get("/dumps/nope/x", headers={"Accept": "text/html"})
    assert error.mimetype == "text/html"
    assert '</dataset>; rel="describedby"' in error.headers.getlist("Link")
    page = client.get("/dataset", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'rel="describedby" href="/dataset"' in page
