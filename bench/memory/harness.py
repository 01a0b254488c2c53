"""The harness: each size and layout in its own session, measured from outside; the
command line."""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph.iris import DATA_BASE

from .. import client, report
from ..peers import Prospectus
from ..run import RESULTS_DIR, WORK_DIR, dataset, load_queries, parameters
from .measure import (
    BYTES_PER_QUAD,
    FACTOR,
    LAYOUTS,
    ROLES,
    Sampler,
    _log,
    page_cache_kb,
    session_processes,
    snapshot,
)
from .runner import _workload, runner_main
from .workload import QUICK_RUNAWAY, runaway_query

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
    data: list[Path] = field(default_factory=list)  # N-Quads files to reuse instead of sizes
    stores: Path | None = None  # where the on-disk stores are (default: work/stores)

    def as_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, Path):
                return str(value)
            return [plain(v) for v in value] if isinstance(value, list) else value

        return {k: plain(v) for k, v in vars(self).items()}


def disk_store(nquads: Path, stores: Path) -> tuple[Path, dict[str, Any]]:
    """The on-disk store of a data file, built once as a build publishes one (bulk load,
    optimize); its build time and size are kept beside it."""
    directory = stores / (nquads.stem + ".store")
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
        cwd=Path(__file__).resolve().parents[2],
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


@dataclass(kw_only=True)
class _Published(Prospectus):
    """`prospectus serve` (no --data) over a data folder holding one published version made of
    the N-Quads file and its on-disk store, linked in place (nothing copied): the server as a
    build leaves it, in the store mode `in_memory` names."""

    store_dir: Path
    in_memory: bool = False

    def prepare(self) -> None:
        version = self.work / "var" / "versions" / "bench"
        if version.exists():
            shutil.rmtree(version)
        version.mkdir(parents=True)
        (version / "dataset.nq").symlink_to(self.data.resolve())
        (version / "store").symlink_to(self.store_dir.resolve())
        manifest = {"version": "bench", "created": datetime.now(UTC).isoformat(), "previous": None}
        (version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        current = self.work / "var" / "current"
        current.unlink(missing_ok=True)
        current.symlink_to(Path("versions") / "bench")
        super().prepare()

    def command(self) -> list[str]:
        return [arg for arg in super().command() if arg not in ("--data", str(self.data.resolve()))]

    def environment(self) -> dict[str, str]:
        return {**super().environment(), "PROSPECTUS_STORE_IN_MEMORY": str(self.in_memory).lower()}


def page_path(iri: str) -> str:
    """The HTML page of a data IRI (graph/iris.py: /doc/ + the IRI's path under the base)."""
    return "/doc/" + iri.removeprefix(DATA_BASE)


def run_server(
    data: Path, spec: dict[str, Any], config: Config, store_dir: Path | None = None
) -> dict[str, Any]:
    """The real server under the same mix, over HTTP: `prospectus serve --data` (in memory,
    today's layout) or, given `store_dir`, the published version served from disk (the
    default). Its memory once it answers, after a warm-up of pages and queries and after a
    throughput phase; page, lookup and query latency, and the mix's throughput."""
    roles = ROLES["server"]
    work = config.work / "servers" / ("memory" if store_dir is None else "memory-disk")
    server: Prospectus
    if store_dir is None:
        server = Prospectus(data=data, work=work, workers=config.workers)
    else:
        server = _Published(data=data, work=work, workers=config.workers, store_dir=store_dir)
    checkpoints: dict[str, Any] = {}
    result: dict[str, Any] = {}
    with server:
        assert server._process is not None
        session = server._process.pid
        with Sampler(session, config.interval) as sampler:

            def checkpoint(name: str) -> None:
                checkpoints[name] = snapshot(session, roles)
                checkpoints[name]["store_page_cache_kb"] = page_cache_kb(store_dir)
                sampler.sample()
                _log(f"  server {name}: PSS {checkpoints[name]['pss_kb'] / 1048576:.2f} GB")

            result["startup_seconds"] = round(server.startup_seconds, 1)
            checkpoint("started")
            lookup_text = next(q for q in load_queries() if q.name == "lookup")
            lookups = [lookup_text.text.replace("{{programme}}", p) for p in spec["programmes"]]
            pages = [
                server.endpoint.removesuffix(server.path) + page_path(p) for p in spec["programmes"]
            ]
            latency: dict[str, Any] = {}
            stats, errors = measure_pages(pages, timeout=120)
            latency["page"] = {**client.as_dict(stats), "errors": len(errors)}
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
            checkpoint("warm")
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


def measure_pages(urls: Sequence[str], *, timeout: float) -> tuple[client.Latency, list[str]]:
    """Each page once, one after another (HTML, keep-alive): latency without queueing."""
    import requests

    times: list[float] = []
    errors: list[str] = []
    began = time.perf_counter()
    with requests.Session() as session:
        for url in urls:
            start = time.perf_counter()
            reply = session.get(url, headers={"Accept": "text/html"}, timeout=timeout)
            if reply.status_code == 200:
                times.append((time.perf_counter() - start) * 1000)
            else:
                errors.append(f"{url}: HTTP {reply.status_code}")
    return client.Latency(
        requests=len(times) + len(errors),
        errors=len(errors),
        median_ms=client.percentile(times, 50),
        p99_ms=client.percentile(times, 99),
        mean_ms=sum(times) / len(times) if times else math.nan,
        min_ms=min(times) if times else math.nan,
        max_ms=max(times) if times else math.nan,
        seconds=time.perf_counter() - began,
    ), errors


def _datasets(config: Config) -> list[tuple[int, Path, dict[str, Any]]]:
    """(programmes, N-Quads file, its generator summary) per size: the files given with
    --data (a summary .json beside each, as `bench.run.dataset` leaves it), else generated."""
    if config.data:
        found = []
        for path in config.data:
            summary = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
            found.append((int(summary["programmes"]), path, summary))
        return found
    return [(size, *dataset(size, config.seed, config.work)) for size in config.sizes]


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
    for size, data, summary in _datasets(config):
        store_dir, store_info = disk_store(data, config.stores or config.work / "stores")
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
                elif layout == "server-disk":
                    measured = run_server(data, spec, config, store_dir)
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
    from .report import markdown

    json_path.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    json_path.with_suffix(".md").write_text(markdown(results), encoding="utf-8")


def _ints(text: str) -> list[int]:
    return [int(float(v)) for v in text.split(",") if v.strip()]


def parse_args(argv: Sequence[str] | None = None) -> Config | Path:
    package_doc = sys.modules[__package__ or "bench.memory"].__doc__ or "\n\n"
    parser = argparse.ArgumentParser(
        prog="python -m bench.memory",
        description=package_doc.split("\n\n")[0],
        epilog=package_doc.split("\n\n", 1)[1],
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
    parser.add_argument(
        "--data",
        help="comma list of N-Quads files to measure (each with its generator summary .json "
        "beside it) instead of generating --sizes",
    )
    parser.add_argument(
        "--stores", type=Path, help="folder of the on-disk stores (default: WORK/stores)"
    )
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
        data=[Path(v.strip()) for v in (args.data or "").split(",") if v.strip()],
        stores=args.stores,
    )


def main(argv: Sequence[str] | None = None) -> int:
    config = parse_args(argv)
    if isinstance(config, Path):
        return runner_main(config)
    run(config)
    return 0
