"""The default store: embedded Oxigraph (pyoxigraph), on disk or loaded into memory."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .base import StoreError


def create_on_disk(nquads: Path, store_dir: Path) -> None:
    """Build the on-disk store of a version being published from its N-Quads file."""
    try:
        store = ox.Store(str(store_dir))
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        store.optimize()
        store.flush()
        del store
    except OSError as exc:
        raise StoreError(f"could not write the Oxigraph store in {store_dir}: {exc}") from exc


def open_store(version_dir: Path, *, in_memory: bool) -> ox.Store:
    """Open a published version: a read-only view of its disk store, or a copy in memory."""
    if in_memory:
        store = ox.Store()
        store.bulk_load(path=str(version_dir / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
        return store
    try:
        return ox.Store.read_only(str(version_dir / "store"))
    except OSError as exc:
        raise StoreError(f"could not open the Oxigraph store in {version_dir}: {exc}") from exc
