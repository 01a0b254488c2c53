"""Dump downloads: /dumps/<version>/<file> and /dumps/latest/<file>.

Files are the ones a version's manifest lists (graph/build/writers/dumps.py), plus its
SHA256SUMS. They are sent with the HTTP machinery harvesters rely on (RFC 9110): a strong ETag
equal to the file's SHA-256, Last-Modified (the version's creation time), preconditions in the
order of §13.2.2 (412 for an If-Match naming another tag or an If-Unmodified-Since before the
version, 304 for If-None-Match / If-Modified-Since), and one byte range (206, If-Range) so that
an interrupted download resumes. A Range header that is not one valid byte range (`bytes=5-1`,
`bytes=abc`, `items=0-5`, or several ranges) is ignored as §14.2 allows: the whole file is sent
with 200. A valid range past the end answers 416 with `Content-Range: bytes */{size}`. A
versioned URL never changes its bytes (Cache-Control immutable); /dumps/latest/ follows the
current version. Gzip dumps are served as application/gzip, never with Content-Encoding, so the
bytes received are the bytes whose size and checksum the description states.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, cast

from flask import Blueprint, Response, current_app, redirect, request
from werkzeug.http import parse_range_header
from werkzeug.utils import send_file
from werkzeug.wrappers import Response as BaseResponse

from graph import versions
from graph.build.writers import dumps
from graph.formats import GZIP_MEDIA_TYPE

from .. import context
from ..caching import precondition_failed, precondition_status
from ..errors import NotFound, ServiceUnavailable

bp = Blueprint("dumps", __name__)

LATEST = "latest"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=60, must-revalidate"


def _data_path() -> Path:
    return context.settings().data_path


def _version(version_id: str) -> versions.Version:
    if version_id == LATEST:
        version = context.version()
        if version is None:
            raise ServiceUnavailable("nothing is published yet: run `prospectus build`")
        return version
    version = versions.find(_data_path(), version_id)
    if version is None:
        kept = ", ".join(v.id for v in versions.retained(_data_path())) or "none"
        raise NotFound(
            f"no published version {version_id!r} (retained versions: {kept}); "
            "older versions are removed by the retain_versions setting",
            help_url="/dataset",
        )
    return version


@bp.get("/dumps/")
@bp.get("/dumps")
def index() -> BaseResponse:
    """The dumps are listed, with sizes and checksums, in the dataset description."""
    return redirect("/dataset", code=303)


_PRECONDITIONS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def _range_environ() -> dict[str, Any]:
    """The request's environ for send_file: preconditions already evaluated, and a Range
    that is not exactly one valid byte range removed (so the whole file is sent)."""
    environ = {k: v for k, v in request.environ.items() if k not in _PRECONDITIONS}
    raw = environ.get("HTTP_RANGE")
    if raw is not None:
        parsed = parse_range_header(raw)
        if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
            environ.pop("HTTP_RANGE")
            environ.pop("HTTP_IF_RANGE", None)
    return environ


@bp.get("/dumps/<version_id>/<filename>")
def download(version_id: str, filename: str) -> Response:
    version = _version(version_id)
    records = {d["file"]: d for d in version.manifest.get("dumps", [])}
    path = version.path / dumps.DUMP_DIR / filename
    if filename == dumps.CHECKSUMS and path.is_file():
        etag, mimetype = hashlib.sha256(path.read_bytes()).hexdigest(), "text/plain"
    elif filename in records and path.is_file():
        record = records[filename]
        spec = dumps.spec_for(filename)
        etag = record["sha256"]
        if record.get("compression") == "gzip":
            mimetype = GZIP_MEDIA_TYPE
        else:
            mimetype = spec.content_type if spec else record["media_type"]
    else:
        files = ", ".join(sorted([*records, dumps.CHECKSUMS]))
        raise NotFound(
            f"version {version.id} has no dump {filename!r}; its files: {files}",
            help_url="/dataset",
        )
    cache_control = REVALIDATE if version_id == LATEST else IMMUTABLE
    # Preconditions are answered before the file is opened.
    status = precondition_status(etag, version.created)
    if status == 412:
        return precondition_failed()
    if status == 304:
        response = Response(status=304)
        response.set_etag(etag)
        response.last_modified = version.created
        response.headers["Cache-Control"] = cache_control
        return response
    sent = send_file(
        path,
        _range_environ(),
        mimetype=mimetype,
        as_attachment=False,
        download_name=filename,
        conditional=True,
        etag=etag,
        last_modified=version.created,
        max_age=None,
        response_class=current_app.response_class,
    )
    response = cast(Response, sent)  # an instance of the app's response class
    response.headers["Cache-Control"] = cache_control
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers.add("Link", '</dataset>; rel="describedby"')
    if version_id == LATEST:
        response.headers["Content-Location"] = f"/dumps/{version.id}/{filename}"
    return response
