"""Publishing measured on its own (issue 13 item 5): `make bench-publish`.

What `make bench-build` measures includes reading and validating the sources; this measures
the steps after them, on the same synthetic quads, for each size N in one run:

1. `prospectus generate --programmes N --output FILE.nq` writes the quads (not timed);
2. **publish**: the quads' lines (in file order) published into an empty data folder with
   the store and the writers of the publishing step (dumps, change record), as
   graph/build/pipeline.py's publish_dataset does;
3. **floor**: pyoxigraph alone bulk-loads the published dataset.nq (as bench/build.py);
4. **republish**: 1% of the programmes' titles changed, published again (the store made from
   the previous one, the dumps reusing its chunks).

Each run is measured as bench/build.py measures a build (wall time, peak memory of the
process tree, the steps' own times). Results go to bench/results/publish-<date>.json and .md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph import paths

from . import report
from .build import FLOOR, PROSPECTUS, RESULTS_DIR, _log, measure

WORK_DIR = paths.ROOT / "bench" / "work" / "publish"

PUBLISH = """
import sys
from pathlib import Path
from graph.build import progress
from graph.build.pipeline import publish_dataset
from graph.build.writers.changes import write_changes
from graph.build.writers.dumps import write_dumps
progress.enable()
with open(sys.argv[2], encoding="utf-8") as lines:
    version, new = publish_dataset(
        Path(sys.argv[1]), lines, writers=[write_dumps, write_changes], load_store=True
    )
print(version.manifest["quads"], version.manifest.get("store"))
"""


def change_titles(path: Path, share: float) -> int:
    """Change the dct:title of every k-th programme (k = 1 / share) in an N-Quads file."""
    step = max(1, round(1 / share))
    title = re.compile(r'^(<[^>]*> <http://purl.org/dc/terms/title> ")([^"]*)(")')
    changed, seen = 0, 0
    out = path.with_suffix(".changed")
    with path.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            if title.match(line):
                if seen % step == 0:
                    line = title.sub(r"\1\2 (revised)\3", line, count=1)
                    changed += 1
                seen += 1
            dst.write(line)
    out.replace(path)
    return changed


def bench_size(programmes: int, seed: int, work: Path) -> dict[str, Any]:
    root = work / str(programmes)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    quads_file, data, floor_store = root / "synthetic.nq", root / "data", root / "floor-store"
    _log(f"publish {programmes}: generate")
    measure([PROSPECTUS, "generate", "-n", str(programmes), "--seed", str(seed),
             "-o", str(quads_file)])  # fmt: skip
    _log(f"publish {programmes}: publish")
    first = measure([sys.executable, "-c", PUBLISH, str(data), str(quads_file)])
    _log(f"publish {programmes}: {first['seconds']} s, steps {first['steps']}")
    dataset = (data / "current").resolve() / "dataset.nq"
    with dataset.open("rb") as fh:
        quads = sum(1 for _ in fh)
    floor = measure([sys.executable, "-c", FLOOR, str(dataset), str(floor_store)])
    _log(f"publish {programmes}: floor {floor['seconds']} s")
    changed = change_titles(quads_file, 0.01)
    again = measure([sys.executable, "-c", PUBLISH, str(data), str(quads_file)])
    _log(f"publish {programmes}: republish {again['seconds']} s, steps {again['steps']}")
    shutil.rmtree(root, ignore_errors=True)
    return {
        "programmes": programmes,
        "quads": quads,
        "publish": first,
        "floor": floor,
        "republish": {**again, "changed_titles": changed},
        "publish_over_floor": round(first["seconds"] / floor["seconds"], 1),
        "republish_over_publish": round(again["seconds"] / first["seconds"], 3),
        "peak_gb": round(max(first["peak_tree_rss_mb"], again["peak_tree_rss_mb"]) / 1024, 2),
    }


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"# Publishing benchmark, {results['date']}",
        "",
        f"{report.machine_line(m)}, pyoxigraph {m['packages'].get('pyoxigraph')}. "
        f"Load average at the start: {results['load']}.",
        "",
        "| programmes | quads | publish s | bulk-load floor s | publish / floor | "
        "1% republish s | republish / publish | peak GB |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results["sizes"]:
        lines.append(
            f"| {r['programmes']:,} | {r['quads']:,} | {r['publish']['seconds']} | "
            f"{r['floor']['seconds']} | {r['publish_over_floor']} | "
            f"{r['republish']['seconds']} | {r['republish_over_publish']} | {r['peak_gb']} |"
        )
    for r in results["sizes"]:
        names = list(dict.fromkeys([*r["publish"]["steps"], *r["republish"]["steps"]]))
        lines += [
            "",
            f"Steps at {r['programmes']:,} programmes (seconds):",
            "",
            "| step | publish | 1% republish |",
            "| --- | ---: | ---: |",
        ]
        for name in names:
            lines.append(
                f"| {name} | {r['publish']['steps'].get(name, '')} | "
                f"{r['republish']['steps'].get(name, '')} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000", help="comma-separated programme counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=WORK_DIR)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    now = datetime.now(UTC)
    results: dict[str, Any] = {
        "date": now.isoformat(timespec="seconds"),
        "machine": report.machine(),
        "load": os.getloadavg()[0],
        "sizes": [bench_size(n, args.seed, args.work) for n in sizes],
    }
    stem = report.write_results(args.out, "publish", now, results, markdown(results))
    print(markdown(results))
    _log(f"results: {stem}.json, {stem}.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
