"""Serve a folder over HTTP on 127.0.0.1 (a free port) in a thread, with media types by
extension, for tests whose client reads files from a real server (the importers, the LDES
client). Optional extra headers per path (e.g. `Cache-Control: immutable` on the full pages
of a static LDES); every request path is recorded in `requests`."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .threaded import ThreadedServer

Headers = Callable[[str], Mapping[str, str]]


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".ttl": "text/turtle",
        ".trig": "application/trig",
        ".nq": "application/n-quads",
        ".nt": "application/n-triples",
        ".jsonld": "application/ld+json",
        ".rdf": "application/rdf+xml",
        ".html": "text/html",
    }

    def __init__(self, *args: Any, owner: StaticServer, **kwargs: Any) -> None:
        self.owner = owner
        super().__init__(*args, **kwargs)

    def send_head(self):  # noqa: ANN201
        with self.owner.lock:
            self.owner.requests.append(self.path)
        return super().send_head()

    def end_headers(self) -> None:
        if self.owner.headers is not None:
            for name, value in self.owner.headers(self.path).items():
                self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args: Any) -> None:  # quiet
        return


class StaticServer(ThreadedServer):
    def __init__(self, folder: Path, headers: Headers | None = None):
        self.headers = headers
        self.requests: list[str] = []
        self.lock = threading.Lock()
        handler = functools.partial(_Handler, directory=str(folder), owner=self)
        super().__init__(ThreadingHTTPServer(("127.0.0.1", 0), handler))
