"""`/healthz`: whether this server answers from a loaded store, and which version.

200 with JSON (`{"ok": true, "status": 200, "version", "created", "store", "layout",
"quads", "programmes", "pid"}`; layout: memory, disk, files or remote) once the store is loaded and
answers; 503 through the one error renderer (title "Not ready") before: nothing published
yet in `data_dir`, a store that cannot be opened, or a remote store (`store = "remote"`)
that does not answer a probe `ASK {}` within
`HEALTH_PROBE_SECONDS`. docs/operations.md ("Health") says what "before" means under
gunicorn, where the master loads the store before it listens, and under the dev server.

Counting programmes scans their type statements once per loaded store (and once a minute
for a remote store), so a probe every second costs nothing after the first.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, current_app
from rdflib.namespace import RDF

from graph.formats import BY_NAME
from graph.iris import PRO
from graph.store import StoreError

from . import context
from .errors import PublisherError, ServiceUnavailable

bp = Blueprint("health", __name__)

HEALTH_PROBE_SECONDS = 5.0
REMOTE_COUNTS_SECONDS = 60.0


class NotReady(ServiceUnavailable):
    title = "Not ready"

    def __init__(self, message: str):
        super().__init__(message, headers={"Cache-Control": "no-store"})


@dataclass(frozen=True)
class Counts:
    quads: int
    programmes: int


class _CountCache:
    """The counts of the store last asked about (one per worker; a new store recounts)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._store: Any = None
        self._counts: Counts | None = None
        self._at = 0.0

    def get(self, store: Any, max_age: float | None) -> Counts:
        with self._lock:
            fresh = max_age is None or time.monotonic() - self._at < max_age
            if store is self._store and self._counts is not None and fresh:
                return self._counts
        counts = Counts(
            quads=store.triple_count(),
            programmes=len({q[0] for q in store.quads(None, RDF.type, PRO.StudyProgramme, None)}),
        )
        with self._lock:
            self._store, self._counts, self._at = store, counts, time.monotonic()
        return counts


_COUNTS = _CountCache()


def status(app: Flask) -> dict[str, Any]:
    """What /healthz reports; raises NotReady when the server cannot answer from a store."""
    publication = app.extensions[context.PUBLICATION]
    settings = app.config[context.SETTINGS]
    try:
        store = publication.store
    except PublisherError as exc:
        raise NotReady(exc.message) from None
    except (StoreError, OSError) as exc:
        raise NotReady(f"the published store could not be opened: {exc}") from None
    remote = settings.store == "remote" and not publication.data_files
    try:
        if remote:
            store.query("ASK {}", timeout=HEALTH_PROBE_SECONDS, fmt=BY_NAME["json"])
        counts = _COUNTS.get(store, REMOTE_COUNTS_SECONDS if remote else None)
    except (StoreError, OSError) as exc:
        where = f" at {settings.remote_endpoint}" if remote else ""
        raise NotReady(f"the store{where} does not answer: {exc}") from None
    version = publication.version
    return {
        "ok": True,
        "status": 200,
        "version": version.id if version is not None else None,
        "created": version.manifest.get("created") if version is not None else None,
        "store": "files" if publication.data_files else settings.store,
        "layout": publication.layout,
        "quads": counts.quads,
        "programmes": counts.programmes,
        "pid": os.getpid(),  # the worker process that answered
    }


@bp.get("/healthz")
def healthz() -> Response:
    response = Response(json.dumps(status(current_app)), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
