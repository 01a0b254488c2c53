"""One tree's run of bench/writers_rebuild.py (imported through PYTHONPATH): publish the
catalogue with the four writers, change 1% of the programme titles, publish again; prints
the seconds of each writer as JSON."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from graph.build.pipeline import publish_dataset
from graph.build.writers.dumps import write_dumps
from graph.build.writers.facets import write_facets
from graph.build.writers.search_index import write_search_index
from graph.build.writers.statistics import write_statistics

TITLE = re.compile(r'^(<[^>]*/programme/[^>]*> <http://purl.org/dc/terms/title> ")([^"]*)(")')


def timed(writer: Callable[[Any], None], seconds: dict[str, float]) -> Callable[[Any], None]:
    def run(ctx: Any) -> None:
        start = time.perf_counter()
        writer(ctx)
        seconds[writer.__name__] = round(time.perf_counter() - start, 2)

    run.__name__ = writer.__name__
    return run


def main() -> None:
    catalogue, work = Path(sys.argv[1]), Path(sys.argv[2])
    lines = catalogue.read_text(encoding="utf-8").splitlines()
    writers = (write_dumps, write_statistics, write_search_index, write_facets)
    results: dict[str, Any] = {"quads": len(set(lines))}
    for step, when in (("build", "2026-11-01T10:00:00+00:00"), ("rebuild", None)):
        if when is None:
            changed, out = 0, []
            for line in lines:
                if TITLE.match(line):
                    changed += 1
                    if changed % 100 == 0:
                        line = TITLE.sub(r"\1\2 (revised)\3", line)
                out.append(line)
            lines, results["changed"] = out, changed // 100
            when = "2026-11-02T10:00:00+00:00"
        seconds: dict[str, float] = {}
        publish_dataset(
            work,
            lines,
            writers=tuple(timed(w, seconds) for w in writers),
            now=datetime.fromisoformat(when),
            load_store=True,
        )
        results[step] = seconds
    print(json.dumps(results))


if __name__ == "__main__":
    main()
