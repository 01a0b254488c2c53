"""Generated and mutated queries against a live server (bench/fuzz.py's generator, with
Hypothesis): no 5xx but the documented 503s, and no server process lost.

`make test` sends FUZZ_QUERIES (default 300) derandomized cases, the same each run; `make
fuzz` sends 10,000 and writes its results to bench/results/.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bench import fuzz

from .conftest import SHARED, LiveServer
from .process_support import intact, stats, wait_for_stats, wait_for_tree

pytestmark = pytest.mark.live

COUNT = int(os.environ.get("FUZZ_QUERIES", "300"))


@pytest.fixture(scope="module")
def fuzz_server(live_server_factory: Callable[..., LiveServer], built_data_dir: Path) -> LiveServer:
    return live_server_factory(settings={"data_dir": str(built_data_dir), "query_timeout": "2"})


def test_generated_and_mutated_queries_never_get_a_5xx(fuzz_server: LiveServer) -> None:
    server = fuzz_server
    quiet = lambda s: not (s["running_cheap"] or s["running_heavy"])  # noqa: E731
    wait_for_stats(server, quiet)
    before = wait_for_tree(server, 4)  # 2 workers x 2 query processes
    seeds = fuzz.seed_queries(SHARED / "ref" / "w3c-sparql-protocol" / "sparqles-ftask")
    assert len(seeds) > 40
    started = time.monotonic()
    outcome = fuzz.run(server.url + "/sparql", COUNT, seeds=seeds)
    took = time.monotonic() - started
    wait_for_stats(server, quiet)
    after = wait_for_tree(server, 4)  # killed ones replaced
    counts = stats(server)
    print(
        f"\n{outcome.sent} generated and mutated queries in {took:.1f} s: "
        + ", ".join(f"{status} x{n}" for status, n in sorted(outcome.statuses.items()))
    )
    assert outcome.failures == []
    assert outcome.sent >= COUNT
    answered = {s.split()[0] for s in outcome.statuses}
    assert {"200", "400"} <= answered  # it reached evaluation as well as refusals
    assert intact(before, after) == []
    assert counts["crashes"] == 0
