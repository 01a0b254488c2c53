"""Measuring a process tree: PSS and RSS from /proc/<pid>/smaps_rollup, the page cache of
the store's files, peaks sampled in the background; the layouts' names and roles."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
PROGRAMME = ox.NamedNode("https://w3id.org/prospectus/ontology#StudyProgramme")
LIST_POSITION = "https://w3id.org/prospectus/ontology#listPosition"
LISTING = "deep-pagination"  # (b): a keyset page of 50 programmes by pro:listPosition
LOCAL_QUERIES = frozenset({LISTING, "listing-optional"})  # what the hybrid answers in memory
# Bytes per quad, measured (peak RSS of a bulk load / quads), and what each layout needs as a
# multiple of that: only to refuse a run the machine cannot hold.
BYTES_PER_QUAD = 400
FACTOR = {
    "baseline": 1.0,
    "threads": 1.1,
    "fork-read": 1.9,
    "fork-pool": 4.5,
    "fork-threads": 1.9,
    "disk-pool": 0.4,
    "hybrid": 1.3,
    "alternating": 1.2,
    "server": 4.5,
    "server-disk": 0.4,
}
LAYOUTS = tuple(FACTOR)
ROLES = {
    "baseline": ("process",),
    "threads": ("process",),
    "fork-read": ("parent", "child"),
    "fork-pool": ("master", "worker", "executor"),
    "fork-threads": ("master", "worker"),
    "disk-pool": ("master", "worker", "executor"),
    "hybrid": ("web", "executor"),
    "alternating": ("process",),
    "server": ("master", "worker", "zygote", "executor"),
    "server-disk": ("master", "worker", "zygote", "executor"),
}
SMAPS_FIELDS = ("Rss", "Pss", "Private_Dirty", "Private_Clean", "Shared_Clean", "Shared_Dirty")


def _log(message: str) -> None:
    print(f"[memory {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- measuring ---------------------------------------------------------------------------


def smaps_rollup(pid: int | str = "self") -> dict[str, int]:
    """Kilobytes per field of /proc/<pid>/smaps_rollup (empty when the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return {}
    values = {}
    for line in text.splitlines()[1:]:
        name, _, rest = line.partition(":")
        if name in SMAPS_FIELDS:
            values[name] = int(rest.split()[0])
    return values


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, session id) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), int(fields[3])


def session_processes(session: int) -> dict[int, int]:
    """Every process of a session: pid -> parent pid."""
    found = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[1] == session:
                found[int(entry.name)] = stat[0]
    return found


def _peak_rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def snapshot(
    session: int, roles: Sequence[str], named: dict[int, str] | None = None
) -> dict[str, Any]:
    """PSS, RSS and private dirty memory of a session's processes, by role: the tree depth's,
    or the one `named` gives a process."""
    tree = session_processes(session)
    processes = []
    for pid, parent in sorted(tree.items()):
        depth, up = 0, parent
        while up in tree:
            depth, up = depth + 1, tree[up]
        values = smaps_rollup(pid)
        if not values:
            continue
        role = (named or {}).get(pid) or roles[min(depth, len(roles) - 1)]
        processes.append({"pid": pid, "role": role, "peak_rss_kb": _peak_rss_kb(pid), **values})
    by_role: dict[str, dict[str, int]] = {}
    for p in processes:
        entry = by_role.setdefault(p["role"], {"count": 0, "Pss": 0, "Rss": 0, "Private_Dirty": 0})
        entry["count"] += 1
        for key in ("Pss", "Rss", "Private_Dirty"):
            entry[key] += p.get(key, 0)
    return {
        "pss_kb": sum(p.get("Pss", 0) for p in processes),
        "rss_kb": sum(p.get("Rss", 0) for p in processes),
        "private_dirty_kb": sum(p.get("Private_Dirty", 0) for p in processes),
        "by_role": by_role,
        "processes": processes,
    }


def page_cache_kb(directory: Path | None) -> int | None:
    """How much of the files under `directory` sits in the OS page cache (fincore)."""
    if directory is None or not directory.exists():
        return None
    files = [str(p) for p in directory.iterdir() if p.is_file()]
    if not files:
        return 0
    try:
        out = subprocess.run(
            ["fincore", "--bytes", "--noheadings", "--raw", "--output", "RES", *files],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return sum(int(v) for v in out.split() if v.isdigit()) // 1024


class Sampler:
    """Samples a session's summed PSS and RSS in the background; keeps the peaks."""

    def __init__(self, session: int, interval: float):
        self.session = session
        self.interval = interval
        self.peak_pss_kb = 0
        self.peak_rss_kb = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        pss = rss = 0
        for pid in session_processes(self.session):
            values = smaps_rollup(pid)
            pss += values.get("Pss", 0)
            rss += values.get("Rss", 0)
        self.peak_pss_kb = max(self.peak_pss_kb, pss)
        self.peak_rss_kb = max(self.peak_rss_kb, rss)
        self.samples += 1

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def summary_ms(seconds: Sequence[float]) -> dict[str, Any]:
    """First, median, p99 and count of a series of durations, in milliseconds."""
    if not seconds:
        return {"n": 0}
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {
        "n": len(seconds),
        "first_ms": round(seconds[0] * 1000, 3),
        "median_ms": round(statistics.median(seconds) * 1000, 3),
        "p99_ms": round(p99 * 1000, 3),
    }
