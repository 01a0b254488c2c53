"""The SPARQL protocol without a socket: server/sparql.py (request parsing), the lexical
pre-pass (graph/store/query_text.py), the federation policy, the row cap and the executor
pool; then the /sparql view in-process through Flask's test client.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from rdflib import Graph, URIRef

from graph.formats import BY_NAME
from graph.store import (
    QueryCrashed,
    QueryFailed,
    QueryMemoryExceeded,
    QueryQueueFull,
    QueryRefused,
    QueryTimedOut,
    StoreError,
    query_text,
)
from graph.store.base import QueryQueueTimedOut
from graph.store.federation import check
from graph.store.query_pool import ExecutorPool, Job
from graph.store.results import capped_tsv
from graph.store.stats import stats
from server import create_app
from server.errors import ProtocolError, QueryTooLarge
from server.sparql import QueryRequest, ReadOnly, UnsupportedMediaType, parse_request

from .sparql_support import PROGRAMMES, result_rows

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"


def parse(
    method: str = "GET",
    content_type: str | None = None,
    args: list[tuple[str, str]] | None = None,
    body: bytes = b"",
    max_query_length: int = 1000,
    max_query_depth: int = 10,
) -> QueryRequest | None:
    return parse_request(
        method,
        content_type,
        args or [],
        body,
        max_query_length=max_query_length,
        max_query_depth=max_query_depth,
    )


# -- server/sparql.py --------------------------------------------------------------------------


def test_the_three_forms_give_the_same_request() -> None:
    query = "SELECT * WHERE { ?s ?p ?o }"
    graphs = [
        ("default-graph-uri", "http://example.org/a"),
        ("named-graph-uri", "http://example.org/b"),
    ]
    via_get = parse("GET", None, [("query", query), *graphs])
    via_form = parse("POST", FORM, graphs, b"query=SELECT+*+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D")
    via_direct = parse("POST", f"{DIRECT}; charset=utf-8", graphs, query.encode())
    assert via_get == via_form == via_direct
    assert via_get is not None
    assert via_get.default_graph_uris == ("http://example.org/a",)
    assert via_get.named_graph_uris == ("http://example.org/b",)
    assert via_get.form == "select" and via_get.kind == "results"


def test_dataset_parameters_may_come_in_the_url_of_a_form_post() -> None:
    request = parse(
        "POST",
        FORM,
        [("default-graph-uri", "http://example.org/a")],
        b"query=ASK%20%7B%7D&named-graph-uri=http%3A%2F%2Fexample.org%2Fb",
    )
    assert request is not None
    assert request.default_graph_uris == ("http://example.org/a",)
    assert request.named_graph_uris == ("http://example.org/b",)


def test_get_without_query_is_the_service_description() -> None:
    assert parse("GET", None, []) is None


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"args": [("query", "ASK {}"), ("query", "ASK {}")]}, ProtocolError, "exactly one"),
        (
            {"method": "POST", "content_type": "text/plain", "body": b"ASK {}"},
            UnsupportedMediaType,
            "text/plain",
        ),
        ({"method": "POST", "body": b"query=ASK%20%7B%7D"}, UnsupportedMediaType, "Content-Type"),
        (
            {
                "method": "POST",
                "content_type": f"{DIRECT}; charset=UTF-16",
                "body": "ASK {}".encode("utf-16"),
            },
            UnsupportedMediaType,
            "UTF-8",
        ),
        (
            {"method": "POST", "content_type": DIRECT, "body": b"ASK { \xff }"},
            ProtocolError,
            "UTF-8",
        ),
        ({"method": "POST", "content_type": FORM, "body": b"query=%FF"}, ProtocolError, "UTF-8"),
        (
            {
                "method": "POST",
                "content_type": DIRECT,
                "body": b"ASK {}",
                "args": [("query", "ASK {}")],
            },
            ProtocolError,
            "body",
        ),
        ({"method": "POST", "content_type": FORM, "body": b"x=1"}, ProtocolError, "no 'query'"),
        ({"args": [("query", "   ")]}, ProtocolError, "empty"),
        (
            {"args": [("query", "ASK {}"), ("default-graph-uri", "not an iri")]},
            ProtocolError,
            "absolute IRI",
        ),
        ({"method": "PUT", "args": [("query", "ASK {}")]}, ProtocolError, "GET or POST"),
        (
            {"method": "POST", "content_type": "application/sparql-update", "body": b"CLEAR ALL"},
            ReadOnly,
            "read-only",
        ),
        (
            {"method": "POST", "content_type": FORM, "body": b"update=CLEAR+ALL"},
            ReadOnly,
            "read-only",
        ),
        ({"args": [("update", "CLEAR ALL")]}, ReadOnly, "read-only"),
        ({"args": [("query", "PREFIX a: <a:> DELETE WHERE { ?s ?p ?o }")]}, ReadOnly, "read-only"),
        ({"args": [("query", "SELECT * {} # " + "x" * 2000)]}, QueryTooLarge, "max_query_length"),
        (
            {"args": [("query", "SELECT * WHERE " + "{" * 11 + "}" * 11)]},
            ProtocolError,
            "max_query_depth",
        ),
        (
            {"args": [("query", "ASK {\n  FILTER(" + "(" * 9 + "?x" + ")" * 9 + ")\n}")]},
            ProtocolError,
            "level 11 is reached at line 2, column 18",
        ),
        ({"args": [("query", "ASK { FILTER(" + "!" * 10 + "true) }")]}, ProtocolError, "level 11"),
    ],
)
def test_bad_requests(kwargs: dict, error: type[Exception], words: str) -> None:
    with pytest.raises(error) as caught:
        parse(**kwargs)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    "values, kind, expected",
    [
        (("tsv", "text/tab-separated-values"), "results", "tsv"),  # SPARQLWrapper sends both
        (("xml",), "results", "xml"),
        (("xml",), "graph", "rdfxml"),
        (("json",), "graph", "jsonld"),
        (("json-ld", "application/ld+json"), "graph", "jsonld"),
        (("n3",), "graph", "turtle"),
        (("text/csv",), "results", "csv"),
        (("application/trig",), "graph", "trig"),
        (("png",), "results", "png"),  # unknown: passed on, conneg answers 406
    ],
)
def test_format_parameter(values: tuple[str, ...], kind: str, expected: str) -> None:
    query = "ASK {}" if kind == "results" else "CONSTRUCT WHERE { ?s ?p ?o }"
    request = parse("GET", None, [("query", query), *(("format", v) for v in values)])
    assert request is not None and request.format == expected


# -- the lexical pre-pass and the federation policy -----------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE " + "{" * 10 + "}" * 10,  # exactly the limit
        'ASK { ?s ?p "((((((((((((" }  # ((((((((((((',  # strings and comments do not count
        "ASK { ?s ?p <http://x/((((((((((((> }",
        "ASK { FILTER(?a != ?b && ?c != ?d && ?e != ?f && ?g != ?h && ?i != ?j && ?k != ?l) }",
        "ASK { " + " . ".join(["{ ?s ?p ?o }"] * 50) + " }",  # wide is not deep
    ],
)
def test_nesting_within_the_limit_is_accepted(query: str) -> None:
    assert parse(args=[("query", query)], max_query_depth=10) is not None
    assert query_text.too_deep(query, 10) is None


def test_nesting_limit_zero_turns_the_check_off() -> None:
    deep = "SELECT * WHERE " + "{" * 500 + "}" * 500
    assert parse(args=[("query", deep)], max_query_depth=0, max_query_length=5000) is not None


@pytest.mark.parametrize(
    "query, form",
    [
        ("SELECT * {}", "select"),
        ("# a comment\nPREFIX ex: <http://ex/>\nBASE <http://b/>\n  ask {}", "ask"),
        ("construct where { ?s ?p ?o }", "construct"),
        ("DESCRIBE <x>", "describe"),
        ("PREFIX x: <y:> INSERT DATA { }", "update"),
        ("WITH <g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "update"),
        ("hello", "unknown"),
    ],
)
def test_query_form(query: str, form: str) -> None:
    assert query_text.query_form(query) == form


@pytest.mark.parametrize(
    "query, found",
    [
        ("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", True),
        ("select * { service silent <http://x/> { } }", True),
        ("SELECT * { \\u0053ERVICE <http://x/> { } }", True),
        ("SELECT * { ?s ?p 'SERVICE' }", False),
        ('SELECT * { ?s ?p """a\nSERVICE <x> {}""" }', False),
        ("SELECT * { ?s ?p ?o } # SERVICE <x> {}", False),
        ("SELECT * { ?s <http://x/SERVICE> ?o }", False),
        ("PREFIX service: <x:> SELECT * { ?s service:p ?service }", False),
    ],
)
def test_service_detection(query: str, found: bool) -> None:
    assert query_text.has_service(query) is found


ORDER_BY_SHAPES = [
    "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o",
    "SELECT ?o WHERE { ?s ?p ?o } ORDER BY DESC(?o) ASC(?s) LIMIT 5 OFFSET 2",
    "SELECT ?o WHERE { ?s ?p ?o } order by (str(?o)) LCASE(STR(?s)) $p",
    "PREFIX x: <http://www.w3.org/2001/XMLSchema#>\n"
    "SELECT ?o WHERE { ?s ?p ?o } ORDER BY x:string(?o) <http://www.w3.org/2001/XMLSchema#string>(?s)",
    "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s ORDER BY DESC(COUNT(*)) ?s",
    "SELECT ?s (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?s ORDER BY DESC(?n)",
    "SELECT * { { SELECT ?o { ?s ?p ?o } ORDER BY ?o LIMIT 3 } } ORDER BY DESC(?o)",
    "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o VALUES ?o { 1 2 }",
    "SELECT ?o WHERE { ?s ?p ?o } ORDER BY DESC(\n  ?o # the value\n  ) ?s",
    "SELECT ?s WHERE { ?s ?p ?o } ORDER BY NOT EXISTS { ?s ?p 1 } EXISTS { ?o ?p ?s }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } ORDER BY ?o LIMIT 2",
]


@pytest.mark.parametrize("query", ORDER_BY_SHAPES)
def test_order_by_rewrite_parses_everywhere(query: str) -> None:
    from rdflib.plugins.sparql import prepareQuery

    from graph.store import ordering

    rewritten = ordering.total_order(query)
    conditions = [c for clause in ordering.order_conditions(query) for c in clause]
    assert conditions and rewritten != query
    assert rewritten.count("\n") == query.count("\n") - sum(
        query[c.start : c.end].count("\n") for c in conditions
    )  # every condition ends up on the line where it started
    ox.Store().query(rewritten)  # parses (raises SyntaxError otherwise)
    prepareQuery(rewritten)


def test_order_by_rewrite_leaves_other_text_alone() -> None:
    from graph.store import ordering

    for query in (
        "SELECT * { ?s <http://x/order> ?o }",
        'SELECT * { ?s ?p "ORDER BY ?o" } # ORDER BY ?o',
        "SELECT ?order ?by { ?order ?by ?o }",
        "SELECT * WHERE { ?s ?p ?o } ORDER BY",  # malformed: left for the parser to report
    ):
        assert ordering.total_order(query) == query


@pytest.mark.parametrize(
    "query, lane",
    [
        ("ASK { ?s a <http://x/C> }", "cheap"),
        ("SELECT ?p ?o WHERE { <http://x/a> ?p ?o }", "cheap"),
        ("PREFIX x: <http://x/> SELECT * { x:a ?p ?o . ?o ?q ?r }", "cheap"),
        ("SELECT * { ?s ?p ?o } LIMIT 10", "cheap"),
        ("SELECT DISTINCT ?p { ?s ?p ?o } LIMIT 10", "cheap"),
        ("DESCRIBE <http://x/a>", "cheap"),
        ("SELECT * { ?s ?p ?o }", "heavy"),
        ("SELECT * { ?s ?p ?o } LIMIT 100000", "heavy"),
        ("SELECT DISTINCT ?p { ?s ?p ?o }", "heavy"),
        ("SELECT ?o { <http://x/a> ?p ?o } ORDER BY ?o", "heavy"),
        ("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "heavy"),
        ("ASK { ?s <http://x/p>* ?o }", "heavy"),
        ("SELECT * { <http://x/a> ?p ?o { SELECT * { ?s ?p ?o } } }", "heavy"),
        ("ASK { ?s ?p ?o FILTER NOT EXISTS { ?o ?p ?s } }", "heavy"),
        ("SELECT * { ?s ?p ?o } GROUP BY ?s LIMIT 1", "heavy"),
        ("this is not SPARQL", "heavy"),
    ],
)
def test_lanes(query: str, lane: str) -> None:
    from graph.store.lanes import classify

    assert classify(query) == lane


def test_federation_policy() -> None:
    allowed = ("http://allowed.example/sparql",)
    check("SELECT * { ?s ?p ?o }", ())
    check("SELECT * { SERVICE <http://allowed.example/sparql> { ?s ?p ?o } }", allowed)
    check("PREFIX a: <http://allowed.example/>\nSELECT * { SERVICE a:sparql { } }", allowed)
    check("BASE <http://allowed.example/>\nSELECT * { SERVICE <sparql> { } }", allowed)
    with pytest.raises(QueryRefused, match="service_allowlist"):
        check("SELECT * { SERVICE <http://allowed.example/sparql> { } }", ())
    with pytest.raises(QueryRefused, match="does not name"):
        check("SELECT * { SERVICE <http://other.example/sparql> { } }", allowed)
    with pytest.raises(QueryRefused, match="only endpoints written as IRIs"):
        check("SELECT * { SERVICE ?endpoint { } }", allowed)


def test_dataset_clause() -> None:
    query = (
        "PREFIX ex: <http://example.org/>\nSELECT * FROM ex:a FROM <http://example.org/b>"
        " FROM NAMED ex:c WHERE { ?s ?p 'FROM <x:y>' }"
    )
    assert query_text.dataset_clause(query) == (
        ["http://example.org/a", "http://example.org/b"],
        ["http://example.org/c"],
    )


# -- the row cap -----------------------------------------------------------------------------


def test_capped_tsv_stops_the_serializer_early() -> None:
    store = ox.Store()
    for i in range(5000):
        store.add(
            ox.Quad(
                ox.NamedNode(f"http://e/{i}"), ox.NamedNode("http://e/p"), ox.Literal(f"line\n{i}")
            )
        )
    tsv, truncated = capped_tsv(store.query("SELECT ?s ?o { ?s ?p ?o }"), 10)
    assert truncated is True
    rows = result_rows(tsv, ox.QueryResultsFormat.TSV)
    assert len(rows) == 10
    tsv, truncated = capped_tsv(store.query("SELECT ?s ?o { ?s ?p ?o } LIMIT 10"), 10)
    assert truncated is False and len(result_rows(tsv, ox.QueryResultsFormat.TSV)) == 10
    tsv, truncated = capped_tsv(store.query("SELECT * {} LIMIT 0"), 10)
    assert truncated is False
    assert list(ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV)) == []


# -- the executor pool -----------------------------------------------------------------------


class SleepEngine:
    """A test engine: `sparql` is a number of seconds to sleep, then it answers its pid.
    Warming takes `warm_seconds`."""

    def __init__(self, warm_seconds: float = 0.0):
        self.warm_seconds = warm_seconds

    def after_fork(self) -> None:
        return None

    def warm(self) -> None:
        time.sleep(self.warm_seconds)

    def run(self, job: Job) -> int:
        seconds = float(job.sparql)
        if seconds < 0:
            os._exit(1)  # an executor that dies in the middle of a query
        time.sleep(seconds)
        return os.getpid()


def _job(seconds: float) -> Job:
    return Job(str(seconds), (), (), None, None)


def _gone(pid: int) -> bool:
    """True once every thread of `pid` has ended (the process is gone, or a zombie its
    parent has not reaped yet): only then are its sockets closed."""
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[0] != "Z":
                return False
        except (OSError, IndexError):
            continue
    return True


def _until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll until `condition` holds: the test observes an event instead of sleeping."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the expected state never came"
        time.sleep(0.01)


def test_pool_kills_at_the_deadline_and_replaces_the_executor() -> None:
    pool = ExecutorPool(SleepEngine(), 2)
    try:
        assert pool.wait_ready(30)
        before = set(pool.status()["idle"])
        started = time.monotonic()
        with pytest.raises(QueryTimedOut):
            pool.run(_job(60), timeout=0.5)
        assert time.monotonic() - started >= 0.5  # not before its deadline
        assert pool.wait_ready(30)  # the replacement has warmed
        after = set(pool.status()["idle"])
        assert len(after) == 2 and len(before - after) == 1  # exactly one was replaced
        (killed,) = before - after
        _until(lambda: _gone(killed))
        answered = {pool.run(_job(0), timeout=5) for _ in range(6)}
        assert answered <= after and os.getpid() not in answered
    finally:
        pool.close()


def test_pool_replaces_executors_that_died() -> None:
    pool = ExecutorPool(SleepEngine(), 1)
    try:
        pid = pool.run(_job(0), timeout=5)
        os.kill(pid, signal.SIGKILL)  # killed while idle: the next query does not notice
        _until(lambda: _gone(pid))
        assert pool.run(_job(0), timeout=5) != pid
        with pytest.raises(StoreError, match="exited with status 1"):
            pool.run(_job(-1), timeout=5)  # died during the query: reported with the cause
        assert isinstance(pool.run(_job(0), timeout=5), int)
    finally:
        pool.close()


def test_pool_hands_out_only_warm_executors() -> None:
    pool = ExecutorPool(SleepEngine(warm_seconds=1.5), 2)
    try:
        assert pool.wait_ready(0.2) is False  # still warming
        assert len(pool.status()["warming"]) + pool.status()["alive"] >= 2
        assert pool.wait_ready(30) is True
        ready = set(pool.status()["idle"])
        assert len(ready) == 2 and not pool.status()["warming"]
        pids = {pool.run(_job(0), timeout=5) for _ in range(4)}
        assert pids <= ready  # answered by the executors that had warmed, no fresh one
    finally:
        pool.close()


def test_pool_is_bounded_and_waiting_counts_against_the_deadline() -> None:
    pool = ExecutorPool(SleepEngine(), 1)
    try:
        assert pool.wait_ready(30)
        with ThreadPoolExecutor(max_workers=1) as threads:
            busy = threads.submit(pool.run, _job(1.5), 10)
            _until(lambda: pool.status()["running"]["heavy"] == 1)
            started = time.monotonic()
            with pytest.raises(QueryQueueTimedOut) as raised:
                pool.run(_job(0), timeout=0.5)  # the only executor stays busy: not started
            assert time.monotonic() - started >= 0.5  # it waited its whole deadline
            assert not busy.done()  # … while the other query was still running
            assert "query_processes" in str(raised.value)
            waited = pool.run(_job(0), timeout=5)  # waits for the busy one, then runs
            assert waited == busy.result()  # the same, single executor
    finally:
        pool.close()


def test_heavy_queries_beyond_the_queue_are_refused_at_once() -> None:
    pool = ExecutorPool(SleepEngine(), 2, heavy_slots=1, queue=1)
    try:
        assert pool.wait_ready(30)
        with ThreadPoolExecutor(max_workers=2) as threads:
            running = threads.submit(pool.run, _job(2), 10)
            _until(lambda: pool.status()["running"]["heavy"] == 1)
            queued = threads.submit(pool.run, _job(0), 10)
            _until(lambda: pool.status()["waiting"]["heavy"] == 1)
            with pytest.raises(QueryQueueFull) as raised:
                pool.run(_job(0), timeout=10)  # one more: refused without waiting
            assert not running.done() and not queued.done()
            assert raised.value.retry_after >= 1 and "query_queue" in str(raised.value)
            # the executor kept for cheap queries answers meanwhile
            cheap = pool.run(_job(0), timeout=10, lane="cheap")
            assert not running.done() and isinstance(cheap, int)
            assert queued.result() == running.result()  # the queued one ran after it
    finally:
        pool.close()


def test_a_cheap_query_past_its_budget_carries_on_as_heavy() -> None:
    pool = ExecutorPool(SleepEngine(), 2, heavy_slots=1, cheap_budget=0.2)
    try:
        assert pool.wait_ready(30)
        before = stats().snapshot()
        pid = pool.run(_job(0.6), timeout=10, lane="cheap")  # misclassified: 0.6 s > 0.2 s
        after = stats().snapshot()
        assert after["cheap_over_budget_moved"] == before["cheap_over_budget_moved"] + 1
        assert pid in pool.status()["idle"]  # not killed: it carried on where it was
        with ThreadPoolExecutor(max_workers=1) as threads:
            heavy = threads.submit(pool.run, _job(3), 10)
            _until(lambda: pool.status()["running"]["heavy"] == 1)
            # the heavy lane is full now: past its budget, the cheap query is stopped and
            # started again as heavy, where it waits for the heavy query
            before = stats().snapshot()
            restarted = pool.run(_job(0.6), timeout=10, lane="cheap")
            after = stats().snapshot()
            assert heavy.done() and isinstance(restarted, int)  # it waited for the heavy one
            assert after["cheap_over_budget_restarted"] == before["cheap_over_budget_restarted"] + 1
    finally:
        pool.close()


class NamedSleepEngine(SleepEngine):
    """`sparql` is a word and a number of seconds: queries of one shape, different costs."""

    def run(self, job: Job) -> int:
        time.sleep(float(job.sparql.split()[-1]))
        return os.getpid()


def test_a_heavy_shape_seen_to_be_fast_runs_in_the_cheap_lane() -> None:
    pool = ExecutorPool(NamedSleepEngine(), 2, heavy_slots=1, queue=1, cheap_budget=0.5)
    try:
        assert pool.wait_ready(30)
        pool.run(Job("page 0", (), (), None, None), timeout=10)  # heavy by its words, fast
        with ThreadPoolExecutor(max_workers=1) as threads:
            runaway = threads.submit(pool.run, Job("runaway 3", (), (), None, None), 10)
            _until(lambda: pool.status()["running"]["heavy"] == 1)
            before = stats().get("heavy_learned_cheap")
            # the heavy lane is full, but this shape was fast: the cheap lane answers it
            pool.run(Job("page 0.01", (), (), None, None), timeout=10)  # no wait, no refusal
            assert not runaway.done()
            assert stats().get("heavy_learned_cheap") == before + 1
            runaway.result()
        with ThreadPoolExecutor(max_workers=1) as threads:
            running = threads.submit(pool.run, Job("runaway 2", (), (), None, None), 10)
            _until(lambda: pool.status()["running"]["heavy"] == 1)
            # the same shape, now slow: past the budget it is stopped and queued as heavy,
            # and the shape is forgotten
            slow_page = pool.run(Job("page 0.8", (), (), None, None), timeout=10)
            assert running.done() and isinstance(slow_page, int)
        with ThreadPoolExecutor(max_workers=2) as threads:
            threads.submit(pool.run, Job("runaway 2", (), (), None, None), 10)
            _until(lambda: pool.status()["running"]["heavy"] == 1)
            threads.submit(pool.run, Job("queued 0", (), (), None, None), 10)
            _until(lambda: pool.status()["waiting"]["heavy"] == 1)
            with pytest.raises(QueryQueueFull):  # heavy again: the queue is full
                pool.run(Job("page 0", (), (), None, None), timeout=10)
    finally:
        pool.close()


class CrashEngine(SleepEngine):
    """`sparql` names a way to die: a Rust panic (pyoxigraph's ORDER BY comparator, with the
    rewrite bypassed), a segfault, an abort, a failed allocation."""

    def run(self, job: Job) -> int:
        if job.sparql == "panic":
            items = " ".join(f'{i * 10} "{i * 10 + 5}"' for i in range(11))
            ox.Store().query(f"SELECT ?o {{ VALUES ?o {{ {items} }} }} ORDER BY ?o")
        elif job.sparql == "segfault":
            ctypes.string_at(0)
        elif job.sparql == "abort":
            os.abort()
        elif job.sparql == "memory":
            return len(bytearray(1024**3))
        return os.getpid()


@pytest.mark.parametrize(
    "how, error, words, counter",
    [
        ("panic", QueryCrashed, "panicked: user-provided comparison function", "crash_panic"),
        ("segfault", QueryCrashed, "SIGSEGV", "crash_segfault"),
        ("abort", QueryCrashed, "SIGABRT", "crash_abort"),
        ("memory", QueryMemoryExceeded, "query_memory_limit", "memory_limit"),
    ],
)
def test_a_crash_is_diagnosed_counted_and_survived(
    how: str, error: type[Exception], words: str, counter: str
) -> None:
    pool = ExecutorPool(CrashEngine(), 1, memory_limit_mb=256)
    try:
        assert pool.wait_ready(30)
        before = stats().get(counter)
        with pytest.raises(error) as raised:
            pool.run(_job_named(how), timeout=30)
        assert words in str(raised.value)
        assert stats().get(counter) == before + 1
        assert isinstance(pool.run(_job(0), timeout=30), int)  # a fresh executor answers
    finally:
        pool.close()


def test_an_engine_error_is_a_named_failure_and_the_executor_stays() -> None:
    class FailingEngine(SleepEngine):
        def run(self, job: Job) -> int:
            if job.sparql == "fail":
                raise ValueError("no such thing")
            return os.getpid()

    pool = ExecutorPool(FailingEngine(), 1)
    try:
        pid = pool.run(_job_named("ok"), timeout=30)
        with pytest.raises(QueryFailed, match="ValueError: no such thing"):
            pool.run(_job_named("fail"), timeout=30)
        assert pool.run(_job_named("ok"), timeout=30) == pid  # not a crash: kept
    finally:
        pool.close()


def _job_named(name: str) -> Job:
    return Job(name, (), (), None, None)


# -- the view, in-process --------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    data_dir = tmp_path_factory.mktemp("empty-data")
    app = create_app(
        overrides={"data_dir": str(data_dir), "max_rows": 3, "threads": 2}, data_files=[PROGRAMMES]
    )
    yield app.test_client()
    app.extensions["prospectus"].store.close()


def test_view_forms_agree(client: FlaskClient) -> None:
    query = "SELECT ?s WHERE { ?s a <http://example.org/Programme> }"
    accept = {"Accept": "application/sparql-results+json"}
    bodies = [
        client.get("/sparql", query_string={"query": query}, headers=accept),
        client.post("/sparql", data={"query": query}, headers=accept),
        client.post("/sparql", data=query, headers={**accept, "Content-Type": DIRECT}),
    ]
    for response in bodies:
        assert response.status_code == 200
        assert result_rows(response.data, ox.QueryResultsFormat.JSON) == {
            (URIRef("http://example.org/pioneer"),),
            (URIRef("http://example.org/ict"),),
            (URIRef("https://w3id.org/prospectus/id/programme/fixture"),),
        }
        assert "X-Prospectus-Truncated" not in response.headers


def test_view_declares_the_row_cap(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    assert response.headers["X-Prospectus-Truncated"] == "3"
    assert len(result_rows(response.data, ox.QueryResultsFormat.JSON)) == 3


@pytest.mark.parametrize(
    "path, status",
    [
        ("/sparql?query=SELECT", 400),
        ("/sparql?query=SELECT%20*%20%7B%7D&format=turtle", 406),
        ("/sparql?update=CLEAR%20ALL", 403),
        ("/sparql?query=SELECT%20*%20%7B%20SERVICE%20%3Chttp%3A%2F%2Fx%2F%3E%20%7B%7D%20%7D", 403),
    ],
)
def test_view_errors_have_the_json_shape(client: FlaskClient, path: str, status: int) -> None:
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"ok", "status", "title", "message", "help_url"}
    assert body["status"] == status and body["ok"] is False
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_view_method_not_allowed(client: FlaskClient) -> None:
    assert client.put("/sparql?query=ASK%20%7B%7D").status_code == 405


def test_view_service_description_in_graph_formats(client: FlaskClient) -> None:
    for accept, fmt in (
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/trig", "trig"),
    ):
        response = client.get("/sparql", headers={"Accept": accept})
        assert response.status_code == 200
        graph = Graph()
        if fmt == "trig":
            from rdflib import Dataset

            dataset = Dataset()
            dataset.parse(data=response.data, format="trig")
            for s, p, o, _g in dataset.quads():
                graph.add((s, p, o))
        else:
            graph.parse(data=response.data, format=fmt)
        sd = "http://www.w3.org/ns/sparql-service-description#"
        assert (None, URIRef(sd + "endpoint"), URIRef("http://localhost/sparql")) in graph


def test_view_ask_as_html(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 200
    assert b"ASK answered" in response.data


def test_view_construct_as_html(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={
            "query": "CONSTRUCT WHERE { <http://example.org/pioneer> ?p ?o }",
            "format": "html",
        },
    )
    assert response.status_code == 200
    assert b'<th scope="col">predicate</th>' in response.data


def test_example_queries_parse() -> None:
    from server.views.sparql import EXAMPLES

    store = ox.Store()
    for example in EXAMPLES:
        assert query_text.query_form(example.query) == example.form
        store.query(example.query)  # raises SyntaxError when malformed


def test_files_with_an_unknown_extension_are_refused(tmp_path: Path) -> None:
    from graph.store import StoreError
    from graph.store.files import load_oxigraph

    odd = tmp_path / "data.txt"
    odd.write_text("<a:b> <a:c> <a:d> .")
    with pytest.raises(StoreError, match="extension"):
        load_oxigraph([odd])


def test_broken_files_name_the_line(tmp_path: Path) -> None:
    from graph.errors import SourceSyntaxError
    from graph.store.files import load_oxigraph, load_rdflib

    broken = tmp_path / "broken.ttl"
    broken.write_text('@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\nex:a ex:b "x .\n')
    for loader in (load_oxigraph, load_rdflib):
        with pytest.raises(SourceSyntaxError) as caught:
            loader([broken])
        assert caught.value.path == broken
    with pytest.raises(SourceSyntaxError) as caught:
        load_oxigraph([broken])
    assert caught.value.line == 3


def test_data_files_keep_graph_names(tmp_path: Path) -> None:
    from graph.store.files import graph_name, load_oxigraph

    turtle = tmp_path / "one.ttl"
    turtle.write_text("<http://e/a> <http://e/b> <http://e/c> .\n")
    store = load_oxigraph([turtle, PROGRAMMES])
    names = {g.value for g in store.named_graphs()}
    assert names == {graph_name(turtle), "http://example.org/graph-a", "http://example.org/graph-b"}
    assert BY_NAME["turtle"].kind == "graph"
