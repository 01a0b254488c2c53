"""Typed HTTP errors and the one renderer that turns them into HTML, JSON or text.

JSON errors always have one shape: {"ok": false, "status": int, "title": str,
"message": str, "help_url": str | null} (tests/test_error_shape.py guards it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from graph.store.base import (
    QueryCrashed,
    QueryFailed,
    QueryMemoryExceeded,
    QueryQueueFull,
    QueryTimedOut,
)

log = logging.getLogger(__name__)


class PublisherError(Exception):
    status = 500
    title = "Server error"
    logged = False  # True when the library already logged it (e.g. rate-limited)

    def __init__(
        self,
        message: str,
        *,
        help_url: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.help_url = help_url
        self.headers = dict(headers or {})
        if status is not None:
            self.status = status


class NotFound(PublisherError):
    status = 404
    title = "Not found"


class ProtocolError(PublisherError):
    status = 400
    title = "Bad request"


class NotAcceptable(PublisherError):
    status = 406
    title = "Not acceptable"


class QueryTimeout(PublisherError):
    """Decided once: a query stopped by the `query_timeout` setting answers 503."""

    status = 503
    title = "Query timed out"


class QueryTooLarge(PublisherError):
    status = 413
    title = "Query too large"


class ServiceUnavailable(PublisherError):
    status = 503
    title = "Service unavailable"


class BadGateway(PublisherError):
    """An allowlisted SERVICE endpoint or FROM document failed."""

    status = 502
    title = "Bad gateway"


class QueryProcessCrashed(PublisherError):
    """Decided once: a query process that died during a query answers 500 with the cause
    (a defect of the engine, not a temporary condition); crashes.CrashLog has logged it."""

    status = 500
    title = "Query process crashed"
    logged = True


class QueryEngineFailed(PublisherError):
    """The store's engine raised an error on a query that parsed: 500, logged, named."""

    status = 500
    title = "Query failed"


class QueryMemoryLimit(ServiceUnavailable):
    """A query stopped by the `query_memory_limit` setting answers 503, like a timeout."""

    title = "Query memory limit"


class Busy(ServiceUnavailable):
    """Too many heavy queries for this worker: 503 at once, with Retry-After."""

    title = "Busy"


class QueryForbidden(PublisherError):
    """A query this service refuses to run (SERVICE to an endpoint not allowlisted)."""

    status = 403
    title = "Query refused"


@contextmanager
def store_errors() -> Iterator[None]:
    """The store's query failures as the HTTP errors every view answers with (one mapping for
    /sparql and the catalogue pages): out of time 503, no free query process 503 with
    Retry-After, over the memory cap 503, a crashed or failed query process 500."""
    try:
        yield
    except QueryTimedOut as exc:
        raise QueryTimeout(str(exc)) from None
    except QueryQueueFull as exc:
        raise Busy(str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
    except QueryMemoryExceeded as exc:
        raise QueryMemoryLimit(str(exc)) from None
    except QueryCrashed as exc:
        raise QueryProcessCrashed(str(exc)) from None
    except QueryFailed as exc:
        raise QueryEngineFailed(str(exc)) from None


def error_body(status: int, title: str, message: str, help_url: str | None) -> dict:
    return {"ok": False, "status": status, "title": title, "message": message, "help_url": help_url}


def _wants() -> str:
    best = request.accept_mimetypes.best_match(
        ["text/html", "application/json", "text/plain"], default="text/plain"
    )
    if best == "text/html" and "html" not in request.headers.get("Accept", ""):
        return "text/plain"  # a bare */* (curl, SPARQL clients) gets text, browsers get HTML
    return best or "text/plain"


def render_error(status: int, title: str, message: str, help_url: str | None = None) -> Response:
    wants = _wants()
    if wants == "application/json":
        response = jsonify(error_body(status, title, message, help_url))
    elif wants == "text/html":
        response = Response(
            render_template(
                "error.html", status=status, title=title, message=message, help_url=help_url
            ),
            mimetype="text/html",
        )
    else:
        text = f"{status} {title}\n\n{message}\n" + (f"\nSee {help_url}\n" if help_url else "")
        response = Response(text, mimetype="text/plain")
    response.status_code = status
    response.headers["Vary"] = "Accept"
    return response


def register(app: Flask) -> None:
    @app.errorhandler(PublisherError)
    def _publisher_error(exc: PublisherError) -> Response:
        if exc.status >= 500 and not (
            exc.logged or isinstance(exc, QueryTimeout | ServiceUnavailable)
        ):
            log.error("%s: %s", exc.title, exc.message)
        response = render_error(exc.status, exc.title, exc.message, exc.help_url)
        response.headers.update(exc.headers)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        response = render_error(exc.code or 500, exc.name, exc.description or exc.name)
        # Headers the status needs: Allow on a 405, Content-Range on a 416, ….
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.path)
        return render_error(500, "Server error", "The server failed unexpectedly; it is logged.")
