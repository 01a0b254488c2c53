"""Files written whole or not at all: the build's caches and records.

A file is written to a temporary file beside it (`.<name>.<pid>.tmp`) renamed over it once
whole; a process killed while writing leaves that temporary file, which `remove_left` takes
away once its process is gone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def _temporary(path: Path, pid: int) -> Path:
    return path.with_name(f".{path.name}.{pid}.tmp")


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write `path` through, whole or not at all (streamed: renamed over
    `path` when the block ends, removed when it raises)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary(path, os.getpid())
    try:
        with tmp.open("wb") as fh:
            yield fh
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all (a cache entry is never half-written)."""
    with atomic_file(path) as fh:
        fh.write(data)


def remove_left(path: Path) -> None:
    """Remove the temporary files of `path` that processes killed while writing it left:
    those whose process is gone (a running one's is left alone)."""
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        pid = tmp.name[len(path.name) + 2 : -len(".tmp")]
        if pid.isdigit() and not _alive(int(pid)):
            tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # another user's process: alive
    return True
