"""bench/build.py end to end at a tiny size: the build, the bulk-load floor and the 1% rebuild
are measured and written with the machine."""

from __future__ import annotations

import json
from pathlib import Path

from bench import build


def test_the_build_benchmark_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "results"
    work = tmp_path / "work"
    args = ["--sizes", "3", "--work", str(work), "--out", str(out), "--disk-mb", "16",
            "--cpu-rounds", "2"]  # fmt: skip
    assert build.main(args) == 0
    [json_file] = out.glob("build-*.json")
    results = json.loads(json_file.read_text(encoding="utf-8"))
    assert results["machine"]["cores"]
    for when in ("start", "end"):  # the disk probed before and after, its file removed
        disk = results["disk"][when]
        assert disk["mb"] == 16 and disk["write_mb_s"] > 0 and disk["read_mb_s"] > 0
    assert not list(work.glob(".disk-probe-*"))
    [size] = results["sizes"]
    # the processor probed at the start, after the build (before its floor) and at the end,
    # each probe the same work
    probes = [results["processor"]["start"], size["processor_after_build"],
              results["processor"]["end"]]  # fmt: skip
    assert len({p["statements"] for p in probes}) == 1 and probes[0]["statements"] > 1000
    assert all(p["rounds"] == 2 and 0 < p["fastest_s"] <= p["median_s"] for p in probes)
    assert size["programmes"] == 3 and size["source_files"] == 4
    assert size["rebuild"]["changed_sources"] == 1
    assert size["quads"] > 300
    for step in ("build", "floor", "rebuild"):
        assert size[step]["seconds"] > 0 and size[step]["peak_tree_rss_mb"] > 0
        # a page shared by forked processes counts once in the PSS sum, once each in RSS
        assert 0 < size[step]["peak_tree_pss_mb"] <= size[step]["peak_tree_rss_mb"] * 1.05
        # the anonymous part leaves out mapped files' pages
        assert 0 < size[step]["peak_tree_anon_pss_mb"] <= size[step]["peak_tree_pss_mb"]
    common = {"read", "validate", "store", "writer write_dumps"}
    for run in ("build", "rebuild"):  # the build's own timing of its steps, and their memory
        # the rebuild's dataset.nq is merged from the previous one's, not sorted
        expected = common | ({"sort"} if run == "build" else {"merge"})
        assert expected <= set(size[run]["steps"])
        assert not ({"sort", "merge"} - expected) & set(size[run]["steps"])
        peaks = size[run]["step_peaks_mb"]
        assert set(peaks) == set(size[run]["steps"])
        assert all(0 < peaks[name] <= size[run]["peak_tree_rss_mb"] for name in expected)
        pss = size[run]["step_peaks_pss_mb"]
        assert all(0 < pss[name] <= size[run]["peak_tree_pss_mb"] for name in expected)
        # the timeline: each step's line and the notes inside, seconds since the start
        lines = size[run]["timeline"]
        seconds = [float(line.split()[0]) for line in lines]
        assert seconds == sorted(seconds) and 0 <= seconds[0] <= size[run]["seconds"]
        assert any(line.split(None, 1)[1].startswith("time validate: ") for line in lines)
        assert any(line.split(None, 1)[1].startswith("validating ") for line in lines)
    text = (out / json_file.name.replace(".json", ".md")).read_text(encoding="utf-8")
    assert "Disk (16 MB written and fsync'd, read back cold): at the start, write" in text
    assert "Processor (bench/processor.py: " in text
    assert "after the 3-programme build, " in text


SPIN_AND_SLEEP = """
import sys, time
start, cpu = time.perf_counter(), time.process_time()
while time.perf_counter() - start < 2.0:
    pass
took = time.perf_counter() - start
print(f"time spin: {took:.2f} s", file=sys.stderr, flush=True)
print((time.process_time() - cpu) / took)  # the cores it had (less than one on a busy machine)
start = time.perf_counter()
time.sleep(1.5)
print(f"time sleep: {time.perf_counter() - start:.2f} s", file=sys.stderr, flush=True)
"""


def test_a_step_busy_on_one_core_counts_one_core_and_a_waiting_step_none() -> None:
    import sys

    measured = build.measure([sys.executable, "-c", SPIN_AND_SLEEP])
    cores, had = measured["step_cores"], float(measured["stdout"])
    assert had > 0.3  # the machine was not too busy for the test to mean anything
    assert abs(cores["spin"] - had) <= 0.2
    assert cores["sleep"] <= 0.15


def test_cores_busy_are_the_cpu_seconds_between_the_samples_nearest_the_step() -> None:
    lines = [(10.0, "time read: 4.00 s\n"), (12.0, "note\n"), (13.0, "time sort: 3.00 s\n")]
    times = [t / 2 for t in range(8, 27)]  # a sample every half second from 4 to 13 s
    cpu = [(t, 2.0 * t if t <= 10 else 20 + 0.5 * (t - 10)) for t in times]
    # read: from 6 s to 10 s at two cores; sort: 10 to 13 s, where the CPU went from 20 to
    # 21.5 s, half a core
    assert build.step_cores(lines, cpu) == {"read": 2.0, "sort": 0.5}


WRITE_AND_SLEEP = """
import os, sys, tempfile, time
start = time.perf_counter()
time.sleep(0.6)  # the sampler looks inside the step before the writes and after them
with tempfile.TemporaryFile(dir=sys.argv[1]) as fh:
    for _ in range(32):
        fh.write(os.urandom(2**20))
    fh.flush()
    os.fsync(fh.fileno())
    time.sleep(0.6)
    print(f"time write: {time.perf_counter() - start:.2f} s", file=sys.stderr, flush=True)
start = time.perf_counter()
time.sleep(1.0)
print(f"time sleep: {time.perf_counter() - start:.2f} s", file=sys.stderr, flush=True)
"""


def test_a_step_that_writes_to_the_disk_counts_its_megabytes_and_a_sleeping_step_none() -> None:
    import sys
    import tempfile

    # Beside the benchmark's own work, on the clone's disk: a temporary folder may be in
    # memory (tmpfs), whose writes no disk counts.
    build.WORK_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=build.WORK_DIR) as folder:
        measured = build.measure([sys.executable, "-c", WRITE_AND_SLEEP, folder])
    written = measured["step_written_mb"]
    assert 24 <= written["write"] <= 40  # 32 MB (the samples nearest its ends may miss some)
    assert written["sleep"] < 1
    assert measured["step_read_mb"]["sleep"] < 1


def test_disk_megabytes_are_the_growth_between_the_samples_nearest_the_step() -> None:
    lines = [(10.0, "time read: 4.00 s\n"), (13.0, "time sort: 3.00 s\n")]
    times = [t / 2 for t in range(8, 27)]
    total = [(t, 2**20 * (3 * t if t <= 10 else 30)) for t in times]  # 3 MB a second to 10 s
    assert build.step_growth(lines, total, 2**20) == {"read": 12.0, "sort": 0.0}
