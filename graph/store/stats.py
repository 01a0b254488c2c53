"""Counts of what the query processes did: one small object for the whole server.

Counters (queries per lane, timeouts, refusals by reason, crashes by cause) and gauges
(queries running or waiting per lane) live in one array of 64-bit integers in anonymous
shared memory. `stats()` creates it on first use; under gunicorn that is in the master,
while it loads the store before forking, so every worker adds to the same numbers and any
worker can report them (`GET /sparql/stats`). Issue 15 exposes the same numbers to
Prometheus.
"""

from __future__ import annotations

import multiprocessing
import threading
from multiprocessing.sharedctypes import RawArray
from typing import Any

COUNTERS = (
    "queries_cheap",  # queries classified cheap (graph/store/lanes.py)
    "queries_heavy",
    "heavy_learned_cheap",  # heavy by its words, run as cheap: its shape was fast before
    "cheap_over_budget_moved",  # a cheap query past its budget, carried on as heavy
    "cheap_over_budget_restarted",  # … stopped and started again in the heavy lane
    "timeouts",  # stopped at query_timeout
    "queue_timeouts",  # no query process free before query_timeout
    "refused_busy",  # 503 at once: too many heavy queries running and waiting
    "refused_depth",  # 400: nested deeper than max_query_depth
    "memory_limit",  # stopped at query_memory_limit
    "crashes",  # query processes that died during a query, any cause
    "crash_panic",  # … the store's engine panicked (Rust)
    "crash_stack",  # … stack overflow
    "crash_segfault",  # … SIGSEGV / SIGBUS
    "crash_abort",  # … SIGABRT without a panic message
    "crash_killed",  # … killed by a signal from outside (e.g. the kernel's OOM killer)
    "executors_started",
)
GAUGES = (
    "running_cheap",
    "running_heavy",
    "waiting_cheap",
    "waiting_heavy",
)
FIELDS = COUNTERS + GAUGES
_INDEX = {name: i for i, name in enumerate(FIELDS)}
LOCK_SECONDS = 0.5


class QueryStats:
    """Counters and gauges shared by every process forked after it was created."""

    def __init__(self) -> None:
        self._values = RawArray("q", len(FIELDS))
        try:
            self._lock: Any = multiprocessing.Lock()
        except (OSError, ImportError):  # no POSIX semaphores: shared, a race may lose a count
            self._lock = threading.Lock()

    def add(self, name: str, n: int = 1) -> None:
        # Never wait long: a worker killed while holding the lock must not stop the others
        # (a count may then be lost, never a request).
        locked = self._lock.acquire(timeout=LOCK_SECONDS)
        try:
            self._values[_INDEX[name]] += n
        finally:
            if locked:
                self._lock.release()

    def get(self, name: str) -> int:
        return int(self._values[_INDEX[name]])

    def snapshot(self) -> dict[str, int]:
        return {name: int(self._values[i]) for i, name in enumerate(FIELDS)}


_STATS: QueryStats | None = None
_CREATE = threading.Lock()


def stats() -> QueryStats:
    """The server's one QueryStats (created on first use)."""
    global _STATS
    if _STATS is None:
        with _CREATE:
            if _STATS is None:
                _STATS = QueryStats()
    return _STATS
