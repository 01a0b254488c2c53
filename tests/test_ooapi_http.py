"""The OOAPI v5 read API served by the app at /ooapi/v5 (server/views/ooapi.py, docs/ooapi.md),
against live servers (`prospectus serve`, gunicorn on 127.0.0.1) of the bundled build.

Every answer, paged, expanded, filtered or an error, is validated against
../shared/ref/ooapi-v5/v5/ooapi.json with openapi-core (the client of test_ooapi_api.py);
the app's HTTP machinery applies to it as to every JSON route (ETag and 304, CORS and its
preflight, HEAD); and our importer pointed at the live /ooapi/v5 on an empty instance gives
back, after a build, the programmes the API serves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from graph import versions
from graph.store import Store, open_store

from .conftest import LiveServer
from .support.ooapi_checks import (
    ERRORS,
    PIONEER,
    Api,
    catalogue_order,
    code,
    import_and_build,
    problem_schema,
    same_programmes,
    settings,
    walk,
)

MOUNT = "/ooapi/v5"
CONTACT = "editors@prospectus.example"
DOCUMENTATION = "https://prospectus.example/docs/ooapi"
PROBLEM = "application/problem+json"

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def server(live_server_factory: Callable[..., LiveServer], built_data_dir: Path) -> LiveServer:
    """The bundled build with the service metadata GET / names."""
    return live_server_factory(
        settings={
            "data_dir": str(built_data_dir),
            "ooapi_contact_email": CONTACT,
            "ooapi_documentation_url": DOCUMENTATION,
        }
    )


@pytest.fixture(scope="module")
def api(server: LiveServer) -> Api:
    return Api(server.url + MOUNT)


@pytest.fixture(scope="module")
def bundled(built_data_dir: Path) -> Iterator[Store]:
    version = versions.current(built_data_dir)
    assert version is not None
    store = open_store(settings(), version.path)
    yield store
    store.close()


def test_every_answer_of_the_live_api_validates(api: Api, bundled: Store) -> None:
    walk(api, sample=1)  # every programme, offering and organisation, plain and expanded
    service = api.get("/")
    assert (service["contactEmail"], service["documentation"]) == (CONTACT, DOCUMENTATION)
    listed = api.all_items("/programs")
    assert [code(p) for p in listed] == catalogue_order(bundled)
    filtered = api.get("/programs", primaryCode=PIONEER)
    assert [code(p) for p in filtered["items"]] == [PIONEER]
    by_language = api.all_items("/programs", teachingLanguage="eng")
    assert by_language and all(p["teachingLanguage"] == "eng" for p in by_language)
    assert PIONEER in {code(p) for p in by_language}
    assert api.validated > 3 * len(listed)


@pytest.mark.parametrize(("path", "params", "status", "words"), ERRORS)
def test_errors_are_validated_problems(
    api: Api, path: str, params: dict[str, Any], status: int, words: str
) -> None:
    if "{pid}" in path:
        path = path.replace("{pid}", api.get("/programs")["items"][0]["programId"])
    problem = api.get(path, status=status, **params)
    assert problem["status"] == str(status) and problem["title"]
    assert words in problem["detail"]


def test_answers_outside_the_specification_are_problems(server: LiveServer) -> None:
    """What ooapi.json has no operation for (so openapi-core cannot match a response to it)
    is still a Problem document: a path we do not serve, a method other than GET/HEAD."""
    schema = problem_schema()
    unknown = requests.get(f"{server.url}{MOUNT}/courses", timeout=30)
    assert (unknown.status_code, unknown.headers["Content-Type"]) == (404, PROBLEM)
    schema.validate(unknown.json())
    for method in ("POST", "PUT", "DELETE"):
        refused = requests.request(method, f"{server.url}{MOUNT}/programs", timeout=30)
        assert (refused.status_code, refused.headers["Content-Type"]) == (405, PROBLEM)
        allow = {m.strip() for m in refused.headers["Allow"].split(",")}
        assert allow == {"GET", "HEAD", "OPTIONS"}
        schema.validate(refused.json())
        assert refused.json()["status"] == "405"


def test_http_caching_cors_and_head_as_for_every_json_route(api: Api, server: LiveServer) -> None:
    url = f"{api.url}/programs"
    first = requests.get(url, params={"pageSize": 20}, timeout=30)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in first.headers["Access-Control-Expose-Headers"]
    assert "Host" not in first.headers.get("Vary", "")  # no absolute URL of ours in it
    again = requests.get(url, params={"pageSize": 20}, headers={"If-None-Match": etag}, timeout=30)
    assert (again.status_code, again.content) == (304, b"")
    other_page = requests.get(url, params={"pageSize": 10}, timeout=30)
    assert other_page.headers["ETag"] != etag  # a tag per answer, not per path
    head = requests.head(url, params={"pageSize": 20}, timeout=30)
    assert (head.status_code, head.headers["ETag"], head.content) == (200, etag, b"")
    assert head.headers["Content-Type"] == "application/json"
    preflight = requests.options(
        url,
        headers={"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
        timeout=30,
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    allowed = {m.strip() for m in preflight.headers["Access-Control-Allow-Methods"].split(",")}
    assert "GET" in allowed and "POST" not in allowed


def test_the_service_answer_without_a_contact_is_a_problem(live_server: LiveServer) -> None:
    """The default settings name no contact address, which GET / must give: 404."""
    api = Api(live_server.url + MOUNT)
    problem = api.get("/", status=404)
    assert "contact" in problem["detail"]
    assert api.get("/programs")["items"]  # the rest of the API answers


def test_nothing_published_is_a_problem_too(
    live_server_factory: Callable[..., LiveServer], tmp_path: Path
) -> None:
    empty = live_server_factory(settings={"data_dir": str(tmp_path / "nothing"), "workers": "1"})
    answer = requests.get(f"{empty.url}{MOUNT}/programs", timeout=30)
    assert (answer.status_code, answer.headers["Content-Type"]) == (503, PROBLEM)
    assert answer.headers["Retry-After"].isdigit()
    problem_schema().validate(answer.json())
    assert "prospectus build" in answer.json()["detail"]


def test_a_query_out_of_time_is_a_problem_to_retry(
    live_server_factory: Callable[..., LiveServer], built_data_dir: Path
) -> None:
    """A store error is a Problem too: every query stopped by a 1 µs `query_timeout`."""
    slow = live_server_factory(
        settings={"data_dir": str(built_data_dir), "query_timeout": "0.000001", "workers": "1"}
    )
    answer = requests.get(f"{slow.url}{MOUNT}/programs", params={"q": "public"}, timeout=30)
    assert (answer.status_code, answer.headers["Content-Type"]) == (503, PROBLEM)
    assert answer.headers["Retry-After"].isdigit()
    problem_schema().validate(answer.json())
    assert "query_timeout" in answer.json()["detail"]


def test_round_trip_through_the_live_api(api: Api, bundled: Store, tmp_path: Path) -> None:
    """`prospectus import ooapi http://127.0.0.1:…/ooapi/v5` on an empty instance, then a
    build: the same programmes, with their titles in every language, providers, credits, EQF,
    ISCED-F, language, homepage, identifiers and offerings with dates and fees."""
    back = import_and_build(api.url, tmp_path)
    try:
        assert same_programmes(api, bundled, back) == 1  # PIONEER's 2026 intake
    finally:
        back.close()
