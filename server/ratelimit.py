"""Fair use of `/sparql`: a token bucket per client, shared by every worker of the server.

Each client (its address, or the address a trusted proxy names in the header of the
`sparql_rate_client_header` setting) has a bucket of `sparql_rate_burst` tokens that refills
at `sparql_rate_limit` tokens a second; every request to `/sparql` (GET, HEAD, POST; not
CORS preflights) takes one. A request that finds the bucket empty is answered 429 through
the one error renderer, with `Retry-After` (whole seconds until a token is back). Off when
`sparql_rate_limit` is 0 (the default). Documented in docs/sparql.md ("Fair use").

The buckets live in anonymous shared memory, like the query counters
(graph/store/stats.py): `install()` runs in create_app(), which under gunicorn runs in the
master before it forks, so every worker takes from the same buckets. A fixed table of
`SLOTS` buckets, addressed by a hash of the client with a short linear probe: when every
probed slot is taken, the one idle longest is reused (it is full again, or nearly, so the
client it belonged to loses at most a little of its own limit). Times are CLOCK_MONOTONIC,
which is the same clock in every process of the machine.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.sharedctypes import RawArray
from typing import Any

from flask import Flask, current_app, request

from graph.settings import Settings

from . import context
from .errors import PublisherError

SLOTS = 4096
PROBES = 8
LOCK_SECONDS = 0.5
LIMITED_ENDPOINTS = frozenset({"sparql.endpoint"})
LIMITED_METHODS = frozenset({"GET", "HEAD", "POST"})
EXTENSION = "prospectus.ratelimit"


class TooManyRequests(PublisherError):
    status = 429
    title = "Too many requests"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float  # seconds until one token is back (0 when allowed)


def client_key(client: str) -> int:
    """A non-zero 63-bit number for a client address (0 marks a free slot)."""
    digest = hashlib.blake2b(client.encode("utf-8"), digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 1) or 1


class Buckets:
    """Token buckets shared by every process forked after they were created."""

    def __init__(
        self,
        rate: float,
        burst: int,
        slots: int = SLOTS,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.rate = rate
        self.burst = max(1, burst)
        self.slots = slots
        self._clock = clock
        self._keys = RawArray("q", slots)
        self._tokens = RawArray("d", slots)
        self._seen = RawArray("d", slots)  # when the bucket was last filled up to now
        try:
            self._lock: Any = multiprocessing.Lock()
        except (OSError, ImportError):  # no POSIX semaphores: shared, a race may lose a token
            self._lock = threading.Lock()

    def _slot(self, key: int, now: float) -> int:
        start = key % self.slots
        oldest = start
        for i in range(PROBES):
            slot = (start + i) % self.slots
            if self._keys[slot] in (key, 0):
                if self._keys[slot] == 0:
                    self._keys[slot] = key
                    self._tokens[slot] = float(self.burst)
                    self._seen[slot] = now
                return slot
            if self._seen[slot] < self._seen[oldest]:
                oldest = slot
        self._keys[oldest] = key  # reuse the slot idle longest
        self._tokens[oldest] = float(self.burst)
        self._seen[oldest] = now
        return oldest

    def take(self, client: str) -> Decision:
        """Take one token for `client`, or say how long until one is back."""
        # Never wait long: a worker killed while holding the lock must not stop the others
        # (a token may then be given too many, never a request refused wrongly).
        locked = self._lock.acquire(timeout=LOCK_SECONDS)
        try:
            now = self._clock()
            slot = self._slot(client_key(client), now)
            tokens = min(
                float(self.burst), self._tokens[slot] + (now - self._seen[slot]) * self.rate
            )
            self._seen[slot] = now
            if tokens >= 1.0:
                self._tokens[slot] = tokens - 1.0
                return Decision(True, 0.0)
            self._tokens[slot] = tokens
            return Decision(False, (1.0 - tokens) / self.rate)
        finally:
            if locked:
                self._lock.release()


def client_of(settings: Settings) -> str:
    """The client a request counts against: the rightmost address of the configured proxy
    header (what the nearest proxy saw), else the peer address."""
    header = settings.sparql_rate_client_header
    if header:
        forwarded = [a.strip() for a in request.headers.get(header, "").split(",") if a.strip()]
        if forwarded:
            return forwarded[-1]
    return request.remote_addr or "unknown"


def _check() -> None:
    """before_request: refuse a request to /sparql from a client past its limit."""
    if request.endpoint not in LIMITED_ENDPOINTS or request.method not in LIMITED_METHODS:
        return
    buckets: Buckets | None = current_app.extensions.get(EXTENSION)
    if buckets is None:
        return
    settings: Settings = context.settings()
    decision = buckets.take(client_of(settings))
    if decision.allowed:
        return
    retry = max(1, math.ceil(decision.retry_after))
    raise TooManyRequests(
        f"this client sent more than {settings.sparql_rate_burst} requests at once, or more "
        f"than {settings.sparql_rate_limit:g} a second on average, to the SPARQL endpoint "
        f"(the `sparql_rate_limit` and `sparql_rate_burst` settings); retry in {retry} s. "
        "Other clients are not affected; for bulk access, download the dumps (/dataset).",
        headers={"Retry-After": str(retry), "Cache-Control": "no-store"},
    )


def install(app: Flask) -> None:
    """Create the shared buckets (before gunicorn forks) and check each request."""
    settings: Settings = app.config["PROSPECTUS_SETTINGS"]
    if settings.sparql_rate_limit <= 0:
        return
    app.extensions[EXTENSION] = Buckets(settings.sparql_rate_limit, settings.sparql_rate_burst)
    app.before_request(_check)
