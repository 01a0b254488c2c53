"""Response headers every answer of the app carries, whatever produced it.

`install(app)` adds one after_request hook, run after every other hook, so that pages,
RDF, dumps sent with send_file, redirects, 304s and error pages all get:

- `Content-Security-Policy` (https://www.w3.org/TR/CSP3/): nothing but this site's own
  scripts, styles and images; no inline script or `on…=` handler runs, no `javascript:`
  URL is followed, forms post only here, no `<base>`, and no other site may frame a page
  (`frame-ancestors 'none'`). Pages carry no script of their own; the schema.org JSON-LD in
  programme pages is a data block (`<script type="application/ld+json">`), which a CSP does
  not govern because it is never executed;
- `X-Frame-Options: DENY` for browsers that predate `frame-ancestors`;
- `X-Content-Type-Options: nosniff`: a body is only ever what its Content-Type says;
- `Referrer-Policy: strict-origin-when-cross-origin`: other sites see at most our origin,
  never a search or a query in a URL;
- for HTML: `Link: </dataset>; rel="describedby"` (RFC 8288), pointing every page to the
  dataset description.
"""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
DESCRIBEDBY = '</dataset>; rel="describedby"'


def after_request(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    if response.mimetype == "text/html" and request.path != "/dataset":
        response.headers.add("Link", DESCRIBEDBY)
    return response


def install(app: Flask) -> None:
    """Register the hook; create_app() installs this module first, so that Flask, which runs
    after_request hooks in reverse order, runs it last."""
    app.after_request(after_request)
