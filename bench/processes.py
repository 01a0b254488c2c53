"""A live server's processes, seen from outside through Linux /proc: the tree under
`prospectus serve` (gunicorn master -> workers -> zygotes -> query processes), whether each
is alive, and their memory (RSS, proportional set size). Used by the soak and fuzz runs and
by the tests that check nothing died."""

from __future__ import annotations

from pathlib import Path


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
    """The server's running processes by role: workers, zygotes, executors (query
    processes). Zombies (a query process killed at its deadline, not yet reaped) are left
    out."""
    workers = [w for w in children(pid) if alive(w)]
    zygotes = [z for w in workers for z in children(w) if alive(z)]
    executors = [e for z in zygotes for e in children(z) if alive(e)]
    return {"workers": workers, "zygotes": zygotes, "executors": executors}


def intact(before: dict[str, list[int]], after: dict[str, list[int]]) -> list[str]:
    """What changed between two trees of one server that should not have: workers or
    zygotes replaced, query processes missing or dead (replacements are expected)."""
    problems = []
    for role in ("workers", "zygotes"):
        if before[role] != after[role]:
            problems.append(f"{role} changed: {before[role]} -> {after[role]}")
    if len(after["executors"]) != len(before["executors"]):
        problems.append(f"query processes: {len(before['executors'])} -> {after['executors']}")
    dead = [pid for pids in after.values() for pid in pids if not alive(pid)]
    if dead:
        problems.append(f"not alive: {dead}")
    return problems


def everything(pid: int) -> list[int]:
    """`pid` and all the processes under it."""
    found = [pid]
    for child in children(pid):
        found += everything(child)
    return found


def alive(pid: int) -> bool:
    """True while `pid` runs: its main thread is not a zombie (a process whose main thread
    has ended is on its way out, even while other threads finish)."""
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
    """Proportional set size: private pages plus each shared page divided among its sharers,
    so that the PSS of a server's processes adds up to the memory the server uses."""
    return pss_split_kb(pid)[0]


def pss_split_kb(pid: int) -> tuple[int, int]:
    """(PSS, its anonymous part): the PSS of pages no file backs (heap, stacks, shared
    memory: Pss_Anon + Pss_Shmem) beside the whole, which also counts the pages of files
    the process maps (a memory-mapped N-Quads file: page cache the kernel can take back)."""
    pss = anon = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith(("Pss_Anon:", "Pss_Shmem:")):
                anon += int(line.split()[1])
    except OSError:
        pass
    return pss, anon
