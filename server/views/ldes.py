"""The change stream (graph/ldes/): `/ldes`, the root node of the `ldes:EventStream`, and
its pages `/ldes/{id}`, in every RDF format the documents are served in.

A thin view: the build stored the stream in the version (`versions/{v}/ldes/`), so a page
is a file read plus the few triples that name it for this site's URLs
(graph.ldes.stream_graph / page_parts), serialised by the app's one serialiser
(server/representations.py); for N-Quads, the format the stored pages are in, a page is the
triples naming it followed by the stored members as they are. Content negotiation as for
documents (`Accept`, `?format=`, or an extension: `/ldes.nq`, `/ldes/3.ttl`); the default,
and the tie-break, is TriG, a quad format, because each member's description is the graph
named after the member.

Caching (LDES server primer, "Serializations"): a full page never changes, so it is sent
with `Cache-Control: public, max-age=31536000, immutable` and a strong ETag made of the
page's stored SHA-256 and the format (the same in every version that holds the page); the
root node and the open page get a short max-age. A page the retention policy dropped
answers 410 Gone. CORS as for every document (server/cors.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pyoxigraph as ox
from flask import Blueprint, Response, request

from graph import ldes
from graph.canonical import literals_as_written
from graph.formats import BY_EXTENSION, BY_NAME, Format
from graph.iris import ACTIVITY_STREAMS, LDES, PREFIXES, TREE
from graph.store.terms import dataset_of, to_rdflib

from .. import context as app_context
from ..caching import accepted_codings
from ..conneg import negotiate
from ..errors import NotFound, PublisherError, ServiceUnavailable
from ..representations import rdf_response
from .resources import RDF_FORMATS, alternates

bp = Blueprint("ldes", __name__)

DEFAULT = BY_NAME["trig"]
NQUADS = BY_NAME["nquads"]
# Quad formats first: a tie in the client's Accept goes to one that keeps the members' graphs.
OFFERED: tuple[Format, ...] = (
    DEFAULT,
    NQUADS,
    *(f for f in RDF_FORMATS if f.name not in ("trig", "nquads")),
)
IMMUTABLE = "public, max-age=31536000, immutable"
OPEN = "public, max-age=60"
STREAM_PREFIXES = {
    **PREFIXES,
    "ldes": str(LDES),
    "tree": str(TREE),
    "as": str(ACTIVITY_STREAMS),
}


class Gone(PublisherError):
    """A page the stream's retention policy dropped (the LDES server primer asks for 410)."""

    status = 410
    title = "Gone"


def _stream() -> ldes.Stream:
    version = app_context.version()
    if version is None:
        raise ServiceUnavailable(
            "nothing is published yet (or the app serves --data files, which have no "
            "published versions and no change stream): run `prospectus build`"
        )
    cache = app_context.app_cache("ldes")
    key = str(version.path)
    if key not in cache:
        cache.clear()  # one version is served at a time
        cache[key] = ldes.Stream.open(version.path)
    stream = cache[key]
    if stream is None:
        raise NotFound(
            f"version {version.id} was built without the change stream; the next "
            "`prospectus build` starts it",
            help_url="/dataset",
        )
    return stream


def _format(extension: str | None) -> Format:
    if extension is not None:
        fmt = BY_EXTENSION.get(extension.lower())
        if fmt is None or fmt not in OFFERED:
            offered = ", ".join(f".{f.extension}" for f in OFFERED)
            raise NotFound(f"the change stream has no .{extension[:20]} form; try {offered}")
        return fmt
    return negotiate(request.accept_mimetypes, OFFERED, DEFAULT, request.args.get("format"))


def _respond(quads: Sequence[ox.Quad], fmt: Format, path: str) -> Response:
    with literals_as_written():
        dataset = dataset_of(
            (
                to_rdflib(q.subject),
                to_rdflib(q.predicate),
                to_rdflib(q.object),
                to_rdflib(q.graph_name),
            )  # type: ignore[misc]
            for q in quads
        )
        response = rdf_response(dataset, fmt, STREAM_PREFIXES)
    links = [
        f'<{a.href}>; rel="{"self" if a.format == fmt else "alternate"}"; '
        f'type="{a.format.media_type}"'
        for a in alternates(path, OFFERED)
    ]
    response.headers["Link"] = ", ".join(links)
    return response


@bp.get("/ldes")
@bp.get("/ldes.<extension>")
def root(extension: str | None = None) -> Response:
    """The root node: the stream, its retention policy and one relation per page."""
    stream = _stream()
    fmt = _format(extension)
    urls = ldes.StreamUrls.served(app_context.site_url())
    response = _respond(ldes.stream_graph(stream, urls), fmt, "/ldes")
    response.headers["Cache-Control"] = OPEN
    return response


@bp.get("/ldes/<page>")
def page(page: str) -> Response:
    """One page of members: immutable once full, else open (short max-age)."""
    number, _dot, extension = page.partition(".")
    if not number.isdigit() or len(number) > 9:
        raise NotFound(f"the change stream's pages are numbered (/ldes/1), not {page[:40]!r}")
    stream = _stream()
    page_id = int(number)
    try:
        naming, members = ldes.page_parts(
            stream, page_id, ldes.StreamUrls.served(app_context.site_url())
        )
    except ldes.UnknownPage as exc:
        raise NotFound(f"{exc}; the root node /ldes lists every page", help_url="/ldes") from None
    except ldes.PageGone as exc:
        raise Gone(str(exc), help_url="/ldes") from None
    fmt = _format(extension or None)
    if fmt == NQUADS:
        # The stored members are N-Quads already: send them as they are after the triples
        # naming the page (a file read, not a parse and a serialisation of every member).
        response = _respond(naming, fmt, f"/ldes/{page_id}")
        response.set_data(response.get_data() + members)
    else:
        quads = naming + list(ox.parse(members, format=ox.RdfFormat.N_QUADS))
        response = _respond(quads, fmt, f"/ldes/{page_id}")
    if ldes.page_is_immutable(stream, page_id):
        gzip_q, identity_q = accepted_codings()
        coding = "-gzip" if gzip_q > 0 and gzip_q >= identity_q else ""
        response.set_etag(f"ldes-{ldes.page_etag(stream, page_id)[:32]}-{fmt.name}{coding}")
        last = stream.index.page(page_id)
        if last is not None:
            response.last_modified = datetime.strptime(last.last, "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=UTC
            )
        response.headers["Cache-Control"] = IMMUTABLE
    else:
        response.headers["Cache-Control"] = OPEN
    return response
