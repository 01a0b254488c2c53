"""The dataset description and crawler discovery.

- /dataset and /.well-known/void (https://www.w3.org/TR/void/#well-known): VoID + DCAT-AP 3
  from graph/read/dataset_description.py, negotiated between HTML, Turtle, JSON-LD, N-Triples
  and RDF/XML (also /dataset.ttl, /dataset.jsonld, … and ?format=);
- /dataset/changes/<version>: what that version changed (graph/build/writers/changes.py);
- /sitemap.xml (https://www.sitemaps.org/protocol.html): every resource page with the time
  its description last changed; /robots.txt points to it.

Every HTML response also carries `Link: </dataset>; rel="describedby"` (server/headers.py).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from flask import Blueprint, Response, render_template, request
from rdflib import Graph

from graph import versions
from graph.build.writers import changes
from graph.build.writers.statistics import read_resources
from graph.formats import BY_EXTENSION, BY_NAME, Format
from graph.read import dataset_description

from .. import context
from ..conneg import negotiate
from ..errors import NotFound, ServiceUnavailable
from ..representations import rdf_response

bp = Blueprint("meta", __name__)

DESCRIPTION_FORMATS = tuple(BY_NAME[n] for n in ("html", "turtle", "jsonld", "ntriples", "rdfxml"))
RECORD_FORMATS = tuple(BY_NAME[n] for n in ("turtle", "jsonld", "ntriples", "rdfxml"))
SITEMAP_LIMIT = 50000  # URLs per sitemap file (sitemaps.org)
_cache_lock = threading.Lock()
_CACHE_SIZE = 8


@dataclass
class DatasetContext:
    """What dataset.html renders."""

    version: versions.Version
    versions: list[versions.Version]
    statistics: dict[str, Any]
    dumps: list[dict[str, Any]]
    site: dataset_description.Site
    changes: dict[str, Any] | None
    alternates: list[dict[str, Any]] = field(default_factory=list)
    title: str = dataset_description.TITLE
    description: str = dataset_description.DESCRIPTION
    lang: str = "en"


def site() -> dataset_description.Site:
    return dataset_description.Site(context.settings().base_iri, context.site_url())


def _current() -> versions.Version:
    version = context.version()
    if version is None:
        raise ServiceUnavailable(
            "nothing is published yet (or the app serves --data files, which have no "
            "published versions): run `prospectus build`"
        )
    return version


def description(version: versions.Version, where: dataset_description.Site) -> tuple[Graph, list]:
    """The description graph, cached per (version, site URL, retained versions)."""
    retained = versions.retained(context.settings().data_path)
    key = (version.id, where.url, where.base_iri, tuple(v.id for v in retained))
    cache = context.app_cache("descriptions")
    with _cache_lock:
        if key in cache:
            return cache[key], retained
    graph = dataset_description.describe_dataset(version, retained, where)
    with _cache_lock:
        if len(cache) >= _CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = graph
    return graph, retained


def _rdf_response(graph: Graph, fmt: Format) -> Response:
    return rdf_response(graph, fmt, dataset_description.DESCRIPTION_PREFIXES)


def _alternates(path: str) -> list[dict[str, Any]]:
    return [
        {"format": f, "href": f"{path}.{f.extension}" if f.kind != "page" else path}
        for f in DESCRIPTION_FORMATS
    ]


def _dataset(default: Format, extension: str | None = None) -> Response:
    if extension is not None:
        fmt = BY_EXTENSION.get(extension)
        if fmt is None or fmt not in DESCRIPTION_FORMATS:
            offered = ", ".join(f".{f.extension}" for f in DESCRIPTION_FORMATS)
            raise NotFound(f"the dataset description has no .{extension} form; try {offered}")
    else:
        fmt = negotiate(
            request.accept_mimetypes, DESCRIPTION_FORMATS, default, request.args.get("format")
        )
    version = _current()
    where = site()
    graph, retained = description(version, where)
    if fmt.kind == "page":
        dumps = [d for d in version.manifest.get("dumps", [])]
        context = DatasetContext(
            version=version,
            versions=list(reversed(retained)),
            statistics=version.manifest.get("statistics", {}),
            dumps=dumps,
            site=where,
            changes=version.manifest.get("changes"),
            alternates=_alternates("/dataset"),
        )
        response = Response(render_template("dataset.html", page=context), mimetype="text/html")
        response.vary.add("Accept")
    else:
        response = _rdf_response(graph, fmt)
    for alt in _alternates("/dataset"):
        if alt["format"].kind != "page":
            response.headers.add(
                "Link", f'<{alt["href"]}>; rel="alternate"; type="{alt["format"].media_type}"'
            )
    return response


@bp.get("/dataset")
def dataset() -> Response:
    return _dataset(BY_NAME["html"])


@bp.get("/dataset.<extension>")
def dataset_file(extension: str) -> Response:
    return _dataset(BY_NAME["html"], extension)


@bp.get("/.well-known/void")
def well_known_void() -> Response:
    return _dataset(BY_NAME["turtle"])


@bp.get("/dataset/changes/<version_id>")
def change_record(version_id: str) -> Response:
    version = versions.find(context.settings().data_path, version_id)
    if version is None:
        kept = ", ".join(v.id for v in versions.retained(context.settings().data_path)) or "none"
        raise NotFound(
            f"no published version {version_id!r} (retained versions: {kept})", help_url="/dataset"
        )
    graph = changes.read_record(version)
    if len(graph) == 0:
        raise NotFound(f"version {version_id} was published without a change record")
    fmt = negotiate(
        request.accept_mimetypes, RECORD_FORMATS, BY_NAME["turtle"], request.args.get("format")
    )
    response = _rdf_response(graph, fmt)
    response.last_modified = version.created
    response.headers.add("Link", '</dataset>; rel="describedby"')
    return response


def _w3c_datetime(value: str) -> str:
    return datetime.fromisoformat(value).strftime("%Y-%m-%dT%H:%M:%S+00:00")


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    version = _current()
    where = site()
    urls = context.urls()
    modified = _w3c_datetime(version.manifest["created"])
    entries: list[tuple[str, str]] = [("/", modified), ("/dataset", modified)]
    seen = {"/", "/dataset"}
    resources = read_resources(version.path)
    for iri, info in sorted(resources.items()):
        path = urls.doc(iri)
        if path and path not in seen:
            seen.add(path)
            entries.append((path, _w3c_datetime(info["modified"])))
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for path, lastmod in entries[:SITEMAP_LIMIT]:
        lines.append(
            f"<url><loc>{escape(where.url + path)}</loc><lastmod>{lastmod}</lastmod></url>"
        )
    lines.append("</urlset>")
    return Response("\n".join(lines) + "\n", mimetype="application/xml")


@bp.get("/robots.txt")
def robots() -> Response:
    where = site()
    text = (
        "# Prospectus: pages, dumps and the dataset description may be crawled.\n"
        "# Harvest the dumps listed in /dataset rather than crawling page by page.\n"
        "User-agent: *\n"
        "Disallow: /sparql\n"
        "Allow: /\n"
        "\n"
        f"Sitemap: {where.url}/sitemap.xml\n"
    )
    return Response(text, mimetype="text/plain")
