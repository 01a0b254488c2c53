"""Looking at a live server's processes from a test: the tree under `prospectus serve`
(gunicorn master -> workers -> zygotes -> query processes), their memory, and the counts the
server publishes at /sparql/stats. Linux /proc only; nothing here sleeps to order events:
`wait_for_stats` polls until the server reports the state a test waits for."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import requests

from .conftest import LiveServer


def children(pid: int) -> list[int]:
    """Direct children of `pid`."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return sorted(out)


def tree(pid: int) -> dict[str, list[int]]:
    """The server's processes by role: workers, zygotes, executors (query processes)."""
    workers = children(pid)
    zygotes = [z for w in workers for z in children(w)]
    executors = [e for z in zygotes for e in children(z)]
    return {"workers": workers, "zygotes": zygotes, "executors": executors}


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def status_kb(pid: int, field: str) -> int:
    """A `kB` field of /proc/PID/status (VmRSS, VmHWM, VmSize); 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kb(pid: int) -> int:
    """Proportional set size of a process (shared pages divided among their sharers)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def stats(server: LiveServer) -> dict[str, int]:
    return requests.get(server.url + "/sparql/stats", timeout=30).json()["stats"]


def wait_for_stats(
    server: LiveServer, condition: Callable[[dict[str, int]], bool], timeout: float = 60.0
) -> dict[str, int]:
    """Poll /sparql/stats until `condition` holds (the test observes the server's state
    instead of sleeping and hoping)."""
    deadline = time.monotonic() + timeout
    while True:
        current = stats(server)
        if condition(current):
            return current
        if time.monotonic() > deadline:
            raise AssertionError(f"the server never reached the expected state: {current}")
        time.sleep(0.02)
