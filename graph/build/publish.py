"""Atomic publishing of built versions, in the layout of graph/versions.py.

A version is assembled in a staging folder and only renamed into `versions/` once it is
complete; `current` then moves in one atomic rename. A build that fails or is killed half
way leaves `current` and every published version exactly as they were; its staging folder
is removed by the next build.

The quads never sit in memory together: the lines are streamed to a file in the staging
folder and sorted there by `sort -u` under LC_ALL=C (byte order, which for UTF-8 is code
point order; bounded memory, temporary files in the staging folder), then hashed and
counted while streamed. Blank nodes are labelled by the reading (canonically per source),
so the same content gives the same lines and the same digest; no whole-dataset
canonicalisation runs here (graph/canonical.py). A rebuild may instead merge the previous
version's file with the lines of the graphs that changed (`merge`,
graph/build/dataset_merge.py): the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import PublishError
from ..store.sorted_nquads import SortedNQuads, index_path
from ..versions import DATASET_FILE, MANIFEST, STAGING_PREFIX, Version, retained
from ..versions import current as current_version
from ..versions import read as read_version
from . import progress
from .atomic import write_atomic
from .heap import give_back


@dataclass(frozen=True)
class Staging:
    """A version being assembled: its folder (whose dataset.nq holds its content: distinct
    N-Quads lines sorted by code point), its manifest (being written; written to
    manifest.json once `write` returns) and the version it follows."""

    path: Path
    manifest: dict[str, Any]
    previous: Version | None


@contextmanager
def timed(step: str) -> Iterator[None]:
    """Report how long `step` took (a progress line, `time <step>: <seconds> s`, which
    bench/build.py reads)."""
    start = time.perf_counter()
    yield
    took(step, start)


def took(step: str, start: float) -> None:
    """Report that `step`, started at perf_counter() `start`, is done (as `timed`)."""
    progress.note(f"time {step}: {time.perf_counter() - start:.2f} s")


UNSORTED_FILE = "dataset.unsorted.nq"
SORT_MEMORY = "512M"  # sort's buffer (-S); larger inputs spill to temporary files
CHUNK = 1 << 20


def write_lines(lines: Iterable[str], path: Path, *, append: bool = False) -> None:
    """Every non-empty line to `path` (after what it holds, with `append`), each ending in
    one line break (streamed)."""
    for _line in copying(lines, path, append=append):
        pass


@dataclass(frozen=True)
class LinesFile:
    """N-Quads lines already in a file, as `publish` writes them before sorting (every
    non-empty line ended by one line break; any order, duplicates allowed): published by
    moving the file into the staging folder instead of writing the lines again."""

    path: Path


def copying(lines: Iterable[str], path: Path, *, append: bool = False) -> Iterator[str]:
    """`lines` as they come, each also written to `path` as `publish` writes them (streamed):
    once every line is taken, the file is their LinesFile (a first build's is written by the
    SPARQL constraints' store, graph/build/sparql_checks.py `add_lines`)."""
    mode = "a" if append else "w"
    with path.open(mode, encoding="utf-8", newline="\n", buffering=CHUNK) as fh:
        for line in lines:
            yield line
            line = line.rstrip("\n")
            if line.strip():
                fh.write(line)
                fh.write("\n")


def sort_unique(source: Path, target: Path, temp_dir: Path) -> None:
    """`sort -u` of `source` into `target` in byte (code point) order, bounded memory,
    temporary files in `temp_dir`, a thread per core."""
    cores = max(1, min(os.cpu_count() or 1, 8))
    command = ["sort", "-u", "-S", SORT_MEMORY, "-T", str(temp_dir), f"--parallel={cores}"]
    result = subprocess.run(
        [*command, "-o", str(target), str(source)],
        env={**os.environ, "LC_ALL": "C"},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise PublishError(f"sorting the N-Quads failed: {result.stderr.strip()}")


def digest_and_count(path: Path) -> tuple[str, int]:
    """The SHA-256 of a file and its number of lines (streamed)."""
    digest, count = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            count += chunk.count(b"\n")
    return digest.hexdigest(), count


def keep_index(nquads: Path) -> None:
    """Write the sparse index of the sorted N-Quads file `nquads` beside it, whole or not at
    all, for its readers (graph/store/sorted_nquads.py): where the file was just made."""
    with SortedNQuads(nquads) as made:
        data = made.index_bytes()
    if data is not None:
        write_atomic(index_path(nquads), data)


def _fsync_tree(path: Path) -> None:
    for p in [path, *path.rglob("*")]:
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())


def _swap_current(data_dir: Path, target: Path) -> None:
    tmp_link = data_dir / f".current-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    os.symlink(os.path.relpath(target, data_dir), tmp_link)
    os.replace(tmp_link, data_dir / "current")


def clean_staging(data_dir: Path) -> None:
    """Remove what interrupted builds left behind."""
    for root in (data_dir, data_dir / "versions"):
        if root.is_dir():
            for p in root.iterdir():
                if p.name.startswith(STAGING_PREFIX):
                    shutil.rmtree(p, ignore_errors=True)


def publish(
    data_dir: Path,
    nquads_lines: Iterable[str] | LinesFile,
    *,
    write: Callable[[Staging], None] | None = None,
    store_loader: Callable[[Staging], None] | None = None,
    check: Callable[[Staging], None] | None = None,
    merge: Callable[[Version, Path], tuple[str, int] | None] | None = None,
    retain: int = 5,
    now: datetime | None = None,
) -> tuple[Version, bool]:
    """Publish a dataset given as N-Quads lines (any order, duplicates allowed; or a
    LinesFile of them, moved in). Returns (version, True when new).

    `merge(previous version, staging folder)` may write the staged dataset.nq from the
    previous version's and return its (SHA-256, lines) (graph/build/dataset_merge.py); when
    it returns None, or there is no previous version, the lines are written and sorted.

    `store_loader(staging)` makes the store from dataset.nq; `check` then runs on the
    staged version (a violation raises: the staging folder is removed, nothing is
    published); `write` adds the version's products to the staging folder
    (graph/build/pipeline.py runs the writers there). When the content equals the current
    version's, nothing is published and the current version is returned with False.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "versions").mkdir(exist_ok=True)
    clean_staging(data_dir)
    previous = current_version(data_dir)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=data_dir / "versions"))
    try:
        merged, start = None, time.perf_counter()
        if merge is not None and previous is not None:
            merged = merge(previous, staging)
        if merged is not None:
            took("merge", start)  # reported only when it was made so
            digest, count = merged
            if isinstance(nquads_lines, Generator):
                nquads_lines.close()  # what it would have read (a build's release) goes
            elif isinstance(nquads_lines, LinesFile):
                nquads_lines.path.unlink(missing_ok=True)
            give_back()
        else:
            unsorted = staging / UNSORTED_FILE
            if isinstance(nquads_lines, LinesFile):
                shutil.move(nquads_lines.path, unsorted)  # a rename on one file system
            else:
                with timed("lines"):  # the reading, when it streams, runs while this writes
                    write_lines(nquads_lines, unsorted)
                give_back()  # the lines' source (a build's release) is let go once written
            with timed("sort"):
                sort_unique(unsorted, staging / DATASET_FILE, staging)
                unsorted.unlink()
                digest, count = digest_and_count(staging / DATASET_FILE)
        if previous is not None and previous.manifest.get("sha256") == digest:
            shutil.rmtree(staging, ignore_errors=True)
            return previous, False
        if not index_path(staging / DATASET_FILE).exists():  # made beside, when merged ahead
            with timed("index"):
                keep_index(staging / DATASET_FILE)
        created = (now or datetime.now(UTC)).replace(microsecond=0)
        version_id = created.strftime("%Y%m%dT%H%M%SZ") + "-" + digest[:8]
        manifest: dict[str, Any] = {
            "version": version_id,
            "created": created.isoformat(),
            "previous": previous.id if previous else None,
            "sequence": (previous.manifest.get("sequence", 0) + 1) if previous else 1,
            "sha256": digest,
            "quads": count,
            "dataset": {"made": "sort" if merged is None else "merge"},
        }
        staged = Staging(staging, manifest, previous)
        if store_loader is not None:
            with timed("store"):
                store_loader(staged)
        if check is not None:
            with timed("check"):
                check(staged)
        if write is not None:
            write(staged)
        (staging / MANIFEST).write_text(
            json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        _fsync_tree(staging)
        final = data_dir / "versions" / version_id
        os.rename(staging, final)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise PublishError(f"{exc.strerror or exc} ({exc.filename or data_dir})") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_current(data_dir, final)
    prune(data_dir, retain)
    version = read_version(final)
    assert version is not None
    return version, True


def prune(data_dir: Path, retain: int) -> list[str]:
    """Delete the oldest versions beyond `retain`, never the current one."""
    cur = current_version(data_dir)
    all_versions = retained(data_dir)
    removed = []
    for v in all_versions[: max(0, len(all_versions) - max(retain, 1))]:
        if cur is not None and v.path == cur.path:
            continue
        shutil.rmtree(v.path, ignore_errors=True)
        removed.append(v.id)
    return removed
