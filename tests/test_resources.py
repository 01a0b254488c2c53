"""Cool URIs: 303 for things, content negotiation, extension URLs, Link headers,
ETag/Last-Modified/304, gzip, HEAD, 404 and 406.

The HTTP details (negotiation, 406, 304, gzip, HEAD) are checked in process with
app.test_client(); the rest against live servers on 127.0.0.1 with requests, which follows
the 303s as a client does: one serving a small fixture graph (tests/data/pages/programme.trig,
for exact expectations), and the bundled graph, where every resource is dereferenced in every
format.
"""

from __future__ import annotations

import gzip
import re
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from graph.iris import DATA_BASE, PRO, VOCAB

from .conftest import TODAY, LiveServer
from .support.pages import parse_page
from .support.publishing import make_client

pytestmark = pytest.mark.live

PAGES = Path(__file__).parent / "data" / "pages"
FIXTURE = PAGES / "programme.trig"
PIONEER = URIRef(DATA_BASE + "programme/ku-leuven/pioneer")
KU_LEUVEN = URIRef(DATA_BASE + "org/ku-leuven")

RDF_EXTENSIONS = {  # extension -> (media type, rdflib parser)
    "ttl": ("text/turtle", "turtle"),
    "jsonld": ("application/ld+json", "json-ld"),
    "rdf": ("application/rdf+xml", "xml"),
    "nt": ("application/n-triples", "nt"),
    "nq": ("application/n-quads", "nquads"),
}
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {
    XSD + t
    for t in (
        "decimal",
        "integer",
        "double",
        "float",
        "positiveInteger",
        "nonNegativeInteger",
        "int",
        "long",
    )
}


@pytest.fixture(scope="module")
def fixture_server(live_server_factory) -> LiveServer:  # noqa: ANN001
    return live_server_factory(data_files=(FIXTURE,))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    """The fixture graph served in process, as the live fixture server serves it."""
    data_dir = tmp_path_factory.mktemp("resources") / "data"
    test_client = make_client(data_dir, data_files=(FIXTURE,), today=TODAY)
    yield test_client
    assert isinstance(test_client.application, Flask)
    test_client.application.extensions["prospectus"].store.close()


@pytest.fixture(scope="module")
def fixture_dataset() -> Dataset:
    ds = Dataset()
    ds.parse(FIXTURE, format="trig")
    return ds


def doc_path(iri: str) -> str:
    if iri.startswith(str(VOCAB)):
        return "/doc/vocab/" + iri[len(str(VOCAB)) :]
    assert iri.startswith(DATA_BASE)
    return "/doc/" + iri[len(DATA_BASE) :]


def thing_path(iri: str) -> str:
    if iri.startswith(str(VOCAB)):
        return "/vocab/" + iri[len(str(VOCAB)) :]
    return "/id/" + iri[len(DATA_BASE) :]


def parse(body: bytes, parser: str) -> Dataset:
    ds = Dataset()
    ds.parse(data=body, format=parser)
    return ds


def local_resources(ds: Dataset) -> list[URIRef]:
    found = set()
    for s, _p, o, _g in ds.quads((None, None, None, None)):
        for term in (s, o):
            if isinstance(term, URIRef) and (
                str(term).startswith(DATA_BASE) or str(term).startswith(str(VOCAB))
            ):
                found.add(term)
    return sorted(found)


def canon(term: object) -> object:
    """Literals compared by value where stores may rewrite the lexical form (4000.00)."""
    if isinstance(term, Literal) and term.datatype is not None and str(term.datatype) in NUMERIC:
        try:
            # Oxigraph answers xsd:positiveInteger as xsd:integer: compare the number only.
            return ("number", Decimal(str(term)).normalize())
        except InvalidOperation:
            return term
    return term


def triples_of(ds: Dataset) -> set:
    return {(s, p, canon(o)) for s, p, o, _g in ds.quads((None, None, None, None))}


