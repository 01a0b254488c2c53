"""A test HTTP server on 127.0.0.1 that serves from a daemon thread while its `with` block
runs: the one start-up and shut-down the test servers of tests/support/ share."""

from __future__ import annotations

import threading
from socketserver import BaseServer
from typing import Any, Self


class ThreadedServer:
    """Wraps `httpd` (bound to 127.0.0.1, port 0); `url` is its root unless a subclass says."""

    def __init__(self, httpd: BaseServer) -> None:
        self.httpd = httpd
        self.thread = threading.Thread(target=httpd.serve_forever, daemon=True)

    @property
    def root(self) -> str:
        host, port = self.httpd.server_address[:2]  # type: ignore[misc]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return self.root

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
