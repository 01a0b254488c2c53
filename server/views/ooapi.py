"""The OOAPI v5 read API at /ooapi/v5/ (docs/ooapi.md): graph.ooapi_api's answers over HTTP.

Thin: the path below /ooapi/v5, the query parameters (every value of each) and the method go
to `graph.ooapi_api.answer`; its (status, document) leaves as JSON, `application/json` for a
200 and `application/problem+json` for a `Problem` (ooapi.json's error responses). Around it
the app's own hooks do what they do for every JSON route: ETag and Last-Modified from the
published version and the body, 304/412, gzip, `Cache-Control: public, max-age=300`
(server/caching.py), CORS (server/cors.py), Host checks and security headers.

Three answers are made here, in the same Problem shape, because they happen before or
outside the module: a method other than GET/HEAD (405, with `Allow`: Flask's routing refuses
it before any view runs), nothing published yet (503) and a store that could not answer
(503 with Retry-After when busy or out of time, else 500).

The `Context` of an answer comes from the settings: `today` from the app's clock (offerings
from today on), `base_iri`, and for GET / the `ooapi_contact_email` and
`ooapi_documentation_url` settings (the documentation defaults to the site's /dataset page;
without a contact address GET / answers 404, as the module documents).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.wrappers import Response as BaseResponse

from graph.ooapi_api import METHODS, Answer, Context, Problem, answer
from graph.store.base import QueryQueueFull, QueryTimedOut, StoreError

from .. import context as app_context
from ..errors import ServiceUnavailable
from ..hosts import check_host

bp = Blueprint("ooapi", __name__)

MOUNT = "/ooapi/v5"
ALLOW = ", ".join(METHODS)
RETRY_AFTER_SECONDS = 5  # a store out of time: try again shortly


def context(service: bool) -> Context:
    """The answer's Context; the site's URL (which makes the answer vary by Host) is read
    only for the service answer (GET /), the one that names the documentation."""
    settings = app_context.settings()
    documentation = settings.ooapi_documentation_url or None
    if service and documentation is None:
        documentation = f"{app_context.site_url()}/dataset"
    return Context(
        today=app_context.today(),
        base_iri=settings.base_iri,
        contact_email=settings.ooapi_contact_email or None,
        documentation=documentation,
    )


def _send(result: Answer, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(result.document, ensure_ascii=False)
    response = Response(body, status=result.status, mimetype=result.media_type)
    response.headers.update(headers or {})
    return response


def _problem(status: int, detail: str, headers: dict[str, str] | None = None) -> Response:
    problem = Problem(status, detail)
    return _send(Answer(status, problem.document()), headers)


@bp.get(MOUNT + "/", strict_slashes=False)
def root() -> Response:
    return serve("")


@bp.get(MOUNT + "/<path:rest>")
def serve(rest: str) -> Response:
    try:
        store = app_context.store()
    except ServiceUnavailable as exc:
        return _problem(503, exc.message, {"Retry-After": str(RETRY_AFTER_SECONDS)})
    args = {name: request.args.getlist(name) for name in request.args}
    try:
        service = not rest.strip("/")
        result = answer(store, request.method, "/" + rest, args, context(service))
    except QueryQueueFull as exc:
        return _problem(503, str(exc), {"Retry-After": str(exc.retry_after)})
    except QueryTimedOut as exc:
        return _problem(503, str(exc), {"Retry-After": str(RETRY_AFTER_SECONDS)})
    except StoreError as exc:
        current_app.logger.error("OOAPI %s: the store failed: %s", request.path, exc)
        return _problem(500, f"the store could not answer: {exc}")
    return _send(result)


@bp.before_app_request
def refuse_other_methods() -> BaseResponse | None:
    """405 in the Problem shape for /ooapi/v5 (elsewhere the app's own renderer answers).
    Runs before the app's Host check, so it makes that check first."""
    refusal = request.routing_exception
    if not isinstance(refusal, MethodNotAllowed):
        return None
    if request.path != MOUNT and not request.path.startswith(MOUNT + "/"):
        return None
    refused = check_host()
    if refused is not None:
        return refused
    allow = ", ".join(sorted(refusal.valid_methods or METHODS))  # as the app's other 405s
    detail = f"{request.method} is not allowed here: this API only reads ({ALLOW})"
    return _problem(405, detail, {"Allow": allow})
