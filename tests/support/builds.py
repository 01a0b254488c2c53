"""A generated sources folder built into a data folder, and what two builds compare."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graph import settings as prospectus_settings
from graph import versions
from graph.build import pipeline


def build_folder(sources: Path, data_dir: Path, **settings: Any) -> versions.Version:
    """Build the N-Quads files of `sources` into `data_dir` (with `settings` besides), and
    return the version it published (it must publish one)."""
    loaded = prospectus_settings.load({"data_dir": str(data_dir), **settings}, environ={})
    result = pipeline.build(loaded, source_files=sorted(sources.glob("*.nq")))
    assert result.published
    return result.version


def products(version: versions.Version) -> dict[str, bytes]:
    """The version's files that do not name the version or the time it was made."""
    named = {"manifest.json", "changes.ttl", "resources.json"}
    return {
        str(p.relative_to(version.path)): p.read_bytes()
        for p in version.path.rglob("*")
        if p.is_file()
        and p.name not in named
        and not {"store", "ldes"} & set(p.relative_to(version.path).parts)
    }
