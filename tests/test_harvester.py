"""A harvester against a live server on 127.0.0.1: description -> dumps -> checks -> compare.

It knows nothing but the server's root URL: it reads /.well-known/void, finds every dump of
the dataset from the description alone, downloads each in two ranged halves, checks size
and SHA-256 against the description, parses it with rdflib and compares it with what the
SPARQL endpoint returns for the whole dataset; then it revalidates with the ETag (304).

The dumps hold the sources' own literals ("P24M"^^xsd:duration, test_dumps checks them term
for term), the endpoint answers from the Oxigraph store in canonical form ("P2Y",
docs/sparql.md): the comparison puts the dump through an Oxigraph store first.
"""

from __future__ import annotations

import gzip
import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD
from rdflib.query import Result
from rdflib.term import Variable

from graph.formats import Format, by_media_type
from graph.iris import DCAT, SPDX, VOID
from tests.conftest import LiveServer

pytestmark = pytest.mark.live

IANA = "https://www.iana.org/assignments/media-types/"


@pytest.fixture(scope="module")
def server(live_server_factory: Callable[..., LiveServer], built_data_dir: Path) -> LiveServer:
    # max_rows covers the whole graph, so that one CONSTRUCT returns all of it.
    return live_server_factory(settings={"data_dir": str(built_data_dir), "max_rows": "1000000"})


