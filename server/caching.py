"""HTTP caching and compression for every response (RFC 9110 §8.8, §13; RFC 9111).

`install(app)` adds one after_request hook that, for successful GET/HEAD responses with a
body in memory:

- sets `Last-Modified` to the creation time of the published dataset version (or of the
  newest `--data` file) and a strong `ETag` built from the version id and a digest of the
  representation, so every negotiated variant (format, language) has its own tag;
- evaluates the request's preconditions in the order of RFC 9110 §13.2.2
  (`precondition_status`, also used by the dumps): `If-Match` that names no current tag, or
  an `If-Unmodified-Since` before the last modification, answer `412 Precondition Failed`;
  `If-None-Match` / `If-Modified-Since` that still match answer `304 Not Modified`;
- gzips the body when the client accepts gzip at least as much as no coding and the type is
  textual (`Vary: Accept-Encoding`; the compressed variant gets its own ETag). Qualities
  follow RFC 9110 §12.5.3: a coding's own entry wins over `*` (`gzip;q=0, *` refuses gzip),
  identity is acceptable unless `identity;q=0` or `*;q=0` excludes it; when only gzip is
  acceptable any body is gzipped, and when neither is the answer is 406.

Responses that manage this themselves (files sent with send_file, streams) are left alone.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from flask import Flask, Response, request
from werkzeug.http import parse_date, parse_etags

from graph.compression import gzip_bytes

from . import context
from .errors import render_error

MIN_COMPRESS_BYTES = 512
COMPRESSIBLE = (
    "text/",
    "application/ld+json",
    "application/json",
    "application/n-triples",
    "application/n-quads",
    "application/rdf+xml",
    "application/trig",
    "application/sparql-results",
    "application/xml",
    "application/javascript",
    "image/svg+xml",
)
DEFAULT_CACHE_CONTROL = "public, max-age=300"


def dataset_stamp() -> tuple[str, datetime]:
    """(version id, last-modified) of what is being served."""
    pub = context.publication()
    version = pub.version
    if version is not None:
        return version.id, version.created.astimezone(UTC)
    files = getattr(pub, "data_files", ())
    stamps = []
    for path in files:
        try:
            stamps.append(path.stat().st_mtime)
        except OSError:
            continue
    when = datetime.fromtimestamp(max(stamps) if stamps else 0, UTC)
    ident = hashlib.sha256("|".join(str(p) for p in files).encode()).hexdigest()[:8]
    return f"files-{int(when.timestamp())}-{ident}", when


# Names of the gzip coding (RFC 9110 §8.4.1.3: "x-gzip" is the same coding).
GZIP_NAMES = frozenset({"gzip", "x-gzip"})
IDENTITY_NAMES = frozenset({"identity"})


def coding_quality(names: frozenset[str], default: float) -> float:
    """The quality the request's Accept-Encoding gives a coding named by `names`: its own
    entry (the lowest, if repeated), else the `*` entry, else `default`. Read from
    werkzeug's parsed header (RFC 9110 §12.5.3)."""
    parsed = [(value.lower(), quality) for value, quality in request.accept_encodings]
    own = [quality for value, quality in parsed if value in names]
    if own:
        return min(own)
    star = [quality for value, quality in parsed if value == "*"]
    return min(star) if star else default


def accepted_codings() -> tuple[float, float]:
    """(quality of gzip, quality of identity) for this request. Without an Accept-Encoding
    header the client has no preference: identity only. Identity is acceptable unless
    excluded (`identity;q=0`, or `*;q=0` without an identity entry)."""
    if "Accept-Encoding" not in request.headers:
        return 0.0, 1.0
    return coding_quality(GZIP_NAMES, 0.0), coding_quality(IDENTITY_NAMES, 1.0)


def _compressible(response: Response) -> bool:
    mimetype = response.mimetype or ""
    return (
        _encodable(response)
        and mimetype.startswith(COMPRESSIBLE)
        and response.content_length >= MIN_COMPRESS_BYTES  # type: ignore[operator]
    )


def _encodable(response: Response) -> bool:
    return "Content-Encoding" not in response.headers and response.content_length is not None


def precondition_status(etag: str | None, last_modified: datetime | None) -> int | None:
    """412, 304 or None (carry on) for the current request against a representation with
    this strong `etag` (unquoted) and `last_modified`, in the order of RFC 9110 §13.2.2."""
    stamp = last_modified.replace(microsecond=0) if last_modified is not None else None
    if_match = request.headers.get("If-Match")
    if if_match is not None:
        tags = parse_etags(if_match)
        if not (tags.star_tag or (etag is not None and tags.is_strong(etag))):
            return 412
    else:
        since = parse_date(request.headers.get("If-Unmodified-Since"))
        if since is not None and stamp is not None and stamp > since:
            return 412
    safe = request.method in ("GET", "HEAD")
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = parse_etags(if_none_match)
        if tags.star_tag or (etag is not None and tags.contains_weak(etag)):
            return 304 if safe else 412
    elif safe:
        since = parse_date(request.headers.get("If-Modified-Since"))
        if since is not None and stamp is not None and stamp <= since:
            return 304
    return None


def precondition_failed() -> Response:
    return render_error(
        412,
        "Precondition failed",
        "The representation has changed: its current ETag or Last-Modified no longer "
        "satisfies the request's If-Match or If-Unmodified-Since. Fetch it again.",
    )


def after_request(response: Response) -> Response:
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.direct_passthrough or response.is_streamed:
        return response
    body = response.get_data()
    gzip_q, identity_q = accepted_codings()
    if gzip_q == 0 and identity_q == 0 and _encodable(response):
        return _not_acceptable()
    # Gzip when preferred (or tied); small or binary bodies only when identity is refused.
    gzipped = (
        gzip_q > 0
        and gzip_q >= identity_q
        and (_compressible(response) or (identity_q == 0 and _encodable(response)))
    )
    if not response.headers.get("ETag"):
        version_id, when = dataset_stamp()
        digest = hashlib.sha256(body).hexdigest()[:16]
        tag = f"{version_id}-{digest}" + ("-gzip" if gzipped else "")
        response.set_etag(tag)
        if response.last_modified is None:
            response.last_modified = when
    response.headers.setdefault("Cache-Control", DEFAULT_CACHE_CONTROL)
    if gzipped or _compressible(response):
        response.vary.add("Accept-Encoding")
    etag, _weak = response.get_etag()
    status = precondition_status(etag, response.last_modified)
    if status == 412:
        return precondition_failed()
    if status == 304:
        response.status_code = 304  # Werkzeug drops the body and its entity headers
        return response
    if gzipped:
        response.set_data(gzip_bytes(body, 6))
        response.headers["Content-Encoding"] = "gzip"
    return response


def _not_acceptable() -> Response:
    """406 for a request that refuses both gzip and an uncoded body (`identity;q=0` or
    `*;q=0` without a gzip entry), rendered by the one error renderer."""
    answer = render_error(
        406,
        "Not acceptable",
        "Accept-Encoding refuses every coding this answer is available in: gzip and "
        "identity (no coding).",
    )
    answer.vary.add("Accept-Encoding")
    return answer


def install(app: Flask) -> None:
    app.after_request(after_request)
