"""Serve a folder over HTTP on 127.0.0.1 (a free port) in a thread, with media types by
extension, for importer tests that read files from a real server."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".ttl": "text/turtle",
        ".jsonld": "application/ld+json",
        ".rdf": "application/rdf+xml",
        ".html": "text/html",
    }

    def log_message(self, *args: Any) -> None:  # quiet
        return


class StaticServer:
    def __init__(self, folder: Path):
        handler = functools.partial(_Handler, directory=str(folder))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> StaticServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
