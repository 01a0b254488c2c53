"""The build's group validation alone (graph/build/validate.py `validate_groups`), per SHACL
engine and batch size, on a generated sources folder: wall time, CPU time (this process and
its workers) and the results, which must be the same for every run.

    .venv/bin/python -m bench.validation --programmes 1000 --engine rudof pyshacl \\
        --batch 3000 12000 50000 --workers 2

Results go to bench/results/validation-<date>.{json,md} with the machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.report import machine, write_results
from graph.build import load, validate
from graph.build.release import read_release
from graph.build.sparql_checks import read_shapes, split
from graph.synthetic.generate import generate_folder

RESULTS = Path(__file__).parent / "results"


def _cpu() -> float:
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(folder: Path, engines: list[str], batches: list[int], workers: int) -> dict[str, Any]:
    release = read_release(load.scan_sources(folder).files, workers=workers)
    local, _checks = split(read_shapes())
    runs: list[dict[str, Any]] = []
    reference = None
    for engine in engines:
        for batch in batches:
            validate.BATCH_STATEMENTS[engine] = batch
            wall, cpu = time.perf_counter(), _cpu()
            report = validate.validate_groups(release, local, workers=workers, engine=engine)
            wall, cpu = time.perf_counter() - wall, _cpu() - cpu
            # rudof's workers are the forkserver's children, not ours: their CPU is not counted
            counted = engine != "rudof" or workers <= 1
            results = sorted(map(repr, report.results))
            reference = results if reference is None else reference
            runs.append({"engine": engine, "batch": batch, "wall_s": round(wall, 2),
                         "cpu_s": round(cpu, 2) if counted else None, "results": len(results),
                         "same_results": results == reference})  # fmt: skip
            print(runs[-1], flush=True)
    return {"groups": report.groups, "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programmes", type=int, default=1000)
    parser.add_argument("--sources", type=Path, help="a generated folder (else one is made)")
    parser.add_argument("--engine", nargs="+", default=["rudof", "pyshacl"])
    parser.add_argument("--batch", nargs="+", type=int, default=[12000])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.sources
        if folder is None:
            folder = Path(scratch) / "sources"
            generate_folder(folder, args.programmes, seed=1)
        when = datetime.now(UTC)
        found = measure(folder, args.engine, args.batch, args.workers)
    results = {"when": when.isoformat(), "machine": machine(), "programmes": args.programmes,
               "workers": args.workers, "load_before": os.getloadavg()[0], **found}  # fmt: skip
    lines = [
        f"# Group validation, {args.programmes} programmes ({found['groups']} groups), "
        f"{args.workers} workers, {when:%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {results['machine']}",
        "",
        "| engine | batch (statements) | wall s | CPU s | results | same results |",
        "| --- | --- | --- | --- | --- | --- |",
        *(
            f"| {r['engine']} | {r['batch']} | {r['wall_s']} | {r['cpu_s']} | {r['results']} "
            f"| {'yes' if r['same_results'] else 'NO'} |"
            for r in found["runs"]
        ),
        "",
    ]
    stem = write_results(RESULTS, "validation", when, results, "\n".join(lines))
    print(f"written: {stem}.md")


if __name__ == "__main__":
    main()
