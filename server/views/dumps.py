"""Dump downloads: /dumps/<version>/<file> and /dumps/latest/<file>.

Files are the ones a version's manifest lists (graph/dump.py), plus its SHA256SUMS. They
are sent with the HTTP machinery harvesters rely on (RFC 9110): a strong ETag equal to the
file's SHA-256, Last-Modified (the version's creation time), 304 on conditional GET, and
byte ranges (206, If-Range) so that an interrupted download resumes. A versioned URL never
changes its bytes (Cache-Control immutable); /dumps/latest/ follows the current version.
Gzip dumps are served as application/gzip, never with Content-Encoding, so the bytes
received are the bytes whose size and checksum the description states.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, request, send_file
from werkzeug.http import is_resource_modified

from graph import dump, publish

from ..errors import NotFound, ServiceUnavailable

bp = Blueprint("dumps", __name__)

LATEST = "latest"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=60, must-revalidate"


def _data_path() -> Path:
    return current_app.config["PROSPECTUS_SETTINGS"].data_path


def _version(version_id: str) -> publish.Version:
    if version_id == LATEST:
        version = current_app.extensions["prospectus"].version
        if version is None:
            raise ServiceUnavailable("nothing is published yet: run `prospectus build`")
        return version
    version = publish.find(_data_path(), version_id)
    if version is None:
        kept = ", ".join(v.id for v in publish.versions(_data_path())) or "none"
        raise NotFound(
            f"no published version {version_id!r} (retained versions: {kept}); "
            "older versions are removed by the retain_versions setting",
            help_url="/dataset",
        )
    return version


@bp.get("/dumps/")
@bp.get("/dumps")
def index() -> Response:
    """The dumps are listed, with sizes and checksums, in the dataset description."""
    return redirect("/dataset", code=303)


@bp.get("/dumps/<version_id>/<filename>")
def download(version_id: str, filename: str) -> Response:
    version = _version(version_id)
    records = {d["file"]: d for d in version.manifest.get("dumps", [])}
    path = version.path / dump.DUMP_DIR / filename
    if filename == dump.CHECKSUMS and path.is_file():
        etag, mimetype = hashlib.sha256(path.read_bytes()).hexdigest(), "text/plain"
    elif filename in records and path.is_file():
        record = records[filename]
        spec = dump.spec_for(filename)
        etag = record["sha256"]
        if record.get("compression") == "gzip":
            mimetype = dump.GZIP_MEDIA_TYPE
        else:
            mimetype = spec.content_type if spec else record["media_type"]
    else:
        files = ", ".join(sorted([*records, dump.CHECKSUMS]))
        raise NotFound(
            f"version {version.id} has no dump {filename!r}; its files: {files}",
            help_url="/dataset",
        )
    cache_control = REVALIDATE if version_id == LATEST else IMMUTABLE
    if not is_resource_modified(request.environ, etag=etag, last_modified=version.created):
        # Answered before the file is opened (send_file would open it, then drop it).
        response = Response(status=304)
        response.set_etag(etag)
        response.last_modified = version.created
        response.headers["Cache-Control"] = cache_control
        return response
    response = send_file(
        path,
        mimetype=mimetype,
        as_attachment=False,
        download_name=filename,
        conditional=True,
        etag=etag,
        last_modified=version.created,
        max_age=None,
    )
    response.headers["Cache-Control"] = cache_control
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers.add("Link", '</dataset>; rel="describedby"')
    if version_id == LATEST:
        response.headers["Content-Location"] = f"/dumps/{version.id}/{filename}"
    return response
