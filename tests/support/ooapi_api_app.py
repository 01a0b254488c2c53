"""A tiny WSGI app serving graph.ooapi_api's answers on 127.0.0.1, for the tests of the OOAPI
read API (our Flask app does not serve it yet): `ServedApi(store, ctx)` as a context manager
listens on a free port and mounts the API at /ooapi/v5, as the HTTP wiring will.

It is the whole of the wiring the tests need: the path below the mount, the query parameters
with every value given, the method; the answer's status, media type and JSON body.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from http import HTTPStatus
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from graph.ooapi_api import Answer, Context, answer
from graph.store.base import Store

from .threaded import ThreadedServer

MOUNT = "/ooapi/v5"


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        return


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class OoapiApp:
    """The WSGI callable."""

    def __init__(self, store: Store, ctx: Context):
        self.store = store
        self.ctx = ctx
        self.requests: list[tuple[str, str, int]] = []  # (method, path?query, status)
        self._lock = threading.Lock()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        query = environ.get("QUERY_STRING", "")
        if path == MOUNT or path.startswith(MOUNT + "/"):
            args = urllib.parse.parse_qs(query, keep_blank_values=True)
            result = answer(self.store, method, path[len(MOUNT) :] or "/", args, self.ctx)
        else:
            result = Answer(404, {"status": "404", "title": "Not found", "detail": path})
        with self._lock:
            self.requests.append((method, f"{path}?{query}", result.status))
        body = json.dumps(result.document, ensure_ascii=False).encode("utf-8")
        status = f"{result.status} {HTTPStatus(result.status).phrase}"
        headers = [("Content-Type", result.media_type), ("Content-Length", str(len(body)))]
        start_response(status, headers)
        return [] if method == "HEAD" else [body]


class ServedApi(ThreadedServer):
    """`OoapiApp` on 127.0.0.1:{free port} in a thread; `url` is the API's root."""

    def __init__(self, store: Store, ctx: Context):
        self.app = OoapiApp(store, ctx)
        super().__init__(
            make_server(
                "127.0.0.1", 0, self.app, server_class=_ThreadingServer, handler_class=_Quiet
            )
        )

    @property
    def url(self) -> str:
        return self.root + MOUNT
