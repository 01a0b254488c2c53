"""One build at a time per data folder: `prospectus build` holds an exclusive lock on
`{data_dir}/build.lock` (flock(2), released by the kernel when the process ends, however it
ends), so a second build started meanwhile stops at once with BuildRunning instead of
meeting the first in the caches' RocksDB stores and SQLite files.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ..errors import BuildRunning

LOCK_FILE = "build.lock"


@contextmanager
def build_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data folder's build lock, or raise BuildRunning naming who holds it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            raise BuildRunning(data_dir, holder or "a process that has not said which") from None
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {started}".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
