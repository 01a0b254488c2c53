"""Killable query processes: every SPARQL query runs in a pre-forked executor process that
is killed when the `query_timeout` setting runs out, capped in memory, and watched.

A query inside pyoxigraph (Rust) or rdflib cannot be interrupted from another Python thread,
so the work is put where it can be stopped: a process. The design (docs/sparql.md); this
module is the worker's side, graph/store/executor.py what runs in the zygote and the
executors, graph/store/crashes.py how a crash is named:

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
* An executor evaluates on a thread with a large stack (EXECUTOR_STACK, address space only:
  pages are touched only as deep recursion needs them), so that long operator chains, which
  the nesting limit does not count, do not overflow the stack of the engine's recursive
  parser and optimiser. Its address space may then grow by at most `query_memory_limit` MB
  (RLIMIT_AS, set after warming, relative to what it already maps).
* Its standard error goes to a memory file the worker holds (`memfd`), emptied before each
  job, and `faulthandler` names fatal signals there. When an executor dies during a query
  the worker reads that file and answers with the cause: a panic of the engine (with its
  message), a stack overflow, a segfault, an allocation that hit the memory limit
  (QueryMemoryExceeded) or a kill from outside (QueryCrashed otherwise). Crashes are counted
  (graph/store/stats.py) and logged at most once per CRASH_LOG_SECONDS per kind.
* Two lanes (graph/store/lanes.py): heavy queries may hold `heavy_slots` executors at a
  time and `queue` more may wait; beyond that QueryQueueFull is raised at once. Cheap queries
  take any idle executor, for at most `cheap_budget` seconds; past it they carry on as heavy
  when the heavy lane has room, else they are stopped and run again as heavy.
* A query is pickled to an idle executor; when none is idle it waits, and the wait counts
  against the same deadline (QueryQueueTimedOut when no executor frees up in time). At the
  deadline the worker SIGKILLs the executor, raises QueryTimedOut and a background thread
  forks and warms a replacement; every other request keeps being served meanwhile. An answer
  the worker takes after the deadline is refused the same way (its executor is kept).
* An executor dies with the zygote (PR_SET_PDEATHSIG), and the zygote exits when the
  worker's end of its control socket closes, so nothing outlives the web worker.
"""

from __future__ import annotations

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
from collections import OrderedDict
from multiprocessing.connection import Connection
from typing import Any

from . import lanes
from .base import (
    QueryCrashed,
    QueryFailed,
    QueryMemoryExceeded,
    QueryQueueFull,
    QueryQueueTimedOut,
    QueryRefused,
    QuerySyntaxError,
    QueryTimedOut,
    QueryTooDeep,
    StoreError,
    UpstreamError,
)
from .crashes import CRASHES, diagnose
from .executor import READY, Engine, Job, reset_signals, zygote_main
from .lanes import Lane
from .stats import stats

log = logging.getLogger(__name__)

STDERR_TAIL = 16 * 1024
FAST_SHAPES = 1024  # query shapes each worker remembers as fast (lanes.shape)

_POOLS: weakref.WeakSet[ExecutorPool] = weakref.WeakSet()
_RESTART = object()  # a cheap job stopped at its budget, to run again as heavy


def _close_other_pools() -> None:
    """In a new zygote: drop the worker-side descriptors of older pools, so that an old
    zygote sees EOF (and ends) when its store closes, whatever happens to this one."""
    for pool in list(_POOLS):
        for fd in pool.worker_fds():
            try:
                os.close(fd)
            except OSError:
                pass


class _Executor:
    __slots__ = ("pid", "conn", "stderr")

    def __init__(self, pid: int, conn: Connection, stderr: int):
        self.pid = pid
        self.conn = conn
        self.stderr = stderr  # the worker's descriptor of the executor's standard error

    def kill(self, dead: bool = False) -> None:
        """SIGKILL the executor (unless it is known to have ended: its pid may already
        belong to another process) and close the worker's descriptors."""
        if not dead:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.conn.close()
        self.close_stderr()

    def close_stderr(self) -> None:
        if self.stderr >= 0:
            try:
                os.close(self.stderr)
            except OSError:
                pass
            self.stderr = -1

    def last_words(self) -> str:
        """What the executor wrote to standard error during its last job (the tail)."""
        if self.stderr < 0:
            return ""
        try:
            size = os.fstat(self.stderr).st_size
            data = os.pread(self.stderr, STDERR_TAIL, max(0, size - STDERR_TAIL))
        except OSError:
            return ""
        return data.decode("utf-8", "replace")


