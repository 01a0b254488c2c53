"""`python -m bench.sparql_paths`: where the time of each query of the SPARQL mix goes.

One process, one synthetic catalogue (bench/run.py's, default 3,000 programmes), each query
of bench/queries/ measured along the path a request takes, each step adding one piece:

- `oxigraph`: pyoxigraph alone, the query as written, over the union default graph
  (`use_default_graph_as_union`), answer serialised as SPARQL JSON by pyoxigraph;
- `materialised`: the same over a store whose default graph holds each distinct triple once
  (no union option);
- `rewrite`: as `oxigraph`, with our ORDER BY rewrite (graph/store/ordering.py total_order);
- `engine`: our whole in-process path, OxigraphEngine.run (rewrite, row cap, conversion);
- `http`: one request after another over HTTP to `prospectus serve` (gunicorn, Flask, the
  executor processes), cache off, the bench client.

Median and minimum milliseconds over `--repeat` runs, cycling through the query's
parameters; in process the steps take turns and are timed in CPU time of this process, so
that other work on the machine weighs less on them; over HTTP, wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pyoxigraph as ox

from graph.store import ordering, results
from graph.store.executor import Job
from graph.store.oxigraph import OxigraphEngine

from . import client, report
from .peers import Prospectus
from .run import WORK_DIR, dataset, load_queries, parameters

STEPS = ("oxigraph", "materialised", "rewrite", "engine", "http")


def _interleaved(
    steps: dict[str, Callable[[str], object]], texts: Sequence[str], repeat: int
) -> dict[str, tuple[float, float]]:
    """(median, min) CPU milliseconds of this process per step, the steps taking turns on the
    same parameter so that a load from elsewhere falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    for run in steps.values():
        run(texts[0])  # warm-up
    for i in range(repeat):
        for name, run in steps.items():
            began = time.process_time()
            run(texts[i % len(texts)])
            times[name].append((time.process_time() - began) * 1000)
    return {name: (statistics.median(v), min(v)) for name, v in times.items()}


def _json(store: ox.Store, text: str, union: bool) -> bytes:
    answer = store.query(text, use_default_graph_as_union=union)
    assert isinstance(answer, ox.QuerySolutions)
    return answer.serialize(format=ox.QueryResultsFormat.JSON) or b""


def _rows(answer: object) -> int:
    """Solutions in an answer of a step (SPARQL JSON bytes, or the engine's Answer)."""
    body = answer if isinstance(answer, bytes) else cast(results.Answer, answer).body
    return len(json.loads(body)["results"]["bindings"])


def _wall_ms(conn: client.Connection, texts: Sequence[str], repeat: int) -> tuple[float, float]:
    conn.get(texts[0])
    times = []
    for i in range(repeat):
        reply = conn.get(texts[i % len(texts)])
        if reply.status != 200:
            raise SystemExit(f"HTTP {reply.status}: {reply.body[:200]!r} {reply.error}")
        times.append(reply.seconds * 1000)
    return statistics.median(times), min(times)


def measure(
    programmes: int, repeat: int, only: Sequence[str], http: bool, work: Path = WORK_DIR
) -> dict:
    data, summary = dataset(programmes, 1, work)
    values = parameters(summary, programmes, 1)
    queries = load_queries(only=only)
    store = ox.Store()
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    flat = ox.Store()  # the union materialised: each distinct triple once, default graph
    flat.extend(
        ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph())
        for q in store.quads_for_pattern(None, None, None, None)
    )
    engine = OxigraphEngine(store)
    table: dict[str, dict[str, tuple[float, float]]] = {}
    rows: dict[str, dict[str, int]] = {}
    for query in queries:
        texts = query.instances(values)
        steps: dict[str, Callable[[str], object]] = {
            "oxigraph": lambda t: _json(store, t, True),
            "materialised": lambda t: _json(flat, t, False),
            "rewrite": lambda t: _json(store, ordering.total_order(t), True),
            "engine": lambda t: engine.run(Job(t, (), (), "json", 10000)),
        }
        table[query.name] = _interleaved(steps, texts, repeat)
        rows[query.name] = {name: _rows(run(texts[0])) for name, run in steps.items()}
        print(query.name, table[query.name], file=sys.stderr, flush=True)
    if http:
        with Prospectus(data=data, work=work / "servers", cache_bytes=0) as server:
            conn = client.Connection(server.endpoint, 60)
            for query in queries:
                table[query.name]["http"] = _wall_ms(conn, query.instances(values), repeat)
            conn.close()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": report.machine(),
        "programmes": programmes,
        "quads": len(store),
        "distinct": len(flat),
        "load": [round(x, 2) for x in os.getloadavg()],
        "table": table,
        "rows": rows,
    }


def markdown(result: dict) -> str:
    lines = [
        f"# Where the time of a SPARQL query goes, {result['date']}",
        "",
        f"{report.machine_line(result['machine'])}; pyoxigraph {ox.__version__}.",
        "",
        f"{result['programmes']:,} programmes ({result['quads']:,} quads, "
        f"{result['distinct']:,} distinct triples), load average after {result['load']}; "
        "median (min) ms: CPU time of this process for the in-process steps, wall time over "
        "HTTP",
        "",
        "| query | rows | " + " | ".join(STEPS) + " |",
        "| --- | ---: |" + " ---: |" * len(STEPS),
    ]
    for name, row in result["table"].items():
        cells = [f"{row[s][0]:.2f} ({row[s][1]:.2f})" if s in row else "–" for s in STEPS]
        counts = sorted(set(result["rows"][name].values()))
        lines.append(f"| {name} | {'/'.join(map(str, counts))} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--programmes", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--only", default="", help="comma-separated query names")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP column")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    parser.add_argument("--work", type=Path, default=WORK_DIR, help="data and server folder")
    args = parser.parse_args(argv)
    only = [q for q in args.only.split(",") if q]
    result = measure(args.programmes, args.repeat, only, not args.no_http, args.work)
    text = markdown(result)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