class Stored:
    """What a store holds, indexed once for every resource checked against it: its
    triples (literals compared by value), by subject and by object, and each graph's."""

    def __init__(self, store: Dataset) -> None:
        self.triples: set = set()
        self.own: dict = defaultdict(set)
        self.pointing: dict = defaultdict(set)
        self.quads: set = set()
        for s, p, o, g in store.quads((None, None, None, None)):
            triple = (s, p, canon(o))
            self.triples.add(triple)
            self.own[s].add(triple)
            self.pointing[o].add(triple)
            self.quads.add((*triple, g.identifier if isinstance(g, Graph) else g))


def check_resource(session: requests.Session, base: str, iri: URIRef, stored: Stored) -> None:
    """The 303, every representation, and that each RDF one describes `iri` truthfully."""
    r = session.get(base + thing_path(iri), allow_redirects=False, timeout=30)
    assert r.status_code == 303, (iri, r.status_code)
    assert r.headers["Location"].endswith(doc_path(iri)), r.headers["Location"]
    assert "Accept" in r.headers.get("Vary", "")
    own, pointing = stored.own.get(iri, set()), stored.pointing.get(iri, set())
    html = session.get(base + doc_path(iri) + ".html", timeout=30)
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    assert parse_page(html.text).title.strip()
    for ext, (media_type, parser) in RDF_EXTENSIONS.items():
        r = session.get(base + doc_path(iri) + "." + ext, timeout=30)
        assert r.status_code == 200, (iri, ext, r.status_code)
        assert r.headers["Content-Type"].split(";")[0] == media_type
        assert r.headers.get("ETag") and r.headers.get("Last-Modified")
        served = parse(r.content, parser)
        triples = triples_of(served)
        # Its own triples and the triples pointing at it are all there...
        missing = {t for t in own | pointing if not any(_has_bnode(x) for x in t)} - triples
        assert not missing, (iri, ext, sorted(missing)[:3])
        # ...and nothing that the store does not hold.
        invented = {t for t in triples if not any(_has_bnode(x) for x in t)} - stored.triples
        assert not invented, (iri, ext, sorted(invented)[:3])
        if parser == "nquads":
            for s, p, o, g in served.quads((None, None, None, None)):
                if not any(_has_bnode(x) for x in (s, o)):
                    graph = g.identifier if isinstance(g, Graph) else g
                    assert (s, p, canon(o), graph) in stored.quads, (iri, "graph name", g)


def _has_bnode(term: object) -> bool:
    return type(term).__name__ == "BNode"


# -- the fixture graph: exact expectations ---------------------------------------------------


def test_every_fixture_resource(fixture_server: LiveServer, fixture_dataset: Dataset) -> None:
    session = requests.Session()
    resources = local_resources(fixture_dataset)
    assert PIONEER in resources and len(resources) > 30
    stored = Stored(fixture_dataset)
    for iri in resources:
        check_resource(session, fixture_server.url, iri, stored)


def test_description_holds_labels_and_sources(fixture_server: LiveServer) -> None:
    r = requests.get(fixture_server.url + doc_path(PIONEER) + ".nq", timeout=30)
    served = parse(r.content, "nquads")
    triples = triples_of(served)
    # Labels of linked IRIs, from the graphs that state them.
    assert (KU_LEUVEN, SKOS.prefLabel, Literal("KU Leuven", lang="en")) in triples
    eng = URIRef("http://publications.europa.eu/resource/authority/language/ENG")
    assert (eng, SKOS.prefLabel, Literal("English", lang="en")) in triples
    # Provenance of each source graph: page, portal and date.
    source = URIRef(DATA_BASE + "source/example-portal")
    assert (source, PRO.segmentOf, URIRef(DATA_BASE + "page/example-portal")) in triples
    assert any(
        p == URIRef("http://purl.org/dc/terms/modified") for s, p, _o in triples if s == source
    )
    # Facts keep their graph names.
    graphs = {g for _s, _p, _o, g in served.quads((PIONEER, PRO.acronym, None, None))}
    assert graphs == {source}
    # Owned nodes come with the programme (the deadline of its intake).
    deadline = URIRef(DATA_BASE + "deadline/ku-leuven/pioneer/2026")
    assert any(s == deadline and p == PRO.date for s, p, _o in triples)


