"""`/healthz` against live gunicorn servers: 503 before a version is published (and when
a remote store does not answer), 200 with the version served once it is loaded."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import requests

from graph import versions

from .conftest import LiveServer, free_port

PROGRAMMES = """PREFIX pro: <https://w3id.org/prospectus/ontology#>
SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a pro:StudyProgramme }"""


def _health(server: LiveServer) -> requests.Response:
    return requests.get(server.url + "/healthz", headers={"Accept": "application/json"}, timeout=30)


def _publish_copy(built: Path, data_dir: Path) -> versions.Version:
    """Publish the built version into `data_dir` as a build would: the version folder
    first, then `current` swapped in one rename."""
    version = versions.current(built)
    assert version is not None
    (data_dir / "versions").mkdir()
    target = data_dir / "versions" / version.path.name
    shutil.copytree(version.path, target)
    link = data_dir / ".current-test"
    os.symlink(os.path.relpath(target, data_dir), link)
    os.replace(link, data_dir / "current")
    return version


def test_503_before_a_version_is_published_then_200_with_it(
    live_server_factory: Callable[..., LiveServer], built_data_dir: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "empty"
    data_dir.mkdir()
    server = live_server_factory(settings={"data_dir": str(data_dir)})
    before = _health(server)
    assert before.status_code == 503
    body = before.json()
    assert body["ok"] is False and body["status"] == 503 and body["title"] == "Not ready"
    assert "prospectus build" in body["message"]
    assert before.headers["Cache-Control"] == "no-store"
    text = requests.get(server.url + "/healthz", timeout=30)  # curl's */*: the text form
    assert text.status_code == 503 and text.headers["Content-Type"].startswith("text/plain")

    version = _publish_copy(built_data_dir, data_dir)
    deadline = time.monotonic() + 30
    after = _health(server)
    while after.status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.2)  # polling for the reload (at most a second), not ordering events
        after = _health(server)
    assert after.status_code == 200, after.text
    report = after.json()
    assert report["ok"] is True
    assert report["version"] == version.id
    assert report["created"] == version.manifest["created"]
    assert report["store"] == "oxigraph"
    assert report["quads"] == version.manifest["quads"]
    counted = requests.get(
        server.url + "/sparql",
        params={"query": PROGRAMMES},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    ).json()
    assert report["programmes"] == int(counted["results"]["bindings"][0]["n"]["value"]) > 0
    assert after.headers["Cache-Control"] == "no-store"


def test_200_on_the_preloaded_store(live_server: LiveServer, built_data_dir: Path) -> None:
    version = versions.current(built_data_dir)
    assert version is not None
    response = _health(live_server)
    assert response.status_code == 200
    report = json.loads(response.text)
    assert (report["version"], report["quads"]) == (version.id, version.manifest["quads"])


def test_503_when_the_remote_store_does_not_answer(
    live_server_factory: Callable[..., LiveServer], tmp_path: Path
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/sparql"  # loopback, nothing listens
    data_dir = tmp_path / "remote"
    data_dir.mkdir()
    server = live_server_factory(
        settings={"data_dir": str(data_dir), "store": "remote", "remote_endpoint": nowhere}
    )
    response = _health(server)
    assert response.status_code == 503
    assert response.json()["title"] == "Not ready"
    assert nowhere in response.json()["message"]


def test_cors_on_healthz_metrics_and_the_examples(live_server: LiveServer) -> None:
    """server/cors.py covers the routes of issue 15 items 3-4 like every other route."""
    origin = {"Origin": "https://app.example"}
    for path in ("/healthz", "/metrics", "/.well-known/sparql-examples"):
        preflight = requests.options(
            live_server.url + path,
            headers={**origin, "Access-Control-Request-Method": "GET"},
            timeout=30,
        )
        assert preflight.status_code == 204, path
        assert preflight.headers["Access-Control-Allow-Origin"] == "*"
        assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
        answer = requests.get(live_server.url + path, headers=origin, timeout=30)
        assert answer.status_code == 200, path
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert "Retry-After" in answer.headers["Access-Control-Expose-Headers"]
