"""`/metrics` scraped from a live gunicorn server (two workers, prometheus-client's
multiprocess mode) and parsed with prometheus-client's own parser: the counts agree with the
requests made, whichever worker answered them."""

from __future__ import annotations

import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from graph import versions
from server import create_app, metrics

from .conftest import LiveServer

ASK = "ASK { ?s ?p ?o }"
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) (GROUP_CONCAT(STR(?c); separator='') AS ?g) "
    "WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
)
JSON = {"Accept": "application/sparql-results+json", "Connection": "close"}


def scrape(url: str) -> dict[str, list]:
    response = requests.get(url + "/metrics", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    families: dict[str, list] = {}
    for family in text_string_to_metric_families(response.text):
        families.setdefault(family.name, []).extend(family.samples)
    return families


def value(families: dict[str, list], sample: str, **labels: str) -> float:
    found = [
        s.value
        for samples in families.values()
        for s in samples
        if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    return sum(found)


def counted(families: dict[str, list]) -> float:
    """Requests counted, but the scrapes."""
    return sum(
        s.value
        for s in families.get("prospectus_http_requests", [])
        if s.name == "prospectus_http_requests_total" and s.labels["route"] != "/metrics"
    )


def _written_by_children_of(directory: Path, parent: int) -> bool:
    """Whether a metrics file in `directory` is named after a live child of process `parent`
    (prometheus-client names each process's file after its pid: counter_1234.db)."""
    for db in directory.glob("*.db"):
        if (m := re.search(r"_(\d+)\.db$", db.name)) is None:
            continue
        try:
            status = Path(f"/proc/{m.group(1)}/status").read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{parent}$", status, re.M):
            return True
    return False


def test_a_scrape_counts_the_requests_made(
    live_server_factory: Callable[..., LiveServer],
    built_data_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    metrics_dir = tmp_path / "metrics"  # a directory the operator names: emptied, then kept
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    server = live_server_factory(
        settings={"data_dir": str(built_data_dir), "workers": "2", "query_timeout": "1"}
    )
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    made: Counter[tuple[str, str, str]] = Counter()

    def get(path: str, rule: str, **kwargs) -> None:  # noqa: ANN003
        # A fresh connection each time: the requests spread over both workers.
        headers = {"Connection": "close", **kwargs.pop("headers", {})}
        response = requests.get(server.url + path, headers=headers, timeout=60, **kwargs)
        made[(rule, "GET", str(response.status_code))] += 1

    for _ in range(5):
        get(
            "/doc/programme/kuleuven/pioneer", "/doc/<path:path>", headers={"Accept": "text/turtle"}
        )
    for _ in range(3):
        get("/doc/programme/nothing-here", "/doc/<path:path>")
    for _ in range(4):
        get("/sparql", "/sparql", params={"query": ASK}, headers=JSON)
    for _ in range(2):
        get("/sparql", "/sparql", params={"query": "SELECT * WHERE {"}, headers=JSON)
    get("/sparql", "/sparql", params={"query": RUNAWAY}, headers=JSON)  # stopped after 1 s
    get("/no/such/route/at/all", "(unmatched)")
    get("/healthz", "/healthz")
    assert made[("/doc/<path:path>", "GET", "200")] == 5
    assert made[("/doc/<path:path>", "GET", "404")] == 3
    assert made[("/sparql", "GET", "400")] == 2
    assert made[("/sparql", "GET", "503")] == 1

    # Answers are counted once written, just after the client has them: wait for the last.
    deadline = time.monotonic() + 30
    families = scrape(server.url)
    while not all(
        value(families, "prospectus_http_requests_total", route=r, method=m, status=c) >= n
        for (r, m, c), n in made.items()
    ):
        assert time.monotonic() < deadline, "the requests made were not all counted in 30 s"
        families = scrape(server.url)
    for (route, method, status), count in made.items():
        assert (
            value(
                families,
                "prospectus_http_requests_total",
                route=route,
                method=method,
                status=status,
            )
            == count
        ), (route, status)
    by_route: Counter[str] = Counter()
    for (route, _method, _status), count in made.items():
        by_route[route] += count
    for route, count in by_route.items():
        assert (
            value(families, "prospectus_http_request_duration_seconds_count", route=route) == count
        )
        assert (
            value(
                families, "prospectus_http_request_duration_seconds_bucket", route=route, le="+Inf"
            )
            == count
        )
    runaway = value(families, "prospectus_http_request_duration_seconds_sum", route="/sparql")
    assert runaway >= 1.0  # the runaway ran for its second
    assert value(families, "prospectus_sparql_timeouts_total", **{"while": "running"}) == 1
    assert value(families, "prospectus_sparql_queries_total") >= 5  # the ASKs and the runaway
    assert value(families, "prospectus_sparql_refusals_total") == 0
    assert value(families, "prospectus_sparql_rate_limited_total") == 0

    version = versions.current(built_data_dir)
    assert version is not None
    health = requests.get(server.url + "/healthz", timeout=30).json()
    assert value(families, "prospectus_ready") == 1
    assert value(families, "prospectus_version_info", version=version.id) == 1
    assert value(families, "prospectus_store_quads") == version.manifest["quads"] == health["quads"]
    assert value(families, "prospectus_programmes") == health["programmes"] > 0

    # Both workers wrote their own files into the directory of this run.
    pids = {
        m.group(1) for p in metrics_dir.glob("*.db") if (m := re.search(r"_(\d+)\.db$", p.name))
    }
    assert len(pids) >= 2
    # The scrape itself is counted by the next scrape.
    assert value(scrape(server.url), "prospectus_http_requests_total", route="/metrics") >= 1

    server.stop()
    assert not list(metrics_dir.glob("*.db"))  # the run's files are removed when it stops


def test_each_run_has_a_fresh_directory_removed_when_it_stops(
    live_server_factory: Callable[..., LiveServer], built_data_dir: Path
) -> None:
    tmp = Path(tempfile.gettempdir())
    before = set(tmp.glob("prospectus-metrics-*"))
    server = live_server_factory(settings={"data_dir": str(built_data_dir)})
    requests.get(server.url + "/healthz", timeout=30)
    deadline = time.monotonic() + 30
    while not counted(scrape(server.url)) and time.monotonic() < deadline:
        pass  # counted once written, just after the client has it
    assert value(scrape(server.url), "prospectus_http_requests_total", route="/healthz") == 1
    # Other servers (other test runs on this machine) may make directories meanwhile: ours is
    # the new one whose files were written by the workers of this server.
    ours = [
        d
        for d in set(tmp.glob("prospectus-metrics-*")) - before
        if _written_by_children_of(d, server.process.pid)
    ]
    assert len(ours) == 1, ours
    (directory,) = ours
    assert list(directory.glob("*.db"))
    server.stop()
    assert not directory.exists()


def test_without_gunicorn_each_app_counts_in_its_own_registry(tmp_path: Path) -> None:
    apps = [create_app(overrides={"data_dir": str(tmp_path)}) for _ in range(2)]
    for _ in range(2):
        apps[0].test_client().get("/healthz").close()  # counted when the server closes it
    first = {
        f.name: f.samples
        for f in text_string_to_metric_families(apps[0].test_client().get("/metrics").text)
    }
    second = {
        f.name: f.samples
        for f in text_string_to_metric_families(apps[1].test_client().get("/metrics").text)
    }
    assert value(first, "prospectus_http_requests_total", route="/healthz", status="503") == 2
    assert value(second, "prospectus_http_requests_total", route="/healthz") == 0
    assert value(first, "prospectus_ready") == 0


def test_a_file_a_worker_is_still_creating_does_not_fail_the_scrape(tmp_path: Path) -> None:
    """prometheus-client opens a worker's new file, then sizes it: a scrape in between finds
    it empty (the CI failure of stop 22: /metrics answered 500)."""
    with metrics.multiprocess_dir() as directory:
        client = create_app(overrides={"data_dir": str(tmp_path)}).test_client()
        client.get("/healthz").close()
        (directory / "counter_4194304.db").touch()  # opened by another worker, not yet sized
        response = client.get("/metrics")
        assert response.status_code == 200
        families = {
            f.name: f.samples for f in text_string_to_metric_families(response.get_data(True))
        }
    assert value(families, "prospectus_http_requests_total", route="/healthz") == 1
    assert not directory.exists()