ACCEPT_TABLE = [
    (None, "text/html"),
    ("*/*", "text/html"),
    ("text/html", "text/html"),
    ("application/xhtml+xml", "text/html"),
    ("text/turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/n-triples", "application/n-triples"),
    ("application/n-quads", "application/n-quads"),
    ("text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json"),
    ("text/html;q=0, text/turtle", "text/turtle"),
    ("text/*", "text/html"),
    ("text/*;q=0.1, application/n-quads", "application/n-quads"),
    ("image/png, text/turtle;q=0.2", "text/turtle"),
    ("application/ld+json;q=0.8, */*;q=0.1", "application/ld+json"),
]


@pytest.mark.parametrize(("accept", "expected"), ACCEPT_TABLE)
def test_negotiation(client: FlaskClient, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept is not None else {"Accept": ""}
    r = client.get(doc_path(PIONEER), headers=headers)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == expected
    assert "Accept" in r.headers["Vary"]


@pytest.mark.parametrize("accept", ["image/png", "application/pdf", "text/html;q=0, image/*"])
def test_not_acceptable(client: FlaskClient, accept: str) -> None:
    r = client.get(doc_path(PIONEER), headers={"Accept": accept})
    assert r.status_code == 406
    assert "Accept" in r.headers["Vary"]


def test_303_keeps_negotiation_possible(fixture_server: LiveServer) -> None:
    r = requests.get(
        fixture_server.url + thing_path(PIONEER), headers={"Accept": "text/turtle"}, timeout=30
    )
    assert r.history and r.history[0].status_code == 303
    assert r.headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=r.content, format="turtle")
    assert (PIONEER, RDF.type, PRO.StudyProgramme) in g


def test_link_headers_and_tags(fixture_server: LiveServer) -> None:
    r = requests.get(
        fixture_server.url + doc_path(PIONEER), headers={"Accept": "text/html"}, timeout=30
    )
    advertised = dict(
        re.findall(r'<([^>]+)>; rel="(?:alternate|self)"; type="([^"]+)"', r.headers["Link"])
    )
    by_type = {t: h for h, t in advertised.items()}
    for ext, (media_type, _parser) in RDF_EXTENSIONS.items():
        assert by_type[media_type] == doc_path(PIONEER) + "." + ext
    page = parse_page(r.text)
    tags = {t["type"]: t["href"] for t in page.link_tags if t.get("rel") == "alternate"}
    for ext, (media_type, _parser) in RDF_EXTENSIONS.items():
        assert tags[media_type] == doc_path(PIONEER) + "." + ext
    for href in by_type.values():
        assert requests.get(fixture_server.url + href, timeout=30).status_code == 200


