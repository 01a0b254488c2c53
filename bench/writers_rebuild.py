"""The dumps, statistics, search index and facets of a build and of a 1% rebuild, main's
code against this tree's, in the same run.

    python -m bench.writers_rebuild [--programmes 2000] [--before e04c8d2] [--rounds 2]
        [--writers dumps,statistics,search_index,facets,changes,ldes]

`prospectus generate`'s programmes are published with those four writers (or those named:
`changes` and `ldes` add the change record and the change stream; each timed, in a
fresh process per tree: bench/writers_rebuild_child.py), then the title of 1% of the
programmes is changed and the result published again over the first version, as a rebuild
does: the seconds of each writer in both, with the `--before` commit's code (extracted with
git archive, bench/writers.py) and with this tree's, in two rounds (before then after, after
then before), each writer's smaller time kept: the machine is shared. Results go to
bench/results/writers-rebuild-<date>.{json,md} with the machine (bench/report.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.writers import ROOT, extract

RESULTS_DIR = ROOT / "bench" / "results"
CHILD = ROOT / "bench" / "writers_rebuild_child.py"
WRITERS = ("dumps", "statistics", "search_index", "facets")  # the default: the four


def run_tree(
    tree: Path, catalogue: Path, work: Path, writers: tuple[str, ...] = WRITERS
) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, str(CHILD), str(catalogue), str(work), ",".join(writers)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=tree,
    )
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def _smallest(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Each writer's smallest time over the rounds (the machine is shared: the least
    disturbed run), with the counts of the first."""
    found = dict(rounds[0])
    for step in ("build", "rebuild"):
        found[step] = {w: min(r[step][w] for r in rounds) for w in rounds[0][step]}
    found["rounds"] = rounds
    return found


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"# Writers at a build and a 1% rebuild, {results['programmes']:,} programmes",
        "",
        f"{report.machine_line(m)}, pyoxigraph {m['packages'].get('pyoxigraph')}, "
        f"{results['quads']:,} quads, {results['changed']} programme titles changed. "
        f"Before: {results['before']} (git archive); after: this tree. Seconds of each writer, "
        f"the smaller of {results['rounds']} runs (before, after, then after, before).",
        "",
        "| writer | build before | build after | rebuild before | rebuild after |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name in results["writers"]:
        writer = f"write_{name}"
        b, a = results["runs"]["before"], results["runs"]["after"]
        lines.append(
            f"| {writer} | {b['build'][writer]} | {a['build'][writer]} | "
            f"{b['rebuild'][writer]} | {a['rebuild'][writer]} |"
        )
    totals = {
        name: {step: round(sum(run[step].values()), 2) for step in ("build", "rebuild")}
        for name, run in results["runs"].items()
    }
    lines.append(
        f"| all {len(results['writers'])} | {totals['before']['build']} | "
        f"{totals['after']['build']} | "
        f"{totals['before']['rebuild']} | {totals['after']['rebuild']} |"
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programmes", type=int, default=2000)
    parser.add_argument("--before", default="e04c8d2")
    parser.add_argument("--rounds", type=int, choices=(1, 2), default=2)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument(
        "--writers",
        default=",".join(WRITERS),
        help="writers to time, in the build's order (add changes,ldes for the change stream)",
    )
    args = parser.parse_args(argv)
    writers = tuple(args.writers.split(","))
    from graph.synthetic.generate import generate

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="writers-rebuild-") as folder:
        work = Path(folder)
        catalogue = work / "catalogue.nq"
        generate(catalogue, args.programmes, seed=1)
        (work / "before").mkdir()
        before = extract(args.before, work / "before")
        trees = {"before": before, "after": ROOT}
        rounds: dict[str, list[dict[str, Any]]] = {"before": [], "after": []}
        for order in (("before", "after"), ("after", "before"))[: args.rounds]:
            for name in order:
                run = work / f"run-{name}-{len(rounds[name])}"
                found = run_tree(trees[name], catalogue, run, writers)
                rounds[name].append(found)
        runs = {name: _smallest(found) for name, found in rounds.items()}
    results = {
        "machine": report.machine(),
        "programmes": args.programmes,
        "before": args.before,
        "quads": runs["after"]["quads"],
        "changed": runs["after"]["changed"],
        "rounds": args.rounds,
        "writers": list(writers),
        "runs": runs,
    }
    stem = report.write_results(args.out, "writers-rebuild", now, results, markdown(results))
    print(stem)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
