"""Fair use of /sparql (server/ratelimit.py): a token bucket per client shared by every
worker; 429 with Retry-After past the limit, other clients unaffected, off by default."""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Callable
from pathlib import Path

import urllib3
from prometheus_client.parser import text_string_to_metric_families

from server import create_app
from server.ratelimit import EXTENSION, Buckets

from .conftest import LiveServer

ASK = "ASK { ?s ?p ?o }"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_refills_at_the_rate_and_holds_at_most_the_burst() -> None:
    clock = FakeClock()
    buckets = Buckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("a").allowed for _ in range(4)] == [True, True, True, False]
    refused = buckets.take("a")
    assert not refused.allowed and refused.retry_after == 0.5  # 1 token at 2 a second
    assert buckets.take("b").allowed  # another client has its own bucket
    clock.now += 0.5
    assert buckets.take("a").allowed
    assert not buckets.take("a").allowed
    clock.now += 3600  # idle for long: the bucket is full, never fuller
    assert [buckets.take("a").allowed for _ in range(4)] == [True, True, True, False]


def test_a_full_table_reuses_the_slot_idle_longest() -> None:
    clock = FakeClock()
    buckets = Buckets(rate=0.001, burst=1, slots=2, clock=clock)
    assert buckets.take("a").allowed
    clock.now += 1
    assert buckets.take("b").allowed
    clock.now += 1
    assert buckets.take("c").allowed  # takes a's slot (idle longest), not b's
    assert not buckets.take("b").allowed


def _take_twice(buckets: Buckets, out: multiprocessing.Queue) -> None:
    out.put([buckets.take("shared").allowed for _ in range(2)])


def test_buckets_are_shared_with_forked_processes() -> None:
    buckets = Buckets(rate=0.001, burst=3)
    context = multiprocessing.get_context("fork")
    out: multiprocessing.Queue = context.Queue()
    child = context.Process(target=_take_twice, args=(buckets, out))
    child.start()
    assert out.get(timeout=30) == [True, True]
    child.join(timeout=30)
    assert [buckets.take("shared").allowed for _ in range(2)] == [True, False]


def test_off_by_default_and_the_proxy_header_names_the_client(tmp_path: Path) -> None:
    assert EXTENSION not in create_app(overrides={"data_dir": str(tmp_path)}).extensions
    app = create_app(
        overrides={
            "data_dir": str(tmp_path),  # nothing published: an allowed query gets 503
            "sparql_rate_limit": 0.001,
            "sparql_rate_burst": 1,
            "sparql_rate_client_header": "X-Forwarded-For",
        }
    )
    client = app.test_client()

    def status(forwarded: str) -> int:
        return client.get(
            "/sparql", query_string={"query": ASK}, headers={"X-Forwarded-For": forwarded}
        ).status_code

    assert status("198.51.100.7, 192.0.2.1") == 503  # the proxy saw 192.0.2.1
    assert status("203.0.113.9, 192.0.2.1") == 429  # the same client for us
    assert status("192.0.2.2") == 503
    assert client.get("/healthz").status_code == 503  # other routes are not limited


def _get(pool: urllib3.HTTPConnectionPool, path: str, **kwargs) -> urllib3.BaseHTTPResponse:  # noqa: ANN003
    # A fresh connection each time, so that requests spread over the workers.
    return pool.request(
        "GET", path, headers={"Accept": "application/json", "Connection": "close"}, **kwargs
    )


def test_a_client_past_its_limit_gets_429_and_others_do_not(
    live_server_factory: Callable[..., LiveServer], built_data_dir: Path
) -> None:
    server = live_server_factory(
        settings={
            "data_dir": str(built_data_dir),
            "sparql_rate_limit": "0.05",  # one request every 20 s once the burst is used
            "sparql_rate_burst": "3",
            "workers": "2",
        }
    )
    port = int(server.url.rsplit(":", 1)[1])
    first = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1, retries=False)
    other = urllib3.HTTPConnectionPool(
        "127.0.0.1", port, maxsize=1, retries=False, source_address=("127.0.0.2", 0)
    )
    statuses = [_get(first, "/sparql", fields={"query": ASK}).status for _ in range(8)]
    assert statuses == [200, 200, 200] + [429] * 5  # one bucket across both workers

    refused = _get(first, "/sparql", fields={"query": ASK})
    assert refused.status == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 20
    body = json.loads(refused.data)
    assert (body["ok"], body["status"], body["title"]) == (False, 429, "Too many requests")
    assert "sparql_rate_limit" in body["message"]
    assert refused.headers["Access-Control-Allow-Origin"] == "*"  # scripts can read it,
    assert "Retry-After" in refused.headers["Access-Control-Expose-Headers"]  # and the wait

    # Another client (another loopback address) is not affected, nor are other routes.
    assert [_get(other, "/sparql", fields={"query": ASK}).status for _ in range(3)] == [200] * 3
    assert _get(first, "/healthz").status == 200
    assert _get(first, "/").status == 200
    preflight = first.request(
        "OPTIONS",
        "/sparql",
        headers={"Origin": "https://app.example.org", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status == 204

    def limited() -> float:
        scraped = _get(other, "/metrics").data.decode()
        return sum(
            s.value
            for family in text_string_to_metric_families(scraped)
            for s in family.samples
            if s.name == "prospectus_sparql_rate_limited_total"
        )

    deadline = time.monotonic() + 30  # answers are counted once written
    while limited() < 6 and time.monotonic() < deadline:
        pass
    assert limited() == 6  # every 429 counted, whichever worker answered it
