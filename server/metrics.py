"""`/metrics`: Prometheus text format (https://prometheus.io/docs/instrumenting/exposition_formats/)
through prometheus-client, summed over every worker of the server.

- `prospectus_http_requests_total{route, method, status}` and the histogram
  `prospectus_http_request_duration_seconds{route, method}`: every answer, labelled by the
  URL rule that matched (`/doc/<path:path>`, never the raw path, so the number of series
  stays bounded; `(unmatched)` for URLs no rule matches), timed from the first
  before-request hook until the body has been written (counted then, off the answer's path);
- `prospectus_sparql_*`: what the query processes did (graph/store/stats.py, already summed
  over workers in shared memory): queries per lane, timeouts, refusals by reason (busy, too
  deep), memory-limit stops, crashes by cause, query processes started; queries running
  and waiting now; and `prospectus_sparql_rate_limited_total`, the 429s of the fair-use
  limit (server/ratelimit.py); `prospectus_sparql_cache_total{result="hit"|"miss"}` and
  `prospectus_sparql_cache_bytes`, the result cache's answers and the bytes it holds, summed
  over the live workers (server/sparql_cache.py);
- `prospectus_ready`, `prospectus_version_info{version}`, `prospectus_store_quads`,
  `prospectus_programmes`: what /healthz reports (server/health.py).

Under gunicorn (`prospectus serve`) the request metrics use prometheus-client's
multiprocess mode: `multiprocess_dir()` gives every server run a fresh directory in
PROMETHEUS_MULTIPROC_DIR before the app (and so any metric) is created, removes it when the
server stops, and `GUNICORN_HOOKS` marks a worker dead when gunicorn reaps it. Without it
(the dev server, create_app() in tests) each app counts in its own registry.
"""

from __future__ import annotations

import glob
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from graph.store.stats import stats

from . import health, sparql_cache
from .errors import PublisherError

log = logging.getLogger(__name__)

ENV = "PROMETHEUS_MULTIPROC_DIR"
EXTENSION = "prospectus.metrics"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
UNMATCHED = "(unmatched)"
HEADER = 8  # bytes at the start of a multiprocess file: how much of it is used, padding
RATE_LIMITED = "prospectus.rate_limited"
# graph/store/stats.py fields -> (metric, labels)
QUERY_COUNTERS = {
    "queries_cheap": ("prospectus_sparql_queries", {"lane": "cheap"}),
    "queries_heavy": ("prospectus_sparql_queries", {"lane": "heavy"}),
    "heavy_learned_cheap": ("prospectus_sparql_heavy_run_as_cheap", {}),
    "cheap_over_budget_moved": ("prospectus_sparql_cheap_over_budget", {"then": "moved"}),
    "cheap_over_budget_restarted": ("prospectus_sparql_cheap_over_budget", {"then": "restarted"}),
    "timeouts": ("prospectus_sparql_timeouts", {"while": "running"}),
    "queue_timeouts": ("prospectus_sparql_timeouts", {"while": "queued"}),
    "refused_busy": ("prospectus_sparql_refusals", {"reason": "busy"}),
    "refused_depth": ("prospectus_sparql_refusals", {"reason": "depth"}),
    "memory_limit": ("prospectus_sparql_memory_limit_stops", {}),
    "crash_panic": ("prospectus_sparql_crashes", {"cause": "panic"}),
    "crash_stack": ("prospectus_sparql_crashes", {"cause": "stack"}),
    "crash_segfault": ("prospectus_sparql_crashes", {"cause": "segfault"}),
    "crash_abort": ("prospectus_sparql_crashes", {"cause": "abort"}),
    "crash_killed": ("prospectus_sparql_crashes", {"cause": "killed"}),
    "executors_started": ("prospectus_sparql_query_processes_started", {}),
}
QUERY_GAUGES = {
    "running_cheap": ("prospectus_sparql_queries_running", {"lane": "cheap"}),
    "running_heavy": ("prospectus_sparql_queries_running", {"lane": "heavy"}),
    "waiting_cheap": ("prospectus_sparql_queries_waiting", {"lane": "cheap"}),
    "waiting_heavy": ("prospectus_sparql_queries_waiting", {"lane": "heavy"}),
}
HELP = {
    "prospectus_sparql_queries": "SPARQL queries run, by lane (docs/sparql.md, Lanes).",
    "prospectus_sparql_heavy_run_as_cheap": "Heavy queries run as cheap: their shape was fast.",
    "prospectus_sparql_cheap_over_budget": "Cheap queries past cheap_query_budget.",
    "prospectus_sparql_timeouts": "Queries stopped at query_timeout (running or queued).",
    "prospectus_sparql_refusals": "Queries refused: busy (503 at once), depth (400).",
    "prospectus_sparql_memory_limit_stops": "Queries stopped at query_memory_limit.",
    "prospectus_sparql_crashes": "Query processes that died during a query, by cause.",
    "prospectus_sparql_query_processes_started": "Query processes started.",
    "prospectus_sparql_queries_running": "Queries running now, by lane.",
    "prospectus_sparql_queries_waiting": "Queries waiting for a query process now, by lane.",
}


def multiprocess_mode() -> bool:
    return bool(os.environ.get(ENV))


