"""Limits that are real: every SPARQL query runs in a pre-forked executor process that is
killed when the `query_timeout` setting runs out.

A query inside pyoxigraph (Rust) or rdflib cannot be interrupted from another Python thread,
so the work is put where it can be stopped: a process. The design (docs/sparql.md):

* When a store opens, it forks one **zygote** from the process holding the loaded data
  (in memory: fork is copy-on-write, so nothing is copied). The zygote is single-threaded
  and never evaluates anything; its only job is to fork executors on request, so executors
  never inherit a lock held by another thread of the web worker.
* The pool keeps `size` idle **executors** (children of the zygote), each linked to the
  worker by its own socket pair. A query is pickled to an idle executor; the worker waits
  on the socket until the deadline. On time, the answer (already serialised bytes) comes
  back and the executor returns to the pool. At the deadline the worker SIGKILLs the
  executor, raises QueryTimedOut and a background thread forks a replacement; every other
  request keeps being served by the other executors.
* An executor dies with the zygote (PR_SET_PDEATHSIG), and the zygote exits when the
  worker's end of its control socket closes, so nothing outlives the web worker.

Overhead per query is one round trip over a Unix socket plus two small pickles (tens of
microseconds; measured in docs/sparql.md).
"""

from __future__ import annotations

import ctypes
import gc
import logging
import os
import pickle
import signal
import socket
import struct
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Protocol

from ..formats import Format
from . import federation, query_text
from .base import QueryRefused, QuerySyntaxError, QueryTimedOut, StoreError, UpstreamError

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
_RESET_SIGNALS = (
    "SIGTERM",
    "SIGINT",
    "SIGQUIT",
    "SIGHUP",
    "SIGUSR1",
    "SIGUSR2",
    "SIGWINCH",
    "SIGTTIN",
    "SIGTTOU",
    "SIGABRT",
    "SIGCHLD",
)


@dataclass(frozen=True)
class Job:
    """One query for an executor; `fmt` is a graph.formats name."""

    sparql: str
    default_graph_uris: tuple[str, ...]
    named_graph_uris: tuple[str, ...]
    fmt: str | None
    max_rows: int | None
    base_iri: str | None = None


class Engine(Protocol):
    """What runs inside an executor: the store's own evaluation, in-process."""

    def after_fork(self) -> None:
        """Called once in each new executor (e.g. to open an on-disk store)."""
        ...

    def run(self, job: Job) -> Any:
        """Evaluate a job and return a picklable answer."""
        ...


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the EOF on the socket still ends it
        pass


def _reset_signals() -> None:
    for name in _RESET_SIGNALS:
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, signal.SIG_DFL)


_POOLS: weakref.WeakSet[ExecutorPool] = weakref.WeakSet()


def _close_other_pools() -> None:
    """In a new zygote: drop the worker-side sockets of older pools, so that an old zygote
    sees EOF (and ends) when its store closes, whatever happens to this one."""
    for pool in list(_POOLS):
        for fd in pool.worker_fds():
            try:
                os.close(fd)
            except OSError:
                pass


def _serve_jobs(conn: Connection, engine: Engine) -> None:
    """The executor loop: one job at a time until the worker closes the socket."""
    engine.after_fork()
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        job = pickle.loads(data)
        try:
            reply: tuple[str, Any] = ("ok", engine.run(job))
        except QuerySyntaxError as exc:
            reply = ("syntax", (exc.message, exc.line, exc.column))
        except QueryRefused as exc:
            reply = ("refused", exc.message)
        except UpstreamError as exc:
            reply = ("upstream", exc.message)
        except Exception as exc:  # noqa: BLE001 - reported to the worker, which logs it
            if query_text.has_service(job.sparql):  # allowlisted SERVICE: the endpoint failed
                reply = ("upstream", f"a SERVICE endpoint failed: {type(exc).__name__}: {exc}")
            else:
                reply = ("error", f"{type(exc).__name__}: {exc}")
        try:
            conn.send_bytes(pickle.dumps(reply, pickle.HIGHEST_PROTOCOL))
        except OSError:
            return


def _zygote_main(control: socket.socket, engine: Engine) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # executors are reaped automatically
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(control, 1, 1)
        except OSError:
            return
        if not msg or not fds:
            return  # the web worker closed its end: leave; executors follow (PDEATHSIG)
        pid = os.fork()
        if pid == 0:
            try:
                control.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _die_with_parent()
                _serve_jobs(Connection(fds[0]), engine)
            finally:
                os._exit(0)
        os.close(fds[0])
        try:
            control.sendall(struct.pack("!i", pid))
        except OSError:
            return


class _Executor:
    __slots__ = ("pid", "conn")

    def __init__(self, pid: int, conn: Connection):
        self.pid = pid
        self.conn = conn

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.conn.close()


