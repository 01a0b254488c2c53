"""`python -m bench.soak` (`make soak`): the server under a long, realistic load with hostile
queries mixed in (issue 11). Not part of `make test`.

The bundled graph is built into bench/work/soak/ and served by `prospectus serve` with the
default settings (2 workers x 4 threads, 2 query processes each, 10 s timeout). Then, for
`--duration` seconds (10 minutes by default):

* `--clients` clients (8) send, one request after another, a realistic mix: SPARQL lookups of
  one programme, keyset listings, ASKs, the query page's example queries, programme and
  organisation pages, the catalogue, HEAD of the dumps;
* every `--hostile-every` seconds (5) one more client sends a runaway (an aggregate over a
  three-way cross product: stopped at query_timeout or at query_memory_limit, 503), and one
  sends a query that used to crash a query process, in turn: ORDER BY over mixed literals
  (now 200) and 3,000 nested groups (now 400).

Every answer is classified: **ok** (what the request asks for), **intended** (the hostile
queries' documented answers), **shed** (a documented 503 for an ordinary heavy query while
runaways hold the heavy lane: Busy, or no query process free in time) and **error**
(anything else: the goal is none). Latency p50/p99 per kind; the memory of the whole server
(PSS of every process under `prospectus serve`, from /proc/*/smaps_rollup) at start, after
warm-up and at the end, sampled every 10 s between. Results go to bench/results/soak-<date>
.json and .md with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from . import processes, report
from .client import percentile
from .peers import free_port

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
WORK_DIR = BENCH_DIR / "work" / "soak"
PROSPECTUS = str(Path(sys.executable).with_name("prospectus"))
PRO = "https://w3id.org/prospectus/ontology#"
DOCUMENTED_503 = {"Query timed out", "Query memory limit", "Busy"}
SAMPLE_SECONDS = 5

RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) (GROUP_CONCAT(STR(?c); separator='') AS ?g) "
    "WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
)
MIXED_ORDER = "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"
DEEP = "SELECT * WHERE " + "{" * 3000 + " ?s ?p ?o " + "}" * 3000


def serve_published(
    work: Path, settings: dict[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """Build the bundled graph into `work`/var and serve it on 127.0.0.1; returns the
    `prospectus serve` process (its own session), its URL and its log."""
    work.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROSPECTUS_")}
    env["PROSPECTUS_DATA_DIR"] = str((work / "var").resolve())
    subprocess.run([PROSPECTUS, "build"], env=env, cwd=ROOT, check=True, capture_output=True)
    for name, value in (settings or {}).items():
        env["PROSPECTUS_" + name.upper()] = value
    port = free_port()
    log = work / f"server-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [PROSPECTUS, "serve", "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=work,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{log.read_text()[-2000:]}")
        try:
            if requests.get(url + "/sparql", params={"query": "ASK {}"}, timeout=10).ok:
                return process, url, log
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the server did not answer within 300 s:\n{log.read_text()}")
        time.sleep(0.2)


def wait_for_executors(url: str, pid: int, timeout: float = 120.0) -> dict[str, list[int]]:
    """The server's process tree once every worker has all its query processes warm (none
    running or starting), for comparing before and after a run."""
    deadline = time.monotonic() + timeout
    while True:
        counts = requests.get(url + "/sparql/stats", timeout=30).json()["stats"]
        found = processes.tree(pid)
        idle = not any(counts[k] for k in ("running_cheap", "running_heavy", "waiting_heavy"))
        if idle and len(found["executors"]) == 2 * len(found["workers"]):
            return found
        if time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def server_pss_mb(pid: int) -> float:
    return sum(processes.pss_kb(p) for p in processes.everything(pid)) / 1024


@dataclass
class Targets:
    """What the mix asks for, read from the served graph once."""

    programmes: list[str]
    pages: list[str]
    dumps: list[str]
    positions: int
    examples: list[str]


def discover(url: str) -> Targets:
    from server.views.sparql import EXAMPLES

    def select(query: str) -> list[dict[str, Any]]:
        response = requests.post(
            url + "/sparql",
            data={"query": query},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()["results"]["bindings"]

    programmes = [
        row["p"]["value"] for row in select(f"SELECT ?p {{ ?p a <{PRO}StudyProgramme> }}")
    ]
    resources = [
        row["s"]["value"]
        for row in select(
            "SELECT DISTINCT ?s { ?s ?p ?o "
            'FILTER(STRSTARTS(STR(?s), "https://w3id.org/prospectus/id/")) } LIMIT 300'
        )
    ]
    pages = [url + "/doc/" + iri.split("/id/", 1)[1] for iri in programmes + resources]
    sums = requests.get(url + "/dumps/latest/SHA256SUMS", timeout=30)
    dumps = [
        url + "/dumps/latest/" + line.split()[-1].lstrip("*")
        for line in sums.text.splitlines()
        if line.strip()
    ]
    return Targets(programmes, pages, dumps, len(programmes), [e.query for e in EXAMPLES])


@dataclass
class Record:
    kind: str
    outcome: str  # ok, intended, shed, error
    seconds: float
    detail: str = ""


@dataclass
class Tally:
    records: list[Record] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, record: Record) -> None:
        with self.lock:
            self.records.append(record)


def _title(response: requests.Response) -> str:
    """The title of an error answer: JSON, or the first line of the text form ("503 Busy")."""
    try:
        return str(response.json().get("title", ""))
    except ValueError:
        first = response.text.split("\n", 1)[0]
        return first.split(" ", 1)[1] if " " in first else ""


def _classify(kind: str, response: requests.Response, heavy: bool) -> tuple[str, str]:
    status = response.status_code
    if kind == "runaway":
        return ("intended", "") if status == 503 else ("error", f"{status}")
    if kind == "order-by-mixed" and status == 200:
        return "intended", ""
    if kind == "deep-nesting":
        return ("intended", "") if status == 400 else ("error", f"{status} {_title(response)}")
    if status < 400 and kind != "order-by-mixed":
        return "ok", ""
    if status == 503 and heavy and _title(response) in DOCUMENTED_503:
        return "shed", _title(response)
    return "error", f"{status} {_title(response)} {response.text[:160]!r}"


def ordinary(
    session: requests.Session, url: str, targets: Targets, rng: random.Random
) -> tuple[str, requests.Response, bool]:
    """One request of the realistic mix: (kind, response, whether the lanes call it heavy)."""
    kind = rng.choices(
        ("lookup", "listing", "ask", "example", "page", "catalogue", "dump-head"),
        weights=(30, 12, 10, 8, 28, 5, 7),
    )[0]

    def sparql(query: str) -> requests.Response:
        return session.post(
            url + "/sparql",
            data={"query": query},
            headers={"Accept": "application/sparql-results+json"},
            timeout=60,
        )

    if kind == "lookup":
        return (
            kind,
            sparql(f"SELECT ?p ?o WHERE {{ <{rng.choice(targets.programmes)}> ?p ?o }}"),
            False,
        )
    if kind == "listing":
        start = rng.randrange(0, max(1, targets.positions))
        query = (
            f"PREFIX pro: <{PRO}> PREFIX dct: <http://purl.org/dc/terms/>\n"
            "SELECT ?programme ?title WHERE { ?programme pro:listPosition ?pos ; dct:title ?title "
            f"FILTER(?pos > {start} && ?pos <= {start + 10}) }} ORDER BY ?pos"
        )
        return kind, sparql(query), True
    if kind == "ask":
        iri = rng.choice(targets.programmes)
        return kind, sparql(f"ASK {{ <{iri}> a <{PRO}StudyProgramme> }}"), False
    if kind == "example":
        return kind, sparql(rng.choice(targets.examples)), True
    html = {"Accept": "text/html"}
    if kind == "page":
        return kind, session.get(rng.choice(targets.pages), headers=html, timeout=60), False
    if kind == "catalogue":
        return kind, session.get(url + "/", headers=html, timeout=60), False
    return kind, session.head(rng.choice(targets.dumps), timeout=60), False


def client(url: str, targets: Targets, tally: Tally, stop: threading.Event, seed: int) -> None:
    rng = random.Random(seed)
    with requests.Session() as session:
        while not stop.is_set():
            started = time.monotonic()
            try:
                kind, response, heavy = ordinary(session, url, targets, rng)
                outcome, detail = _classify(kind, response, heavy)
            except requests.RequestException as exc:
                kind, outcome, detail = "connection", "error", repr(exc)
            tally.add(Record(kind, outcome, time.monotonic() - started, detail))


def hostile(url: str, kind: str, query: str, tally: Tally) -> None:
    started = time.monotonic()
    try:
        response = requests.post(
            url + "/sparql",
            data=query.encode(),
            headers={"Content-Type": "application/sparql-query", "Accept": "application/json"},
            timeout=120,
        )
        outcome, detail = _classify(kind, response, True)
    except requests.RequestException as exc:
        outcome, detail = "error", repr(exc)
    tally.add(Record(kind, outcome, time.monotonic() - started, detail))


def soak(url: str, pid: int, duration: float, clients: int, every: float, warmup: float) -> dict:
    targets = discover(url)
    tally = Tally()
    stop = threading.Event()
    memory: list[tuple[float, float]] = [(0.0, server_pss_mb(pid))]
    threads = [
        threading.Thread(target=client, args=(url, targets, tally, stop, n)) for n in range(clients)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    hostile_threads: list[threading.Thread] = []
    next_hostile, next_sample, crashing = began + every, began + SAMPLE_SECONDS, 0
    while (now := time.monotonic()) < began + duration:
        if now >= next_hostile:
            crash = (("order-by-mixed", MIXED_ORDER), ("deep-nesting", DEEP))[crashing % 2]
            crashing += 1
            for kind, query in (("runaway", RUNAWAY), crash):
                thread = threading.Thread(target=hostile, args=(url, kind, query, tally))
                thread.start()
                hostile_threads.append(thread)
            next_hostile += every
        if now >= next_sample:
            memory.append((round(now - began, 1), server_pss_mb(pid)))
            next_sample += SAMPLE_SECONDS
        time.sleep(0.05)
    stop.set()
    for thread in threads + hostile_threads:
        thread.join()
    memory.append((round(time.monotonic() - began, 1), server_pss_mb(pid)))
    return summarise(tally.records, memory, duration, warmup)


def summarise(
    records: Sequence[Record], memory: list[tuple[float, float]], duration: float, warmup: float
) -> dict[str, Any]:
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_kind[record.kind].append(record)
    kinds = {}
    for kind, items in sorted(by_kind.items()):
        seconds = [r.seconds for r in items]
        outcomes: dict[str, int] = defaultdict(int)
        for r in items:
            outcomes[r.outcome] += 1
        kinds[kind] = {
            "requests": len(items),
            "outcomes": dict(outcomes),
            "p50_ms": round(percentile(seconds, 50) * 1000, 1),
            "p99_ms": round(percentile(seconds, 99) * 1000, 1),
            "max_ms": round(max(seconds) * 1000, 1),
        }
    errors = [f"{r.kind}: {r.detail}" for r in records if r.outcome == "error"]
    settled = [mb for t, mb in memory[:-1] if warmup <= t < warmup + 60]
    floors: dict[int, float] = {}  # the lowest sample of each minute: no runaway inflating it
    for t, mb in memory[:-1]:
        minute = int(t // 60)
        floors[minute] = min(floors.get(minute, mb), mb)
    return {
        "requests": len(records),
        "rate_per_s": round(len(records) / duration, 1),
        "errors": len(errors),
        "error_samples": errors[:20],
        "kinds": kinds,
        "memory_mb": {
            "start": round(memory[0][1], 1),
            "after_warmup": round(min(settled or [memory[-1][1]]), 1),
            "end": round(memory[-1][1], 1),
            "floor_per_minute": [round(floors[m], 1) for m in sorted(floors)],
            "peak": round(max(mb for _t, mb in memory), 1),
            "samples": [(t, round(mb, 1)) for t, mb in memory],
        },
    }


def markdown(results: dict[str, Any]) -> str:
    machine, run = results["machine"], results["run"]
    memory = run["memory_mb"]
    lines = [
        f"# Soak run of {results['date']}",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB, "
        f"{machine['os']}, Python {machine['python']}, pyoxigraph "
        f"{machine['packages'].get('pyoxigraph')}, load average before {results['load_before']}.",
        f"Server: `prospectus serve` on the bundled build, default settings. "
        f"{results['clients']} clients for {results['duration_s']:.0f} s; a runaway and a "
        f"formerly crashing query every {results['hostile_every_s']:g} s.",
        "",
        f"**{run['requests']} requests ({run['rate_per_s']}/s); errors other than the "
        f"intended answers: {run['errors']}.**",
        "",
        "| kind | requests | ok | intended | shed (503) | errors | p50 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, entry in run["kinds"].items():
        o = entry["outcomes"]
        lines.append(
            f"| {kind} | {entry['requests']} | {o.get('ok', 0)} | {o.get('intended', 0)} | "
            f"{o.get('shed', 0)} | {o.get('error', 0)} | {entry['p50_ms']} | "
            f"{entry['p99_ms']} | {entry['max_ms']} |"
        )
    lines += [
        "",
        f"Server memory (PSS of all its processes): {memory['start']} MB at start, "
        f"{memory['after_warmup']} MB after warm-up (the lowest sample of the minute after "
        f"{results['warmup_s']:.0f} s), {memory['end']} MB at the end, once the load stopped; "
        f"{memory['peak']} MB at the highest sample, while runaways grew their query "
        "processes (each capped by query_memory_limit).",
        "",
        "Lowest sample of each minute (MB): "
        + ", ".join(str(mb) for mb in memory["floor_per_minute"]),
        "",
        f"Samples every {SAMPLE_SECONDS} s (s: MB): "
        + ", ".join(f"{t:g}: {mb}" for t, mb in memory["samples"]),
        "",
        "Server processes: "
        + ("; ".join(results["server_problems"]) or "the same workers and zygotes, all alive")
        + f". Counts at the end (/sparql/stats): {results['stats']}",
        "",
    ]
    if run["error_samples"]:
        lines += ["Errors (first 20):", *(f"- {e}" for e in run["error_samples"]), ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--duration", type=float, default=600, help="seconds (600)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--hostile-every", type=float, default=5, help="seconds (5)")
    parser.add_argument("--warmup", type=float, default=60, help="seconds (60)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--work", type=Path, default=WORK_DIR)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    process, url, log = serve_published(args.work)
    try:
        before = wait_for_executors(url, process.pid)
        run = soak(url, process.pid, args.duration, args.clients, args.hostile_every, args.warmup)
        stats = requests.get(url + "/sparql/stats", timeout=30).json()["stats"]
        problems = processes.intact(before, wait_for_executors(url, process.pid))
    finally:
        process.terminate()
        process.wait(timeout=60)
    stamp = datetime.now(UTC)
    results = {
        "kind": "soak",
        "date": stamp.isoformat(timespec="seconds"),
        "machine": report.machine(),
        "load_before": round(load_before, 2),
        "duration_s": args.duration,
        "clients": args.clients,
        "hostile_every_s": args.hostile_every,
        "warmup_s": args.warmup,
        "run": run,
        "stats": {k: v for k, v in stats.items() if v},
        "server_problems": problems,
        "log": str(log),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"soak-{stamp.strftime('%Y-%m-%dT%H%M%S')}"
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (args.out / f"{name}.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return 0 if run["errors"] == 0 and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
