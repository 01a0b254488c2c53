"""The processor's speed for the build's kind of work, probed beside a benchmark
(bench/build.py), as bench/disk.py probes the disk's.

The floor (pyoxigraph's bulk loader: Rust, most of it sorting and writing) does not say how
fast the processor ran the build's Python. On 2026-12-04 the same code took 1,437.5 s at
13:18 and 1,877.1 s at 15:40, every step 12 to 47% more CPU seconds with its cores as busy,
while the floor took 155.3 s and then 137.8 s: the ratio went from 9.3 to 13.6 with nothing
in the report to show why. The probe is a fixed piece of the build's own kind of work,
timed in one process on an otherwise idle machine (before the first build, between a
build and its floor, at the end): generated programmes parsed into rdflib, their
statements written and sorted as N-Triples, and canonicalised in pyoxigraph. Its seconds
are comparable between runs on the same packages; a run whose probe took longer ran on a
slower processor (or a busier host), not slower code.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset

from graph.synthetic.generate import generate_folder

PROGRAMMES = 80  # about 12,700 statements: a round takes about a second here
ROUNDS = 7


def _work(files: list[Path]) -> int:
    """One round: every file parsed into rdflib, its statements sorted as N-Triples, then
    parsed and canonicalised in pyoxigraph. Returns the statements (the same every round)."""
    count = 0
    for path in files:
        data = Dataset()
        data.parse(path, format="nquads")
        lines = sorted(f"{s.n3()} {p.n3()} {o.n3()} ." for s, p, o, _g in data.quads())
        dataset = ox.Dataset(ox.parse("\n".join(lines), format=ox.RdfFormat.N_TRIPLES))
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        count += len(dataset)
    return count


def speed(rounds: int = ROUNDS, programmes: int = PROGRAMMES) -> dict[str, Any]:
    """The probe's seconds: the median and the fastest of `rounds` rounds over the same
    generated `programmes` (seed 1), and how many statements a round handles."""
    with tempfile.TemporaryDirectory(prefix="prospectus-cpu-probe-") as folder:
        generate_folder(Path(folder), programmes, seed=1)
        files = sorted(Path(folder).glob("*.nq"))
        times, statements = [], 0
        for _ in range(rounds):
            start = time.process_time()
            statements = _work(files)
            times.append(time.process_time() - start)
    return {
        "rounds": rounds,
        "statements": statements,
        "median_s": round(statistics.median(times), 3),
        "fastest_s": round(min(times), 3),
    }


def probes(results: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """A bench/build.py run's probes in the order they were made: at the start, after each
    size's build (before its floor), at the end."""
    cpu = results.get("processor", {})
    after = [
        (f"after the {r['programmes']:,}-programme build", r["processor_after_build"])
        for r in results["sizes"]
        if "processor_after_build" in r
    ]
    return [
        *([("at the start", cpu["start"])] if "start" in cpu else []),
        *after,
        *([("at the end", cpu["end"])] if "end" in cpu else []),
    ]


def line(probed: list[tuple[str, dict[str, Any]]]) -> str:
    """The probes `probed` (when, result) as a sentence of the benchmark's report ("" when
    there are none)."""
    if not probed:
        return ""
    said = "; ".join(f"{when}, {p['median_s']} s (fastest {p['fastest_s']})" for when, p in probed)
    first = probed[0][1]
    return (
        f" Processor (bench/processor.py: {first['statements']:,} statements parsed, sorted "
        f"and canonicalised; CPU seconds, the median of {first['rounds']} rounds): {said}."
    )