class ExecutorPool:
    """Runs engine jobs in killable executor processes forked from a zygote."""

    def __init__(
        self,
        engine: Engine,
        size: int,
        *,
        memory_limit_mb: int = 0,
        heavy_slots: int | None = None,
        queue: int = 1000,
        cheap_budget: float | None = None,
    ):
        self.size = max(1, size)
        self.memory_limit_mb = max(0, memory_limit_mb)
        self.heavy_slots = max(1, min(self.size, heavy_slots or self.size))
        self.queue = max(0, queue)
        self.cheap_budget = cheap_budget
        self._lock = threading.Lock()  # guards the lists and the counts
        self._control_lock = threading.Lock()  # one exchange with the zygote at a time
        self._changed = threading.Condition(self._lock)  # an executor became idle or left
        self._idle: list[_Executor] = []
        self._busy: dict[_Executor, Lane] = {}
        self._warming: set[_Executor] = set()
        self._alive = 0  # idle + busy + starting or warming: never more than `size`
        self._running = {"cheap": 0, "heavy": 0}
        self._waiting = {"cheap": 0, "heavy": 0}
        self._closed = False
        self._fast: OrderedDict[str, None] = OrderedDict()  # shapes seen to be fast
        self._stats = stats()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        pid = os.fork()
        if pid == 0:  # the zygote
            try:
                ours.close()
                reset_signals()
                _close_other_pools()
                gc.freeze()  # inherited objects stay shared (copy-on-write), never collected
                zygote_main(theirs, engine, self.memory_limit_mb)
            finally:
                os._exit(0)
        theirs.close()
        self._zygote_pid = pid
        self._control = ours
        # A pool dropped without close() (an app in a test) still ends its zygote and its
        # executors, quietly, and leaves no descriptor open.
        weakref.finalize(self, _abandon, ours, self._idle, self._busy)
        _POOLS.add(self)
        with self._lock:
            for _ in range(self.size):
                self._start_one()

    def worker_fds(self) -> list[int]:
        """File descriptors this pool holds in the web worker (control, executor sockets and
        standard-error files).

        Called in a freshly forked child, so it takes no lock (another thread of the parent
        may have held it at the fork)."""
        executors = [*self._idle, *self._busy, *self._warming]
        fds = [e.conn.fileno() for e in executors if not e.conn.closed]
        fds += [e.stderr for e in executors if e.stderr >= 0]
        if not self._closed:
            fds.append(self._control.fileno())
        return fds

    def status(self) -> dict[str, Any]:
        """What the pool is doing now: executor pids by state, queries running and waiting
        per lane (tests and operators observe this instead of guessing from timings)."""
        with self._lock:
            return {
                "idle": [e.pid for e in self._idle],
                "busy": {e.pid: lane for e, lane in self._busy.items()},
                "warming": [e.pid for e in self._warming],
                "alive": self._alive,
                "running": dict(self._running),
                "waiting": dict(self._waiting),
            }

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
                words = executor.last_words() if executor is not None else ""
                log.warning("a query process did not start: %s %s", exc, words[-500:])
            return
        self._stats.add("executors_started")
        self._give_back(executor)

    def _spawn(self) -> _Executor:
        ours, theirs = socket.socketpair()
        stderr = os.memfd_create("prospectus-query-stderr")
        with self._control_lock:
            if self._closed:
                for end in (ours, theirs):
                    end.close()
                os.close(stderr)
                raise StoreError("the store was closed")
            try:
                socket.send_fds(self._control, [b"x"], [theirs.fileno(), stderr])
                raw = self._control.recv(4)
                if len(raw) != 4:
                    raise OSError("the zygote ended")
            except OSError as exc:
                ours.close()
                os.close(stderr)
                raise StoreError(f"could not start a query process: {exc}") from exc
            finally:
                theirs.close()
        (pid,) = struct.unpack("!i", raw)
        return _Executor(pid, Connection(ours.detach()), stderr)

    def _can_start(self, lane: Lane) -> bool:
        return lane == "cheap" or self._running["heavy"] < self.heavy_slots

    def _take(self, deadline: float | None, timeout: float, lane: Lane) -> _Executor:
        """An idle, warm executor that `lane` may use; waits for one until the deadline."""
        with self._changed:
            if lane == "heavy" and (
                self._running["heavy"] + self._waiting["heavy"] >= self.heavy_slots + self.queue
            ):
                self._stats.add("refused_busy")
                raise QueryQueueFull(
                    self._running["heavy"], self._waiting["heavy"], max(1, int(timeout / 2))
                )
            self._waiting[lane] += 1
            self._stats.add(f"waiting_{lane}")
            try:
                while True:
                    if self._closed:
                        raise StoreError("the store was closed")
                    while self._idle and self._can_start(lane):
                        executor = self._idle.pop()
                        if executor.conn.poll(0):  # an idle executor that died: EOF waits
                            executor.kill(dead=True)
                            self._alive -= 1
                            continue
                        self._busy[executor] = lane
                        self._running[lane] += 1
                        self._stats.add(f"running_{lane}")
                        return executor
                    if self._alive < self.size:
                        self._start_one()
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        self._stats.add("queue_timeouts")
                        raise QueryQueueTimedOut(timeout, self.size)
                    self._changed.wait(remaining)
            finally:
                self._waiting[lane] -= 1
                self._stats.add(f"waiting_{lane}", -1)

    def _release(self, executor: _Executor) -> None:
        """Forget that `executor` runs a query (lock held)."""
        lane = self._busy.pop(executor, None)
        if lane is not None:
            self._running[lane] -= 1
            self._stats.add(f"running_{lane}", -1)

    def _discard(self, executor: _Executor, dead: bool = False) -> None:
        executor.kill(dead)
        with self._changed:
            self._release(executor)
            self._alive -= 1
            drained = self._closed and not self._busy
            if not self._closed:
                self._start_one()
            self._changed.notify_all()
        if drained:
            self._stop_zygote()

    def _give_back(self, executor: _Executor) -> None:
        with self._changed:
            self._release(executor)
            self._warming.discard(executor)
            if not self._closed:
                self._idle.append(executor)
                self._changed.notify_all()
                return
            self._alive -= 1
            drained = not self._busy
        executor.conn.close()
        executor.close_stderr()
        if drained:
            self._stop_zygote()

    def _move_to_heavy(self, executor: _Executor) -> bool:
        """Let a cheap query past its budget carry on as heavy, when the lane has room."""
        with self._changed:
            if self._running["heavy"] >= self.heavy_slots or executor not in self._busy:
                return False
            self._busy[executor] = "heavy"
            self._running["cheap"] -= 1
            self._running["heavy"] += 1
            self._stats.add("running_cheap", -1)
            self._stats.add("running_heavy")
            return True

    def _exit_status(self, pid: int) -> int:
        """How executor `pid` ended (a wait status), asked of the zygote; -1 if unknown."""
        with self._control_lock:
            try:
                self._control.sendall(b"s" + struct.pack("!i", pid))
                raw = self._control.recv(4)
            except OSError:
                return -1
        return struct.unpack("!i", raw)[0] if len(raw) == 4 else -1

    def _died(self, executor: _Executor) -> StoreError:
        """The error for an executor that ended during a query: diagnosed, counted, logged."""
        words = executor.last_words()
        status = self._exit_status(executor.pid)
        error = diagnose(status, words, self.memory_limit_mb)
        self._discard(executor, dead=status != -1)
        if isinstance(error, QueryMemoryExceeded):
            self._stats.add("memory_limit")
        else:
            self._stats.add("crashes")
            self._stats.add(f"crash_{getattr(error, 'kind', 'killed')}")
        CRASHES.report(error)
        return error

    def run(
        self, job: Job, timeout: float | None, lane: Lane = "heavy", shape: str | None = None
    ) -> Any:
        """Run `job` in an executor of `lane`; kill it and raise at the deadline. `shape`
        (lanes.shape of the query, computed when not given) is what the pool learns from."""
        limit = timeout if timeout and timeout > 0 else None
        deadline = None if limit is None else time.monotonic() + limit
        lanes_apply = bool(self.cheap_budget) and self.heavy_slots < self.size
        if shape is None:
            shape = lanes.shape(job.sparql) if lanes_apply else ""
        if lane == "heavy" and lanes_apply and self._known_fast(shape):
            lane = "cheap"
            self._stats.add("heavy_learned_cheap")
        self._stats.add(f"queries_{lane}")
        if lane == "cheap" and lanes_apply:
            answer, overran = self._run_cheap(job, deadline, limit)
            if overran:
                self._learn(shape, fast=False)
            if answer is not _RESTART:
                return answer
            lane = "heavy"  # stopped at the budget: start again in the heavy lane
        executor = self._take(deadline, limit or 0.0, lane)
        started = time.monotonic()
        answer = self._finish(executor, job, deadline, limit)
        if lanes_apply and time.monotonic() - started < (self.cheap_budget or 0.0) / 2:
            self._learn(shape, fast=True)
        return answer

    def _known_fast(self, shape: str) -> bool:
        with self._lock:
            if shape in self._fast:
                self._fast.move_to_end(shape)
                return True
            return False

    def _learn(self, shape: str, *, fast: bool) -> None:
        with self._lock:
            if not fast:
                self._fast.pop(shape, None)
                return
            self._fast[shape] = None
            self._fast.move_to_end(shape)
            while len(self._fast) > FAST_SHAPES:
                self._fast.popitem(last=False)

    def _run_cheap(self, job: Job, deadline: float | None, limit: float | None) -> tuple[Any, bool]:
        """Run a cheap job within the budget: (answer, whether it overran the budget); the
        answer is _RESTART when it was stopped to run again as heavy."""
        executor = self._take(deadline, limit or 0.0, "cheap")
        budget_end = time.monotonic() + (self.cheap_budget or 0.0)
        if deadline is not None and deadline <= budget_end:
            return self._finish(executor, job, deadline, limit), False
        if not self._send(executor, job):
            raise self._died(executor)
        try:
            answered = executor.conn.poll(max(0.0, budget_end - time.monotonic()))
        except (EOFError, OSError):
            answered = True  # let _receive find out what happened
        if answered:
            return self._receive(executor, deadline, limit), False
        if self._move_to_heavy(executor):
            self._stats.add("cheap_over_budget_moved")
            return self._receive(executor, deadline, limit), True
        self._stats.add("cheap_over_budget_restarted")
        self._discard(executor)
        return _RESTART, True

    def _send(self, executor: _Executor, job: Job) -> bool:
        try:
            executor.conn.send_bytes(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
            return True
        except OSError:
            return False

    def _finish(
        self, executor: _Executor, job: Job, deadline: float | None, limit: float | None
    ) -> Any:
        if not self._send(executor, job):
            raise self._died(executor)
        return self._receive(executor, deadline, limit)

    def _receive(self, executor: _Executor, deadline: float | None, limit: float | None) -> Any:
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            if not executor.conn.poll(remaining):
                self._discard(executor)
                self._stats.add("timeouts")
                raise QueryTimedOut(limit or 0.0)
            status, value = pickle.loads(executor.conn.recv_bytes())
        except (EOFError, OSError):
            raise self._died(executor) from None
        if status == "memory":
            self._discard(executor)
            self._stats.add("memory_limit")
            if self.memory_limit_mb > 0:
                raise QueryMemoryExceeded(self.memory_limit_mb)
            raise QueryCrashed("it ran out of memory", "killed")
        self._give_back(executor)
        if status == "ok":
            if deadline is not None and time.monotonic() > deadline:
                # Answered, but later than the limit (the worker looked late: a busy machine
                # may run the executor's whole query between the send and the poll): the
                # limit holds whoever was slow, so a query is never served past it.
                self._stats.add("timeouts")
                raise QueryTimedOut(limit or 0.0)
            return value
        if status == "syntax":
            raise QuerySyntaxError(*value)
        if status == "too_deep":
            raise QueryTooDeep(value)
        if status == "refused":
            raise QueryRefused(value)
        if status == "upstream":
            raise UpstreamError(value)
        raise QueryFailed(value)

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
        threading.Thread(target=_wait_for, args=(self._zygote_pid,), daemon=True).start()


def _abandon(control: socket.socket, idle: list[_Executor], busy: dict[_Executor, Lane]) -> None:
    for executor in [*idle, *busy]:
        executor.kill()
    control.close()


def _wait_for(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
