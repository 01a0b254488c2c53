"""The catalogue build measured (issue 13 item 5): `make bench-build`.

For each size N, in one run:

1. `prospectus generate --programmes N --output DIR` writes a sources folder (not timed);
2. **build**: `prospectus build --sources DIR` into an empty data folder, from scratch;
3. **floor**: pyoxigraph alone bulk-loads the quads that build published (its dataset.nq)
   into an on-disk store, as the build's own store is (`Store.bulk_load`);
4. **rebuild**: 1% of the programme sources change (a title each) and the build runs again.

Each step runs in its own process; its peak memory is the largest sum of the resident set
sizes of that process and all its descendants, sampled from /proc every 200 ms (so a build
that forks workers is counted whole), with the kernel's maximum RSS of the largest process
(`getrusage(RUSAGE_CHILDREN)`) beside it. The same samples give the CPU time of the tree
(each process's user and system time plus that of its children it has waited for), so each
step's cores busy: its CPU seconds over its wall seconds (2.0 on this machine is both cores
all the time; far below 1, the step waited, mostly on the disk), and the bytes the tree
read from the disk and wrote to it (/proc/<pid>/io), which say whether it was the disk it
waited on. The build reports how long each of its steps took (read, validate, lines, sort
or merge, store, check, each writer: its `time …` progress lines), and those go into the
results too, each with the peak of the samples taken while it ran, its cores busy and its
disk MB (a step's window ends when its `time` line arrives and starts that many seconds
before).
The disk's speed is probed at the start and at the end of the run (bench/disk.py: a file of
`--disk-mb` MB written and fsync'd, then read back with the page cache emptied of it), so
that runs whose disk-bound steps differ can be told apart from code that changed. The
processor is probed at the start, after each build (before its floor) and at the end
(bench/processor.py: a fixed piece of the build's kind of Python work, CPU seconds): the
floor, mostly Rust, did not say how fast the build's Python ran (on 2026-12-04 the same
code's build went from 9.3 to 13.6 times its floor, the floor itself faster).
Results go to bench/results/build-<date>.json and .md with the machine (bench/report.py).
The targets: build ≤ 10× the floor at 100,000 programmes, rebuild ≤ 10% of the build, peak
≤ 4 GB.
"""

from __future__ import annotations

import argparse
import bisect
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from graph import paths

from . import disk, processes, processor, report

RESULTS_DIR = paths.ROOT / "bench" / "results"
WORK_DIR = paths.ROOT / "bench" / "work" / "build"
PROSPECTUS = str(Path(sys.executable).with_name("prospectus"))
TARGETS = {"build_over_floor": 10.0, "rebuild_over_build": 0.10, "peak_gb": 4.0}

FLOOR = """
import sys, pyoxigraph as ox
store = ox.Store(sys.argv[2])
store.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_QUADS)
store.flush()
print(len(store))
"""


