"""Atomic publishing of built versions, in the layout of graph/versions.py.

A version is assembled in a staging folder and only renamed into `versions/` once it is
complete; `current` then moves in one atomic rename. A build that fails or is killed half
way leaves `current` and every published version exactly as they were; its staging folder
is removed by the next build.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import PublishError
from ..versions import DATASET_FILE, MANIFEST, STAGING_PREFIX, STORE_DIR, Version, retained
from ..versions import current as current_version
from ..versions import read as read_version


@dataclass(frozen=True)
class Staging:
    """A version being assembled: its folder, its manifest (being written; written to
    manifest.json once `write` returns), the version it follows and its content, the
    canonical N-Quads of dataset.nq."""

    path: Path
    manifest: dict[str, Any]
    previous: Version | None
    nquads: bytes


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
    nquads_lines: Iterable[str],
    *,
    write: Callable[[Staging], None] | None = None,
    store_loader: Callable[[Path, Path], None] | None = None,
    retain: int = 5,
    now: datetime | None = None,
) -> tuple[Version, bool]:
    """Publish a dataset given as N-Quads lines. Returns (version, True when new).

    `write` adds the version's products to the staging folder (graph/build/pipeline.py runs
    the writers there) after the store is loaded. When the content equals the current
    version's, nothing is published and the current version is returned with False.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "versions").mkdir(exist_ok=True)
    clean_staging(data_dir)
    previous = current_version(data_dir)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=data_dir / "versions"))
    try:
        lines = sorted(set(nquads_lines))
        payload = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
        if previous is not None and previous.manifest.get("sha256") == digest:
            shutil.rmtree(staging, ignore_errors=True)
            return previous, False
        created = (now or datetime.now(UTC)).replace(microsecond=0)
        version_id = created.strftime("%Y%m%dT%H%M%SZ") + "-" + digest[:8]
        (staging / DATASET_FILE).write_text(payload, encoding="utf-8")
        manifest: dict[str, Any] = {
            "version": version_id,
            "created": created.isoformat(),
            "previous": previous.id if previous else None,
            "sequence": (previous.manifest.get("sequence", 0) + 1) if previous else 1,
            "sha256": digest,
            "quads": len(lines),
        }
        if store_loader is not None:
            store_loader(staging / DATASET_FILE, staging / STORE_DIR)
        if write is not None:
            write(Staging(staging, manifest, previous, payload.encode("utf-8")))
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
