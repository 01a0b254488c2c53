"""The disk's sequential speed, probed beside a benchmark (bench/build.py): the floor says how
fast the processor was, this how fast the disk was, so that a run whose disk-bound steps
took twice their time can be told apart from a change of the code."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

BLOCK = 8 << 20  # the disk probe's writes and reads


def speed(folder: Path, megabytes: int) -> dict[str, float]:
    """Sequential MB/s of the disk under `folder`: `megabytes` written (random bytes, so no
    layer compresses them) and fsync'd, then read back after the page cache let go of the
    file (posix_fadvise DONTNEED). The file is removed."""
    folder.mkdir(parents=True, exist_ok=True)
    block = os.urandom(BLOCK)
    blocks = max(1, (megabytes << 20) // BLOCK)
    probe = folder / f".disk-probe-{os.getpid()}"
    try:
        start = time.perf_counter()
        with probe.open("wb", buffering=0) as fh:
            for _ in range(blocks):
                fh.write(block)
            os.fsync(fh.fileno())
        wrote = time.perf_counter() - start
        fd = os.open(probe, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            start = time.perf_counter()
            while os.read(fd, BLOCK):
                pass
            read = time.perf_counter() - start
        finally:
            os.close(fd)
    finally:
        probe.unlink(missing_ok=True)
    size = blocks * BLOCK / (1 << 20)  # MB as the step table counts them (2**20 bytes)
    return {
        "mb": round(size),
        "write_mb_s": round(size / wrote, 1),
        "read_mb_s": round(size / read, 1),
    }


def line(disk: dict[str, Any]) -> str:
    found = [(when, disk[when]) for when in ("start", "end") if when in disk]
    said = "; ".join(
        f"at the {when}, write {d['write_mb_s']} MB/s, read {d['read_mb_s']} MB/s"
        for when, d in found
    )
    return (
        f" Disk ({found[0][1]['mb']} MB written and fsync'd, read back cold): {said}."
        if found
        else ""
    )