def _log(message: str) -> None:
    print(f"[bench-build {datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Sample(NamedTuple):
    """One look at a process tree (`_tree_sample`): bytes and CPU seconds, summed."""

    rss: int
    pss: int
    anon: int
    cpu: float
    read: int
    written: int


def _tree_sample(root: int, proportional: bool = True) -> Sample:
    """(resident bytes summed, proportional bytes summed, anonymous proportional bytes
    summed, CPU seconds summed, disk bytes read and written summed) of `root` and every
    descendant, found in one pass over /proc. The CPU seconds of a process are its user and
    system time plus its waited-for children's (stat's utime, stime, cutime, cstime): a
    worker that has ended counts in its parent's, one still running on its own, never both;
    so do the disk bytes (/proc/<pid>/io's read_bytes and write_bytes: what the process
    had the storage layer read, or dirtied for it to write, page cache hits not counted; the
    kernel adds a reaped child's to its parent's). The RSS sum counts
    a page a forked worker shares with its parent once per process, the PSS sum once in all;
    the anonymous PSS leaves out the pages of mapped files (the staged dataset.nq the
    writers map: page cache) (bench/processes.py). Without `proportional`, the RSS sum only
    (0, 0 for the others): smaps_rollup walks every page table of a process, 70 ms a sample
    for a 100,000-programme build's processes."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    cpu: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            statm = (entry / "statm").read_text().split()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        ppid = int(fields[1])
        pid = int(entry.name)
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(statm[1]) * os.sysconf("SC_PAGE_SIZE")
        cpu[pid] = sum(int(t) for t in fields[11:15])  # utime, stime, cutime, cstime
    resident = proportional_sum = anonymous = ticks = read = written = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        resident += rss.get(pid, 0)
        ticks += cpu.get(pid, 0)
        pid_read, pid_written = _disk_bytes(pid)
        read, written = read + pid_read, written + pid_written
        if proportional:
            pss_kb, anon_kb = processes.pss_split_kb(pid)
            proportional_sum += pss_kb * 1024
            anonymous += anon_kb * 1024
        todo.extend(children.get(pid, []))
    return Sample(resident, proportional_sum, anonymous, ticks / CLOCK_TICKS, read, written)


def _disk_bytes(pid: int) -> tuple[int, int]:
    """Bytes `pid` (with its reaped children) had read from and written to the storage
    layer: /proc/<pid>/io's read_bytes and write_bytes (0, 0 once it has gone)."""
    try:
        fields = dict(
            line.split(": ", 1) for line in Path(f"/proc/{pid}/io").read_text().splitlines()
        )
    except OSError:
        return 0, 0
    return int(fields.get("read_bytes", 0)), int(fields.get("write_bytes", 0))


class _Sampler(threading.Thread):
    """Samples the resident memory of a process tree every `interval` seconds, and its
    proportional and anonymous memory every `every`-th sample (the costly part: at 0.2 s a
    sample of all three took a quarter of one of the machine's two cores from the build it
    measured, at 100,000 programmes)."""

    def __init__(self, pid: int, interval: float = 0.2, every: int = 10) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.every = pid, interval, every
        self.samples: list[tuple[float, int]] = []  # (perf_counter, RSS bytes summed)
        self.pss: list[tuple[float, int]] = []  # (perf_counter, PSS bytes summed)
        self.anon: list[tuple[float, int]] = []  # (perf_counter, anonymous PSS bytes summed)
        self.cpu: list[tuple[float, float]] = []  # (perf_counter, CPU seconds summed)
        self.read: list[tuple[float, float]] = []  # (perf_counter, disk bytes read summed)
        self.written: list[tuple[float, float]] = []  # (perf_counter, disk bytes written)
        self.done = threading.Event()

    def run(self) -> None:
        count = 0
        while not self.done.is_set():
            proportional = count % self.every == 0
            sample = _tree_sample(self.pid, proportional)
            now = time.perf_counter()
            self.samples.append((now, sample.rss))
            self.cpu.append((now, sample.cpu))
            self.read.append((now, sample.read))
            self.written.append((now, sample.written))
            if proportional:
                self.pss.append((now, sample.pss))
                self.anon.append((now, sample.anon))
            count += 1
            self.done.wait(self.interval)


def measure(args: Sequence[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run `args`; wall time, peak memory of its process tree (and of each step the build
    times: `step_peaks`), exit status and output."""
    with tempfile.TemporaryFile("w+") as out_file:
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(args),
            env={**os.environ, **(env or {})},
            stdout=out_file,
            stderr=subprocess.PIPE,
            text=True,
            cwd=paths.ROOT,
        )
        sampler = _Sampler(proc.pid)
        sampler.start()
        assert proc.stderr is not None
        with proc.stderr:
            err_lines = [(time.perf_counter(), line) for line in proc.stderr]  # when each came
        proc.wait()
        sampler.done.set()
        sampler.join()
        seconds = time.perf_counter() - start
        out_file.seek(0)
        out = out_file.read()
    err = "".join(line for _t, line in err_lines)
    peak = max((rss for _t, rss in sampler.samples), default=0)
    peak_pss = max((pss for _t, pss in sampler.pss), default=0)
    peak_anon = max((anon for _t, anon in sampler.anon), default=0)
    maxrss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}:\n{err[-3000:]}")
    return {
        "seconds": round(seconds, 2),
        "peak_tree_rss_mb": round(peak / 2**20, 1),
        "peak_tree_pss_mb": round(peak_pss / 2**20, 1),
        "peak_tree_anon_pss_mb": round(peak_anon / 2**20, 1),
        "max_child_rss_mb_so_far": round(maxrss_kb / 1024, 1),
        "steps": steps(err),
        "timeline": timeline(err_lines, start),
        "step_peaks_mb": step_peaks(err_lines, sampler.samples),
        "step_peaks_pss_mb": step_peaks(err_lines, sampler.pss),
        "step_peaks_anon_pss_mb": step_peaks(err_lines, sampler.anon),
        "step_cores": step_cores(err_lines, sampler.cpu),
        "step_read_mb": step_growth(err_lines, sampler.read, 2**20),
        "step_written_mb": step_growth(err_lines, sampler.written, 2**20),
        "stdout": out.strip()[-500:],
    }


STEP = re.compile(r"^time (.+): ([0-9.]+) s$", re.MULTILINE)


def steps(stderr: str) -> dict[str, float]:
    """The build's own timing of each step (its `time <step>: <seconds> s` progress lines:
    read, validate, lines and sort or merge, store, check, each writer)."""
    found: dict[str, float] = {}
    for name, seconds in STEP.findall(stderr):
        found[name] = round(found.get(name, 0.0) + float(seconds), 2)
    return found


# The build's own lines worth keeping in the results besides the steps' times: the end of
# each progress bar (`… done in N s`: validation's batches, the SPARQL constraints) and
# the notes that start and end a step's parts.
NOTE = re.compile(r" done in [0-9.]+ s$|^(validating \d|SPARQL constraints' store|publishing)")


def timeline(err_lines: Sequence[tuple[float, str]], start: float) -> list[str]:
    """The steps' lines (`time …`) and NOTE lines, each after the seconds since `start` at
    which it came: where inside a step its time went."""
    return [
        f"{arrived - start:8.1f}  {line.rstrip()}"
        for arrived, line in err_lines
        if STEP.match(line.rstrip("\n")) or NOTE.search(line.rstrip("\n"))
    ]


def step_peaks(
    err_lines: Sequence[tuple[float, str]], samples: Sequence[tuple[float, int]]
) -> dict[str, float]:
    """Each timed step's peak memory (MB, the process tree's): the largest sample taken
    between its start (its `time` line's arrival less its seconds) and that line. Steps
    nest (publishing's inside the build's), so a sample may count for more than one."""
    found: dict[str, float] = {}
    for arrived, line in err_lines:
        match = STEP.match(line.rstrip("\n"))
        if match is None:
            continue
        name, begun = match.group(1), arrived - float(match.group(2))
        inside = [rss for t, rss in samples if begun <= t <= arrived]
        if not inside:  # shorter than the sampling interval: the last sample before its end
            inside = [rss for t, rss in samples if t <= arrived][-1:] or [samples[0][1]]
        mb = round(max(inside, default=0) / 2**20, 1)
        found[name] = max(found.get(name, 0.0), mb)
    return found


def step_cores(
    err_lines: Sequence[tuple[float, str]], cpu: Sequence[tuple[float, float]]
) -> dict[str, float]:
    """Each timed step's cores busy: the process tree's CPU seconds between the samples
    nearest its start and its end, over the seconds between them (a step shorter than two
    sampling intervals has none). A step timed more than once keeps its longest run's."""
    return {
        name: round(grown / seconds, 2)
        for name, (grown, seconds) in _step_windows(err_lines, cpu).items()
    }


def step_growth(
    err_lines: Sequence[tuple[float, str]], series: Sequence[tuple[float, float]], unit: float
) -> dict[str, float]:
    """Each timed step's growth of a running total (disk bytes read or written, in `unit`s)
    between the samples nearest its start and its end, as `step_cores` takes them: what
    the step read from the disk, or wrote (a cold page cache makes a step read more)."""
    return {
        name: round(grown / unit, 1)
        for name, (grown, _seconds) in _step_windows(err_lines, series).items()
    }


def _step_windows(
    err_lines: Sequence[tuple[float, str]], series: Sequence[tuple[float, float]]
) -> dict[str, tuple[float, float]]:
    """For each timed step, (how much the total in `series` grew, seconds) between the
    samples nearest its start (its `time` line's arrival less its seconds) and its end."""
    found: dict[str, tuple[float, float, float]] = {}  # name -> (step s, growth, window s)
    times = [t for t, _value in series]
    for arrived, line in err_lines:
        match = STEP.match(line.rstrip("\n"))
        if match is None:
            continue
        name, took = match.group(1), float(match.group(2))
        first = bisect.bisect_left(times, arrived - took)
        last = bisect.bisect_right(times, arrived) - 1
        if first >= len(times) or last <= first or times[last] - times[first] < 0.4:
            continue
        grown, window = series[last][1] - series[first][1], times[last] - times[first]
        if name not in found or found[name][0] < took:
            found[name] = (took, grown, window)
    return {name: (grown, window) for name, (_took, grown, window) in found.items()}


def change_titles(folder: Path, share: float) -> int:
    """Change the dct:title of `share` of the programme sources (every k-th file)."""
    files = sorted(folder.glob("synthetic-programme-*.nq"))
    step = max(1, round(1 / share))
    title = re.compile(r'(<http://purl.org/dc/terms/title> ")([^"]*)(")')
    changed = 0
    for path in files[::step]:
        text = path.read_text(encoding="utf-8")
        new, n = title.subn(r"\1\2 (revised)\3", text, count=1)
        if n:
            path.write_text(new, encoding="utf-8")
            changed += 1
    return changed


def bench_size(
    programmes: int, seed: int, work: Path, cpu_rounds: int = processor.ROUNDS
) -> dict[str, Any]:
    root = work / str(programmes)
    shutil.rmtree(root, ignore_errors=True)
    sources, data, floor_store = root / "sources", root / "data", root / "floor-store"
    env = {"PROSPECTUS_DATA_DIR": str(data)}
    _log(f"{programmes}: generate")
    gen = measure([PROSPECTUS, "generate", "-n", str(programmes), "--seed", str(seed),
                   "-o", str(sources)])  # fmt: skip
    _log(f"{programmes}: build from scratch")
    build = measure([PROSPECTUS, "build", "--sources", str(sources)], env)
    _log(f"{programmes}: build {build['seconds']} s, peak {build['peak_tree_rss_mb']} MB, "
         f"steps {build['steps']}")  # fmt: skip
    after_build = processor.speed(cpu_rounds)  # the processor's speed now, on an idle machine
    _log(f"{programmes}: processor probe {after_build}")
    dataset = (data / "current").resolve() / "dataset.nq"
    with dataset.open("rb") as fh:
        quads = sum(1 for _ in fh)
    _log(f"{programmes}: pyoxigraph bulk load of the same {quads} quads")
    floor = measure([sys.executable, "-c", FLOOR, str(dataset), str(floor_store)])
    _log(f"{programmes}: floor {floor['seconds']} s")
    files = len(list(sources.glob("*.nq")))
    changed = change_titles(sources, 0.01)
    _log(f"{programmes}: rebuild after {changed} changed sources")
    rebuild = measure([PROSPECTUS, "build", "--sources", str(sources)], env)
    _log(f"{programmes}: rebuild {rebuild['seconds']} s, peak {rebuild['peak_tree_rss_mb']} MB, "
         f"steps {rebuild['steps']}")  # fmt: skip
    shutil.rmtree(root, ignore_errors=True)
    peak_mb = max(build["peak_tree_rss_mb"], rebuild["peak_tree_rss_mb"])
    peak_pss_mb = max(build["peak_tree_pss_mb"], rebuild["peak_tree_pss_mb"])
    peak_anon_mb = max(build["peak_tree_anon_pss_mb"], rebuild["peak_tree_anon_pss_mb"])
    return {
        "programmes": programmes,
        "source_files": files,
        "quads": quads,
        "generate": gen,
        "build": build,
        "floor": floor,
        "processor_after_build": after_build,
        "rebuild": {**rebuild, "changed_sources": changed},
        "build_over_floor": round(build["seconds"] / floor["seconds"], 1),
        "rebuild_over_build": round(rebuild["seconds"] / build["seconds"], 3),
        "peak_gb": round(peak_mb / 1024, 2),
        "peak_pss_gb": round(peak_pss_mb / 1024, 2),
        "peak_anon_pss_gb": round(peak_anon_mb / 1024, 2),
    }


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"# Catalogue build benchmark, {results['date']}",
        "",
        f"{report.machine_line(m)}, pyoxigraph {m['packages'].get('pyoxigraph')}, "
        f"rdflib {m['packages'].get('rdflib')}. Load average at the start: {results['load']}."
        + disk.line(results.get("disk", {}))
        + processor.line(processor.probes(results)),
        "",
        "| programmes | quads | build s | bulk-load floor s | build / floor (≤ 10) | "
        "1% rebuild s | rebuild / build (≤ 0.10) | peak GB, PSS (≤ 4) | of which anonymous "
        "| peak GB, RSS summed |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results["sizes"]:
        lines.append(
            f"| {r['programmes']:,} | {r['quads']:,} | {r['build']['seconds']} | "
            f"{r['floor']['seconds']} | {r['build_over_floor']} | {r['rebuild']['seconds']} | "
            f"{r['rebuild_over_build']} | {r.get('peak_pss_gb', '')} | "
            f"{r.get('peak_anon_pss_gb', '')} | {r['peak_gb']} |"
        )
    for r in results["sizes"]:
        names = list(dict.fromkeys([*r["build"].get("steps", {}), *r["rebuild"].get("steps", {})]))
        if not names:
            continue
        lines += [
            "",
            f"Steps at {r['programmes']:,} programmes (seconds, the build's own timing; the "
            "cores busy, its processes' CPU seconds over the step's seconds; the MB its "
            "processes read from and wrote to the disk; and the peak memory of the build's "
            "processes during the step, summed: PSS, its anonymous part, RSS):",
            "",
            "| step | build s | cores busy | disk MB read / written "
            "| build peak MB, PSS / anon / RSS | 1% rebuild s | cores busy "
            "| disk MB read / written | rebuild peak MB, PSS / anon / RSS |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name in names:
            b, re_ = r["build"], r["rebuild"]
            lines.append(
                f"| {name} | {b.get('steps', {}).get(name, '')} | "
                f"{b.get('step_cores', {}).get(name, '')} | {_disk(b, name)} | "
                f"{_peaks(b, name)} | {re_.get('steps', {}).get(name, '')} | "
                f"{re_.get('step_cores', {}).get(name, '')} | {_disk(re_, name)} | "
                f"{_peaks(re_, name)} |"
            )
    return "\n".join(lines) + "\n"


def _disk(run: dict[str, Any], step: str) -> str:
    read = run.get("step_read_mb", {}).get(step)
    written = run.get("step_written_mb", {}).get(step)
    return "" if read is None or written is None else f"{read} / {written}"


def _peaks(run: dict[str, Any], step: str) -> str:
    pss = run.get("step_peaks_pss_mb", {}).get(step, "")
    anon = run.get("step_peaks_anon_pss_mb", {}).get(step, "")
    return f"{pss} / {anon} / {run.get('step_peaks_mb', {}).get(step, '')}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000", help="comma-separated programme counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=WORK_DIR)
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--disk-mb", type=int, default=1024, help="the disk probe's file size")
    parser.add_argument("--cpu-rounds", type=int, default=processor.ROUNDS,
                        help="rounds of each processor probe")  # fmt: skip
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    now = datetime.now(UTC)
    probed = {"start": disk.speed(args.work, args.disk_mb)}
    _log(f"disk: {probed['start']}")
    cpu = {"start": processor.speed(args.cpu_rounds)}
    _log(f"processor: {cpu['start']}")
    results: dict[str, Any] = {
        "date": now.isoformat(timespec="seconds"),
        "machine": report.machine(),
        "load": os.getloadavg()[0],
        "targets": TARGETS,
        "disk": probed,
        "processor": cpu,
        "sizes": [bench_size(n, args.seed, args.work, args.cpu_rounds) for n in sizes],
    }
    probed["end"] = disk.speed(args.work, args.disk_mb)
    cpu["end"] = processor.speed(args.cpu_rounds)
    stem = report.write_results(args.out, "build", now, results, markdown(results))
    print(markdown(results))
    _log(f"results: {stem}.json, {stem}.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
