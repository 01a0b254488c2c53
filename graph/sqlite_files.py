"""Read-only SQLite files that the threads of a serving process share: a version's search
index (graph/search/query.py) and its facet index (graph/read/facet_index.py)."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path


class ReadOnlyConnections:
    """Read-only connections to one SQLite file: one per thread, made again in a forked child
    (a connection never crosses a fork). `error(message)` is raised when the file cannot be
    opened, its message naming `what` the file is."""

    def __init__(self, path: Path, what: str, error: type[Exception]):
        self.path, self.what, self.error = path, what, error
        self._local = threading.local()

    def get(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            try:
                db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            except sqlite3.Error as exc:
                raise self.error(f"could not open the {self.what} {self.path}: {exc}") from exc
            self._local.db, self._local.pid = db, os.getpid()
        return db
