"""The build's SPARQL constraints alone (graph/build/checks_store.py, sparql_checks.py), on a
generated sources folder: the store made from scratch and the constraints over it (a build),
then 1% of the programme sources changed (a title each, as bench/build.py does) and the store
brought up to date and the constraints run again (a rebuild); then the time of each
constraint, the form it runs in and its number of focus nodes. Wall and CPU time; the
rebuild's results must equal those of a store made from scratch.

    .venv/bin/python -m bench.sparql_checks --programmes 2000

Results go to bench/results/sparql-checks-<date>.{json,md} with the machine.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.build import change_titles
from bench.report import machine, machine_line, write_results
from graph.build import sparql_checks
from graph.build.checks_store import open_checks_store
from graph.build.release import Release, read_release
from graph.errors import Violation
from graph.synthetic.generate import generate_folder

RESULTS = Path(__file__).parent / "results"


def _timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, round(time.perf_counter() - wall, 2), round(time.process_time() - cpu, 2)


def _step(release: Release, cache: Path) -> tuple[dict[str, Any], list[Violation]]:
    opened, store_wall, store_cpu = _timed(lambda: open_checks_store(release, cache))
    store, made = opened
    found, eval_wall, eval_cpu = _timed(lambda s=store: sparql_checks.check_store(s, release))
    summary = made.summary()
    del opened, store
    gc.collect()
    step = {"store": summary, "store_wall_s": store_wall, "store_cpu_s": store_cpu,
            "evaluate_wall_s": eval_wall, "evaluate_cpu_s": eval_cpu,
            "results": len(found)}  # fmt: skip
    return step, found


def _per_check(release: Release, cache: Path) -> list[dict[str, Any]]:
    opened = open_checks_store(release, cache)
    files = {str(g): n for g, n in release.files.items()}
    rows = []
    for check in sparql_checks.split(sparql_checks.read_shapes())[1]:
        store = opened[0]
        found, wall, cpu = _timed(lambda c=check, s=store: sparql_checks.run([c], s, files))
        form = "whole store" if sparql_checks.whole_store(check) else (
            "joined" if sparql_checks.joined_select(check) else "per focus node")  # fmt: skip
        focus = len(sparql_checks._focus_nodes(check, store))
        rows.append({"check": check.shape.rsplit("#", 1)[-1], "form": form, "focus_nodes": focus,
                     "wall_s": wall, "cpu_s": cpu, "results": len(found)})  # fmt: skip
    del store, opened
    gc.collect()
    return rows


def _key(results: list[Violation]) -> list[tuple[str, ...]]:
    return sorted(tuple(str(v) for v in vars(r).values()) for r in results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programmes", type=int, default=2000)
    args = parser.parse_args(argv)
    when = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="bench-sparql-checks-") as tmp:
        work = Path(tmp)
        generate_folder(work / "sources", args.programmes)
        files = sorted((work / "sources").iterdir())
        build, _found = _step(read_release(files, cache_dir=work / "parse"), work / "cache")
        changed = change_titles(work / "sources", 0.01)
        after = read_release(files, cache_dir=work / "parse")
        rebuild, found = _step(after, work / "cache")
        _fresh, from_scratch = _step(after, work / "fresh")
        if _key(found) != _key(from_scratch):
            raise SystemExit("the rebuild's results differ from a store made from scratch")
        shutil.rmtree(work / "fresh")
        checks = _per_check(after, work / "cache")
    results = {"machine": machine(), "programmes": args.programmes, "changed_sources": changed,
               "build": build, "rebuild": rebuild, "checks": checks}  # fmt: skip
    lines = [f"# SPARQL constraints, {args.programmes} programmes ({when:%Y-%m-%d %H:%M} UTC)", "",
             machine_line(results["machine"]), "",
             "| | store | store wall / CPU (s) | constraints wall / CPU (s) | results |",
             "|---|---|---|---|---|"]  # fmt: skip
    for name in ("build", "rebuild"):
        s = results[name]
        lines.append(f"| {name} | {s['store']} | {s['store_wall_s']} / {s['store_cpu_s']} | "
                     f"{s['evaluate_wall_s']} / {s['evaluate_cpu_s']} | "
                     f"{s['results']} |")  # fmt: skip
    lines += ["", f"The rebuild changed {changed} sources; its results equal those of a store",
              "made from scratch.", "", "| constraint | form | focus nodes | wall / CPU (s) | "
              "results |", "|---|---|---|---|---|"]  # fmt: skip
    for row in checks:
        lines.append(f"| {row['check']} | {row['form']} | {row['focus_nodes']} | "
                     f"{row['wall_s']} / {row['cpu_s']} | {row['results']} |")  # fmt: skip
    stem = write_results(RESULTS, "sparql-checks", when, results, "\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"written: {stem}.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
