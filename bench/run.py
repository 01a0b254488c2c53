"""`python -m bench.run` (`make bench`): the HTTP benchmark of issue #3.

For each size it generates (or reuses) a synthetic graph with graph/synthetic/, starts our
production server on it (with its SPARQL result cache off, the headline; then again with the
cache on, the `prospectus-cached` row, unless --no-cached), and, at the peer sizes,
rdflib-endpoint and Virtuoso on the same file, one server at a time. Each query of the mix
(bench/queries/*.rq) is measured per server: latency from requests one after another
(median, p99), throughput from `--concurrency` keep-alive clients. Results go to
bench/results/ as JSON plus a Markdown summary.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph import paths
from graph.synthetic.generate import generate

from . import client, report
from .peers import PEERS, PeerError, Prospectus, Server

BENCH_DIR = Path(__file__).resolve().parent
QUERIES_DIR = BENCH_DIR / "queries"
RESULTS_DIR = BENCH_DIR / "results"
WORK_DIR = BENCH_DIR / "work"
COUNTRY_BASE = "http://publications.europa.eu/resource/authority/country/"
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


@dataclass(frozen=True)
class Query:
    """One query of the mix: a .rq file whose `{{name}}` placeholders take parameters."""

    name: str
    text: str
    heavy: bool
    summary: str

    @property
    def params(self) -> list[str]:
        return sorted(set(_PLACEHOLDER.findall(self.text)))

    def instances(self, values: dict[str, list[str]]) -> list[str]:
        if not self.params:
            return [self.text]
        if len(self.params) > 1:
            raise ValueError(f"{self.name}: one parameter per query, found {self.params}")
        return [self.text.replace("{{" + self.params[0] + "}}", v) for v in values[self.params[0]]]


def load_queries(directory: Path = QUERIES_DIR, only: Sequence[str] = ()) -> list[Query]:
    queries = []
    for path in sorted(directory.glob("*.rq")):
        if only and path.stem not in only:
            continue
        text = path.read_text(encoding="utf-8")
        header = [line[1:].strip() for line in text.splitlines() if line.startswith("#")]
        heavy = "class: heavy" in header
        summary = " ".join(h for h in header if not re.match(r"(class|params):", h))
        queries.append(Query(path.stem, text, heavy, summary))
    if not queries:
        raise SystemExit(f"no queries found in {directory} (filter: {', '.join(only) or 'none'})")
    return queries


def parameters(summary: dict[str, Any], programmes: int, seed: int) -> dict[str, list[str]]:
    """Deterministic values for the placeholders, drawn from what the generator wrote."""
    rng = random.Random(seed)
    sample = list(summary["sample_programmes"])
    rng.shuffle(sample)
    countries = [COUNTRY_BASE + c for c in summary["countries"]]
    rng.shuffle(countries)
    offsets = sorted({max(0, int(programmes * f) // 50 * 50) for f in (0.5, 0.6, 0.7, 0.8, 0.9)})
    return {
        "programme": sample,
        "country": countries,
        "word": list(summary["title_words"]),
        "offset": [str(o) for o in offsets],
    }


def _stamp() -> str:
    """Changes whenever the generator, the ontology or the vocabularies change."""
    digest = hashlib.sha256()
    files = [
        *sorted((Path(__file__).resolve().parent.parent / "graph" / "synthetic").glob("*.py")),
        paths.ONTOLOGY_FILE,
        *sorted(paths.VOCAB_DIR.glob("*.ttl")),
    ]
    for path in files:
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def dataset(programmes: int, seed: int, work: Path) -> tuple[Path, dict[str, Any]]:
    """The synthetic graph of this size, generated once per generator version."""
    directory = work / "data"
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"synthetic-{programmes}-seed{seed}"
    path = directory / f"{stem}-{_stamp()}.nq"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path, json.loads(meta.read_text())
    for old in directory.glob(f"{stem}-*"):
        old.unlink()
    _log(f"generating {programmes} programmes -> {path}")
    began = time.perf_counter()
    summary = generate(path, programmes, seed=seed).as_dict()
    summary["generate_seconds"] = round(time.perf_counter() - began, 2)
    meta.write_text(json.dumps(summary, indent=1))
    return path, summary


@dataclass
class Config:
    sizes: list[int]
    peer_sizes: list[int]
    peers: list[str]
    requests: int = 100
    concurrency: int = 4
    budget: float = 15.0
    timeout: float = 120.0
    seed: int = 1
    workers: int | None = None
    threads: int | None = None
    out: Path = RESULTS_DIR
    work: Path = WORK_DIR
    quick: bool = False
    only: list[str] = field(default_factory=list)
    cached: bool = True
    cache_bytes: int = 64 * 1024 * 1024

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(self).items()}


def _log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def bench_server(
    server: Server, queries: list[Query], values: dict[str, list[str]], config: Config
) -> dict[str, Any]:
    """Every query of the mix against one running server."""
    result: dict[str, Any] = {
        "endpoint": server.endpoint,
        "startup_seconds": round(server.startup_seconds, 2),
        "load_seconds": (
            round(server.load_seconds, 2) if server.load_seconds is not None else None
        ),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "queries": {},
    }
    for query in queries:
        instances = query.instances(values)
        conn = client.Connection(server.endpoint, config.timeout)
        first = conn.get(instances[0])  # warm-up, and the row count compared across servers
        began = time.perf_counter()
        for text in instances[1:3]:
            if time.perf_counter() - began > config.budget / 3:
                break
            conn.get(text)
        conn.close()
        latency, lat_errors = client.measure_latency(
            server.endpoint,
            instances,
            requests=config.requests,
            budget=config.budget,
            timeout=config.timeout,
        )
        # A query slower than the budget gets fewer clients: queued behind each other they
        # would only time out, which measures the client's patience, not the server.
        median_s = latency.median_ms / 1000 if latency.median_ms == latency.median_ms else 0
        concurrency = max(
            1,
            min(
                config.concurrency,
                int(config.budget / median_s) if median_s > 0 else config.concurrency,
            ),
        )
        throughput, thr_errors = client.measure_throughput(
            server.endpoint,
            instances,
            requests=max(config.requests, 20 * config.concurrency),
            concurrency=concurrency,
            budget=config.budget,
            timeout=config.timeout,
        )
        errors = (
            []
            if first.status == 200
            else [first.error or f"HTTP {first.status}: {first.body[:200]!r}"]
        )
        errors += lat_errors + thr_errors
        result["queries"][query.name] = {
            "heavy": query.heavy,
            "rows": client.row_count(first.body) if first.status == 200 else None,
            "latency": client.as_dict(latency),
            "throughput": client.as_dict(throughput),
            "errors": len(errors),
            "error_samples": sorted(set(errors))[:3],
        }
        _log(
            f"  {server.name:16} {query.name:24} median {latency.median_ms:9.2f} ms  "
            f"p99 {latency.p99_ms:9.2f} ms  {throughput.rps:8.1f} req/s"
            + (f"  {len(errors)} errors" if errors else "")
        )
    result["mix_rps"] = report.mix_rps(result["queries"])
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return result


def run(config: Config) -> Path:
    queries = load_queries(only=config.only)
    began = datetime.now(UTC)
    results: dict[str, Any] = {
        "date": began.isoformat(timespec="seconds"),
        "machine": report.machine(),
        "config": config.as_dict(),
        "queries": {q.name: {"heavy": q.heavy, "summary": q.summary} for q in queries},
        "sizes": [],
    }
    config.out.mkdir(parents=True, exist_ok=True)
    name = began.strftime("%Y-%m-%dT%H%M%S") + ("-quick" if config.quick else "")
    json_path = config.out / f"bench-{name}.json"
    for size in config.sizes:
        data, summary = dataset(size, config.seed, config.work)
        values = parameters(summary, size, config.seed)
        # The engine against the engine: our server with its result cache off. With
        # --cached, the same server again with the cache on (what a repeating client sees).
        servers: list[Server] = [
            Prospectus(
                data=data,
                work=config.work / "servers",
                workers=config.workers,
                threads=config.threads,
                cache_bytes=0,
            )
        ]
        if config.cached:
            servers.append(
                Prospectus(
                    name=report.OURS_CACHED,
                    data=data,
                    work=config.work / "servers",
                    workers=config.workers,
                    threads=config.threads,
                    cache_bytes=config.cache_bytes,
                )
            )
        if size in config.peer_sizes:
            servers += [
                PEERS[p](data=data, work=config.work / "servers" / f"{p}-{size}")
                for p in config.peers
            ]
        entry: dict[str, Any] = {
            "programmes": size,
            "quads": summary["quads"],
            "organisations": summary["organisations"],
            "servers": {},
        }
        results["sizes"].append(entry)
        for server in servers:
            _log(f"{size} programmes: starting {server.name}")
            try:
                with server:
                    _log(
                        f"{server.name} answers at {server.endpoint} after "
                        f"{server.startup_seconds:.1f} s"
                    )
                    entry["servers"][server.name] = bench_server(server, queries, values, config)
            except PeerError as exc:
                _log(f"{server.name} failed: {exc}")
                entry["servers"][server.name] = {"error": str(exc)}
        entry["comparison"] = report.compare(entry["servers"])
        _write(results, json_path)
    _log(f"results: {json_path} and {json_path.with_suffix('.md')}")
    return json_path


def _write(results: dict[str, Any], json_path: Path) -> None:
    json_path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    json_path.with_suffix(".md").write_text(report.markdown(results), encoding="utf-8")


def _ints(text: str) -> list[int]:
    return [int(float(v)) for v in text.split(",") if v.strip()] if text.strip() else []


def parse_args(argv: Sequence[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes", help="programme counts (default 1000,10000,100000; --quick: 100)"
    )
    parser.add_argument(
        "--peer-sizes",
        default="1000,10000",
        help="sizes at which the peers run too (default %(default)s)",
    )
    parser.add_argument(
        "--peers",
        help="comma list of rdflib-endpoint, virtuoso, or none (default both; --quick: none)",
    )
    parser.add_argument(
        "--requests", type=int, help="requests per query and phase (default 100; --quick: 10)"
    )
    parser.add_argument(
        "--concurrency", type=int, help="clients in the throughput phase (default 4; --quick: 2)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        help="seconds per query and phase before it stops early (default 15; --quick: 2)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds one request may take (default %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workers", type=int, help="WSGI workers of our server (default: the `workers` setting)"
    )
    parser.add_argument("--threads", type=int, help="threads per worker (default: setting)")
    parser.add_argument("--only", default="", help="comma list of query names to run")
    parser.add_argument(
        "--no-cached",
        dest="cached",
        action="store_false",
        help="measure our server only with its SPARQL result cache off (by default it is "
        "measured twice: cache off, the headline, and cache on, as prospectus-cached)",
    )
    parser.add_argument(
        "--cache-bytes",
        type=int,
        default=64 * 1024 * 1024,
        help="sparql_cache_bytes of the prospectus-cached row (default %(default)s)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--work", type=Path, default=WORK_DIR)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny and fast: a smoke run of the harness, not a measurement",
    )
    args = parser.parse_args(argv)
    quick = args.quick
    peers_arg = (
        args.peers if args.peers is not None else ("none" if quick else "rdflib-endpoint,virtuoso")
    )
    peers = [] if peers_arg == "none" else [p.strip() for p in peers_arg.split(",") if p.strip()]
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        parser.error(f"unknown peer(s) {', '.join(unknown)}; expected {', '.join(PEERS)}")
    return Config(
        sizes=_ints(args.sizes or ("100" if quick else "1000,10000,100000")),
        peer_sizes=_ints(args.peer_sizes),
        peers=peers,
        requests=args.requests or (10 if quick else 100),
        concurrency=args.concurrency or (2 if quick else 4),
        budget=args.budget or (2.0 if quick else 15.0),
        timeout=args.timeout,
        seed=args.seed,
        workers=args.workers,
        threads=args.threads,
        out=args.out,
        work=args.work,
        quick=quick,
        only=[q.strip() for q in args.only.split(",") if q.strip()],
        cached=args.cached,
        cache_bytes=args.cache_bytes,
    )


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    run(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
