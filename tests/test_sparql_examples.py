"""The published example queries (queries/*.ttl, graph/sparql_examples.py): valid against
their shape, served at /.well-known/sparql-examples in every RDF format, shown on the query
page from the same RDF, and every one answered with data by the live endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, SH
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

from graph import iris, sparql_examples
from graph.build.validate import validate
from graph.errors import SourceStructureError, SourceSyntaxError

from .conftest import LiveServer

SHAPE = Path(__file__).parent / "data" / "sparql-examples-shape.ttl"
PATH = "/.well-known/sparql-examples"
RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}
EXECUTABLE = {
    "select": SH.SPARQLSelectExecutable,
    "construct": SH.SPARQLConstructExecutable,
    "ask": SH.SPARQLAskExecutable,
}


def _shape_report(graph: Graph):  # noqa: ANN202
    dataset = Dataset()
    for triple in graph:
        dataset.add(triple)
    return validate(dataset, Graph().parse(SHAPE, format="turtle"))


def _union(data: bytes, fmt: str) -> Graph:
    parsed = Dataset()
    parsed.parse(data=data, format=fmt)
    union = Graph()
    for s, p, o, _g in parsed.quads((None, None, None, None)):
        union.add((s, p, o))
    return union


def test_the_examples_conform_to_their_shape() -> None:
    report = _shape_report(sparql_examples.graph())
    assert report.conforms, [str(r) for r in report.results]
    assert len(sparql_examples.examples()) >= 8
    forms = {e.form for e in sparql_examples.examples()}
    assert forms == {"select", "construct", "ask"}
    graph = sparql_examples.graph()
    for example in sparql_examples.examples():
        assert (example.iri, RDF.type, EXECUTABLE[example.form]) in graph
        assert (example.iri, iris.SCHEMA_ORG.target, iris.sparql_endpoint()) in graph
        assert example.iri == iris.sparql_example(example.iri.rsplit("/", 1)[-1])


def test_the_shape_finds_a_broken_example() -> None:
    broken = Graph()
    for triple in sparql_examples.graph():
        broken.add(triple)
    first = sparql_examples.examples()[0].iri
    broken.remove((first, RDFS.comment, None))
    broken.remove((first, iris.SCHEMA_ORG.target, None))
    broken.add((first, SH.ask, Literal("ASK { ?s ?p ?o }")))  # a second query
    report = _shape_report(broken)
    assert not report.conforms
    assert all("programmes-by-country" in v.focus_node for v in report.violations)
    assert {v.message for v in report.violations} == {
        "An example has one English comment saying what it answers.",
        "schema:target is our endpoint.",
        "An example holds exactly one query: sh:select, sh:construct or sh:ask.",
    }


def test_a_broken_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "01-bad.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n<a> sh:select \n"
    )
    with pytest.raises(SourceSyntaxError) as caught:
        sparql_examples.examples(directory=tmp_path)
    assert caught.value.path == tmp_path / "01-bad.ttl"
    other = tmp_path / "other"
    other.mkdir()
    (other / "01-empty.ttl").write_text("<http://example.org/a> <http://example.org/b> 1 .\n")
    with pytest.raises(SourceStructureError, match="SPARQLExecutable"):
        sparql_examples.examples(directory=other)


def test_another_base_moves_the_examples_and_their_target() -> None:
    base = "https://data.example.org/id/"
    moved = sparql_examples.graph(base)
    assert set(moved.objects(None, iris.SCHEMA_ORG.target)) == {
        URIRef("https://data.example.org/sparql")
    }
    assert {e.iri for e in sparql_examples.examples(base)} == {
        URIRef(str(e.iri).replace("https://w3id.org/prospectus/", "https://data.example.org/"))
        for e in sparql_examples.examples()
    }


def test_served_in_every_rdf_format(live_server: LiveServer) -> None:
    expected = sparql_examples.graph()
    for media_type, fmt in RDF_FORMATS.items():
        response = requests.get(live_server.url + PATH, headers={"Accept": media_type}, timeout=30)
        assert response.status_code == 200, (media_type, response.text[:300])
        assert response.headers["Content-Type"].split(";")[0] == media_type
        assert "Accept" in response.headers["Vary"]
        assert isomorphic(_union(response.content, fmt), expected), media_type
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    for ext, fmt in (("ttl", "turtle"), ("jsonld", "json-ld"), ("nq", "nquads")):
        response = requests.get(f"{live_server.url}{PATH}.{ext}", timeout=30)
        assert response.status_code == 200
        assert isomorphic(_union(response.content, fmt), expected)
    default = requests.get(live_server.url + PATH, timeout=30)
    assert default.headers["Content-Type"].startswith("text/turtle")
    assert requests.get(f"{live_server.url}{PATH}.html", timeout=30).status_code == 404


def test_browsers_are_sent_to_the_query_page_which_shows_the_same_examples(
    live_server: LiveServer,
) -> None:
    response = requests.get(
        live_server.url + PATH, headers={"Accept": "text/html"}, allow_redirects=False, timeout=30
    )
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/sparql")
    page = requests.get(live_server.url + "/sparql", headers={"Accept": "text/html"}, timeout=30)
    soup = BeautifulSoup(page.text, "html.parser")
    shown = [
        (
            item.select_one("summary").get_text(),
            item.select_one("p.comment").get_text(),
            item.select_one("pre code").get_text(),
        )
        for item in soup.select(".examples li")
    ]
    graph = Graph()
    served = requests.get(live_server.url + PATH, headers={"Accept": "text/turtle"}, timeout=30)
    graph.parse(data=served.text, format="turtle")
    published = {
        (str(graph.value(node, RDFS.label)), str(graph.value(node, RDFS.comment)), str(query))
        for node in graph.subjects(RDF.type, SH.SPARQLExecutable)
        for p in (SH.select, SH.construct, SH.ask)
        for query in graph.objects(node, p)
    }
    assert set(shown) == published
    assert len(shown) == len(published)
    assert soup.select_one(f'.examples a[href="{PATH}"]') is not None


def test_every_example_answers_with_data(live_server: LiveServer) -> None:
    """Each example, run by SPARQLWrapper against the live endpoint, returns rows, a
    non-empty graph or true."""
    graph = Graph()
    served = requests.get(live_server.url + PATH, headers={"Accept": "text/turtle"}, timeout=30)
    graph.parse(data=served.text, format="turtle")
    ran = []
    for node in sorted(graph.subjects(RDF.type, SH.SPARQLExecutable)):
        client = SPARQLWrapper(live_server.url + "/sparql")
        if (query := graph.value(node, SH.select)) is not None:
            client.setQuery(str(query))
            client.setReturnFormat(JSON)
            rows = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
            assert rows, node
        elif (query := graph.value(node, SH.ask)) is not None:
            client.setQuery(str(query))
            client.setReturnFormat(JSON)
            assert client.queryAndConvert()["boolean"] is True, node  # type: ignore[index]
        else:
            query = graph.value(node, SH.construct)
            assert query is not None, node
            client.setQuery(str(query))
            client.setReturnFormat(TURTLE)
            result = Graph().parse(data=client.queryAndConvert(), format="turtle")  # type: ignore[arg-type]
            assert len(result) > 0, node
        ran.append(node)
    assert len(ran) == len(sparql_examples.examples())