class ExecutorPool:
    """Runs engine jobs in killable executor processes forked from a zygote."""

    def __init__(self, engine: Engine, size: int):
        self.size = max(1, size)
        self._lock = threading.Lock()  # guards the idle list and the zygote socket
        self._idle: list[_Executor] = []
        self._busy: set[_Executor] = set()
        self._closed = False
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:  # the zygote
            try:
                ours.close()
                _reset_signals()
                _close_other_pools()
                gc.freeze()  # inherited objects stay shared (copy-on-write), never collected
                _zygote_main(theirs, engine)
            finally:
                os._exit(0)
        theirs.close()
        self._zygote_pid = pid
        self._control = ours
        # A pool dropped without close() (an app in a test) still ends its zygote and its
        # executors, quietly, and leaves no socket open.
        weakref.finalize(self, _abandon, ours, self._idle, self._busy)
        _POOLS.add(self)
        threading.Thread(target=self._prespawn, daemon=True).start()

    def _prespawn(self) -> None:
        for _ in range(self.size):
            self._replenish()

    def worker_fds(self) -> list[int]:
        """File descriptors this pool holds in the web worker (control + executor sockets).

        Called in a freshly forked child, so it takes no lock (another thread of the parent
        may have held it at the fork)."""
        executors = [*self._idle, *self._busy]
        fds = [e.conn.fileno() for e in executors if not e.conn.closed]
        if not self._closed:
            fds.append(self._control.fileno())
        return fds

    def _spawn(self) -> _Executor:
        ours, theirs = socket.socketpair()
        with self._lock:
            if self._closed:
                ours.close()
                theirs.close()
                raise StoreError("the store was closed")
            try:
                socket.send_fds(self._control, [b"x"], [theirs.fileno()])
                raw = b""
                while len(raw) < 4:
                    chunk = self._control.recv(4 - len(raw))
                    if not chunk:
                        raise OSError("the zygote ended")
                    raw += chunk
            except OSError as exc:
                ours.close()
                raise StoreError(f"could not start a query process: {exc}") from exc
            finally:
                theirs.close()
        (pid,) = struct.unpack("!i", raw)
        conn = Connection(ours.detach())
        return _Executor(pid, conn)

    def _take(self) -> _Executor:
        executor = None
        while executor is None:
            with self._lock:
                if self._closed:
                    raise StoreError("the store was closed")
                executor = self._idle.pop() if self._idle else None
            if executor is None:
                executor = self._spawn()
            elif executor.conn.poll(0):  # an idle executor that died: EOF is waiting
                executor.kill()
                executor = None
        with self._lock:
            self._busy.add(executor)
        return executor

    def _discard(self, executor: _Executor) -> None:
        with self._lock:
            self._busy.discard(executor)
            drained = self._closed and not self._busy
        executor.kill()
        if drained:
            self._stop_zygote()
        elif not self._closed:
            threading.Thread(target=self._replenish, daemon=True).start()

    def _give_back(self, executor: _Executor) -> None:
        with self._lock:
            self._busy.discard(executor)
            if not self._closed and len(self._idle) < self.size:
                self._idle.append(executor)
                return
            drained = self._closed and not self._busy
        executor.conn.close()
        if drained:
            self._stop_zygote()

    def _replenish(self) -> None:
        try:
            executor = self._spawn()
        except StoreError:
            return
        self._give_back(executor)

    def run(
        self,
        job: Job,
        timeout: float | None,
        on_timeout: Callable[[float], Exception] = QueryTimedOut,
    ) -> Any:
        """Run `job` in an executor; kill it and raise at the deadline."""
        executor = self._take()
        try:
            executor.conn.send_bytes(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
            ready = executor.conn.poll(timeout if timeout and timeout > 0 else None)
            if not ready:
                self._discard(executor)
                raise on_timeout(timeout or 0.0)
            status, value = pickle.loads(executor.conn.recv_bytes())
        except (EOFError, OSError) as exc:
            self._discard(executor)
            raise StoreError(
                f"the query process ended unexpectedly ({exc or 'no answer'})"
            ) from exc
        self._give_back(executor)
        if status == "ok":
            return value
        if status == "syntax":
            raise QuerySyntaxError(*value)
        if status == "refused":
            raise QueryRefused(value)
        if status == "upstream":
            raise UpstreamError(value)
        raise StoreError(f"the query failed: {value}")

    def close(self) -> None:
        """Stop the pool: idle executors now, busy ones when their query ends."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            idle, self._idle = self._idle, []
            drained = not self._busy
        for executor in idle:
            executor.kill()
        if drained:
            self._stop_zygote()

    def _stop_zygote(self) -> None:
        # Executors die with the zygote (PDEATHSIG); the zygote ends on EOF.
        self._control.close()
        threading.Thread(target=_reap, args=(self._zygote_pid,), daemon=True).start()


def _abandon(control: socket.socket, idle: list[_Executor], busy: set[_Executor]) -> None:
    for executor in [*idle, *busy]:
        executor.kill()
    control.close()


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


@dataclass(frozen=True)
class Limits:
    """The limits every store applies, read once from the settings."""

    timeout: float | None = 10.0
    max_rows: int | None = 10000
    service_allowlist: tuple[str, ...] = ()
    processes: int = 4

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(
            timeout=settings.query_timeout if settings.query_timeout > 0 else None,
            max_rows=settings.max_rows if settings.max_rows > 0 else None,
            service_allowlist=tuple(settings.service_allowlist),
            processes=max(1, settings.threads),
        )


class LazyPool:
    """An ExecutorPool created on first use (and thread-safely), closed with its store."""

    def __init__(self, engine: Engine, size: int):
        self._engine = engine
        self._size = size
        self._pool: ExecutorPool | None = None
        self._lock = threading.Lock()

    def get(self) -> ExecutorPool:
        pool = self._pool
        if pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = ExecutorPool(self._engine, self._size)
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
        return self._pool.get().run(job, limit)
