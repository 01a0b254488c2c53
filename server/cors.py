"""Cross-origin reads of everything the site publishes (Fetch standard, CORS protocol:
https://fetch.spec.whatwg.org/#http-cors-protocol).

The site is public and read-only and uses no cookies or other credentials, so every answer
(documents, `/id/` redirects, dumps, the dataset description, `/sparql`, and their errors)
may be read by scripts of the origins the `cors_origins` setting allows: `*` (the
default) allows any origin; a list of origins (`https://app.example.org`) allows exactly
those, echoed back with `Vary: Origin`.

- Every response carries `Access-Control-Allow-Origin` (when the origin is allowed) and
  `Access-Control-Expose-Headers` for the headers a script may need beyond the safelisted
  ones (ETag, Link, Content-Location, Content-Range, Accept-Ranges, Retry-After,
  X-Prospectus-Truncated).
- A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) on any route
  answers 204 with `Access-Control-Allow-Methods` (the route's methods),
  `Access-Control-Allow-Headers` (the request headers the site reads) and
  `Access-Control-Max-Age`. A plain `OPTIONS` gets Flask's answer: 200 with `Allow`.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from . import context

ALLOW_HEADERS = (
    "Accept",
    "Accept-Language",
    "Content-Type",
    "If-Match",
    "If-Modified-Since",
    "If-None-Match",
    "If-Range",
    "If-Unmodified-Since",
    "Range",
)
EXPOSE_HEADERS = (
    "Accept-Ranges",
    "Content-Location",
    "Content-Range",
    "ETag",
    "Link",
    "Retry-After",
    "X-Prospectus-Truncated",
)
MAX_AGE_SECONDS = 86400


def _origins() -> list[str]:
    return list(context.settings().cors_origins)


def _allow_origin(response: Response) -> bool:
    """Set Access-Control-Allow-Origin for this request's origin; False when not allowed."""
    origins = _origins()
    if "*" in origins:
        response.headers["Access-Control-Allow-Origin"] = "*"
        return True
    response.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin and origin.rstrip("/") in {o.rstrip("/") for o in origins}:
        response.headers["Access-Control-Allow-Origin"] = origin
        return True
    return False


def _route_methods() -> list[str]:
    """The methods the requested URL answers (as a 405 would list them in Allow)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(method="--")  # no rule has this method: the adapter says which do
    except MethodNotAllowed as exc:
        return sorted(exc.valid_methods or ())
    except HTTPException:
        return []
    return []


def preflight() -> Response | None:
    """before_request: answer a CORS preflight for any route of the app."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    if "Origin" not in request.headers:
        return None
    methods = _route_methods()
    if not methods:
        return None  # an unknown URL: the normal 404
    response = Response(status=204)
    del response.headers["Content-Type"]  # no content
    if _allow_origin(response):
        response.headers["Access-Control-Allow-Methods"] = ", ".join(methods)
        response.headers["Access-Control-Allow-Headers"] = ", ".join(ALLOW_HEADERS)
        response.headers["Access-Control-Max-Age"] = str(MAX_AGE_SECONDS)
    response.headers["Allow"] = ", ".join(methods)
    return response


def after_request(response: Response) -> Response:
    if "Access-Control-Allow-Methods" in response.headers:
        return response  # a preflight, answered above
    if _allow_origin(response):
        response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSE_HEADERS)
    return response


def install(app: Flask) -> None:
    app.before_request(preflight)
    app.after_request(after_request)
