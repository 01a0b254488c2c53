"""`python -m bench.pages`: the pages people start from, over HTTP, on a synthetic catalogue.

For each size it generates a synthetic catalogue, publishes it as a version with the writers
the pages read (statistics, the search index, the facet counts; the on-disk store, no SHACL),
starts `prospectus serve` on 127.0.0.1 with the default settings and measures, one URL after
another, p50/p99 and the body size of: the home page, the list's page 1 and page 500
(`?after=9980`), a faceted list (one country, one EQF level) and a search (a word of many
titles). 100,000 programmes only when the load average is under 3 (`--force` to run anyway).

Results go to bench/results/pages-<time>.json and .md, with the machine (bench/report.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from graph.build.pipeline import publish_dataset
from graph.build.writers.facets import write_facets
from graph.build.writers.search_index import write_search_index
from graph.build.writers.statistics import write_statistics
from graph.synthetic.generate import generate

from . import report
from .run import RESULTS_DIR, WORK_DIR

BEL = "http://publications.europa.eu/resource/authority/country/BEL"
EQF7 = "http://data.europa.eu/snb/eqf/7"
URLS = {
    "home": "/",
    "list page 1": "/programmes",
    "list page 500": "/programmes?after=9980",
    "faceted list": f"/programmes?country={BEL}&eqf={EQF7}",
    "search": "/search?q=science",
}
HTML = {"Accept": "text/html", "Accept-Encoding": "identity"}
MAX_LOAD = 3.0


def _log(message: str) -> None:
    print(f"[bench.pages {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def publish(size: int, work: Path, seed: int) -> tuple[Path, float]:
    data_dir = work / f"pages-{size}" / "data"
    if (data_dir / "current").exists() or any(data_dir.glob("versions/*/facets.json")):
        return data_dir, 0.0
    shutil.rmtree(data_dir.parent, ignore_errors=True)
    data_dir.mkdir(parents=True)
    nquads = data_dir.parent / "generated.nq"
    began = time.perf_counter()
    generate(nquads, size, seed=seed)
    with open(nquads, encoding="utf-8") as lines:
        publish_dataset(
            data_dir,
            lines,
            writers=(write_statistics, write_search_index, write_facets),
            load_store=True,
        )
    nquads.unlink()
    return data_dir, round(time.perf_counter() - began, 1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(data_dir: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROSPECTUS_")}
    env["PROSPECTUS_DATA_DIR"] = str(data_dir)
    prospectus = str(Path(sys.executable).with_name("prospectus"))
    cmd = [prospectus, "serve", "--host", "127.0.0.1", "--port", str(port)]
    with open(log, "wb") as fh:
        process = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            requests.get(url + "/healthz", timeout=5)
            return process, url
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start")


def measure(url: str, repeat: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    session = requests.Session()
    for name, path in URLS.items():
        for _ in range(3):  # warm every worker and its query processes
            session.get(url + path, headers=HTML, timeout=120)
        samples = []
        size = 0
        for _ in range(repeat):
            began = time.perf_counter()
            r = session.get(url + path, headers=HTML, timeout=120)
            samples.append(time.perf_counter() - began)
            if r.status_code != 200:
                raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")
            size = len(r.content)
        ordered = sorted(samples)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        out[name] = {
            "path": path,
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": round(p99 * 1000, 1),
            "bytes": size,
            "samples": len(ordered),
        }
        _log(f"{name}: {out[name]}")
    return out


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"# Catalogue pages benchmark, {results['date']}",
        "",
        f"{report.machine_line(m)}; load average at start {results['load_average']}. Over HTTP to "
        "`prospectus serve` (gunicorn, default settings: on-disk store, 2 workers) on "
        "127.0.0.1, one request at a time, uncompressed HTML.",
        "",
        "| size | page | p50 | p99 | bytes |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for r in results["sizes"]:
        for name, v in r["pages"].items():
            lines.append(
                f"| {r['programmes']:,} | {name} (`{v['path']}`) | {v['p50_ms']} ms | "
                f"{v['p99_ms']} ms | {v['bytes']:,} |"
            )
    for note in results.get("notes", []):
        lines += ["", note]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated programmes")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=50, help="requests per page")
    parser.add_argument("--force", action="store_true", help="run 100k whatever the load")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--work", type=Path, default=WORK_DIR)
    args = parser.parse_args(argv)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": report.machine(),
        "load_average": round(os.getloadavg()[0], 2),
        "sizes": [],
        "notes": [],
    }
    for size in (int(s) for s in args.sizes.split(",") if s):
        load = os.getloadavg()[0]
        if size > 10_000 and load >= MAX_LOAD and not args.force:
            note = f"{size:,} programmes not run: load average {load:.1f} (rule: < {MAX_LOAD:g})"
            results["notes"].append(note)
            _log(note)
            continue
        _log(f"{size}: publishing")
        data_dir, seconds = publish(size, args.work, args.seed)
        process, url = serve(data_dir, args.work / f"pages-{size}" / "server.log")
        try:
            pages = measure(url, args.repeat)
        finally:
            process.terminate()
            process.wait(timeout=60)
        results["sizes"].append({"programmes": size, "publish_seconds": seconds, "pages": pages})
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%S")
    (args.out / f"pages-{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / f"pages-{stamp}.md").write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
