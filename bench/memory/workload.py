"""The work every layout does: lookups, the heavy queries, a throughput phase and a runaway,
and the in-process answerer."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pyoxigraph as ox

# --- the work every layout does ------------------------------------------------------------
from .measure import LIST_POSITION, summary_ms


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
