"""The runner: one layout in a fresh process tree, reporting at checkpoints."""

from __future__ import annotations

import json
import os
import resource
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

# --- the runner: one layout in a fresh process tree ------------------------------------------
from .measure import LISTING, LOCAL_QUERIES, PROGRAMME, RDF_TYPE, smaps_rollup, summary_ms
from .processes import Pool, Pooled, QueryService, Remote, Worker, _die_with_parent
from .workload import Answerer, InProcess, Workload, execute, latency_pass, lookup, throughput


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