@contextmanager
def multiprocess_dir() -> Iterator[Path]:
    """A fresh multiprocess directory for one server run, set in the environment before any
    metric exists; removed afterwards. A directory the operator set is emptied instead."""
    given = os.environ.get(ENV)
    path = Path(given) if given else Path(tempfile.mkdtemp(prefix="prospectus-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[ENV] = str(path)
    # prometheus-client picks its value class when first imported; make it see the directory.
    values.ValueClass = values.get_value_class()
    try:
        yield path
    finally:
        if given:
            for db in path.glob("*.db"):
                db.unlink(missing_ok=True)
        else:
            shutil.rmtree(path, ignore_errors=True)
            os.environ.pop(ENV, None)
            values.ValueClass = values.get_value_class()  # metrics made later count in memory


def _child_exit(_server: Any, worker: Any) -> None:
    multiprocess.mark_process_dead(worker.pid)


GUNICORN_HOOKS = {"child_exit": _child_exit}


class _WorkerFiles(multiprocess.MultiProcessCollector):
    """The workers' files, but one a worker is creating right now: prometheus-client opens a
    new file and then sizes it, and a scrape reading it in between failed on the empty file
    (struct.error, a 500). Nothing is counted in such a file yet."""

    def collect(self) -> Iterable[Any]:
        files = []
        for path in glob.glob(os.path.join(self._path, "*.db")):
            try:
                if os.path.getsize(path) >= HEADER:
                    files.append(path)
            except FileNotFoundError:  # a live gauge's file, its worker reaped meanwhile
                continue
        return self.merge(files, accumulate=True)


class _ServerCollector(Collector):
    """Numbers read at scrape time: the query counters and what /healthz reports."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self) -> Iterable[Any]:
        yield from self._queries()
        yield from self._publication()

    def _queries(self) -> Iterable[Any]:
        snapshot = stats().snapshot()
        families: dict[str, Any] = {}
        for table, kind in (
            (QUERY_COUNTERS, CounterMetricFamily),
            (QUERY_GAUGES, GaugeMetricFamily),
        ):
            for field, (name, labels) in table.items():
                family = families.get(name)
                if family is None:
                    family = families[name] = kind(name, HELP[name], labels=list(labels))
                family.add_metric(list(labels.values()), snapshot[field])
        yield from families.values()

    def _publication(self) -> Iterable[Any]:
        ready = GaugeMetricFamily("prospectus_ready", "1 when /healthz answers 200, else 0.")
        try:
            report = health.status(self.app)  # the same report as /healthz
        except PublisherError:
            ready.add_metric([], 0)
            yield ready
            return
        ready.add_metric([], 1)
        yield ready
        info = GaugeMetricFamily(
            "prospectus_version_info", "The published version served.", labels=["version"]
        )
        info.add_metric([report["version"] or "files"], 1)
        yield info
        yield GaugeMetricFamily(
            "prospectus_store_quads", "Quads in the store served.", value=report["quads"]
        )
        yield GaugeMetricFamily(
            "prospectus_programmes",
            "Study programmes in the store served.",
            value=report["programmes"],
        )


class Metrics:
    """The app's metrics and the registry /metrics writes out."""

    def __init__(self, app: Flask):
        own = not multiprocess_mode()
        self.registry = CollectorRegistry()
        registry = self.registry if own else None  # multiprocess: collected from the files
        self.requests = Counter(
            "prospectus_http_requests",
            "HTTP requests answered, by URL rule, method and status.",
            ["route", "method", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "prospectus_http_request_duration_seconds",
            "Time to answer an HTTP request, by URL rule and method.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.rate_limited = Counter(
            "prospectus_sparql_rate_limited",
            "Requests to /sparql refused by the fair-use rate limit (429).",
            registry=registry,
        )
        self.cache_answers = Counter(
            "prospectus_sparql_cache",
            "Cacheable /sparql answers, by whether the result cache had them (hit, miss).",
            ["result"],
            registry=registry,
        )
        self.cache_bytes = Gauge(
            "prospectus_sparql_cache_bytes",
            "Bytes held by the /sparql result caches of the live workers.",
            registry=registry,
            multiprocess_mode="livesum",
        )
        if not own:
            _WorkerFiles(self.registry)
        self.registry.register(_ServerCollector(app))


def _started() -> None:
    g.prospectus_started = time.perf_counter()


def _observe(response: Response) -> Response:
    """Count the answer once it has been sent (when the WSGI server closes it), so that
    counting never delays an answer and the time includes writing the body."""
    metrics: Metrics = current_app.extensions[EXTENSION]
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    method, status = request.method, response.status_code
    started = g.get("prospectus_started")
    limited = status == 429 and request.endpoint == "sparql.endpoint"
    cached = response.headers.get(sparql_cache.HEADER)
    cache = current_app.extensions.get(sparql_cache.EXTENSION) if cached else None

    def record() -> None:
        try:
            metrics.requests.labels(route, method, str(status)).inc()
            if started is not None:
                metrics.latency.labels(route, method).observe(time.perf_counter() - started)
            if limited:
                metrics.rate_limited.inc()
            if cached in ("hit", "miss"):
                metrics.cache_answers.labels(cached).inc()
            if cache is not None:
                metrics.cache_bytes.set(cache.counts().bytes)
        except Exception:  # noqa: BLE001 - a count is never worth a failed answer
            log.exception("could not count a request to %s", route)

    response.call_on_close(record)
    return response


def scrape() -> Response:
    metrics: Metrics = current_app.extensions[EXTENSION]
    response = Response(generate_latest(metrics.registry), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask) -> None:
    """Count every answer (install before the other hooks: its after-request hook then runs
    last and sees the final status) and serve /metrics."""
    app.extensions[EXTENSION] = Metrics(app)
    app.before_request(_started)
    app.after_request(_observe)
    app.add_url_rule("/metrics", "metrics", scrape, methods=["GET"])
