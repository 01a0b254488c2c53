"""The writers of a build, each measured alone, main's (at 3fd16af) against this tree's.

    python -m bench.writers [--sizes 1000,10000] [--before 3fd16af] [--reference DIR]

For each size, `prospectus generate`'s programmes are published once without writers (the
store loaded); then each writer (statistics, facets, the ELM export, the search index, the
change stream's first version) runs over that version in a fresh process of its own
(bench/writers_child.py), first with the `--before` commit's code (extracted with git
archive, imported through PYTHONPATH), then with this tree's: the writer's seconds and the
process's peak RSS. With `--reference DIR` (the official shapes) the ELM export is checked
as the build checks it. A run that exceeds `--timeout` seconds is reported as such. With
`--elm-rebuild`, this tree's ELM export is also measured on a rebuild: the programmes are
published with the export, 1% of their titles changed, and published again over the first
version (the export reusing the parts that did not change, graph/build/writers/elm/parts.py).
Results go to bench/results/writers-<date>.{json,md} with the machine (bench/report.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
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


# A programme's title (its IRI is /programme/{institution}/{name}; its qualification's is longer).
TITLE = re.compile(
    r'^(<[^>]*/programme/[^/>]*/[^/>]*> <http://purl.org/dc/terms/title> ")([^"]*)(")'
)


def elm_rebuild(programmes: int, work: Path, reference: Path | None) -> dict[str, Any]:
    """This tree's ELM export at a build and at a rebuild after 1% of the programmes' titles
    changed: {"build", "rebuild"} seconds and the parts reused."""
    from graph.build.pipeline import publish_dataset
    from graph.build.writers.elm.parts import PARTS_FILE
    from graph.build.writers.elm.write import write_elm
    from graph.synthetic.generate import generate

    generated = work / f"rebuild-{programmes}.nq"
    generate(generated, programmes, seed=1)
    lines = generated.read_text(encoding="utf-8").splitlines()
    generated.unlink()
    seconds: list[float] = []

    def timed_elm(ctx: Any) -> None:
        started = time.perf_counter()
        write_elm(ctx)
        seconds.append(time.perf_counter() - started)

    data = work / f"rebuild-data-{programmes}"
    publish_dataset(data, lines, writers=(timed_elm,), reference_dir=reference, load_store=True)
    programmes_titled = list(
        dict.fromkeys(m.group(0).split()[0] for m in map(TITLE.match, lines) if m)
    )
    chosen = set(programmes_titled[::100])  # 1% of the programmes: one title each
    for number, line in enumerate(lines):
        match = TITLE.match(line)
        if match and match.group(0).split()[0] in chosen:
            chosen.discard(match.group(0).split()[0])
            lines[number] = TITLE.sub(r"\1\2 (revised)\3", line)
    version, _ = publish_dataset(
        data, lines, writers=(timed_elm,), reference_dir=reference, load_store=True
    )
    parts = json.loads((version.path / PARTS_FILE).read_text(encoding="utf-8"))
    return {
        "build": seconds[0],
        "rebuild": seconds[1],
        "changed_programmes": len(programmes_titled[::100]),
        "reused": parts["header"]["reused"],
        "parts": len(parts["parts"]),
    }


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
    rebuilds = [(s["programmes"], s["elm_rebuild"]) for s in results["sizes"] if "elm_rebuild" in s]
    if rebuilds:
        lines += [
            "",
            "This tree's ELM export at a build and at a rebuild after 1% of the programmes' titles "
            "changed "
            "(parts reused from the previous version):",
            "",
            "| programmes | build s | rebuild s | programmes changed | parts reused |",
            "| ---: | ---: | ---: | ---: | ---: |",
        ]
        for programmes, r in rebuilds:
            lines.append(
                f"| {programmes:,} | {r['build']:.1f} | {r['rebuild']:.1f} | "
                f"{r['changed_programmes']:,} | {r['reused']:,} of {r['parts']:,} |"
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
    parser.add_argument(
        "--elm-rebuild", action="store_true", help="also this tree's ELM export at a rebuild"
    )
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
            if args.elm_rebuild:
                _log(f"{programmes}: elm at a build and a 1% rebuild (after)")
                size["elm_rebuild"] = elm_rebuild(programmes, work, args.reference)
                _log(f"{programmes}: elm rebuild: {size['elm_rebuild']}")
            results["sizes"].append(size)
    stem = report.write_results(args.out, "writers", now, results, markdown(results))
    print(markdown(results))
    _log(f"results: {stem}.json, {stem}.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
