"""Where the server holds a published Oxigraph version: in memory or on disk.

`store_in_memory` true or false says it outright. "auto" (the default) decides once per
version from its manifest's quad count and the machine's memory:

    estimated copy  = quads x BYTES_PER_QUAD
    copies          = 1 + workers x (1 + query_processes)
    in memory when  copies x estimated copy <= MEMORY_FRACTION x MemAvailable

A copy per process is the worst case measured (bench/README.md, "Memory"): reading an
in-memory store writes to most of its pages, so a forked process (web worker, query
process) ends up with a private copy of it; the master holds one more. BYTES_PER_QUAD is
the peak RSS of one process that loaded the N-Quads (490 MB for 1.25 M quads, 4.9 GB for
12.5 M: ~390 bytes a quad, rounded up). A version whose manifest has no quad count is
estimated from its dataset.nq's size (DATASET_BYTES_FACTOR: 490 MB of store for 356 MB of
N-Quads). MemAvailable is read from /proc/meminfo when the version is opened; where it cannot
be read the version is served from disk.

At 10,000 synthetic programmes (1.6 M quads) with the default 2 workers x 2 query processes
that is 7 x 0.64 GB = 4.5 GB: in memory on a 24 GB machine. At 100,000 (16 M quads): 45 GB,
on disk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BYTES_PER_QUAD = 400
DATASET_BYTES_FACTOR = 1.4
MEMORY_FRACTION = 0.5
AUTO = "auto"


def memory_available(meminfo: Path = Path("/proc/meminfo")) -> int | None:
    """MemAvailable in bytes, or None where the kernel does not say."""
    try:
        for line in meminfo.read_text(encoding="ascii").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def copies(settings: Any) -> int:
    """Processes that may each hold a copy of an in-memory store."""
    return 1 + max(1, int(settings.workers)) * (1 + max(0, int(settings.query_processes)))


def estimated_bytes(manifest: dict[str, Any], version_dir: Path) -> int | None:
    """What one in-memory copy of the version is expected to take, or None if unknown."""
    quads = manifest.get("quads")
    if isinstance(quads, int) and not isinstance(quads, bool) and quads >= 0:
        return quads * BYTES_PER_QUAD
    try:
        return int((version_dir / "dataset.nq").stat().st_size * DATASET_BYTES_FACTOR)
    except OSError:
        return None


def in_memory(
    settings: Any,
    manifest: dict[str, Any],
    version_dir: Path,
    available: int | None = None,
) -> bool:
    """Whether to load this version into memory (see the module's rule). `available`
    defaults to MemAvailable now."""
    chosen = settings.store_in_memory
    if chosen != AUTO:
        return bool(chosen)
    size = estimated_bytes(manifest, version_dir)
    if available is None:
        available = memory_available()
    if size is None or available is None:
        return False
    return size * copies(settings) <= MEMORY_FRACTION * available


def decide(settings: Any, version_dir: Path) -> bool:
    """`in_memory` for the version in `version_dir`, its manifest read from there."""
    if settings.store_in_memory != AUTO:
        return bool(settings.store_in_memory)
    try:
        manifest = json.loads((version_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    return in_memory(settings, manifest if isinstance(manifest, dict) else {}, version_dir)
