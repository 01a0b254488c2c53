"""The W3C SPARQL 1.1 Protocol tests (../shared/ref/w3c-sparql-protocol/protocol/manifest.ttl),
replayed against a live server that serves the suite's data with `--data dataset.trig`.

A small runner: every `mf:ProtocolTest` is one case; its `ht:Request`s are sent in order with
exactly the method, path, headers and body of the manifest (http.client, so no Accept header
is added that the test did not write); `/sparql/` is replaced by our endpoint `/sparql`.
Each response is checked for the expected status class, result format and ASK boolean.

This service is read-only, so the update tests apply in their refused form: every update
request must answer 4xx, and the queries that follow must still answer — with `false`,
proving that nothing was written.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF

from .conftest import LiveServer
from .sparql_support import W3C, server_factory

pytestmark = pytest.mark.live

MANIFEST = W3C / "protocol" / "manifest.ttl"
DATASET = W3C / "protocol" / "dataset.trig"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")

BOOLEAN_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
}
TABULAR_TYPES = {
    **BOOLEAN_TYPES,
    "text/csv": None,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
RDF_TYPES = {"application/rdf+xml": "xml", "text/turtle": "turtle", "application/n-triples": "nt"}


@dataclass(frozen=True)
class Expected:
    statuses: frozenset[str]  # "2xx", "3xx", "4xx", …
    format: str | None  # boolean, tabular, RDF
    boolean: bool | None


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    expected: Expected

    @property
    def is_update(self) -> bool:
        content_type = dict(self.headers).get("content-type", "")
        body = (self.body or b"").decode("utf-8", "replace")
        return (
            "sparql-update" in content_type
            or body.startswith("update=")
            or "update=" in self.path
            or "using-" in self.path
        )


@dataclass(frozen=True)
class ProtocolTest:
    name: str
    title: str
    requests: tuple[Request, ...]

    @property
    def is_update_test(self) -> bool:
        return any(r.is_update for r in self.requests)


def _request(g: Graph, node: URIRef) -> Request:
    headers: list[tuple[str, str]] = []
    header_list = g.value(node, HT.headers)
    if header_list is not None:
        for header in Collection(g, header_list):
            headers.append(
                (str(g.value(header, HT.fieldName)).lower(), str(g.value(header, HT.fieldValue)))
            )
    body = None
    body_node = g.value(node, HT.body)
    if body_node is not None:
        encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(g.value(body_node, CNT.chars)).encode(encoding.lower())
    response = g.value(node, HT.resp)
    statuses = frozenset(
        str(s).rsplit("StatusCode", 1)[-1] for s in g.objects(response, MF.expectedStatus)
    )
    fmt = g.value(response, MF.expectedFormat)
    boolean = g.value(response, MF.expectedBoolean)
    path = str(g.value(node, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
    return Request(
        method=str(g.value(node, HT.methodName)),
        path=path,
        headers=tuple(headers),
        body=body,
        expected=Expected(
            statuses,
            str(fmt) if fmt is not None else None,
            boolean.toPython() if boolean is not None else None,
        ),
    )


def load_manifest() -> list[ProtocolTest]:
    g = Graph().parse(MANIFEST, format="turtle")
    manifest = g.value(predicate=RDF.type, object=MF.Manifest)
    tests = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        action = g.value(entry, MF.action)
        requests = Collection(g, g.value(action, HT.requests))
        tests.append(
            ProtocolTest(
                name=str(entry).rsplit("#", 1)[-1],
                title=str(g.value(entry, MF.name)),
                requests=tuple(_request(g, r) for r in requests),
            )
        )
    return tests


TESTS = load_manifest()


def test_the_manifest_is_complete() -> None:
    """34 tests (20 query, 14 update), as SOURCE.md describes; none is silently lost."""
    assert len(TESTS) == 34
    updates = {t.name for t in TESTS if "update" in t.name}
    assert len(updates) == 14
    assert {t.name for t in TESTS if t.is_update_test} <= updates
    assert sum(len(t.requests) for t in TESTS) == 39


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveServer]]:
    yield from server_factory(tmp_path_factory)


@pytest.fixture(scope="module")
def server(servers: Callable[..., LiveServer]) -> LiveServer:
    return servers(data_files=(DATASET,))


def send(server: LiveServer, request: Request) -> http.client.HTTPResponse:
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.putrequest(request.method, request.path, skip_accept_encoding=True)
    for name, value in request.headers:
        conn.putheader(name, value)
    if request.body is not None:
        conn.putheader("Content-Length", str(len(request.body)))
    conn.endheaders(request.body)
    response = conn.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    conn.close()
    return response


def _boolean(body: bytes, media_type: str) -> bool:
    parsed = ox.parse_query_results(body, BOOLEAN_TYPES[media_type])
    assert isinstance(parsed, ox.QueryBoolean)
    return bool(parsed)


def check_format(expected: Expected, media_type: str, body: bytes) -> bool | None:
    if expected.format == "boolean":
        assert media_type in BOOLEAN_TYPES, media_type
        return _boolean(body, media_type)
    if expected.format == "tabular":
        assert media_type in TABULAR_TYPES, media_type
        fmt = TABULAR_TYPES[media_type]
        if fmt is not None:
            assert isinstance(ox.parse_query_results(body, fmt), ox.QuerySolutions)
        return None
    if expected.format == "RDF":
        assert media_type in RDF_TYPES, media_type
        Graph().parse(data=body, format=RDF_TYPES[media_type])
    return None


@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_protocol(server: LiveServer, test: ProtocolTest) -> None:
    for request in test.requests:
        response = send(server, request)
        status_class = f"{response.status // 100}xx"
        body: bytes = response.body  # type: ignore[attr-defined]
        media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
        if request.is_update:
            # read-only service: the update is refused, whatever the test expected
            assert status_class == "4xx", (test.title, response.status, body)
            continue
        assert status_class in request.expected.statuses, (test.title, response.status, body)
        if status_class != "2xx":
            continue
        value = check_format(request.expected, media_type, body)
        if request.expected.boolean is not None:
            # after a refused update, nothing was written: the check must be false
            wanted = False if test.is_update_test else request.expected.boolean
            assert value is wanted, (test.title, body)


def test_protocol_errors_have_one_json_shape(server: LiveServer) -> None:
    bad = next(t for t in TESTS if t.name == "bad_query_syntax").requests[0]
    request = Request(bad.method, bad.path, (("accept", "application/json"),), None, bad.expected)
    response = send(server, request)
    data = json.loads(response.body)  # type: ignore[attr-defined]
    assert set(data) == {"ok", "status", "title", "message", "help_url"}
    assert data["status"] == 400 and data["ok"] is False
