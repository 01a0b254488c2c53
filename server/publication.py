"""What the app serves: the current published version (or files given with --data).

The store is reopened when `current` moves to a new version, so a successful `prospectus
build` is picked up without a restart and a failed one changes nothing. Every request reads the
link (one readlink(2), about a microsecond), so once `current` has moved, every later request in
every worker process is answered from the new version: a client never gets a newer root node
from one worker and an older page from another. A remote store's manifest is read at most once
a second.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from graph import versions
from graph.settings import Settings
from graph.store import Store, StoreError, layout, open_store

from .errors import ServiceUnavailable

RECHECK_SECONDS = 1.0


class Publication:
    def __init__(self, settings: Settings, data_files: Sequence[Path] = ()):
        self.settings = settings
        self.data_files = tuple(data_files)
        self._lock = threading.Lock()
        self._store: Store | None = None
        self._version: versions.Version | None = None
        self._in_memory = False  # where the version opened last is held (Oxigraph)
        self._checked = 0.0  # when a remote store's version was last read
        self._link: str | None = None  # where `current` pointed when the store was opened

    @property
    def version(self) -> versions.Version | None:
        self._refresh()
        return self._version

    @property
    def store(self) -> Store:
        return self.served()[0]

    def served(self) -> tuple[Store, str | None]:
        """The store served now and what names its content, read together: the version's
        id, "files:<paths>" for `--data`, None when the content may change under the same
        name (a remote store without a published version). Caches key on the name."""
        self._refresh()
        with self._lock:
            store, version = self._store, self._version
        if store is None:
            raise ServiceUnavailable(
                f"nothing is published yet in {self.settings.data_path}: run `prospectus build`"
            )
        if self.data_files:
            return store, "files:" + "|".join(str(p) for p in self.data_files)
        return store, None if version is None else f"{version.id}@{version.path}"

    def _refresh(self) -> None:
        if self._store is not None and not self._may_have_moved():
            return
        with self._lock:
            self._checked = time.monotonic()
            if self.data_files:
                if self._store is None:
                    from graph.store.files import open_files

                    self._store = open_files(self.data_files, self.settings)
                return
            if self.settings.store == "remote":
                if self._store is None:
                    self._store = open_store(self.settings, None)
                self._version = versions.current(self.settings.data_path)
                return
            link = self._read_link()
            latest = versions.current(self.settings.data_path)
            if latest is None:
                return
            if self._version is None or latest.path != self._version.path:
                in_memory = layout.in_memory(self.settings, latest.manifest, latest.path)
                fresh = open_store(self.settings, latest.path, in_memory=in_memory)
                old, self._store, self._version = self._store, fresh, latest
                self._in_memory = in_memory
                if old is not None:
                    old.close()
            self._link = link

    def _may_have_moved(self) -> bool:
        """Whether what is served may be out of date: never for `--data` files, after a
        second for a remote store, as soon as `current` points elsewhere otherwise."""
        if self.data_files:
            return False
        if self.settings.store == "remote":
            return time.monotonic() - self._checked >= RECHECK_SECONDS
        return self._read_link() != self._link

    def _read_link(self) -> str | None:
        try:
            return os.readlink(self.settings.data_path / "current")
        except OSError:
            return None

    def open(self) -> None:
        """Open what is published now, without starting query processes: called in the
        WSGI master before it forks the workers. In memory the workers share the loaded
        store's pages. On disk the master only checks that the store opens
        and lets it go: each worker opens the current version itself, and the master holds
        no version's files open (a version that retention removes frees its disk)."""
        self._refresh()
        if self._opens_per_process():
            with self._lock:
                store, self._store, self._version = self._store, None, None
            if store is not None:
                store.close()

    @property
    def layout(self) -> str:
        """Where the store served now is held: "memory", "disk", "files" (`--data`) or
        "remote"; decided once per version opened (graph/store/layout.py for "auto")."""
        self._refresh()
        if self.data_files:
            return "files"
        if self.settings.store != "oxigraph":
            return self.settings.store
        return "memory" if self._in_memory else "disk"

    def _opens_per_process(self) -> bool:
        """Whether every process opens the store itself (the on-disk Oxigraph store): decided
        per version, so a new version may change it (in a worker: the master opened only the
        version current when the server started)."""
        settings = self.settings
        return not self.data_files and settings.store == "oxigraph" and not self._in_memory

    def start_queries(self, heartbeat: Callable[[], None] = lambda: None) -> None:
        """In a worker: open the store if the master did not keep it, start its query
        processes and wait until they are warm, calling `heartbeat` every second meanwhile
        (the WSGI server's liveness check)."""
        try:
            self._refresh()
        except (StoreError, OSError):  # the first request reports it through the renderer
            return
        with self._lock:
            store = self._store
        if store is None:
            return
        store.start()
        while not store.wait_ready(1.0):
            heartbeat()
