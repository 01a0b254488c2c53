"""Every error the app returns has the one documented JSON shape when JSON is asked for
(server/errors.py): {"ok": false, "status": int, "title": str, "message": str,
"help_url": str | null}, with the HTTP status in "status". Like datasette's
tests/test_error_shape.py.

One table covers every route family (home, resources, dumps, dataset description, SPARQL,
no route at all) and every status it can answer with: 400, 403, 404, 405, 406, 413, 415,
416, 500 and 503. In-process, with app.test_client().
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph import settings
from graph.build.pipeline import WRITERS
from server import create_app

from .support.publishing import publish_fixture

SHAPE = {"ok", "status", "title", "message", "help_url"}
# JSON first; anything else acceptable, so that content negotiation of the route itself
# still finds a format and the error is the one the case is about.
JSON_FIRST = "application/json, */*;q=0.1"
JSON_ONLY = "application/json"
MAX_QUERY_LENGTH = 200
PROGRAMME = "/doc/programme/example/msc-example"


def q(text: str) -> str:
    return "/sparql?query=" + text.replace(" ", "%20").replace("{", "%7B").replace("}", "%7D")


# (family, status, app, method, path, headers, body)
#   app: "published" serves a published version of tests/data/dumps/dataset.trig,
#        "empty" has nothing published yet, "broken" has a store that fails unexpectedly.
CASES: list[tuple[str, int, str, str, str, dict[str, str], bytes | None]] = [
    ("home", 405, "published", "POST", "/", {}, None),
    ("home", 405, "published", "DELETE", "/programmes", {}, None),
    ("home", 500, "broken", "GET", "/programmes", {}, None),
    ("home", 503, "empty", "GET", "/", {}, None),
    ("home", 503, "empty", "GET", "/search?q=x", {}, None),
    ("resources", 404, "published", "GET", "/id/programme/no-such", {}, None),
    ("resources", 404, "published", "GET", "/doc/programme/no-such", {}, None),
    ("resources", 404, "published", "GET", "/doc/programme/example/msc-example.exe", {}, None),
    ("resources", 404, "published", "GET", "/ontology.exe", {}, None),
    ("resources", 405, "published", "PUT", PROGRAMME, {}, None),
    ("resources", 406, "published", "GET", PROGRAMME, {"Accept": JSON_ONLY}, None),
    ("resources", 406, "published", "GET", "/ontology", {"Accept": JSON_ONLY}, None),
    ("resources", 500, "broken", "GET", PROGRAMME, {}, None),
    ("resources", 503, "empty", "GET", "/id/programme/x", {}, None),
    ("resources", 503, "empty", "GET", "/doc/programme/x.ttl", {}, None),
    ("dumps", 404, "published", "GET", "/dumps/no-such-version/dataset.ttl", {}, None),
    ("dumps", 404, "published", "GET", "/dumps/latest/no-such-file.ttl", {}, None),
    ("dumps", 405, "published", "POST", "/dumps/", {}, None),
    (
        "dumps",
        416,
        "published",
        "GET",
        "/dumps/latest/dataset.ttl",
        {"Range": "bytes=9999999-"},
        None,
    ),
    ("dumps", 500, "broken", "GET", "/dumps/latest/dataset.ttl", {}, None),
    ("dumps", 503, "empty", "GET", "/dumps/latest/dataset.ttl", {}, None),
    ("description", 404, "published", "GET", "/dataset/changes/no-such-version", {}, None),
    ("description", 405, "published", "POST", "/dataset", {}, None),
    ("description", 406, "published", "GET", "/dataset", {"Accept": JSON_ONLY}, None),
    ("description", 406, "published", "GET", "/.well-known/void?format=png", {}, None),
    ("description", 500, "broken", "GET", "/sitemap.xml", {}, None),
    ("description", 503, "empty", "GET", "/.well-known/void", {}, None),
    ("description", 503, "empty", "GET", "/sitemap.xml", {}, None),
    ("sparql", 400, "published", "GET", q("SELEC * {}"), {}, None),
    ("sparql", 400, "published", "GET", "/sparql?query=ASK{}&query=ASK{}", {}, None),
    ("sparql", 403, "published", "GET", q("INSERT DATA { <a:s> <a:p> <a:o> }"), {}, None),
    (
        "sparql",
        403,
        "published",
        "GET",
        q("SELECT * { SERVICE <http://127.0.0.1:9/q> { ?s ?p ?o } }"),
        {},
        None,
    ),
    ("sparql", 405, "published", "DELETE", "/sparql", {}, None),
    # Asking for JSON makes any SPARQL result acceptable (application/json is an alias of the
    # JSON formats), so a 406 with a JSON body comes from a `format` nothing matches.
    ("sparql", 406, "published", "GET", q("SELECT * { ?s ?p ?o }") + "&format=image/png", {}, None),
    ("sparql", 413, "published", "GET", q("ASK {}" + " " * MAX_QUERY_LENGTH), {}, None),
    ("sparql", 415, "published", "POST", "/sparql", {"Content-Type": "text/plain"}, b"ASK {}"),
    ("sparql", 500, "broken", "GET", q("ASK {}"), {}, None),
    ("sparql", 503, "empty", "GET", q("ASK {}"), {}, None),
    ("no route", 404, "published", "GET", "/no/such/page", {}, None),
    ("no route", 404, "empty", "GET", "/no/such/page", {}, None),
]


class BrokenPublication:
    """A publication whose store fails in a way nobody planned for."""

    data_files = ()

    @property
    def version(self) -> Any:
        raise RuntimeError("the disk went away")

    @property
    def store(self) -> Any:
        raise RuntimeError("the disk went away")


def app_for(data_dir: Path) -> Flask:
    return create_app(
        settings.load({"data_dir": str(data_dir), "max_query_length": MAX_QUERY_LENGTH}, environ={})
    )


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, FlaskClient]]:
    root = tmp_path_factory.mktemp("error-shape")
    publish_fixture(root / "published", writers=WRITERS)
    published = app_for(root / "published")
    broken = app_for(root / "broken")
    broken.extensions["prospectus"] = BrokenPublication()
    yield {
        "published": published.test_client(),
        "empty": app_for(root / "empty").test_client(),
        "broken": broken.test_client(),
    }
    published.extensions["prospectus"].store.close()


@pytest.mark.parametrize(
    ("family", "status", "app", "method", "path", "headers", "body"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{c[3]} {c[4][:50]}" for c in CASES],
)
def test_error_has_the_json_shape(
    clients: dict[str, FlaskClient],
    family: str,
    status: int,
    app: str,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None,
) -> None:
    response = clients[app].open(
        path, method=method, headers={"Accept": JSON_FIRST, **headers}, data=body
    )
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    error = response.get_json()
    assert set(error) == SHAPE
    assert error["ok"] is False
    assert error["status"] == status
    assert isinstance(error["title"], str) and error["title"]
    assert isinstance(error["message"], str) and error["message"]
    assert error["help_url"] is None or isinstance(error["help_url"], str)
    assert "Accept" in response.headers.get("Vary", "")
    if status == 500:  # logged, never shown
        assert "disk" not in error["message"] and "Traceback" not in error["message"]


def test_the_table_covers_every_family_and_status() -> None:
    by_family: dict[str, set[int]] = {}
    for family, status, *_rest in CASES:
        by_family.setdefault(family, set()).add(status)
    assert set(by_family) == {"home", "resources", "dumps", "description", "sparql", "no route"}
    for family, statuses in by_family.items():
        if family != "no route":
            assert {405, 500, 503} <= statuses, family
    assert set().union(*by_family.values()) == {400, 403, 404, 405, 406, 413, 415, 416, 500, 503}


def test_the_same_errors_render_as_html_or_text_when_json_is_not_asked_for(
    clients: dict[str, FlaskClient],
) -> None:
    html = clients["published"].get("/id/programme/no-such", headers={"Accept": "text/html"})
    assert html.status_code == 404 and html.mimetype == "text/html"
    text = clients["published"].get("/id/programme/no-such", headers={"Accept": "*/*"})
    assert text.status_code == 404 and text.mimetype == "text/plain"
