"""HTTP details (issue 11, item 8) against a live server with the bundled graph: Range on
dumps (invalid ranges ignored, several ranges answered with the whole file, a range past
the end 416), preconditions (If-Match and If-Unmodified-Since 412, in RFC 9110 §13.2.2
order) on dumps, documents and the dataset description, 405 with Allow on every route,
HEAD on /sparql, and CORS (preflights and exposed headers) on every kind of URL.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import pytest
import requests

from server import create_app

from .conftest import LiveServer
from .support.routes import Route, routes

pytestmark = pytest.mark.live

DUMP = "/dumps/latest/dataset.nt.gz"
PIONEER = "/doc/programme/kuleuven/pioneer"
SELECT = "SELECT ?s WHERE { ?s a <https://w3id.org/prospectus/ontology#StudyProgramme> } LIMIT 2"
VOCAB_CONCEPT = (
    "SELECT ?c WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> "
    "FILTER STRSTARTS(STR(?c), 'https://w3id.org/prospectus/vocab/') } LIMIT 1"
)


def get(server: LiveServer, path: str, **headers: str) -> requests.Response:
    return requests.get(server.url + path, headers=headers, timeout=60)


# -- Range ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def whole(live_server: LiveServer) -> requests.Response:
    response = get(live_server, DUMP, **{"Accept-Encoding": "identity"})
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == response.headers["ETag"].strip('"')
    return response


@pytest.mark.parametrize(
    "header",
    [
        "bytes=5-1",  # last before first: invalid
        "bytes=abc",
        "bytes=",
        "items=0-5",  # a unit we do not serve
        "bytes=0-1,5-6",  # several ranges: the whole file (no multipart/byteranges)
        "bytes=0-1, -3",
    ],
)
def test_ranges_that_are_not_one_byte_range_get_the_whole_file(
    live_server: LiveServer, whole: requests.Response, header: str
) -> None:
    r = get(live_server, DUMP, Range=header, **{"Accept-Encoding": "identity"})
    assert r.status_code == 200, (header, r.status_code)
    assert r.content == whole.content
    assert "Content-Range" not in r.headers
    print(f"\nRange: {header} -> {r.status_code}, {len(r.content)} bytes (the whole file)")


def test_one_range_and_a_range_past_the_end(
    live_server: LiveServer, whole: requests.Response
) -> None:
    size = len(whole.content)
    part = get(live_server, DUMP, Range="bytes=10-19", **{"Accept-Encoding": "identity"})
    assert part.status_code == 206 and part.content == whole.content[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{size}"
    suffix = get(live_server, DUMP, Range="bytes=-7", **{"Accept-Encoding": "identity"})
    assert suffix.status_code == 206 and suffix.content == whole.content[-7:]
    beyond = get(live_server, DUMP, Range=f"bytes={size + 1000}-")
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{size}"
    print(f"\nbytes=10-19 -> 206; bytes=-7 -> 206; bytes={size + 1000}- -> 416 (bytes */{size})")


# -- preconditions -------------------------------------------------------------------------


def _day_before(http_date: str) -> str:
    return format_datetime(parsedate_to_datetime(http_date) - timedelta(days=1), usegmt=True)


@pytest.mark.parametrize("path", [DUMP, PIONEER + ".ttl", "/dataset.ttl", "/shapes.ttl"])
def test_preconditions(live_server: LiveServer, path: str) -> None:
    plain = {"Accept-Encoding": "identity"}
    first = get(live_server, path, **plain)
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    past = _day_before(modified)
    cases = [
        ("If-Match other", {"If-Match": '"nope"'}, 412),
        ("If-Match other or current", {"If-Match": f'"nope", {etag}'}, 200),
        ("If-Match current", {"If-Match": etag}, 200),
        ("If-Match *", {"If-Match": "*"}, 200),
        ("If-Match weak current", {"If-Match": "W/" + etag}, 412),  # compared strongly
        ("If-Unmodified-Since past", {"If-Unmodified-Since": past}, 412),
        ("If-Unmodified-Since Last-Modified", {"If-Unmodified-Since": modified}, 200),
        ("If-Match current + IUS past", {"If-Match": etag, "If-Unmodified-Since": past}, 200),
        ("If-None-Match current", {"If-None-Match": etag}, 304),
        ("If-None-Match other", {"If-None-Match": '"nope"'}, 200),
        ("If-Modified-Since Last-Modified", {"If-Modified-Since": modified}, 304),
        ("If-Modified-Since past", {"If-Modified-Since": past}, 200),
        ("INM other + IMS", {"If-None-Match": '"nope"', "If-Modified-Since": modified}, 200),
        ("If-Match other + INM current", {"If-Match": '"nope"', "If-None-Match": etag}, 412),
    ]
    seen = []
    for label, headers, expected in cases:
        r = get(live_server, path, **plain, **headers)
        assert r.status_code == expected, (path, label, r.status_code)
        if expected == 200:
            assert r.content == first.content
        seen.append(f"{label}: {r.status_code}")
    print(f"\n{path}: " + "; ".join(seen))


# -- 405 with Allow, HEAD on /sparql ---------------------------------------------------------


@pytest.fixture(scope="module")
def every_route(built_data_dir: Path, live_server: LiveServer) -> list[Route]:
    concept = requests.get(
        live_server.url + "/sparql",
        params={"query": VOCAB_CONCEPT},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    ).json()["results"]["bindings"][0]["c"]["value"]
    return routes(built_data_dir, concept.split("/vocab/", 1)[1])


def test_405_names_the_allowed_methods_on_every_route(
    live_server: LiveServer, every_route: list[Route]
) -> None:
    for route in every_route:
        for method in ("PUT", "DELETE", "PATCH"):
            r = requests.request(method, live_server.url + route.path, timeout=30)
            assert r.status_code == 405, (method, route.rule, r.status_code)
            allow = {m.strip() for m in r.headers["Allow"].split(",")}
            assert route.methods <= allow and method not in allow, (route.rule, allow)
    sparql = requests.put(live_server.url + "/sparql", timeout=30).headers["Allow"]
    print(f"\n{len(every_route)} routes x 3 methods -> 405 with Allow; /sparql: Allow: {sparql}")


def test_head_on_sparql(live_server: LiveServer) -> None:
    for params, accept in (
        ({}, "text/turtle"),  # the service description
        ({}, "text/html"),  # the query page
        ({"query": SELECT}, "application/sparql-results+json"),
        ({"query": SELECT}, "text/csv"),
        ({"query": "SELECT * {"}, "application/sparql-results+json"),  # 400 either way
    ):
        url = live_server.url + "/sparql"
        head = requests.head(url, params=params, headers={"Accept": accept}, timeout=30)
        got = requests.get(url, params=params, headers={"Accept": accept}, timeout=30)
        assert head.status_code == got.status_code, (params, accept)
        assert not head.content
        for name in ("Content-Type", "Vary", "Access-Control-Allow-Origin"):
            assert head.headers.get(name) == got.headers.get(name), (params, accept, name)
        if got.status_code == 200 and "Content-Encoding" not in got.headers:
            assert int(head.headers["Content-Length"]) == len(got.content)
    print("\nHEAD /sparql: the same status and headers as GET, no body (5 cases)")


# -- CORS ----------------------------------------------------------------------------------

CORS_PATHS = [
    "/sparql",
    PIONEER,
    "/id/programme/kuleuven/pioneer",
    DUMP,
    "/dataset",
    "/.well-known/void",
    "/ontology",
]


def test_cors_on_documents_dumps_and_the_endpoint(live_server: LiveServer) -> None:
    origin = {"Origin": "https://app.example"}
    for path in CORS_PATHS:
        url = live_server.url + path
        preflight = requests.options(
            url,
            headers={
                **origin,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "accept, range, if-none-match",
            },
            timeout=30,
        )
        assert preflight.status_code == 204, (path, preflight.status_code)
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        methods = preflight.headers["Access-Control-Allow-Methods"]
        assert "GET" in methods and "HEAD" in methods
        allowed = {
            h.strip().lower() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")
        }
        assert {"accept", "range", "if-none-match"} <= allowed
        assert int(preflight.headers["Access-Control-Max-Age"]) > 0
        answer = requests.get(url, headers=origin, allow_redirects=False, timeout=30)
        assert answer.headers["Access-Control-Allow-Origin"] == "*", path
        exposed = answer.headers["Access-Control-Expose-Headers"]
        assert "ETag" in exposed and "Link" in exposed
    post = requests.options(
        live_server.url + "/sparql",
        headers={**origin, "Access-Control-Request-Method": "POST"},
        timeout=30,
    )
    assert "POST" in post.headers["Access-Control-Allow-Methods"]
    print(f"\nCORS preflight 204 and Access-Control-Allow-Origin on {len(CORS_PATHS)} kinds of URL")


def test_cors_origins_setting(built_data_dir: Path) -> None:
    app = create_app(
        overrides={"data_dir": str(built_data_dir), "cors_origins": ["https://app.example.org"]}
    )
    client = app.test_client()
    allowed = client.get(PIONEER + ".ttl", headers={"Origin": "https://app.example.org"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "Origin" in allowed.headers["Vary"]
    other = client.get(PIONEER + ".ttl", headers={"Origin": "https://elsewhere.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert "Origin" in other.headers["Vary"]
    refused = client.options(
        "/sparql",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert "Access-Control-Allow-Methods" not in refused.headers
