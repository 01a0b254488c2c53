"""A bounded HTTP load client for SPARQL endpoints (SPARQL 1.1 Protocol, query via GET).

Each thread keeps one keep-alive connection (http.client). Every phase stops at a request count
or a time budget, whichever comes first, so a slow server bounds the run instead of stalling it.
"""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import asdict, dataclass

ACCEPT = "application/sparql-results+json"


@dataclass(frozen=True)
class Reply:
    status: int  # 0 when the request failed before an HTTP status (timeout, reset)
    seconds: float
    body: bytes = b""
    error: str = ""


class Connection:
    """One keep-alive connection to an endpoint; reconnects after a failure."""

    def __init__(self, endpoint: str, timeout: float):
        url = urllib.parse.urlsplit(endpoint)
        self.host, self.port = url.hostname or "127.0.0.1", url.port or 80
        self.path = url.path or "/"
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def get(self, query: str) -> Reply:
        target = f"{self.path}?{urllib.parse.urlencode({'query': query})}"
        began = time.perf_counter()
        try:
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._conn.request("GET", target, headers={"Accept": ACCEPT})
            response = self._conn.getresponse()
            body = response.read()
            seconds = time.perf_counter() - began
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return Reply(response.status, seconds, body)
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return Reply(0, time.perf_counter() - began, error=f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Latency:
    requests: int
    errors: int
    median_ms: float
    p99_ms: float
    mean_ms: float
    min_ms: float
    max_ms: float
    seconds: float


@dataclass
class Throughput:
    requests: int
    errors: int
    concurrency: int
    seconds: float
    rps: float


def row_count(body: bytes) -> int | None:
    """Rows of a SPARQL JSON result (None when the body is not one)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if "boolean" in data:
        return 1
    return len(data.get("results", {}).get("bindings", []))


def measure_latency(
    endpoint: str, queries: Sequence[str], *, requests: int, budget: float, timeout: float
) -> tuple[Latency, list[str]]:
    """Requests one after another, cycling through `queries`: latency without queueing."""
    conn = Connection(endpoint, timeout)
    times: list[float] = []
    errors: list[str] = []
    began = time.perf_counter()
    try:
        for i in range(requests):
            reply = conn.get(queries[i % len(queries)])
            if reply.status == 200:
                times.append(reply.seconds)
            else:
                errors.append(reply.error or f"HTTP {reply.status}: {reply.body[:200]!r}")
            elapsed = time.perf_counter() - began
            if elapsed > budget and (i >= 2 or elapsed > 2 * budget):
                break
    finally:
        conn.close()
    elapsed = time.perf_counter() - began
    ms = [t * 1000 for t in times]
    return Latency(
        requests=len(times) + len(errors),
        errors=len(errors),
        median_ms=percentile(ms, 50),
        p99_ms=percentile(ms, 99),
        mean_ms=sum(ms) / len(ms) if ms else math.nan,
        min_ms=min(ms) if ms else math.nan,
        max_ms=max(ms) if ms else math.nan,
        seconds=elapsed,
    ), errors


def measure_throughput(
    endpoint: str,
    queries: Sequence[str],
    *,
    requests: int,
    concurrency: int,
    budget: float,
    timeout: float,
) -> tuple[Throughput, list[str]]:
    """`concurrency` clients with keep-alive, sharing `requests` requests or `budget` seconds."""
    lock = threading.Lock()
    issued = 0
    done = 0
    errors: list[str] = []
    began = time.perf_counter()

    def worker() -> None:
        nonlocal issued, done
        conn = Connection(endpoint, timeout)
        try:
            while True:
                with lock:
                    if issued >= requests or time.perf_counter() - began > budget:
                        return
                    index = issued
                    issued += 1
                reply = conn.get(queries[index % len(queries)])
                with lock:
                    if reply.status == 200:
                        done += 1
                    else:
                        errors.append(reply.error or f"HTTP {reply.status}: {reply.body[:200]!r}")
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return Throughput(
        requests=done + len(errors),
        errors=len(errors),
        concurrency=concurrency,
        seconds=elapsed,
        rps=done / elapsed if elapsed > 0 else math.nan,
    ), errors


def as_dict(value: Latency | Throughput) -> dict[str, float | int]:
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(value).items()}
