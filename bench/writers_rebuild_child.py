"""One tree's run of bench/writers_rebuild.py (imported through PYTHONPATH): publish the
catalogue with the writers named (default the four beside the others: dumps, statistics,
search index, facets; `changes` and `ldes` add the change record and the change stream, in
the build's order), change 1% of the programme titles, publish again; prints the seconds of
each writer as JSON."""

from __future__ import annotations

import importlib
import json
import os
import re
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from graph.build.pipeline import publish_dataset

FOUR = ("dumps", "statistics", "search_index", "facets")
TITLE = re.compile(r'^(<[^>]*/programme/[^>]*> <http://purl.org/dc/terms/title> ")([^"]*)(")')


def timed(writer: Callable[[Any], None], seconds: dict[str, float]) -> Callable[[Any], None]:
    def run(ctx: Any) -> None:
        start = time.perf_counter()
        writer(ctx)
        seconds[writer.__name__] = round(time.perf_counter() - start, 2)

    run.__name__ = writer.__name__
    return run


def writer(name: str) -> Callable[[Any], None]:
    """A writer by its short name (its module's under graph/build/writers/), imported from
    the tree being measured; the change stream with one worker a core, as a build runs it."""
    if name == "ldes":
        from graph.build.writers.ldes import ldes_writer

        return ldes_writer(workers=os.cpu_count() or 1)
    found: Callable[[Any], None] = getattr(
        importlib.import_module(f"graph.build.writers.{name}"), f"write_{name}"
    )
    return found


def main() -> None:
    catalogue, work = Path(sys.argv[1]), Path(sys.argv[2])
    names = sys.argv[3].split(",") if len(sys.argv) > 3 else list(FOUR)
    lines = catalogue.read_text(encoding="utf-8").splitlines()
    writers = tuple(writer(name) for name in names)
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
