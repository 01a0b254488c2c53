"""`python -m bench.memory` (`make bench-memory`): what serving the store costs in memory, per
process layout (issue 14 item 3), and what each layout costs in latency and killability.

For each size and layout a runner process, in a session of its own, builds the layout's process
tree, loads or opens the synthetic graph and runs one workload, stopping at checkpoints. This
harness reads /proc/<pid>/smaps_rollup of every process of that session: every `--interval`
seconds for the peaks, and at each checkpoint process by process. Results go to
bench/results/memory-<date>.json and .md, with the machine and the date.

Layouts (see bench/README.md, "Memory"):

  baseline   one process bulk-loads the N-Quads into an in-memory Store: the reference (peak RSS)
  threads    that one process answering on 2 and 4 threads (pyoxigraph releases the GIL)
  fork-read  a parent that loads and never touches the store again, and one forked child that
             reads: how much the child copies, step by step
  fork-pool  today's layout: a master loads in memory and forks 2 workers; each forks 2 executor
             processes warmed with len(store); lookups in the workers, queries in the executors
  fork-threads  a master that loads and never reads, one query process forked from it that
             answers every lookup and query on threads, 2 web workers that only talk to it
  disk-pool  the same tree on the on-disk store (RocksDB) opened read-only by every process
  hybrid     one process with the in-memory store for lookups and keyset listings (threads),
             2 executor processes on the read-only on-disk store for every other query
  alternating  one process holding both stores, each request sent to both in turn: the
             disk's price query by query, with the machine's other load weighing on both alike
  server     the real `prospectus serve --data FILE` (today's layout), the mix over HTTP

A layout whose estimated memory exceeds `--max-gb` is not run at that size; the report
extrapolates it from the largest size measured, and says so.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import random
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from . import client, report
from .run import RESULTS_DIR, WORK_DIR, dataset, load_queries, parameters

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PROGRAMME = ox.NamedNode("https://w3id.org/prospectus/ontology#StudyProgramme")
LIST_POSITION = "https://w3id.org/prospectus/ontology#listPosition"
LISTING = "deep-pagination"  # (b): a keyset page of 50 programmes by pro:listPosition
LOCAL_QUERIES = frozenset({LISTING, "listing-optional"})  # what the hybrid answers in memory
# Bytes per quad, measured (peak RSS of a bulk load / quads), and what each layout needs as a
# multiple of that: only to refuse a run the machine cannot hold.
BYTES_PER_QUAD = 400
FACTOR = {
    "baseline": 1.0,
    "threads": 1.1,
    "fork-read": 1.9,
    "fork-pool": 4.5,
    "fork-threads": 1.9,
    "disk-pool": 0.4,
    "hybrid": 1.3,
    "alternating": 1.2,
    "server": 4.5,
}
LAYOUTS = tuple(FACTOR)
ROLES = {
    "baseline": ("process",),
    "threads": ("process",),
    "fork-read": ("parent", "child"),
    "fork-pool": ("master", "worker", "executor"),
    "fork-threads": ("master", "worker"),
    "disk-pool": ("master", "worker", "executor"),
    "hybrid": ("web", "executor"),
    "alternating": ("process",),
    "server": ("master", "worker", "zygote", "executor"),
}
SMAPS_FIELDS = ("Rss", "Pss", "Private_Dirty", "Private_Clean", "Shared_Clean", "Shared_Dirty")


def _log(message: str) -> None:
    print(f"[memory {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- measuring ---------------------------------------------------------------------------


def smaps_rollup(pid: int | str = "self") -> dict[str, int]:
    """Kilobytes per field of /proc/<pid>/smaps_rollup (empty when the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return {}
    values = {}
    for line in text.splitlines()[1:]:
        name, _, rest = line.partition(":")
        if name in SMAPS_FIELDS:
            values[name] = int(rest.split()[0])
    return values


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, session id) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[3])


def session_processes(session: int) -> dict[int, int]:
    """Every process of a session: pid -> parent pid."""
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[1] == session:
                found[int(entry.name)] = stat[0]
    return found


