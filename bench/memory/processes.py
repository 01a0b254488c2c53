"""The process layouts' machinery: killable executor pools, the query service on threads,
and the forked web workers that talk to them."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

# --- executor processes --------------------------------------------------------------------
from .measure import smaps_rollup
from .workload import (
    Answerer,
    QueryTimedOut,
    Workload,
    _lookups_ms,
    execute,
    latency_pass,
    lookup,
    throughput,
)


def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class _Executor:
    def __init__(self, pid: int, conn: Connection):
        self.pid = pid
        self.conn = conn

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        self.conn.close()


class Pool:
    """Killable query processes forked from this process, as graph/store/limits.py runs them:
    in memory they share the loaded store and warm with len(store) (copy-on-write makes the
    copy then); on disk each opens the store read-only and needs no warming."""

    def __init__(self, store: ox.Store | None, size: int, disk: Path | None):
        if (store is None) == (disk is None):
            raise ValueError("a pool runs on a loaded store or on a store directory")
        self.store = store
        self.disk = disk
        self._idle: list[_Executor] = []
        self._changed = threading.Condition()
        self.warm_seconds: list[float] = []
        began = time.perf_counter()
        starting = [self._spawn() for _ in range(size)]  # forked while single-threaded
        for executor in starting:
            self._wait_ready(executor)
            self.warm_seconds.append(round(time.perf_counter() - began, 2))
            self._idle.append(executor)

    def _spawn(self) -> _Executor:
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                ours.close()
                _die_with_parent()
                self._serve(Connection(theirs.detach()))
            finally:
                os._exit(0)
        theirs.close()
        return _Executor(pid, Connection(ours.detach()))

    def _serve(self, conn: Connection) -> None:
        store = ox.Store.read_only(str(self.disk)) if self.disk else self.store
        assert store is not None
        if self.disk is None:
            len(store)  # warm: the copy-on-write copy happens here, off any request
        conn.send("ready")
        while True:
            try:
                sparql = conn.recv()
            except (EOFError, OSError):
                return
            try:
                conn.send(("ok", execute(store, sparql)))
            except Exception as exc:  # noqa: BLE001 - sent back to the worker
                conn.send(("error", f"{type(exc).__name__}: {exc}"))

    @staticmethod
    def _wait_ready(executor: _Executor) -> None:
        if executor.conn.recv() != "ready":
            raise RuntimeError("an executor did not start")

    def run(self, sparql: str, timeout: float | None = None) -> int:
        with self._changed:
            while not self._idle:
                self._changed.wait()
            executor = self._idle.pop()
        executor.conn.send(sparql)
        if not executor.conn.poll(timeout):
            executor.kill()
            raise QueryTimedOut(timeout)
        status, value = executor.conn.recv()
        with self._changed:
            self._idle.append(executor)
            self._changed.notify()
        if status != "ok":
            raise RuntimeError(value)
        return int(value)

    def replace_one(self) -> Callable[[], float]:
        """Fork one executor for one that was killed (now, on the calling thread, as a zygote
        would: never from a thread while another reads the store); the function returned
        waits until it has warmed and joined the pool, and gives the seconds that took."""
        began = time.perf_counter()
        executor = self._spawn()

        def ready() -> float:
            self._wait_ready(executor)
            with self._changed:
                self._idle.append(executor)
                self._changed.notify()
            return time.perf_counter() - began

        return ready

    def close(self) -> None:
        with self._changed:
            idle, self._idle = self._idle, []
        for executor in idle:
            executor.kill()


class QueryService:
    """One query process forked from the process that loaded the store, answering every
    lookup and query of the web workers on threads (pyoxigraph releases the GIL), one thread
    per connection. Its parent never reads the store, so only this process copies it; a
    runaway is stopped by killing the whole process, and a new one is forked and warmed."""

    def __init__(self, store: ox.Store, connections: int):
        self.store = store
        pairs = [socket.socketpair() for _ in range(connections)]
        began = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            try:
                _die_with_parent()
                for ours, _theirs in pairs:
                    ours.close()
                self._serve([Connection(theirs.detach()) for _ours, theirs in pairs])
            finally:
                os._exit(0)
        self.pid = pid
        for _ours, theirs in pairs:
            theirs.close()
        self.connections = [Connection(ours.detach()) for ours, _theirs in pairs]
        ready = self.connections[0]
        if ready.recv() != "ready":
            raise RuntimeError("the query process did not start")
        self.ready_seconds = time.perf_counter() - began

    def _serve(self, connections: list[Connection]) -> None:
        len(self.store)  # warm: this process's copy of the store is made now
        connections[0].send("ready")

        def serve(conn: Connection) -> None:
            while True:
                try:
                    kind, argument = conn.recv()
                except (EOFError, OSError):
                    return
                try:
                    if kind == "lookup":
                        conn.send(("ok", lookup(self.store, argument)))
                    else:
                        conn.send(("ok", execute(self.store, argument)))
                except Exception as exc:  # noqa: BLE001 - sent back to the worker
                    conn.send(("error", f"{type(exc).__name__}: {exc}"))

        threads = [threading.Thread(target=serve, args=(c,), daemon=True) for c in connections]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        for conn in self.connections:
            conn.close()


class Remote:
    """A web worker's side of the query service: its own connections, one per request in
    flight; lookups and queries alike go to the service."""

    def __init__(self, connections: Sequence[Connection]):
        self._idle = list(connections)
        self._changed = threading.Condition()

    def _call(self, kind: str, argument: str, timeout: float | None = 120.0) -> int:
        with self._changed:
            while not self._idle:
                self._changed.wait()
            conn = self._idle.pop()
        try:
            conn.send((kind, argument))
            if not conn.poll(timeout):
                raise QueryTimedOut(timeout)
            status, value = conn.recv()
        finally:
            with self._changed:
                self._idle.append(conn)
                self._changed.notify()
        if status != "ok":
            raise RuntimeError(value)
        return int(value)

    def lookup(self, iri: str) -> int:
        return self._call("lookup", iri)

    def query(self, name: str, sparql: str) -> int:
        return self._call("query", sparql)

    def timeout_cost(self, workload: Workload) -> dict[str, Any]:
        raise NotImplementedError("the process that forked the service measures this")


class Pooled:
    """Lookups (and the queries named in `local`) in this process, the rest in a pool."""

    def __init__(self, store: ox.Store, pool: Pool, local: frozenset[str] = frozenset()):
        self.store = store
        self.pool = pool
        self.local = local

    def lookup(self, iri: str) -> int:
        return lookup(self.store, iri)

    def query(self, name: str, sparql: str) -> int:
        if name in self.local:
            return execute(self.store, sparql)
        return self.pool.run(sparql, timeout=120.0)

    def timeout_cost(self, workload: Workload) -> dict[str, Any]:
        """The runaway is killed at the deadline; a replacement is forked (and, in memory,
        warmed) while this process keeps answering lookups."""
        began = time.perf_counter()
        try:
            self.pool.run(workload.runaway, timeout=workload.timeout)
        except QueryTimedOut:
            pass
        else:
            return {"how": "the runaway query ended before the deadline", "deadline_s": 0}
        answered = time.perf_counter() - began
        replaced: list[float] = []
        ready = self.pool.replace_one()
        thread = threading.Thread(target=lambda: replaced.append(ready()))
        thread.start()
        during = _lookups_ms(self, workload.programmes)
        thread.join()
        return {
            "how": "killed at the deadline; a new executor is forked"
            + (" and warmed" if self.pool.disk is None else ""),
            "deadline_s": workload.timeout,
            "answer_after_s": round(answered, 3),
            "replacement_ready_s": round(replaced[0], 3),
            "lookups_meanwhile": during,
        }


# --- forked workers ------------------------------------------------------------------------


class Worker:
    """A process forked from the runner that builds an Answerer and obeys commands."""

    def __init__(self, setup: Callable[[], Answerer], workload: Workload):
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            ours.close()
            _die_with_parent()
            conn = Connection(theirs.detach())
            try:
                answerer = setup()
                conn.send(("ready", None))
                while True:
                    command, argument = conn.recv()
                    if command == "stop":
                        break
                    conn.send(("ok", _command(answerer, workload, command, argument)))
                if isinstance(answerer, Pooled):
                    answerer.pool.close()
            except Exception as exc:  # noqa: BLE001 - reported to the runner
                try:
                    conn.send(("error", f"{type(exc).__name__}: {exc}"))
                except Exception:  # noqa: BLE001, S110 - the runner is gone
                    pass
            finally:
                os._exit(0)
        theirs.close()
        self.pid = pid
        self.conn = Connection(ours.detach())

    def send(self, command: str, argument: Any = None) -> None:
        self.conn.send((command, argument))

    def receive(self) -> Any:
        status, value = self.conn.recv()
        if status == "error":
            raise RuntimeError(f"worker {self.pid}: {value}")
        return value

    def call(self, command: str, argument: Any = None) -> Any:
        self.send(command, argument)
        return self.receive()

    def stop(self) -> None:
        try:
            self.conn.send(("stop", None))
            os.waitpid(self.pid, 0)
        except (OSError, ChildProcessError):
            pass


def _command(answerer: Answerer, workload: Workload, command: str, argument: Any) -> Any:
    if command == "latency":
        return latency_pass(answerer, workload)
    if command == "throughput":
        return throughput(answerer, workload, int(argument))
    if command == "timeout":
        return answerer.timeout_cost(workload)
    if command == "dirty":
        return smaps_rollup().get("Private_Dirty", 0)
    raise ValueError(command)