@pytest.fixture(scope="module")
def description(server: LiveServer) -> Graph:
    response = requests.get(
        server.url + "/.well-known/void", headers={"Accept": "text/turtle"}, timeout=30
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/turtle")
    return Graph().parse(
        data=response.text, format="turtle", publicID=server.url + "/.well-known/void"
    )


def sparql(server: LiveServer, query: str, accept: str) -> requests.Response:
    response = requests.post(
        server.url + "/sparql", data={"query": query}, headers={"Accept": accept}, timeout=60
    )
    assert response.status_code == 200, response.text
    return response


def endpoint_union(server: LiveServer) -> Graph:
    text = sparql(server, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "application/n-triples").text
    return Graph().parse(data=text, format="nt")


def endpoint_graphs(server: LiveServer) -> dict[str, Graph]:
    query = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    text = sparql(server, query, "application/sparql-results+json").text
    result = Result.parse(io.StringIO(text), format="json")
    graphs: dict[str, Graph] = {}
    g, s, p, o = (Variable(v) for v in "gspo")
    for row in result.bindings:
        graphs.setdefault(str(row[g]), Graph()).add((row[s], row[p], row[o]))
    return graphs


def graphs_of(dataset: Dataset) -> dict[str, Graph]:
    found: dict[str, Graph] = {}
    for s, p, o, g in dataset.quads():
        name = str(g.identifier if hasattr(g, "identifier") else g)
        found.setdefault(name, Graph()).add((s, p, o))
    return found


def as_the_endpoint_serves(data: bytes, fmt: Format, base: str) -> Dataset:
    """A dump's quads with each literal in the form the endpoint's Oxigraph store gives it."""
    store = ox.Store()
    store.load(data, format=getattr(ox.RdfFormat, str(fmt.oxigraph)), base_iri=base)
    parsed = Dataset()
    parsed.parse(data=store.dump(format=ox.RdfFormat.N_QUADS), format="nquads")
    return parsed


def download_in_halves(url: str, size: int) -> tuple[bytes, str]:
    half = size // 2
    first = requests.get(
        url, headers={"Range": f"bytes=0-{half - 1}", "Accept-Encoding": "identity"}, timeout=60
    )
    assert first.status_code == 206, url
    assert first.headers["Content-Range"] == f"bytes 0-{half - 1}/{size}"
    etag = first.headers["ETag"]
    second = requests.get(
        url,
        headers={"Range": f"bytes={half}-", "If-Range": etag, "Accept-Encoding": "identity"},
        timeout=60,
    )
    assert second.status_code == 206, url
    assert second.headers["Content-Range"] == f"bytes {half}-{size - 1}/{size}"
    return first.content + second.content, etag


def the_dataset(description: Graph) -> URIRef:
    found = [
        d
        for d in description.subjects(RDF.type, VOID.Dataset)
        if (d, VOID.dataDump, None) in description
    ]
    assert len(found) == 1, found
    return URIRef(found[0])


def test_description_names_every_dump(description: Graph, server: LiveServer) -> None:
    dataset = the_dataset(description)
    dumps = set(description.objects(dataset, VOID.dataDump))
    downloads = {
        description.value(d, DCAT.downloadURL)
        for d in description.objects(dataset, DCAT.distribution)
    }
    assert dumps == downloads
    formats = {
        str(description.value(d, DCAT.mediaType))[len(IANA) :]
        for d in description.objects(dataset, DCAT.distribution)
    }
    assert formats == {
        "application/n-triples",
        "application/n-quads",
        "text/turtle",
        "application/ld+json",
    }
    assert all(str(u).startswith(server.url + "/dumps/") for u in dumps)
    assert description.value(dataset, VOID.sparqlEndpoint) == URIRef(server.url + "/sparql")


def test_harvest_every_dump(description: Graph, server: LiveServer) -> None:
    dataset = the_dataset(description)
    union = endpoint_union(server)
    graphs = endpoint_graphs(server)
    assert len(union) > 100 and len(graphs) > 3
    checked = 0
    for distribution in description.objects(dataset, DCAT.distribution):
        url = str(description.value(distribution, DCAT.downloadURL))
        size = int(description.value(distribution, DCAT.byteSize))
        checksum = description.value(distribution, SPDX.checksum)
        sha256 = str(description.value(checksum, SPDX.checksumValue))
        data, etag = download_in_halves(url, size)
        assert len(data) == size, url
        assert hashlib.sha256(data).hexdigest() == sha256, url
        assert etag == f'"{sha256}"'

        revalidated = requests.get(url, headers={"If-None-Match": etag}, timeout=30)
        assert revalidated.status_code == 304, url
        assert revalidated.content == b""

        if description.value(distribution, DCAT.compressFormat) == URIRef(
            IANA + "application/gzip"
        ):
            data = gzip.decompress(data)
        media_type = str(description.value(distribution, DCAT.mediaType))[len(IANA) :]
        fmt = by_media_type(media_type)
        assert fmt is not None, media_type
        parsed = as_the_endpoint_serves(data, fmt, url)
        if fmt.name in ("nquads", "trig"):  # JSON-LD dumps hold the union, like Turtle
            got = graphs_of(parsed)
            assert set(got) == set(graphs), url
            for name, graph in graphs.items():
                assert isomorphic(got[name], graph), f"{url}: graph {name}"
        else:
            got_union = Graph()
            for s, p, o, _g in parsed.quads():
                got_union.add((s, p, o))
            assert isomorphic(got_union, union), url
        checked += 1
    assert checked == 4


def test_full_download_equals_halves_and_latest_alias(
    description: Graph, server: LiveServer
) -> None:
    dataset = the_dataset(description)
    distribution = next(iter(description.objects(dataset, DCAT.distribution)))
    url = str(description.value(distribution, DCAT.downloadURL))
    whole = requests.get(url, headers={"Accept-Encoding": "identity"}, timeout=60)
    assert whole.status_code == 200
    halves, _etag = download_in_halves(url, len(whole.content))
    assert halves == whole.content
    name = url.rsplit("/", 1)[-1]
    latest = requests.get(f"{server.url}/dumps/latest/{name}", timeout=60)
    assert latest.content == whole.content


def test_crawlers_are_pointed_to_the_description_and_sitemap(server: LiveServer) -> None:
    robots = requests.get(server.url + "/robots.txt", timeout=30).text
    assert f"Sitemap: {server.url}/sitemap.xml" in robots.splitlines()
    sitemap = requests.get(server.url + "/sitemap.xml", timeout=30)
    assert sitemap.status_code == 200
    assert f"<loc>{server.url}/doc/programme/kuleuven/pioneer</loc>" in sitemap.text
    home = requests.get(server.url + "/", headers={"Accept": "text/html"}, timeout=30)
    assert '</dataset>; rel="describedby"' in home.headers.get("Link", "")
    assert 'rel="describedby" href="/dataset"' in home.text
    page = requests.get(
        server.url + "/doc/programme/kuleuven/pioneer", headers={"Accept": "text/html"}, timeout=30
    )
    assert page.status_code == 200
    assert 'href="/dataset"' in page.text


# --- literals: the endpoint's canonical forms, the dumps' forms as written ----------------------

PIONEER = "https://w3id.org/prospectus/id/programme/kuleuven/pioneer"
# docs/sparql.md, "Literals": what the sources write and what the endpoint returns for it.
CANONICAL_EXAMPLES = {
    ("duration", "P24M"): "P2Y",
    ("decimal", "120.0"): "120",
    ("decimal", "18016.00"): "18016",
}


def test_the_endpoint_returns_canonical_forms_where_docs_say(server: LiveServer) -> None:
    """Every literal of the sources comes back from the endpoint as written, except the
    xsd:decimal and xsd:duration ones docs/sparql.md lists, which come back canonical."""
    from graph.build.release import read_release
    from graph.canonical import literals_as_written

    query = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o FILTER(isLiteral(?o)) } }"
    text = sparql(server, query, "application/sparql-results+json").text
    with literals_as_written():
        result = Result.parse(io.StringIO(text), format="json")
        sources = read_release().dataset
    answered: dict[tuple[str, str, str], set[tuple[str, str]]] = {}
    g, s, p, o = (Variable(v) for v in "gspo")
    for row in result.bindings:
        key = (str(row[g]), str(row[s]), str(row[p]))
        answered.setdefault(key, set()).add((str(row[o]), str(row[o].datatype or "")))
    rewritten: dict[tuple[str, str], set[str]] = {}
    unchanged = 0
    for subject, predicate, value, graph in sources.quads():
        if not isinstance(value, Literal):
            continue
        name = graph.identifier if hasattr(graph, "identifier") else graph
        returned = answered[(str(name), str(subject), str(predicate))]
        datatype = str(value.datatype or "")
        if (str(value), datatype) in returned:
            unchanged += 1
            continue
        local = datatype.rsplit("#", 1)[-1]
        rewritten.setdefault((local, str(value)), set()).update(
            lexical for lexical, dt in returned if dt == datatype
        )
    assert unchanged > 500
    assert {local for local, _ in rewritten} == {"duration", "decimal"}
    for example, canonical in CANONICAL_EXAMPLES.items():
        assert canonical in rewritten[example], (example, rewritten.get(example))
    pioneer = sparql(
        server,
        f"SELECT ?d WHERE {{ <{PIONEER}> <http://data.europa.eu/snb/model/elm/duration> ?d "
        f'FILTER(?d = "P24M"^^<{XSD.duration}>) }}',
        "application/sparql-results+json",
    ).json()["results"]["bindings"]
    assert pioneer and {row["d"]["value"] for row in pioneer} == {"P2Y"}, "equal by value"
