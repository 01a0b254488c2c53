"""The SPARQLES feature queries (../shared/ref/w3c-sparql-protocol/sparqles-ftask/), sent to a
live server the way SPARQLES probes endpoints: a feature counts as supported when the answer
is a well-formed result of the query's kind.

Each query is sent three ways: GET without any Accept header (where the Oxigraph server
fails for CONSTRUCT), GET with a typical client Accept header, and POST
application/sparql-query. SEL[SERVICE] asks for an outside endpoint (dbpedia.org): this
server refuses it cleanly (no outbound request, the message names `service_allowlist`),
and the same query answers once the allowlist names the endpoint it is pointed at.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pyoxigraph as ox
import pytest
import requests
from rdflib import Graph

from .conftest import LiveServer
from .sparql_support import PROGRAMMES, W3C, server_factory

pytestmark = pytest.mark.live

QUERIES = sorted((W3C / "sparqles-ftask").glob("*/*.rq"))
SERVICE = W3C / "sparqles-ftask" / "sparql11" / "SEL[SERVICE].rq"
RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
}
CLIENT_ACCEPT = (
    "application/sparql-results+json, application/sparql-results+xml;q=0.9, "
    "text/turtle;q=0.8, application/rdf+xml;q=0.7, */*;q=0.1"
)


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def test_all_queries_are_here() -> None:
    assert len(QUERIES) == 42


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveServer]]:
    yield from server_factory(tmp_path_factory)


@pytest.fixture(scope="module")
def server(servers: Callable[..., LiveServer]) -> LiveServer:
    return servers()


def _get_without_accept(server: LiveServer, query: str) -> tuple[int, str, bytes]:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.putrequest("GET", "/sparql?query=" + quote(query), skip_accept_encoding=True)
    conn.endheaders()
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, (response.getheader("Content-Type") or ""), body


def well_formed(query: str, media_type: str, body: bytes) -> None:
    """The body is a parseable result of the kind the query asks for."""
    media_type = media_type.split(";")[0].strip()
    form = "graph" if query.lstrip().upper().startswith("CON") else "results"
    if form == "graph":
        assert media_type in GRAPH_TYPES, media_type
        Graph().parse(data=body, format=GRAPH_TYPES[media_type])
        return
    assert media_type in RESULT_TYPES, media_type
    parsed = ox.parse_query_results(body, RESULT_TYPES[media_type])
    if query.lstrip().upper().startswith("ASK"):
        assert isinstance(parsed, ox.QueryBoolean)
    else:
        assert isinstance(parsed, ox.QuerySolutions)
        list(parsed)


@pytest.mark.parametrize("path", [q for q in QUERIES if q != SERVICE], ids=_id)
def test_feature_query(server: LiveServer, path: Path) -> None:
    query = path.read_text(encoding="utf-8")
    status, media_type, body = _get_without_accept(server, query)
    assert status == 200, body
    well_formed(query, media_type, body)
    response = requests.get(
        server.url + "/sparql",
        params={"query": query},
        timeout=30,
        headers={"Accept": CLIENT_ACCEPT},
    )
    assert response.status_code == 200, response.text
    well_formed(query, response.headers["Content-Type"], response.content)
    response = requests.post(
        server.url + "/sparql",
        data=query.encode(),
        timeout=30,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 200, response.text
    well_formed(query, response.headers["Content-Type"], response.content)


def test_service_is_refused_without_an_allowlist(server: LiveServer) -> None:
    query = SERVICE.read_text(encoding="utf-8")
    response = requests.get(
        server.url + "/sparql",
        params={"query": query},
        timeout=30,
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 403
    assert "service_allowlist" in response.json()["message"]


def test_service_answers_when_the_allowlist_names_the_endpoint(
    servers: Callable[..., LiveServer],
) -> None:
    remote = servers(data_files=(PROGRAMMES,))
    remote_endpoint = remote.url + "/sparql"
    local = servers(data_files=(PROGRAMMES,), settings={"service_allowlist": remote_endpoint})
    query = SERVICE.read_text(encoding="utf-8").replace(
        "http://dbpedia.org/sparql", remote_endpoint
    )
    response = requests.get(
        local.url + "/sparql",
        params={"query": query},
        timeout=60,
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    well_formed(query, response.headers["Content-Type"], response.content)
    joined = (
        "SELECT ?country WHERE { SERVICE <" + remote_endpoint + "> { "
        "<http://example.org/pioneer> <http://example.org/country> ?country } }"
    )
    rows = requests.get(
        local.url + "/sparql",
        params={"query": joined},
        timeout=60,
        headers={"Accept": "application/sparql-results+json"},
    ).json()
    countries = {b["country"]["value"] for b in rows["results"]["bindings"]}
    assert countries == {
        "http://example.org/belgium",
        "http://example.org/germany",
        "http://example.org/estonia",
    }
    other = requests.get(
        local.url + "/sparql",
        timeout=30,
        params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"},
    )
    assert other.status_code == 403
