"""Limits that are real: every SPARQL query runs in a pre-forked executor process that is
killed when the `query_timeout` setting runs out.

A query inside pyoxigraph (Rust) or rdflib cannot be interrupted from another Python thread,
so the work is put where it can be stopped: a process. The design (docs/sparql.md):

* When a store opens, it forks one **zygote** from the process holding the loaded data
  (in memory: fork is copy-on-write, so nothing is copied). The zygote is single-threaded
  and never evaluates anything; its only job is to fork executors on request, so executors
  never inherit a lock held by another thread of the web worker.
* The pool keeps at most `size` **executors** (children of the zygote; the `query_processes`
  setting), each linked to the worker by its own socket pair. A new executor first *warms*:
  it touches the whole store once (Engine.warm) and only then reports ready and joins the
  idle list. Reading an in-memory pyoxigraph store writes to the pages it reads, so the
  first query in a fresh child pays for copying most of the store (seconds at 100k
  programmes, bench/README.md); warming moves that copy off any request's clock.
* A query is pickled to an idle executor; when none is idle it waits for one, and the wait
  counts against the same deadline (QueryQueueTimedOut when no executor frees up in time).
  The worker waits on the socket until the deadline. On time, the answer (already
  serialised bytes) comes back and the executor returns to the pool. At the deadline the
  worker SIGKILLs the executor, raises QueryTimedOut and a background thread forks and
  warms a replacement; every other request keeps being served by the other executors.
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
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Protocol

from ..formats import Format
from . import federation, query_text
from .base import (
    QueryQueueTimedOut,
    QueryRefused,
    QuerySyntaxError,
    QueryTimedOut,
    QueryTooDeep,
    StoreError,
    UpstreamError,
)

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

    def warm(self) -> None:
        """Called once in each new executor, before it takes a job: touch the data so that
        the copy-on-write copy is made now rather than during the first query."""
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


READY = b"ready"


def _serve_jobs(conn: Connection, engine: Engine) -> None:
    """The executor loop: warm, say so, then one job at a time until the worker closes the
    socket."""
    engine.after_fork()
    engine.warm()
    try:
        conn.send_bytes(READY)
    except OSError:
        return
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
        except QueryTooDeep as exc:
            reply = ("too_deep", exc.message)
        except RecursionError:
            reply = ("too_deep", "the query is nested too deeply for the store's evaluator")
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
        self._lock = threading.Lock()  # guards the lists, the counts and the zygote socket
        self._changed = threading.Condition(self._lock)  # an executor became idle or left
        self._idle: list[_Executor] = []
        self._busy: set[_Executor] = set()
        self._warming: set[_Executor] = set()
        self._alive = 0  # idle + busy + starting or warming: never more than `size`
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
        with self._lock:
            for _ in range(self.size):
                self._start_one()

    def worker_fds(self) -> list[int]:
        """File descriptors this pool holds in the web worker (control + executor sockets).

        Called in a freshly forked child, so it takes no lock (another thread of the parent
        may have held it at the fork)."""
        executors = [*self._idle, *self._busy, *self._warming]
        fds = [e.conn.fileno() for e in executors if not e.conn.closed]
        if not self._closed:
            fds.append(self._control.fileno())
        return fds

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until every executor has warmed (or the pool closed); False when `timeout`
        passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while not self._closed and len(self._idle) + len(self._busy) < self._alive:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    def _start_one(self) -> None:
        """Count one more executor and fork and warm it in the background (lock held)."""
        self._alive += 1
        threading.Thread(target=self._warm_one, daemon=True).start()

    def _warm_one(self) -> None:
        executor = None
        try:
            executor = self._spawn()
            with self._lock:
                self._warming.add(executor)
            if executor.conn.recv_bytes() != READY:
                raise OSError("an unexpected first message")
        except (StoreError, EOFError, OSError) as exc:
            with self._changed:
                if executor is not None:
                    executor.kill()
                    self._warming.discard(executor)
                self._alive -= 1
                self._changed.notify_all()
            if not self._closed:
                log.warning("a query process did not start: %s", exc)
            return
        self._give_back(executor)

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

    def _take(self, deadline: float | None, timeout: float) -> _Executor:
        """An idle, warm executor; waits for one until the deadline."""
        with self._changed:
            while True:
                if self._closed:
                    raise StoreError("the store was closed")
                while self._idle:
                    executor = self._idle.pop()
                    if executor.conn.poll(0):  # an idle executor that died: EOF is waiting
                        executor.kill()
                        self._alive -= 1
                        continue
                    self._busy.add(executor)
                    return executor
                if self._alive < self.size:
                    self._start_one()
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise QueryQueueTimedOut(timeout, self.size)
                self._changed.wait(remaining)

    def _discard(self, executor: _Executor) -> None:
        executor.kill()
        with self._changed:
            self._busy.discard(executor)
            self._alive -= 1
            drained = self._closed and not self._busy
            if not self._closed:
                self._start_one()
            self._changed.notify_all()
        if drained:
            self._stop_zygote()

    def _give_back(self, executor: _Executor) -> None:
        with self._changed:
            self._busy.discard(executor)
            self._warming.discard(executor)
            if not self._closed:
                self._idle.append(executor)
                self._changed.notify_all()
                return
            self._alive -= 1
            drained = not self._busy
        executor.conn.close()
        if drained:
            self._stop_zygote()

    def run(self, job: Job, timeout: float | None) -> Any:
        """Run `job` in an executor; kill it and raise at the deadline."""
        limit = timeout if timeout and timeout > 0 else None
        deadline = None if limit is None else time.monotonic() + limit
        executor = self._take(deadline, limit or 0.0)
        try:
            executor.conn.send_bytes(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not executor.conn.poll(remaining):
                self._discard(executor)
                raise QueryTimedOut(limit or 0.0)
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
        if status == "too_deep":
            raise QueryTooDeep(value)
        if status == "refused":
            raise QueryRefused(value)
        if status == "upstream":
            raise UpstreamError(value)
        raise StoreError(f"the query failed: {value}")

    def close(self) -> None:
        """Stop the pool: idle executors now, busy ones when their query ends."""
        with self._changed:
            if self._closed:
                return
            self._closed = True
            idle, self._idle = self._idle, []
            self._alive -= len(idle)
            drained = not self._busy
            self._changed.notify_all()
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
    processes: int = 2

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(
            timeout=settings.query_timeout if settings.query_timeout > 0 else None,
            max_rows=settings.max_rows if settings.max_rows > 0 else None,
            service_allowlist=tuple(settings.service_allowlist),
            processes=max(1, settings.query_processes),
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

    def start(self) -> None:
        self._pool.get()

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._pool.get().wait_ready(timeout)

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
