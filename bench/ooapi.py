"""How long the OOAPI read API (graph/ooapi_api) takes per answer as the catalogue grows.

    .venv/bin/python -m bench.ooapi --sizes 1000,10000,100000

For each size: the synthetic catalogue (`prospectus generate`, cached in bench/work/data/ as
for `make bench`), served from an in-memory Oxigraph store with the default settings (its
query processes, timeouts and row caps), and each kind of answer asked `--requests` times in
this process, without HTTP: median, 90th percentile and maximum in milliseconds. Results go
to bench/results/ooapi-{date}.json and .md with the machine. docs/ooapi.md quotes them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from graph.ooapi_api import Answer, Context, answer, ids
from graph.settings import load
from graph.store.files import open_files

from .report import machine, machine_line
from .run import RESULTS_DIR, WORK_DIR, dataset

CTX = Context(today=date(2026, 9, 1))


def _timed(
    call: Callable[[], Answer], count: int, before: Callable[[], None] | None = None
) -> dict:
    times = []
    for _ in range(count):
        if before is not None:
            before()
        began = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - began) * 1000)
        assert result.status == 200, result.document
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(times[int(0.9 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
        "requests": count,
    }


def measure(programmes: int, count: int, seed: int) -> dict[str, Any]:
    path, summary = dataset(programmes, seed, WORK_DIR)
    began = time.perf_counter()
    store = open_files([path], load({}, environ={}))
    opened = time.perf_counter() - began

    def get(route: str, **params: Any) -> Answer:
        args = {k: [str(v)] for k, v in params.items()}
        return answer(store, "GET", route, args, CTX)

    try:
        get("/programs")  # the query processes start
        middle = max(1, programmes // 200)
        some = get("/programs", pageSize=10, pageNumber=middle).document["items"][0]
        pid = some["programId"]
        offering = get(f"/programs/{pid}/offerings").document["items"][0]["offeringId"]
        results: dict[str, Any] = {}
        began = time.perf_counter()
        get("/organizations")
        results["organizations, first (builds the index)"] = {
            "median_ms": round((time.perf_counter() - began) * 1000, 1),
            "requests": 1,
        }
        org = get("/organizations", pageSize=10, pageNumber=2).document["items"][0]
        cases: dict[str, tuple[Callable[[], Answer], Callable[[], None] | None]] = {
            "programs, page 1 of 10": (lambda: get("/programs"), None),
            "programs, a middle page of 100": (
                lambda: get("/programs", pageSize=100, pageNumber=max(1, programmes // 200)),
                None,
            ),
            "programs, a middle page of 250": (
                lambda: get("/programs", pageSize=250, pageNumber=max(1, programmes // 500)),
                None,
            ),
            "programs, -name, page 3 of 100": (
                lambda: get("/programs", pageSize=100, pageNumber=3, sort="-name"),
                None,
            ),
            "programs, teachingLanguage=deu, page 2 of 100": (
                lambda: get("/programs", pageSize=100, pageNumber=2, teachingLanguage="deu"),
                None,
            ),
            "programs, levelOfQualification=7, page 5 of 50": (
                lambda: get("/programs", pageSize=50, pageNumber=5, levelOfQualification="7"),
                None,
            ),
            "programs, q=law, page 1 of 50": (lambda: get("/programs", pageSize=50, q="law"), None),
            "program by id (id remembered)": (lambda: get(f"/programs/{pid}"), None),
            "program by id (found by SHA-1)": (lambda: get(f"/programs/{pid}"), ids.forget),
            "program, expand=organization": (
                lambda: get(f"/programs/{pid}", expand="organization"),
                None,
            ),
            "program offerings": (lambda: get(f"/programs/{pid}/offerings"), None),
            "offering by id (found by SHA-1)": (lambda: get(f"/offerings/{offering}"), ids.forget),
            "organizations, page 2 of 10": (
                lambda: get("/organizations", pageSize=10, pageNumber=2),
                None,
            ),
            "organization programs, page 1 of 50": (
                lambda: get(f"/organizations/{org['organizationId']}/programs", pageSize=50),
                None,
            ),
        }
        for name, (call, before) in cases.items():
            results[name] = _timed(call, count, before)
    finally:
        store.close()
    return {
        "programmes": programmes,
        "quads": summary.get("quads"),
        "store_open_seconds": round(opened, 1),
        "answers": results,
    }


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"# OOAPI read API: time per answer ({report['date']})",
        "",
        f"{machine_line(m)}; in-process answers from an in-memory "
        "Oxigraph store with the default settings (`python -m bench.ooapi`).",
        "",
    ]
    sizes = report["sizes"]
    header = "| answer | " + " | ".join(f"{s['programmes']:,} programmes" for s in sizes) + " |"
    lines += [header, "| --- |" + " --- |" * len(sizes)]
    names = list(sizes[0]["answers"])
    for name in names:
        cells = []
        for size in sizes:
            entry = size["answers"][name]
            if "p90_ms" in entry:
                cells.append(f"{entry['median_ms']} (p90 {entry['p90_ms']})")
            else:
                cells.append(str(entry["median_ms"]))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "Milliseconds: median (90th percentile) of the requests of each row."]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="programmes, comma separated")
    parser.add_argument("--requests", type=int, default=20, help="requests per answer kind")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    stamp = datetime.now(UTC)
    report = {
        "date": stamp.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "sizes": [measure(n, args.requests, args.seed) for n in sizes],
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    name = f"ooapi-{stamp.strftime('%Y-%m-%dT%H%M%S')}"
    (RESULTS_DIR / f"{name}.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    (RESULTS_DIR / f"{name}.md").write_text(markdown(report), encoding="utf-8")
    print(markdown(report))
    print(f"written: {RESULTS_DIR / name}.json and .md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