def test_conditional_requests(client: FlaskClient) -> None:
    url = doc_path(PIONEER) + ".ttl"
    first = client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    since = client.get(url, headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    other = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.data == first.data
    html = client.get(doc_path(PIONEER), headers={"Accept": "text/html"})
    assert html.headers["ETag"] != etag  # every variant has its own tag
    assert html.headers["Last-Modified"] == modified  # both tied to the dataset


def test_compression(client: FlaskClient) -> None:
    url = doc_path(PIONEER) + ".nt"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    raw = zipped.data
    assert gzip.decompress(raw) == plain.data
    assert len(raw) < len(plain.data)
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert zipped.headers["ETag"] != plain.headers["ETag"]


def test_head(client: FlaskClient) -> None:
    url = doc_path(PIONEER) + ".jsonld"
    head = client.head(url)
    get = client.get(url)
    assert head.status_code == 200 and not head.data
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["ETag"] == get.headers["ETag"]
    assert client.head(thing_path(PIONEER)).status_code == 303


@pytest.mark.parametrize(
    "path",
    [
        "/id/programme/does-not-exist",
        "/doc/programme/does-not-exist",
        "/doc/programme/does-not-exist.ttl",
        "/id/nothing",
        "/doc/org/ku-leuven.exe",
        "/vocab/no-such-scheme/x",
        "/doc/vocab/no-such-scheme/x",
        "/doc/%3Cscript%3E",
    ],
)
def test_unknown_iris_get_a_readable_404(fixture_server: LiveServer, path: str) -> None:
    r = requests.get(fixture_server.url + path, headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 404
    page = parse_page(r.text)
    assert "404" in page.title
    assert "<script>" not in r.text


def test_ontology_and_shapes(fixture_server: LiveServer) -> None:
    r = requests.get(fixture_server.url + "/ontology", headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200
    page = parse_page(r.text)
    assert {"StudyProgramme", "offeringOf", "acronym"} <= page.ids
    assert "A programme of study leading to a qualification." in page.text
    ttl = requests.get(
        fixture_server.url + "/ontology", headers={"Accept": "text/turtle"}, timeout=30
    )
    g = Graph().parse(data=ttl.content, format="turtle")
    assert (PRO.StudyProgramme, RDF.type, OWL.Class) in g
    assert (PRO.acronym, RDFS.domain, PRO.StudyProgramme) in g
    for ext, (_media, parser) in RDF_EXTENSIONS.items():
        r = requests.get(fixture_server.url + "/ontology." + ext, timeout=30)
        assert (PRO.StudyProgramme, RDF.type, OWL.Class) in triples_of(parse(r.content, parser))
    shapes = requests.get(fixture_server.url + "/shapes.ttl", timeout=30)
    sg = Graph().parse(data=shapes.content, format="turtle")
    node_shapes = set(sg.subjects(RDF.type, SH.NodeShape))
    assert node_shapes
    html = requests.get(fixture_server.url + "/shapes", headers={"Accept": "text/html"}, timeout=30)
    ids = parse_page(html.text).ids
    anchors = {str(s).rsplit("#", 1)[-1] for s in node_shapes if "#" in str(s)}
    assert anchors and anchors <= ids
    assert requests.get(fixture_server.url + "/ontology.exe", timeout=30).status_code == 404


def test_reader_language(fixture_server: LiveServer) -> None:
    url = fixture_server.url + doc_path(URIRef(DATA_BASE + "org/uni-muenster"))
    de = requests.get(url, headers={"Accept": "text/html", "Accept-Language": "de"}, timeout=30)
    en = requests.get(
        url, headers={"Accept": "text/html", "Accept-Language": "fr, en;q=0.5"}, timeout=30
    )
    assert parse_page(de.text).title.startswith("Universität Münster")
    assert parse_page(en.text).title.startswith("University of Münster")
    assert "Accept-Language" in de.headers["Vary"]
    assert de.headers["ETag"] != en.headers["ETag"]


# -- the bundled graph: every resource, every format -----------------------------------------


def test_every_bundled_resource(live_server: LiveServer, built_data_dir: Path) -> None:
    store = Dataset()
    store.parse(built_data_dir / "current" / "dataset.nq", format="nquads")
    resources = local_resources(store)
    assert len(resources) > 50
    session = requests.Session()
    stored = Stored(store)
    for iri in resources:
        check_resource(session, live_server.url, iri, stored)


def test_graph_names_dereference(fixture_server: LiveServer, fixture_dataset: Dataset) -> None:
    """A graph name that is no subject (id:graph/ontology) serves the graph it names."""
    iri = URIRef(DATA_BASE + "graph/ontology")
    r = requests.get(fixture_server.url + thing_path(iri), allow_redirects=False, timeout=30)
    assert r.status_code == 303 and r.headers["Location"].endswith(doc_path(iri))
    served = parse(
        requests.get(fixture_server.url + doc_path(iri) + ".nq", timeout=30).content, "nquads"
    )
    assert triples_of(served) == {(s, p, canon(o)) for s, p, o in fixture_dataset.graph(iri)}
    html = requests.get(
        fixture_server.url + doc_path(iri), headers={"Accept": "text/html"}, timeout=30
    )
    page = parse_page(html.text)
    assert "named graph" in page.title
    assert 'href="/ontology#StudyProgramme"' in html.text