def _peak_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def snapshot(
    session: int, roles: Sequence[str], named: dict[int, str] | None = None
) -> dict[str, Any]:
    """PSS, RSS and private dirty memory of a session's processes, by role: the tree depth's,
    or the one `named` gives a process."""
    tree = session_processes(session)
    processes = []
    for pid, parent in sorted(tree.items()):
        depth, up = 0, parent
        while up in tree:
            depth, up = depth + 1, tree[up]
        values = smaps_rollup(pid)
        if not values:
            continue
        role = (named or {}).get(pid) or roles[min(depth, len(roles) - 1)]
        processes.append({"pid": pid, "role": role, "peak_rss_kb": _peak_rss_kb(pid), **values})
    by_role: dict[str, dict[str, int]] = {}
    for p in processes:
        entry = by_role.setdefault(p["role"], {"count": 0, "Pss": 0, "Rss": 0, "Private_Dirty": 0})
        entry["count"] += 1
        for key in ("Pss", "Rss", "Private_Dirty"):
            entry[key] += p.get(key, 0)
    return {
        "pss_kb": sum(p.get("Pss", 0) for p in processes),
        "rss_kb": sum(p.get("Rss", 0) for p in processes),
        "private_dirty_kb": sum(p.get("Private_Dirty", 0) for p in processes),
        "by_role": by_role,
        "processes": processes,
    }


