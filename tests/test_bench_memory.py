"""The memory benchmark (bench/memory/): its measurement of a process tree, and a quick run
of its layouts end to end on a tiny graph."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench import memory

ALLOCATE = """
import sys
block = bytearray(64 * 1024 * 1024)
for i in range(0, len(block), 4096):
    block[i] = 1
print("ready", flush=True)
sys.stdin.readline()
"""


def test_a_snapshot_counts_the_memory_a_session_touches() -> None:
    with subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", ALLOCATE],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as child:
        try:
            assert child.stdout is not None and child.stdin is not None
            assert child.stdout.readline().strip() == "ready"
            shot = memory.snapshot(child.pid, ("process",))
            assert [p["pid"] for p in shot["processes"]] == [child.pid]
            assert shot["pss_kb"] >= 64 * 1024
            assert shot["by_role"]["process"]["Private_Dirty"] >= 64 * 1024
            child.stdin.write("\n")
            child.stdin.flush()
            child.wait(timeout=30)
            assert memory.snapshot(child.pid, ("process",))["processes"] == []
        finally:
            child.kill()


def test_percentiles_are_of_the_series_given() -> None:
    one = memory.summary_ms([0.004, 0.001, 0.002, 0.003, 0.005])
    assert one == {"n": 5, "first_ms": 4.0, "median_ms": 3.0, "p99_ms": 5.0}
    assert memory.summary_ms([]) == {"n": 0}


def _runners() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"bench.memory" in cmdline and b"--runner" in cmdline:
                found.append(int(entry.name))
    return found


@pytest.mark.live
def test_quick_run_measures_every_layout_and_leaves_no_process(tmp_path: Path) -> None:
    out, work = tmp_path / "results", tmp_path / "work"
    layouts = [
        "baseline",
        "threads",
        "fork-read",
        "fork-pool",
        "fork-threads",
        "disk-pool",
        "hybrid",
        "alternating",
        "server-disk",
    ]
    before = set(_runners())
    assert (
        memory.main(
            [
                "--quick",
                "--sizes",
                "30",
                "--layouts",
                ",".join(layouts),
                "--out",
                str(out),
                "--work",
                str(work),
            ]
        )
        == 0
    )
    assert set(_runners()) - before == set()
    [json_file] = out.glob("memory-*-quick.json")
    results = json.loads(json_file.read_text())
    [size] = results["sizes"]
    measured = size["layouts"]
    assert list(measured) == layouts
    for layout in layouts:
        assert "error" not in measured[layout], measured[layout]
        assert measured[layout]["peak_pss_kb"] > 0
    assert measured["baseline"]["peak_rss_kb"] > 0
    assert measured["baseline"]["quads"] == size["quads"]
    # today's tree: a master, 2 workers, 2 executors each
    warm = measured["fork-pool"]["checkpoints"]["warm"]["by_role"]
    assert {role: v["count"] for role, v in warm.items()} == {
        "master": 1,
        "worker": 2,
        "executor": 4,
    }
    service = measured["fork-threads"]["checkpoints"]["warm"]["by_role"]
    assert {role: v["count"] for role, v in service.items()} == {
        "master": 1,
        "query process": 1,
        "worker": 2,
    }
    # the runaway: a thread runs on past the deadline; a process is killed and replaced
    assert measured["threads"]["timeout"]["runs_on_s"] >= 0
    for layout in ("fork-pool", "fork-threads", "disk-pool", "hybrid"):
        timeout = measured[layout]["timeout"]
        assert timeout["answer_after_s"] < 30, layout
        assert timeout["replacement_ready_s"] > 0, layout
    hybrid = measured["hybrid"]["checkpoints"]["warm"]["by_role"]
    assert {role: v["count"] for role, v in hybrid.items()} == {"web": 1, "executor": 2}
    for layout in ("baseline", "fork-pool", "fork-threads", "disk-pool", "hybrid"):
        steady = measured[layout]["latency"][-1]
        assert steady["lookup"]["n"] == 20
        assert steady["count-per-field"]["median_ms"] > 0
    assert measured["disk-pool"]["throughput"]["4"]["errors"] == 0
    both = measured["alternating"]["alternating"]
    assert set(both) == {"memory", "disk"}
    assert both["memory"]["lookup"]["n"] == both["disk"]["lookup"]["n"] == 20
    steps = [s["step"] for s in measured["fork-read"]["child_steps"]]
    assert steps[0] == "20 lookups" and steps[-1] == "len(store)"
    assert size["disk_store"]["bytes"] > 0
    # the real server on the on-disk store: its whole tree measured, pages and queries answered
    served = measured["server-disk"]
    tree = served["checkpoints"]["warm"]["by_role"]
    assert {role: v["count"] for role, v in tree.items()} == {
        "master": 1,
        "worker": 2,
        "zygote": 2,
        "executor": 4,
    }
    assert served["latency_http"]["page"]["requests"] == 20
    assert served["latency_http"]["page"]["errors"] == 0
    assert served["throughput_http"]["errors"] == 0
    summary = json_file.with_suffix(".md").read_text()
    assert "30 programmes" in summary and "fork-pool" in summary
