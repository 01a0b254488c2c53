"""How much a forked query executor copies of the in-memory store (bench/README.md).

    .venv/bin/python -m bench.fork_copy bench/work/data/synthetic-10000-seed1-*.nq

Loads the file into a pyoxigraph memory store, runs one heavy query in this process, then in
forked children (as graph/store/pool.py runs every query): cold, after a full scan, and a
second time. Prints milliseconds and minor page faults (each a 4 KiB page copied on write).
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable

import pyoxigraph as ox

COUNT_PER_FIELD = """
PREFIX pro: <https://w3id.org/prospectus/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?field ?label (COUNT(?programme) AS ?programmes) WHERE {
  ?programme a pro:StudyProgramme ; pro:fieldOfEducation ?field .
  ?field skos:prefLabel ?label .
  FILTER(langMatches(lang(?label), "en"))
}
GROUP BY ?field ?label ORDER BY DESC(?programmes) ?label
"""


def measure(label: str, work: Callable[[], object]) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.perf_counter()
    work()
    elapsed = time.perf_counter() - start
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    print(
        f"{label:34s} {elapsed * 1000:8.0f} ms {faults:9d} page faults (~{faults * 4 // 1024} MB)",
        flush=True,
    )


def main(path: str) -> None:
    store = ox.Store()
    store.bulk_load(path=path, format=ox.RdfFormat.N_QUADS)

    def query() -> object:
        return list(store.query(COUNT_PER_FIELD, use_default_graph_as_union=True))

    def scan() -> object:
        return sum(1 for _ in store)

    measure("parent: count-per-field", query)
    measure("parent: count-per-field again", query)
    for warm in (False, True):
        pid = os.fork()
        if pid == 0:
            if warm:
                measure("child: full scan first", scan)
            measure("child: count-per-field", query)
            measure("child: count-per-field again", query)
            os._exit(0)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m bench.fork_copy FILE.nq")
    main(sys.argv[1])
