"""The query process pool as a store holds it: its limits, the pool itself started on first
use, and `query()` through it for the stores that evaluate in this machine's executor
processes (Oxigraph, rdflib). The pool's machinery is graph/store/pool.py (the worker's side)
and graph/store/executor.py (the executors'); the remote store applies the same Limits.

Read once from the settings: `query_timeout` (the query process is killed), `max_rows`
(the result is cut and says so), `service_allowlist` (SERVICE / FROM policy),
`query_processes` (executors per worker), `query_memory_limit` (address space a query may
add), and the lanes (graph/store/lanes.py): heavy queries hold at most all executors but one,
at most `query_queue` more wait, and a cheap query has `cheap_query_budget` seconds in its
lane.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..formats import Format
from . import federation, lanes
from .executor import Engine, Job
from .pool import ExecutorPool
from .stats import stats

__all__ = ["Engine", "ExecutorPool", "Job", "LazyPool", "Limits", "PooledQueries"]


@dataclass(frozen=True)
class Limits:
    """The limits every store applies, read once from the settings."""

    timeout: float | None = 10.0
    max_rows: int | None = 10000
    service_allowlist: tuple[str, ...] = ()
    processes: int = 2
    memory_limit_mb: int = 0
    queue: int = 2
    cheap_budget: float | None = 1.0
    threads: int = 4

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(
            timeout=settings.query_timeout if settings.query_timeout > 0 else None,
            max_rows=settings.max_rows if settings.max_rows > 0 else None,
            service_allowlist=tuple(settings.service_allowlist),
            processes=max(1, settings.query_processes),
            memory_limit_mb=max(0, settings.query_memory_limit),
            queue=max(0, settings.query_queue),
            cheap_budget=settings.cheap_query_budget if settings.cheap_query_budget > 0 else None,
            threads=max(1, settings.threads),
        )

    @property
    def heavy_slots(self) -> int:
        """Executors heavy queries may hold at once: all but one, kept for cheap queries."""
        return max(1, self.processes - 1)

    @property
    def heavy_queue(self) -> int:
        """Heavy queries that may wait per worker: `queue`, but never so many that heavy
        queries would hold every thread of the worker."""
        return max(0, min(self.queue, self.threads - self.heavy_slots - 1))

    def pool(self, engine: Engine) -> ExecutorPool:
        return ExecutorPool(
            engine,
            self.processes,
            memory_limit_mb=self.memory_limit_mb,
            heavy_slots=self.heavy_slots,
            queue=self.heavy_queue,
            cheap_budget=self.cheap_budget,
        )


class LazyPool:
    """An ExecutorPool created on first use (and thread-safely), closed with its store."""

    def __init__(self, engine: Engine, limits: Limits):
        self._engine = engine
        self._limits = limits
        self._pool: ExecutorPool | None = None
        self._lock = threading.Lock()
        stats()  # created where the store opens (gunicorn's master): shared by the workers

    def get(self) -> ExecutorPool:
        pool = self._pool
        if pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = self._limits.pool(self._engine)
                pool = self._pool
        return pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()


class PooledQueries:
    """`Store.query` for the stores that evaluate in this machine's executor processes."""

    limits: Limits
    _pool: LazyPool

    def start(self) -> None:
        self._pool.get()

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._pool.get().wait_ready(timeout)

    def status(self) -> dict[str, Any]:
        """The executor pool's state (graph/store/pool.py ExecutorPool.status)."""
        return self._pool.get().status()

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
        max_rows: int | None = None,
        fmt: Format | None = None,
        base_iri: str | None = None,
    ) -> Any:
        federation.check(sparql, self.limits.service_allowlist)
        job = Job(
            sparql=sparql,
            default_graph_uris=tuple(default_graph_uris),
            named_graph_uris=tuple(named_graph_uris),
            fmt=fmt.name if fmt else None,
            max_rows=self.limits.max_rows if max_rows is None else max_rows,
            base_iri=base_iri,
        )
        limit = self.limits.timeout if timeout is None else timeout
        lane, shape = lanes.plan(sparql)
        return self._pool.get().run(job, limit, lane, shape)
