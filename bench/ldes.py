"""What the change stream's build step costs (graph/ldes/): `python -m bench.ldes`.

For each size, on the synthetic graph of bench.run: publish a first version (every
programme described: the stream starts), then one with one fee changed (one programme
owns it), then one with one university renamed (its programmes show the name). For each
version: the seconds the stream's writer took, how many programmes it described, the
members it emitted, and the bytes it stored (pages, state). Then serving the last version
(server/views/ldes.py through Flask's test client, no network): the root node and a full
page in N-Quads (the stored bytes), TriG and Turtle (parsed and serialised), median of 3.
The dumps and the change record are written first, as in the build; the store, the
statistics and the ELM export are left out (the stream does not read them).

Results: bench/results/ldes-{date}.json and .md, with the machine (bench.report.machine).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import RDF, SKOS

from graph.build.context import BuildContext
from graph.build.pipeline import publish_dataset
from graph.build.writers.changes import write_changes
from graph.build.writers.dumps import write_dumps
from graph.build.writers.ldes import DEFAULT_PAGE_SIZE, ldes_writer
from graph.iris import DATA_BASE, PRO, SCHEMA

from .report import machine, machine_line
from .run import RESULTS_DIR, WORK_DIR, dataset

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _edit(
    quads: list[ox.Quad], subject: Callable[[str], bool], predicate: str, suffix: str
) -> list[ox.Quad]:
    """The first matching literal changed (the same one for the same data)."""
    out, done = [], False
    for q in quads:
        if (
            not done
            and subject(q.subject.value)
            and q.predicate.value == predicate
            and isinstance(q.object, ox.Literal)
        ):
            value = q.object.value + suffix
            literal = (
                ox.Literal(value, language=q.object.language)
                if q.object.language
                else ox.Literal(value, datatype=q.object.datatype)
            )
            q, done = ox.Quad(q.subject, q.predicate, literal, q.graph_name), True
        out.append(q)
    assert done, f"nothing matched {predicate}"
    return out


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def measure(programmes: int, seed: int, work: Path, page_size: int) -> dict[str, Any]:
    path, _summary = dataset(programmes, seed, work)
    quads = list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    fee = DATA_BASE + "fee/"
    universities = {
        q.subject.value
        for q in quads
        if q.predicate.value == str(RDF.type) and q.object.value == str(SCHEMA.CollegeOrUniversity)
    }
    university = min(universities)
    versions = [
        ("first version (stream starts)", quads),
        ("one fee changed", _edit(quads, lambda s: s.startswith(fee), str(PRO.amount), "5")),
    ]
    versions.append(
        (
            "one university renamed",
            _edit(versions[-1][1], university.__eq__, str(SKOS.prefLabel), " (renamed)"),
        )
    )
    data_dir = work / f"ldes-{programmes}"
    shutil.rmtree(data_dir, ignore_errors=True)
    timing: dict[str, float] = {}
    writer = ldes_writer(page_size)

    def timed(ctx: BuildContext) -> None:
        began = time.perf_counter()
        writer(ctx)
        timing["seconds"] = time.perf_counter() - began

    rows = []
    for i, (label, version_quads) in enumerate(versions):
        lines = ox.serialize(version_quads, format=ox.RdfFormat.N_QUADS).decode().splitlines()
        began = time.perf_counter()
        version, _new = publish_dataset(
            data_dir,
            lines,
            writers=[write_dumps, write_changes, timed],
            now=T0 + timedelta(days=i),
            retain=3,
        )
        stream = version.manifest["ldes"]
        rows.append(
            {
                "version": label,
                "publish_seconds": round(time.perf_counter() - began, 2),
                "ldes_seconds": round(timing["seconds"], 2),
                "described": stream["described"],
                "members": stream["members"],
                "pages": stream["pages"],
                "pages_bytes": _size(version.path / "ldes" / "pages"),
                "state_bytes": sum(  # the state and, since its format 3, its table
                    path.stat().st_size for path in (version.path / "ldes").glob("state*.gz")
                ),
            }
        )
    return {
        "programmes": programmes,
        "quads": len(quads),
        "page_size": page_size,
        "versions": rows,
        "serving": serving(data_dir),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def serving(data_dir: Path, repeats: int = 3) -> list[dict[str, Any]]:
    """Seconds (median of `repeats`) and bytes of the root node and of full page 1."""
    from graph import settings
    from server import create_app

    app = create_app(settings.load({"data_dir": str(data_dir)}, environ={}))
    rows = []
    with app.test_client() as client:
        client.get("/ldes")  # the first request opens the version
        for path in ("/ldes.nq", "/ldes/1.nq", "/ldes/1.trig", "/ldes/1.ttl"):
            times, size = [], 0
            for _ in range(repeats):
                began = time.perf_counter()
                response = client.get(path)
                times.append(time.perf_counter() - began)
                assert response.status_code == 200, path
                size = len(response.data)
            median = round(statistics.median(times), 3)
            rows.append({"path": path, "seconds": median, "bytes": size})
    return rows


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"# Change stream build step, {results['date']}",
        "",
        f"{machine_line(m)}. Command: `python -m bench.ldes {' '.join(results['argv'])}`.",
        "",
        "| programmes | quads | version | stream writer s | described | members | pages | "
        "pages MB | state MB | publish s (with dumps, change record) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for size in results["sizes"]:
        for row in size["versions"]:
            lines.append(
                f"| {size['programmes']:,} | {size['quads']:,} | {row['version']} | "
                f"{row['ldes_seconds']} | {row['described']:,} | {row['members']:,} | "
                f"{row['pages']} | {row['pages_bytes'] / 1e6:.1f} | "
                f"{row['state_bytes'] / 1e6:.2f} | {row['publish_seconds']} |"
            )
    lines += [
        "",
        "Serving the last version (Flask test client, median of 3):",
        "",
        "| programmes | request | seconds | MB |",
        "| --- | --- | --- | --- |",
    ]
    for size in results["sizes"]:
        for row in size.get("serving", []):
            lines.append(
                f"| {size['programmes']:,} | `GET {row['path']}` | {row['seconds']} | "
                f"{row['bytes'] / 1e6:.2f} |"
            )
    lines += [
        "",
        "Peak memory of the process (all sizes, cumulative maximum): "
        + ", ".join(f"{s['programmes']:,}: {s['max_rss_mb']} MB" for s in results["sizes"]),
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ldes", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000", help="programmes, comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--page-size", type=int, default=DEFAULT_PAGE_SIZE)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "argv": list(argv if argv is not None else sys.argv[1:]),
        "machine": machine(),
        "sizes": [],
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stem = RESULTS_DIR / ("ldes-" + datetime.now(UTC).strftime("%Y-%m-%dT%H%M%S"))
    for n in sizes:  # written after each size: a long run leaves what it measured
        results["sizes"].append(measure(n, args.seed, WORK_DIR, args.page_size))
        stem.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        stem.with_suffix(".md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
