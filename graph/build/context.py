"""What every writer of a version is given: one BuildContext, decided by the build.

The build reads and validates the sources once, decides the base IRI from the settings,
and publishes the sorted N-Quads (graph/build/publish.py). Each writer of
graph/build/writers/ then adds its product to the version being staged, as a function of
this context alone, in the order graph/build/pipeline.py declares (WRITERS). A writer
reads what it needs from here, never a file another writer wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..store.nquads_diff import changed_lines
from ..store.oxigraph import create_on_disk
from ..store.sorted_nquads import SortedNQuads
from ..versions import DATASET_FILE, STORE_DIR, Version
from .diff import Changes, diff_files
from .publish import Staging


@dataclass
class BuildContext:
    """One version being written: where, what, after which version, under which base."""

    staging: Staging
    base_iri: str  # the `base_iri` setting the dataset was published under
    reference_dir: Path | None = None  # official shapes to check exports against (optional)
    workers: int = 0  # processes a writer may fork (the build_workers setting; 0: one per core)

    @property
    def path(self) -> Path:
        """The folder of the version being staged."""
        return self.staging.path

    @property
    def manifest(self) -> dict[str, Any]:
        """The manifest being written; writers add their records to it."""
        return self.staging.manifest

    @property
    def previous(self) -> Version | None:
        """The version this one follows (the current one when the build started)."""
        return self.staging.previous

    @property
    def version_id(self) -> str:
        return str(self.manifest["version"])

    @property
    def nquads_path(self) -> Path:
        """The version's dataset.nq: N-Quads, distinct lines sorted by code point."""
        return self.staging.path / DATASET_FILE

    @cached_property
    def quads_file(self) -> SortedNQuads:
        """dataset.nq read in place: a subject's quads as written, by binary search, or every
        quad streamed; what a writer reads for the terms it writes out."""
        return SortedNQuads(self.nquads_path)

    @cached_property
    def store(self) -> ox.Store:
        """The version's on-disk store (read-only; loaded now if the build did not load it):
        what a writer queries to find and count. Typed literals come back canonical."""
        store_dir = self.staging.path / STORE_DIR
        if not store_dir.exists():
            create_on_disk(self.nquads_path, store_dir)
        return ox.Store.read_only(str(store_dir))

    @cached_property
    def changes(self) -> Changes:
        """What this version changed from the previous one: named graph IRI -> (added,
        removed) triples, for the graphs that changed (empty for the first version). Found
        once, by a merge walk over both versions' dataset.nq (graph/build/diff.py)."""
        if self.previous is None:
            return {}
        return diff_files(self.previous.path / DATASET_FILE, self.nquads_path, self.changed_lines)

    @property
    def changed_lines(self) -> tuple[Path, Path] | None:
        """The N-Quads lines this version added and removed, as two files in the staging
        folder, when the change is small (graph/store/nquads_diff.py), else None; found once
        (the store may have found them already) and removed once the writers are done."""
        if self.previous is None:
            return None
        old = self.previous.path / DATASET_FILE
        return changed_lines(old, self.nquads_path, self.path, self.manifest["quads"])

    def close(self) -> None:
        """Let go of what the writers opened: dataset.nq's map and the store."""
        quads_file = self.__dict__.pop("quads_file", None)
        if quads_file is not None:
            quads_file.close()
        self.__dict__.pop("store", None)


Writer = Callable[[BuildContext], None]
"""A writer adds one product to the version being staged (files, manifest entries)."""
