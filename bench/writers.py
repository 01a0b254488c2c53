"""The writers of a build, each measured alone, main's (at 3fd16af) against this tree's.

    python -m bench.writers [--sizes 1000,10000] [--before 3fd16af] [--reference DIR]

For each size, `prospectus generate`'s programmes are published once without writers (the
store loaded); then each writer (statistics, facets, the ELM export, the search index, the
change stream's first version) runs over that version in a fresh process of its own
(bench/writers_child.py), first with the `--before` commit's code (extracted with git
archive, imported through PYTHONPATH), then with this tree's: the writer's seconds and the
process's peak RSS. With `--reference DIR` (the official shapes) the ELM export is checked
as the build checks it. A run that exceeds `--timeout` seconds is reported as such. Results
go to bench/results/writers-<date>.{json,md} with the machine (bench/report.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
CHILD = ROOT / "bench" / "writers_child.py"
WRITERS = ("statistics", "facets", "elm", "search_index", "ldes")
BEFORE = "3fd16af"


def _log(message: str) -> None:
    print(f"[writers {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def extract(commit: str, into: Path) -> Path:
    """The tree of `commit` (its graph package and what it reads) in `into`."""
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True
    ).stdout
    (into / "tree.tar").write_bytes(data)
    tree = into / "tree"
    tree.mkdir()
    with tarfile.open(into / "tree.tar") as tar:
        tar.extractall(tree, filter="data")
    return tree


def publish(programmes: int, work: Path) -> tuple[Path, int]:
    """A version of `programmes` synthetic programmes, its store loaded, no writers run."""
    from graph.build.pipeline import publish_dataset
    from graph.synthetic.generate import generate

    generated = work / f"generated-{programmes}.nq"
    generate(generated, programmes, seed=1)
    with open(generated, encoding="utf-8") as lines:
        version, _ = publish_dataset(
            work / f"data-{programmes}", lines, writers=(), load_store=True
        )
    generated.unlink()
    return version.path, int(version.manifest["quads"])


def run(
    writer: str, version: Path, out: Path, tree: Path | None, reference: Path | None, timeout: float
) -> dict[str, Any]:
    """One writer in a process of its own: {"seconds", "peak_rss"} or {"error"}."""
    ref = str(reference.resolve()) if reference else ""
    args = [sys.executable, str(CHILD), writer, str(version), str(out), ref]
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
        args.append("--with-bytes")  # main's context parses the version's N-Quads in memory
    try:
        done = subprocess.run(
            args, env=env, cwd=tree or ROOT, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    if done.returncode != 0:
        return {
            "error": done.stderr.strip().splitlines()[-1]
            if done.stderr.strip()
            else f"exit {done.returncode}"
        }
    return json.loads(done.stdout.strip().splitlines()[-1])


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"# Writers benchmark, {results['date']}",
        "",
        f"{report.machine_line(m)}, pyoxigraph {m['packages'].get('pyoxigraph')}, "
        f"rdflib {m['packages'].get('rdflib')}. Load average at the start: {results['load']}. "
        f"Before: {results['before']}; after: this tree. ELM checked against the official "
        f"shapes: {'yes' if results['reference'] else 'no'}. Each writer alone in a process; "
        "peak RSS is that process's (Python and the imports included).",
        "",
        "| programmes | quads | writer | before s | after s | before peak MB | after peak MB |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]

    def cell(r: dict[str, Any] | None, key: str) -> str:
        if r is None:
            return "not run"
        if "error" in r:
            return str(r["error"])
        value = r[key]
        return f"{value:.1f}" if key == "seconds" else f"{value / 2**20:,.0f}"

    for size in results["sizes"]:
        for name, r in size["writers"].items():
            lines.append(
                f"| {size['programmes']:,} | {size['quads']:,} | {name} | "
                f"{cell(r.get('before'), 'seconds')} | {cell(r.get('after'), 'seconds')} | "
                f"{cell(r.get('before'), 'peak_rss')} | {cell(r.get('after'), 'peak_rss')} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated programme counts")
    parser.add_argument("--before", default=BEFORE, help="the commit measured as 'before'")
    parser.add_argument("--writers", default=",".join(WRITERS))
    parser.add_argument("--reference", type=Path, default=None, help="official shapes folder")
    parser.add_argument("--timeout", type=float, default=1200.0)
    parser.add_argument("--sides", default="before,after", help="'after' alone skips main's")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    now = datetime.now(UTC)
    results: dict[str, Any] = {
        "date": now.isoformat(timespec="seconds"),
        "machine": report.machine(),
        "load": os.getloadavg()[0],
        "before": args.before,
        "reference": str(args.reference) if args.reference else None,
        "sizes": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-writers-") as tmp:
        work = Path(tmp)
        tree = extract(args.before, work)
        for programmes in [int(s) for s in args.sizes.split(",") if s.strip()]:
            _log(f"{programmes}: generate and publish")
            version, quads = publish(programmes, work)
            size: dict[str, Any] = {"programmes": programmes, "quads": quads, "writers": {}}
            for writer in [w for w in args.writers.split(",") if w]:
                entry = {}
                sides = (("before", tree), ("after", None))
                for side, code in [(n, c) for n, c in sides if n in args.sides.split(",")]:
                    _log(f"{programmes}: {writer} ({side})")
                    entry[side] = run(
                        writer, version, work / "out", code, args.reference, args.timeout
                    )
                    _log(f"{programmes}: {writer} ({side}): {entry[side]}")
                size["writers"][writer] = entry
            results["sizes"].append(size)
    stem = report.write_results(args.out, "writers", now, results, markdown(results))
    print(markdown(results))
    _log(f"results: {stem}.json, {stem}.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