def page_cache_kb(directory: Path | None) -> int | None:
    """How much of the files under `directory` sits in the OS page cache (fincore)."""
    if directory is None or not directory.exists():
        return None
    files = [str(p) for p in directory.iterdir() if p.is_file()]
    if not files:
        return 0
    try:
        out = subprocess.run(
            ["fincore", "--bytes", "--noheadings", "--raw", "--output", "RES", *files],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return sum(int(v) for v in out.split() if v.isdigit()) // 1024


class Sampler:
    """Samples a session's summed PSS and RSS in the background; keeps the peaks."""

    def __init__(self, session: int, interval: float):
        self.session = session
        self.interval = interval
        self.peak_pss_kb = 0
        self.peak_rss_kb = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        pss = rss = 0
        for pid in session_processes(self.session):
            values = smaps_rollup(pid)
            pss += values.get("Pss", 0)
            rss += values.get("Rss", 0)
        self.peak_pss_kb = max(self.peak_pss_kb, pss)
        self.peak_rss_kb = max(self.peak_rss_kb, rss)
        self.samples += 1

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def summary_ms(seconds: Sequence[float]) -> dict[str, Any]:
    """First, median, p99 and count of a series of durations, in milliseconds."""
    if not seconds:
        return {"n": 0}
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {
        "n": len(seconds),
        "first_ms": round(seconds[0] * 1000, 3),
        "median_ms": round(statistics.median(seconds) * 1000, 3),
        "p99_ms": round(p99 * 1000, 3),
    }


# --- the work every layout does ------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """The same requests for every layout: lookups of sample programmes, each heavy query of
    bench/queries `runs` times (cycling through its parameters), a throughput phase and a
    runaway query for the timeout."""

    programmes: tuple[str, ...]
    queries: dict[str, tuple[str, ...]]  # name -> its instances
    runs: int
    throughput_seconds: float
    runaway: str
    timeout: float = 1.0

    def mix(self) -> list[tuple[str, str]]:
        """The heavy queries, interleaved: (name, text) in a fixed order."""
        longest = max(len(v) for v in self.queries.values())
        return [
            (name, texts[i % len(texts)])
            for i in range(longest)
            for name, texts in sorted(self.queries.items())
        ]


def runaway_query(programmes: int, pairs: float = 3e8) -> str:
    """A COUNT over a cartesian product of about `pairs` rows: seconds of work, then an end."""
    first = max(1, min(programmes, int(pairs // max(1, programmes))))
    return (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{LIST_POSITION}> ?i . FILTER(?i <= {first}) "
        f"?b <{LIST_POSITION}> ?j }}"
    )


# Every quad against every quad: about a second on a graph of a few dozen programmes.
QUICK_RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?o . ?b ?q ?r }"


def execute(store: ox.Store, sparql: str) -> int:
    """Evaluate a query and serialise its answer as an endpoint would; the answer's size."""
    answer = store.query(sparql, use_default_graph_as_union=True)
    if isinstance(answer, ox.QuerySolutions):
        return len(answer.serialize(format=ox.QueryResultsFormat.JSON) or b"")
    if isinstance(answer, ox.QueryBoolean):
        return 1
    return len(ox.serialize(answer, format=ox.RdfFormat.N_TRIPLES) or b"")


def lookup(store: ox.Store, iri: str) -> int:
    """What a resource page reads: the quads about a programme and the quads that point to it."""
    node = ox.NamedNode(iri)
    return sum(1 for _ in store.quads_for_pattern(node, None, None, None)) + sum(
        1 for _ in store.quads_for_pattern(None, None, node, None)
    )


class QueryTimedOut(Exception):
    pass


class Answerer(Protocol):
    def lookup(self, iri: str) -> int: ...

    def query(self, name: str, sparql: str) -> int: ...

    def timeout_cost(self, workload: Workload) -> dict[str, Any]: ...


def _lookups_ms(answerer: Answerer, programmes: Sequence[str]) -> dict[str, Any]:
    times = []
    for iri in programmes:
        began = time.perf_counter()
        answerer.lookup(iri)
        times.append(time.perf_counter() - began)
    return summary_ms(times)


def latency_pass(answerer: Answerer, workload: Workload) -> dict[str, Any]:
    """Lookups one after another, then each query `runs` times one after another."""
    result = {"lookup": _lookups_ms(answerer, workload.programmes)}
    for name, texts in sorted(workload.queries.items()):
        times = []
        for i in range(workload.runs):
            began = time.perf_counter()
            answerer.query(name, texts[i % len(texts)])
            times.append(time.perf_counter() - began)
        result[name] = summary_ms(times)
    return result


def throughput(answerer: Answerer, workload: Workload, clients: int) -> dict[str, Any]:
    """`clients` threads run the heavy mix for `throughput_seconds`: queries per second."""
    mix = workload.mix()
    done = [0] * clients
    errors: list[str] = []
    deadline = time.perf_counter() + workload.throughput_seconds

    def client_thread(index: int) -> None:
        position = index * 3
        while time.perf_counter() < deadline:
            name, text = mix[position % len(mix)]
            position += 1
            try:
                answerer.query(name, text)
            except Exception as exc:  # noqa: BLE001 - counted and reported, not fatal
                errors.append(f"{name}: {type(exc).__name__}: {exc}")
                continue
            done[index] += 1

    began = time.perf_counter()
    threads = [threading.Thread(target=client_thread, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {
        "clients": clients,
        "queries": sum(done),
        "seconds": round(elapsed, 2),
        "qps": round(sum(done) / elapsed, 3),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:3],
    }


class InProcess:
    """Everything answered in this process, on the caller's thread."""

    def __init__(self, store: ox.Store):
        self.store = store

    def lookup(self, iri: str) -> int:
        return lookup(self.store, iri)

    def query(self, name: str, sparql: str) -> int:
        return execute(self.store, sparql)

    def timeout_cost(self, workload: Workload) -> dict[str, Any]:
        """A thread cannot be killed: give up on the runaway at the deadline, and see how long
        it goes on running and what the lookups cost meanwhile."""
        ended: list[float] = []

        def run() -> None:
            execute(self.store, workload.runaway)
            ended.append(time.perf_counter())

        began = time.perf_counter()
        cpu_before = time.process_time()
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(workload.timeout)
        deadline = time.perf_counter()
        during = _lookups_ms(self, workload.programmes) if thread.is_alive() else {"n": 0}
        thread.join()
        return {
            "how": "abandoned at the deadline; the thread runs to its end",
            "deadline_s": workload.timeout,
            "answer_after_s": round(deadline - began, 3),
            "runs_on_s": round(max(0.0, ended[0] - deadline), 3),
            "cpu_s": round(time.process_time() - cpu_before, 2),
            "lookups_meanwhile": during,
        }


# --- executor processes --------------------------------------------------------------------


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


# --- the runner: one layout in a fresh process tree ------------------------------------------


@dataclass
class Runner:
    layout: str
    data: Path
    store_dir: Path
    workload: Workload
    workers: int = 2
    executors: int = 2
    result: dict[str, Any] = field(default_factory=dict)
    named: dict[int, str] = field(default_factory=dict)  # roles that tree depth does not tell

    def checkpoint(self, name: str) -> None:
        """Tell the harness where we are and wait until it has measured the process tree."""
        sys.stdout.write(json.dumps({"checkpoint": name, "named": self.named}) + "\n")
        sys.stdout.flush()
        if sys.stdin.readline().strip() != "ok":
            raise SystemExit("the harness went away")

    def load(self) -> ox.Store:
        began = time.perf_counter()
        store = ox.Store()
        store.bulk_load(path=str(self.data), format=ox.RdfFormat.N_QUADS)
        self.result["load_seconds"] = round(time.perf_counter() - began, 2)
        self.result["quads"] = len(store)
        self.result["peak_rss_after_load_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return store

    def run(self) -> dict[str, Any]:
        getattr(self, "run_" + self.layout.replace("-", "_"))()
        return self.result

    def run_baseline(self) -> None:
        store = self.load()
        self.checkpoint("loaded")
        answerer = InProcess(store)
        self.result["latency"] = [latency_pass(answerer, self.workload) for _ in range(2)]
        self.checkpoint("after queries")

    def run_threads(self) -> None:
        store = self.load()
        self.checkpoint("loaded")
        answerer = InProcess(store)
        self.result["latency"] = [latency_pass(answerer, self.workload)]
        self.result["throughput"] = {
            str(n): throughput(answerer, self.workload, n) for n in (1, 2, 4)
        }
        self.checkpoint("after throughput")
        self.result["timeout"] = answerer.timeout_cost(self.workload)
        self.checkpoint("after timeout")

    def run_fork_read(self) -> None:
        store = self.load()
        everything = tuple(
            q.subject.value
            for q in store.quads_for_pattern(None, RDF_TYPE, PROGRAMME, None)
            if isinstance(q.subject, ox.NamedNode)
        )
        self.checkpoint("loaded")
        workload = self.workload

        def steps() -> list[tuple[str, Callable[[], object]]]:
            sample = workload.programmes
            listed = [(LISTING, t) for t in workload.queries.get(LISTING, ())]
            heavy = [(n, texts[0]) for n, texts in sorted(workload.queries.items()) if n != LISTING]
            return [
                (f"{len(sample)} lookups", lambda: [lookup(store, i) for i in sample]),
                (
                    f"the same {len(sample)} lookups again",
                    lambda: [lookup(store, i) for i in sample],
                ),
                *[
                    (f"{name} ({i + 1})", lambda t=text: execute(store, t))
                    for i, (name, text) in enumerate(listed)
                ],
                *[(name, lambda t=text: execute(store, t)) for name, text in heavy],
                *[(f"{name} again", lambda t=text: execute(store, t)) for name, text in heavy],
                (
                    f"every programme looked up ({len(everything)})",
                    lambda: [lookup(store, i) for i in everything],
                ),
                ("len(store)", lambda: len(store)),
            ]

        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                ours.close()
                _die_with_parent()
                conn = Connection(theirs.detach())
                rows = []
                for label, work in steps():
                    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                    began = time.perf_counter()
                    work()
                    elapsed = time.perf_counter() - began
                    rows.append(
                        {
                            "step": label,
                            "ms": round(elapsed * 1000, 1),
                            "page_faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt
                            - faults,
                            "private_dirty_kb": smaps_rollup().get("Private_Dirty", 0),
                        }
                    )
                conn.send(rows)
                conn.recv()  # hold the copy until the harness has measured it
            finally:
                os._exit(0)
        theirs.close()
        conn = Connection(ours.detach())
        self.result["child_steps"] = conn.recv()
        self.checkpoint("after child reads")
        conn.send("done")
        os.waitpid(pid, 0)

    def _pool_tree(self, open_master: Callable[[], ox.Store], on_disk: bool) -> None:
        """A master holding the store, `workers` forked workers, each with its executors;
        lookups in the workers, queries in the executors."""
        store = open_master()
        self.checkpoint("loaded")

        def setup() -> Answerer:
            if on_disk:
                mine = ox.Store.read_only(str(self.store_dir))
                return Pooled(mine, Pool(None, self.executors, self.store_dir))
            return Pooled(store, Pool(store, self.executors, None))

        began = time.perf_counter()
        workers = [Worker(setup, self.workload) for _ in range(self.workers)]
        for worker in workers:
            worker.receive()
        self.result["ready_seconds"] = round(time.perf_counter() - began, 2)
        self.checkpoint("warm")
        first, second = workers[0].call("latency"), workers[0].call("latency")
        for worker in workers[1:]:
            worker.call("latency")
        self.result["latency"] = [first, second]
        self.checkpoint("after queries")
        self._throughput(workers, max(1, self.executors))
        self.checkpoint("after throughput")
        self.result["timeout"] = workers[0].call("timeout")
        self.checkpoint("after timeout")
        for worker in workers:
            worker.stop()

    def run_fork_threads(self) -> None:
        """A master that loads and never reads, one query process forked from it that
        answers everything on threads, and web workers that only talk to it."""
        store = self.load()
        self.checkpoint("loaded")
        per_worker = max(1, self.executors)
        service = QueryService(store, per_worker * self.workers + 1)
        self.named[service.pid] = "query process"
        self.result["ready_seconds"] = round(service.ready_seconds, 2)
        mine, *theirs = service.connections
        workers = []
        for index in range(self.workers):
            conns = theirs[index * per_worker : (index + 1) * per_worker]
            workers.append(Worker(lambda c=conns: Remote(c), self.workload))
        for worker in workers:
            worker.receive()
        self.checkpoint("warm")
        first, second = workers[0].call("latency"), workers[0].call("latency")
        for worker in workers[1:]:
            worker.call("latency")
        self.result["latency"] = [first, second]
        self.checkpoint("after queries")
        self._throughput(workers, per_worker)
        self.checkpoint("after throughput")
        # The runaway: at the deadline the whole query process is killed (with whatever
        # else it was running) and a new one is forked from this process and warmed.
        began = time.perf_counter()
        mine.send(("query", self.workload.runaway))
        ended = mine.poll(self.workload.timeout)
        answered = time.perf_counter() - began
        service.kill()
        for worker in workers:
            worker.stop()
        if ended:
            self.result["timeout"] = {"how": "the runaway query ended before the deadline"}
        else:
            fresh = QueryService(store, 1)
            self.named[fresh.pid] = "query process"
            self.result["timeout"] = {
                "how": "the query process is killed with every request it runs; a new one "
                "is forked and warmed, and nothing is answered meanwhile",
                "deadline_s": self.workload.timeout,
                "answer_after_s": round(answered, 3),
                "replacement_ready_s": round(fresh.ready_seconds, 3),
            }
            self.checkpoint("after timeout")
            fresh.kill()

    def _throughput(self, workers: list[Worker], per_worker: int) -> None:
        for worker in workers:
            worker.send("throughput", per_worker)
        phases = [worker.receive() for worker in workers]
        self.result["throughput"] = {
            str(per_worker * len(workers)): {
                "clients": sum(p["clients"] for p in phases),
                "queries": sum(p["queries"] for p in phases),
                "seconds": max(p["seconds"] for p in phases),
                "qps": round(sum(p["qps"] for p in phases), 3),
                "errors": sum(p["errors"] for p in phases),
                "error_samples": [s for p in phases for s in p["error_samples"]][:3],
            }
        }

    def run_fork_pool(self) -> None:
        self._pool_tree(self.load, on_disk=False)

    def run_disk_pool(self) -> None:
        def open_master() -> ox.Store:
            began = time.perf_counter()
            store = ox.Store.read_only(str(self.store_dir))
            self.result["load_seconds"] = round(time.perf_counter() - began, 3)
            return store

        self._pool_tree(open_master, on_disk=True)

    def run_alternating(self) -> None:
        """The in-memory and the on-disk store in one process, each request sent to both in
        turn (which one goes first alternates), so that the machine's other load weighs on
        both alike: the price of the disk, query by query."""
        disk = ox.Store.read_only(str(self.store_dir))
        store = self.load()
        self.checkpoint("loaded")
        stores = {"memory": store, "disk": disk}
        times: dict[str, dict[str, list[float]]] = {"memory": {}, "disk": {}}

        def both(name: str, work: Callable[[ox.Store], object], turn: int) -> None:
            order = ("memory", "disk") if turn % 2 == 0 else ("disk", "memory")
            for which in order:
                began = time.perf_counter()
                work(stores[which])
                times[which].setdefault(name, []).append(time.perf_counter() - began)

        workload = self.workload
        for turn, iri in enumerate(workload.programmes):
            both("lookup", lambda s, i=iri: lookup(s, i), turn)
        for name, texts in sorted(workload.queries.items()):
            for turn in range(max(workload.runs, min(2 * len(texts), 20))):
                text = texts[turn % len(texts)]
                both(name, lambda s, t=text: execute(s, t), turn)
        self.result["alternating"] = {
            which: {name: summary_ms(series) for name, series in by_name.items()}
            for which, by_name in times.items()
        }
        self.checkpoint("after queries")

    def run_hybrid(self) -> None:
        began = time.perf_counter()
        pool = Pool(None, self.executors, self.store_dir)  # forked before the store is loaded
        self.result["ready_seconds"] = round(time.perf_counter() - began, 2)
        store = self.load()
        answerer = Pooled(store, pool, LOCAL_QUERIES)
        self.checkpoint("warm")
        self.result["latency"] = [latency_pass(answerer, self.workload) for _ in range(2)]
        self.checkpoint("after queries")
        self.result["throughput"] = {str(n): throughput(answerer, self.workload, n) for n in (2, 4)}
        self.checkpoint("after throughput")
        self.result["timeout"] = answerer.timeout_cost(self.workload)
        self.checkpoint("after timeout")
        pool.close()


def _workload(spec: dict[str, Any]) -> Workload:
    return Workload(
        programmes=tuple(spec["programmes"]),
        queries={k: tuple(v) for k, v in spec["queries"].items()},
        runs=spec["runs"],
        throughput_seconds=spec["throughput_seconds"],
        runaway=spec["runaway"],
        timeout=spec["timeout"],
    )


def runner_main(spec_path: Path) -> int:
    spec = json.loads(spec_path.read_text())
    workload = _workload(spec)
    runner = Runner(
        layout=spec["layout"],
        data=Path(spec["data"]),
        store_dir=Path(spec["store_dir"]),
        workload=workload,
        workers=spec["workers"],
        executors=spec["executors"],
    )
    result = runner.run()
    result["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.stdout.write(json.dumps({"result": result}) + "\n")
    sys.stdout.flush()
    return 0


# --- the harness -------------------------------------------------------------------------------


@dataclass
class Config:
    sizes: list[int]
    layouts: list[str]
    runs: int = 5
    lookups: int = 200
    throughput_seconds: float = 30.0
    max_gb: float = 14.0
    interval: float = 1.0
    seed: int = 1
    workers: int = 2
    executors: int = 2
    out: Path = RESULTS_DIR
    work: Path = WORK_DIR
    quick: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(self).items()}


def disk_store(nquads: Path, work: Path) -> tuple[Path, dict[str, Any]]:
    """The on-disk store of a data file, built once as a build publishes one (bulk load,
    optimize); its build time and size are kept beside it."""
    directory = work / "stores" / (nquads.stem + ".store")
    meta = directory.with_suffix(".json")
    if directory.exists() and meta.exists():
        return directory, json.loads(meta.read_text())
    if directory.exists():
        subprocess.run(["rm", "-rf", str(directory)], check=True)
    directory.parent.mkdir(parents=True, exist_ok=True)
    _log(f"building the on-disk store {directory}")
    began = time.perf_counter()
    # In a child process, so that the bulk loader's memory is not this harness's.
    code = (
        "import sys, pyoxigraph as ox\n"
        "s = ox.Store(sys.argv[2])\n"
        "s.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_QUADS)\n"
        "s.optimize(); s.flush()\n"
    )
    subprocess.run([sys.executable, "-c", code, str(nquads), str(directory)], check=True)
    size = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())
    info = {"build_seconds": round(time.perf_counter() - began, 1), "bytes": size}
    meta.write_text(json.dumps(info))
    return directory, info


def workload_spec(
    summary: dict[str, Any], programmes: int, config: Config, quads: int
) -> dict[str, Any]:
    values = parameters(summary, programmes, config.seed)
    queries = {q.name: list(q.instances(values)) for q in load_queries() if q.heavy}
    sample = list(values["programme"])
    random.Random(config.seed).shuffle(sample)
    return {
        "programmes": sample[: config.lookups],
        "queries": queries,
        "runs": config.runs,
        "throughput_seconds": config.throughput_seconds,
        "runaway": QUICK_RUNAWAY if config.quick else runaway_query(programmes),
        "timeout": 0.001 if config.quick else 1.0,
        "quads": quads,
    }


def run_layout(
    layout: str, spec: dict[str, Any], store_dir: Path, config: Config
) -> dict[str, Any]:
    """One layout in a fresh process tree (its own session), measured at each checkpoint."""
    spec_path = config.work / f"memory-{layout}.json"
    spec_path.write_text(json.dumps({**spec, "layout": layout}))
    checkpoints: dict[str, Any] = {}
    result: dict[str, Any] = {}
    began = time.perf_counter()
    with subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "bench.memory", "--runner", str(spec_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=Path(__file__).resolve().parent.parent,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        try:
            with Sampler(process.pid, config.interval) as sampler:
                for line in process.stdout:
                    message = json.loads(line)
                    if "checkpoint" in message:
                        name = message["checkpoint"]
                        named = {int(k): v for k, v in message.get("named", {}).items()}
                        shot = snapshot(process.pid, ROLES[layout], named)
                        shot["store_page_cache_kb"] = page_cache_kb(store_dir)
                        shot["seconds"] = round(time.perf_counter() - began, 1)
                        checkpoints[name] = shot
                        sampler.sample()
                        _log(
                            f"  {layout} {name}: PSS {shot['pss_kb'] / 1048576:.2f} GB over "
                            f"{len(shot['processes'])} processes"
                        )
                        process.stdin.write("ok\n")
                        process.stdin.flush()
                    elif "result" in message:
                        result = message["result"]
            process.wait()
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            _kill_session(process.pid)
    if process.returncode != 0 or not result:
        raise RuntimeError(f"the {layout} runner failed with exit status {process.returncode}")
    result["checkpoints"] = checkpoints
    result["peak_pss_kb"] = sampler.peak_pss_kb
    result["peak_sum_rss_kb"] = sampler.peak_rss_kb
    result["samples"] = sampler.samples
    return result


def _kill_session(session: int) -> None:
    """Whatever is left of a runner's process tree (its session) is killed."""
    for pid in session_processes(session):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run_server(data: Path, spec: dict[str, Any], config: Config) -> dict[str, Any]:
    """The real server (`prospectus serve --data`, today's layout) under the same mix, over
    HTTP: its memory after warm-up, after the queries and after a throughput phase."""
    from .peers import Prospectus

    roles = ROLES["server"]
    server = Prospectus(data=data, work=config.work / "servers" / "memory", workers=config.workers)
    checkpoints: dict[str, Any] = {}
    result: dict[str, Any] = {}
    with server:
        assert server._process is not None
        session = server._process.pid
        with Sampler(session, config.interval) as sampler:

            def checkpoint(name: str) -> None:
                checkpoints[name] = snapshot(session, roles)
                sampler.sample()
                _log(f"  server {name}: PSS {checkpoints[name]['pss_kb'] / 1048576:.2f} GB")

            result["startup_seconds"] = round(server.startup_seconds, 1)
            checkpoint("warm")
            lookup_text = next(q for q in load_queries() if q.name == "lookup")
            lookups = [lookup_text.text.replace("{{programme}}", p) for p in spec["programmes"]]
            latency: dict[str, Any] = {}
            stats, _ = client.measure_latency(
                server.endpoint, lookups, requests=len(lookups), budget=600, timeout=120
            )
            latency["lookup"] = client.as_dict(stats)
            for name, texts in sorted(spec["queries"].items()):
                stats, _ = client.measure_latency(
                    server.endpoint, texts, requests=config.runs, budget=600, timeout=120
                )
                latency[name] = client.as_dict(stats)
            result["latency_http"] = latency
            checkpoint("after queries")
            mix = [text for _name, text in _workload(spec).mix()]
            stats, errors = client.measure_throughput(
                server.endpoint,
                mix,
                requests=10_000,
                concurrency=config.workers * config.executors,
                budget=config.throughput_seconds,
                timeout=120,
            )
            result["throughput_http"] = {**client.as_dict(stats), "errors": len(errors)}
            checkpoint("after throughput")
    result["checkpoints"] = checkpoints
    result["peak_pss_kb"] = sampler.peak_pss_kb
    result["peak_sum_rss_kb"] = sampler.peak_rss_kb
    return result


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # so that every runner's session is killed on the way out


def run(config: Config) -> Path:
    signal.signal(signal.SIGTERM, _terminated)
    began = datetime.now(UTC)
    results: dict[str, Any] = {
        "date": began.isoformat(timespec="seconds"),
        "machine": report.machine(),
        "config": config.as_dict(),
        "sizes": [],
    }
    config.out.mkdir(parents=True, exist_ok=True)
    config.work.mkdir(parents=True, exist_ok=True)
    stamp = began.strftime("%Y-%m-%dT%H%M%S") + ("-quick" if config.quick else "")
    json_path = config.out / f"memory-{stamp}.json"
    for size in config.sizes:
        data, summary = dataset(size, config.seed, config.work)
        store_dir, store_info = disk_store(data, config.work)
        spec = workload_spec(summary, size, config, summary["quads"])
        spec.update(
            data=str(data.resolve()),
            store_dir=str(store_dir.resolve()),
            workers=config.workers,
            executors=config.executors,
        )
        entry: dict[str, Any] = {
            "programmes": size,
            "quads": summary["quads"],
            "nquads_bytes": data.stat().st_size,
            "disk_store": store_info,
            "layouts": {},
        }
        results["sizes"].append(entry)
        for layout in config.layouts:
            estimate_gb = summary["quads"] * BYTES_PER_QUAD * FACTOR[layout] / 1e9
            if estimate_gb > config.max_gb:
                _log(f"{size}: {layout} skipped (needs about {estimate_gb:.0f} GB)")
                entry["layouts"][layout] = {"skipped": f"needs about {estimate_gb:.0f} GB"}
                continue
            _log(f"{size} programmes: {layout} (load average {os.getloadavg()[0]:.2f})")
            load_before = [round(x, 2) for x in os.getloadavg()]
            try:
                if layout == "server":
                    measured = run_server(data, spec, config)
                else:
                    measured = run_layout(layout, spec, store_dir, config)
            except (RuntimeError, OSError) as exc:
                _log(f"{size}: {layout} failed: {exc}")
                measured = {"error": str(exc)}
            measured["load_average_before"] = load_before
            measured["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
            entry["layouts"][layout] = measured
            _write(results, json_path)
        _write(results, json_path)
    _log(f"results: {json_path} and {json_path.with_suffix('.md')}")
    return json_path


def _write(results: dict[str, Any], json_path: Path) -> None:
    from .memory_report import markdown

    json_path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    json_path.with_suffix(".md").write_text(markdown(results), encoding="utf-8")


def _ints(text: str) -> list[int]:
    return [int(float(v)) for v in text.split(",") if v.strip()]


def parse_args(argv: Sequence[str] | None = None) -> Config | Path:
    parser = argparse.ArgumentParser(
        prog="python -m bench.memory",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", help="programme counts (default 10000,50000,100000)")
    parser.add_argument("--layouts", default=",".join(LAYOUTS), help="comma list (default: all)")
    parser.add_argument("--runs", type=int, default=5, help="runs per query (default 5)")
    parser.add_argument("--lookups", type=int, default=200, help="programmes looked up")
    parser.add_argument(
        "--throughput-seconds", type=float, default=30.0, help="length of a throughput phase"
    )
    parser.add_argument(
        "--max-gb",
        type=float,
        default=14.0,
        help="skip a layout whose estimated memory is larger (default %(default)s)",
    )
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between samples")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--executors", type=int, default=2, help="query processes per worker")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--work", type=Path, default=WORK_DIR)
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run of the harness")
    parser.add_argument("--runner", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runner:
        return Path(args.runner)
    layouts = [v.strip() for v in args.layouts.split(",") if v.strip()]
    unknown = sorted(set(layouts) - set(LAYOUTS))
    if unknown:
        parser.error(f"unknown layout(s) {', '.join(unknown)}; expected {', '.join(LAYOUTS)}")
    quick = args.quick
    return Config(
        sizes=_ints(args.sizes or ("50" if quick else "10000,50000,100000")),
        layouts=layouts,
        runs=args.runs,
        lookups=min(args.lookups, 20) if quick else args.lookups,
        throughput_seconds=1.0 if quick else args.throughput_seconds,
        max_gb=args.max_gb,
        interval=0.2 if quick else args.interval,
        seed=args.seed,
        workers=args.workers,
        executors=args.executors,
        out=args.out,
        work=args.work,
        quick=quick,
    )


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    if isinstance(config, Path):
        return runner_main(config)
    run(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
