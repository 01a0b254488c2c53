"""Accept-Encoding (RFC 9110 §12.5.3) on the responses server/caching.py compresses.

A coding's own entry wins over `*` (`gzip;q=0, *` refuses gzip), identity is acceptable
unless excluded, gzip is chosen when preferred or tied with identity, and a request that
refuses both gets 406. A table of headers runs in-process (app.test_client()); one live
check runs against `prospectus serve`.
"""

from __future__ import annotations

import gzip
import http.client
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from rdflib import Graph
from rdflib.compare import isomorphic

from graph import settings
from server import create_app

from .conftest import LiveServer

FIXTURE = Path(__file__).parent / "data" / "pages" / "programme.trig"
LARGE = "/doc/programme/ku-leuven/pioneer.nt"  # N-Triples, well over 512 bytes
SMALL = "/robots.txt"  # plain text under 512 bytes

GZIP, IDENTITY, REFUSED = "gzip", "identity", 406

TABLE = [
    # (Accept-Encoding, or None for no header; the answer for a large textual body)
    (None, IDENTITY),
    ("", IDENTITY),  # an empty value asks for no coding
    ("gzip", GZIP),
    ("GZIP", GZIP),
    ("x-gzip", GZIP),
    ("*", GZIP),
    ("gzip, deflate, br", GZIP),
    ("br", IDENTITY),
    ("gzip;q=0", IDENTITY),
    ("gzip;q=0, *", IDENTITY),  # the specific entry wins over the wildcard
    ("*, gzip;q=0", IDENTITY),
    ("*;q=0.5, gzip;q=0", IDENTITY),
    ("gzip;q=0.5, identity", IDENTITY),  # identity preferred
    ("deflate, gzip;q=0.001", IDENTITY),  # identity, not listed, keeps q=1
    ("gzip, identity;q=0.5", GZIP),
    ("gzip;q=0.5, *;q=0.5", GZIP),  # a tie goes to gzip
    ("identity", IDENTITY),
    ("identity;q=0, gzip", GZIP),
    ("*;q=0, gzip", GZIP),
    ("*;q=0, identity", IDENTITY),  # the identity entry wins over *;q=0
    ("identity;q=0", REFUSED),  # gzip is not listed: nothing is acceptable
    ("*;q=0", REFUSED),
    ("gzip;q=0, identity;q=0", REFUSED),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    data_dir = tmp_path_factory.mktemp("compression") / "data"
    app = create_app(settings.load({"data_dir": str(data_dir)}, environ={}), data_files=[FIXTURE])
    yield app.test_client()
    app.extensions["prospectus"].store.close()


def get(client: FlaskClient, path: str, accept_encoding: str | None, **headers: str):  # noqa: ANN201
    if accept_encoding is not None:
        headers["Accept-Encoding"] = accept_encoding
    return client.get(path, headers=headers)


def ntriples(body: bytes) -> Graph:
    return Graph().parse(data=body, format="nt")


@pytest.mark.parametrize(("accept_encoding", "answer"), TABLE)
def test_accept_encoding_table(
    client: FlaskClient, accept_encoding: str | None, answer: str | int
) -> None:
    plain = get(client, LARGE, None)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    response = get(client, LARGE, accept_encoding)
    if answer == REFUSED:
        assert response.status_code == 406
        assert "Accept-Encoding" in response.headers["Vary"]
        return
    assert response.status_code == 200
    assert "Accept-Encoding" in response.headers["Vary"]
    if answer == GZIP:
        assert response.headers["Content-Encoding"] == "gzip"
        assert isomorphic(ntriples(gzip.decompress(response.data)), ntriples(plain.data))
        assert len(response.data) < len(plain.data)
        assert response.headers["ETag"] != plain.headers["ETag"]
    else:
        assert "Content-Encoding" not in response.headers
        assert isomorphic(ntriples(response.data), ntriples(plain.data))
        assert response.headers["ETag"] == plain.headers["ETag"]


@pytest.mark.parametrize(
    ("accept_encoding", "answer"),
    [
        ("gzip", IDENTITY),  # too small to be worth it
        ("gzip, identity;q=0.5", IDENTITY),
        ("identity;q=0, gzip", GZIP),  # refused uncoded: gzipped however small
        ("*;q=0, x-gzip", GZIP),
        ("identity;q=0", REFUSED),
    ],
)
def test_small_bodies_are_gzipped_only_when_identity_is_refused(
    client: FlaskClient, accept_encoding: str, answer: str | int
) -> None:
    plain = get(client, SMALL, None)
    assert plain.status_code == 200 and len(plain.data) < 512
    response = get(client, SMALL, accept_encoding)
    if answer == REFUSED:
        assert response.status_code == 406
    elif answer == GZIP:
        assert response.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.data).decode() == plain.data.decode()
        assert "Accept-Encoding" in response.headers["Vary"]
    else:
        assert "Content-Encoding" not in response.headers
        assert response.data == plain.data


def test_refusal_has_the_json_error_shape(client: FlaskClient) -> None:
    response = get(client, LARGE, "identity;q=0", Accept="application/json")
    assert response.status_code == 406
    body = response.get_json()
    assert set(body) == {"ok", "status", "title", "message", "help_url"}
    assert body["status"] == 406 and body["ok"] is False
    assert "Accept-Encoding" in body["message"]


def test_conditional_request_answers_the_variant_asked_for(client: FlaskClient) -> None:
    zipped = get(client, LARGE, "gzip")
    plain = get(client, LARGE, "gzip;q=0, *")
    assert (
        get(client, LARGE, "gzip;q=0, *", **{"If-None-Match": plain.headers["ETag"]}).status_code
        == 304
    )
    assert (
        get(client, LARGE, "gzip", **{"If-None-Match": zipped.headers["ETag"]}).status_code == 304
    )
    again = get(client, LARGE, "gzip;q=0, *", **{"If-None-Match": zipped.headers["ETag"]})
    assert again.status_code == 200 and "Content-Encoding" not in again.headers


@pytest.mark.live
def test_live_server_honours_a_refused_gzip(live_server_factory) -> None:  # noqa: ANN001
    server: LiveServer = live_server_factory(data_files=(FIXTURE,))
    parts = urlsplit(server.url)
    answers = {}
    for accept_encoding in ("gzip;q=0, *", "gzip"):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            connection.request("GET", LARGE, headers={"Accept-Encoding": accept_encoding})
            response = connection.getresponse()
            answers[accept_encoding] = (
                response.status,
                response.getheader("Content-Encoding"),
                response.read(),
            )
        finally:
            connection.close()
    status, coding, body = answers["gzip;q=0, *"]
    assert (status, coding) == (200, None)
    zipped_status, zipped_coding, zipped = answers["gzip"]
    assert (zipped_status, zipped_coding) == (200, "gzip")
    assert isomorphic(ntriples(body), ntriples(gzip.decompress(zipped)))
