"""`python -m bench.search`: the full-text index (graph/search) against today's title search.

For each size it generates (or reuses, bench/work/data) a synthetic catalogue, then measures,
in process, one method after another on the same machine:

- the index build: `build_index` in a child process (wall time, the child's peak RSS, so that
  memory growing with the catalogue would show) and the size of `search.sqlite`;
- `search()` (20 hits, total and facet counts, as the /search page will ask) and `search()`
  without facets, p50/p99 per query over the word list;
- the SPARQL CONTAINS scan of bench/queries/title-search.rq (what `/search` does today) and
  the same question through `fn:textScore`, on a pyoxigraph store holding the catalogue.

Results go to bench/results/search-<time>.json and .md, with the machine (bench/report.py).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.search import search
from graph.store import text_search

from . import report
from .run import QUERIES_DIR, RESULTS_DIR, WORK_DIR, dataset

WORDS = ("chemistry", "journalism", "energy", "computer networks", "european law", "science")
TEXT_SCORE = """PREFIX fn: <https://w3id.org/prospectus/function#>
PREFIX pro: <https://w3id.org/prospectus/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?programme ?title ?score WHERE {
  ?programme a pro:StudyProgramme ; dct:title ?title .
  BIND(fn:textScore(?programme, "{{word}}") AS ?score) FILTER(BOUND(?score))
}
ORDER BY DESC(?score) ?programme
LIMIT 50
"""


def _log(message: str) -> None:
    print(f"[bench.search {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(p99 * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        "samples": len(ordered),
    }


def timed(call: Callable[[str], Any], words: Sequence[str], repeat: int) -> dict[str, Any]:
    call(words[0])  # warm
    samples = []
    for _ in range(repeat):
        for word in words:
            began = time.perf_counter()
            call(word)
            samples.append(time.perf_counter() - began)
    return percentiles(samples)


def build_in_child(nquads: Path, index: Path) -> dict[str, Any]:
    """Build the index in a child process: its wall time and peak RSS."""
    code = (
        "import sys; from pathlib import Path; from graph.search import build_index; "
        "print(build_index(Path(sys.argv[1]), Path(sys.argv[2])))"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, str(nquads), str(index)],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "documents": int(done.stdout.strip()),
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(max(peak, before) / 1024, 1),
        "index_mb": round(index.stat().st_size / 1024 / 1024, 2),
        "dataset_mb": round(nquads.stat().st_size / 1024 / 1024, 1),
    }


def _title_search_query() -> str:
    text = (QUERIES_DIR / "title-search.rq").read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("#"))


def measure(size: int, seed: int, repeat: int, sparql_repeat: int, work: Path) -> dict[str, Any]:
    nquads, summary = dataset(size, seed, work)
    index = work / f"search-{size}.sqlite"
    _log(f"{size}: building the index")
    built = build_in_child(nquads, index)
    _log(f"{size}: {built}")
    result: dict[str, Any] = {
        "programmes": size,
        "quads": summary.get("quads"),
        "build": built,
        "words": list(WORDS),
    }
    result["hits"] = {w: search(index, w, limit=20).total for w in WORDS}
    result["search"] = timed(lambda w: search(index, w, limit=20), WORDS, repeat)
    result["search_no_facets"] = timed(
        lambda w: search(index, w, limit=20, facets=False), WORDS, repeat
    )
    _log(f"{size}: index search {result['search']}")
    store = ox.Store()
    began = time.perf_counter()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    result["store_load_seconds"] = round(time.perf_counter() - began, 2)
    functions = text_search.functions(index)
    contains = _title_search_query()

    def scan(word: str) -> None:
        query = contains.replace("{{word}}", word.lower())
        list(store.query(query, use_default_graph_as_union=True))

    def score(word: str) -> None:
        query = TEXT_SCORE.replace("{{word}}", word)
        list(store.query(query, use_default_graph_as_union=True, custom_functions=functions))

    result["sparql_contains"] = timed(scan, WORDS, sparql_repeat)
    _log(f"{size}: SPARQL CONTAINS {result['sparql_contains']}")
    text_search._scores.cache_clear()  # every textScore query asks the index again
    result["sparql_text_score_first"] = timed(
        lambda w: (text_search._scores.cache_clear(), score(w)), WORDS, sparql_repeat
    )
    result["sparql_text_score_cached"] = timed(score, WORDS, sparql_repeat)
    _log(f"{size}: fn:textScore {result['sparql_text_score_first']}")
    return result


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"# Search benchmark, {results['date']}",
        "",
        f"{report.machine_line(m)}; load average at start {results['load_average']}.",
        "",
        "| size | index build | build peak RSS | index size | search p50 / p99 | "
        "without facets p50 / p99 | SPARQL CONTAINS p50 / p99 | fn:textScore p50 / p99 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in results["sizes"]:
        b = r["build"]
        lines.append(
            f"| {r['programmes']:,} programmes | {b['seconds']} s | {b['peak_rss_mb']} MB | "
            f"{b['index_mb']} MB (dump {b['dataset_mb']} MB) | "
            f"{r['search']['p50_ms']} / {r['search']['p99_ms']} ms | "
            f"{r['search_no_facets']['p50_ms']} / {r['search_no_facets']['p99_ms']} ms | "
            f"{r['sparql_contains']['p50_ms']} / {r['sparql_contains']['p99_ms']} ms | "
            f"{r['sparql_text_score_first']['p50_ms']} / "
            f"{r['sparql_text_score_first']['p99_ms']} ms |"
        )
    lines += [
        "",
        f"Words: {', '.join(results['sizes'][0]['words'])}; hits per word (total) at each size: "
        + "; ".join(
            f"{r['programmes']:,}: " + ", ".join(f"{w} {n}" for w, n in r["hits"].items())
            for r in results["sizes"]
        )
        + ".",
        "",
        "search: `graph.search.search(index, word, limit=20)` with the total and facet counts. "
        "SPARQL CONTAINS: bench/queries/title-search.rq (LIMIT 50, sorted by title) on a "
        "pyoxigraph in-memory store. fn:textScore: the same 50 programmes by score, each "
        "query asking the index afresh (the per-process cache cleared).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated programme counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=30, help="rounds over the words (index)")
    parser.add_argument("--sparql-repeat", type=int, default=5, help="rounds (SPARQL)")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--work", type=Path, default=WORK_DIR)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    started = datetime.now(UTC)
    with open("/proc/loadavg", encoding="ascii") as fh:
        load = " ".join(fh.read().split()[:3])
    results: dict[str, Any] = {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "load_average": load,
        "machine": report.machine(),
        "sizes": [
            measure(size, args.seed, args.repeat, args.sparql_repeat, args.work) for size in sizes
        ],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"search-{started:%Y-%m-%dT%H%M%S}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown(results), encoding="utf-8")
    _log(f"wrote {stem}.json and .md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
