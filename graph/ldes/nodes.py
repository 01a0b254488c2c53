"""The stream's documents: the root node and the member pages, for a site's URLs.

LDES (https://w3id.org/ldes/specification) over TREE (https://w3id.org/tree/specification):

- the root node (`urls.root`, e.g. `/ldes`) describes the `ldes:EventStream`
  (`{base}dataset/prospectus/ldes`): `tree:view` the root node, `ldes:timestampPath
  prov:generatedAtTime`, `ldes:versionOfPath dct:isVersionOf`, the create / update /
  delete objects (`as:Create`, `as:Update`, `as:Delete` on `rdf:type`), `tree:shape` the
  SHACL shapes document, and on the root node its `ldes:retentionPolicy` and one
  `tree:GreaterThanOrEqualToRelation` (and, once a later member exists, one
  `tree:LessThanRelation`) on `prov:generatedAtTime` per page; it holds no members and is
  never immutable;
- a page (`urls.page(id)`) is a `tree:Node` holding `<stream> tree:member <m>` and each
  member's quads; a full page says `ldes:immutable true` and never changes.

Everything here is a function of the version's stored stream (graph/ldes/log.py) and the
URLs it is given: serving a page is a file read plus the few triples naming the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF, RDFS

from .. import formats
from ..errors import ProspectusError
from ..iris import ACTIVITY_STREAMS as AS
from ..iris import LDES, PROV, TREE
from . import log
from .log import Index, Page

XSD = "http://www.w3.org/2001/XMLSchema#"
DEFAULT = ox.DefaultGraph()


class UnknownPage(ProspectusError):
    """No page of the stream has this id (404)."""

    exit_code = 2


class PageGone(ProspectusError):
    """The page existed but the retention policy dropped it (410 Gone, as the LDES server
    primer asks: a client reads it as a page without members or relations)."""

    exit_code = 2


@dataclass(frozen=True)
class StreamUrls:
    """Where the stream's documents are: the root node, the pages, the shapes document."""

    root: str
    page_prefix: str  # a page's URL is page_prefix + id + page_suffix
    shapes: str
    page_suffix: str = ""

    def page(self, page_id: int) -> str:
        return f"{self.page_prefix}{page_id}{self.page_suffix}"

    @classmethod
    def served(cls, site: str) -> StreamUrls:
        """The URLs under which the site serves the stream: /ldes, /ldes/{id}, /shapes."""
        site = site.rstrip("/")
        return cls(f"{site}/ldes", f"{site}/ldes/", f"{site}/shapes")

    @classmethod
    def static(cls, site: str, extension: str) -> StreamUrls:
        """The URLs of a static copy (`export_static`): ldes.{ext}, ldes/{id}.{ext}."""
        site = site.rstrip("/")
        return cls(
            f"{site}/ldes.{extension}", f"{site}/ldes/", f"{site}/shapes.ttl", f".{extension}"
        )


@dataclass(frozen=True)
class Stream:
    """The stream stored in one version."""

    version_dir: Path
    index: Index

    @classmethod
    def open(cls, version_dir: Path) -> Stream | None:
        """The version's stream, or None when the version was built without one."""
        index = log.read_index(version_dir)
        return None if index is None else cls(version_dir, index)

    def page(self, page_id: int) -> Page:
        page = self.index.page(page_id)
        if page is None:
            raise UnknownPage(f"the stream has no page {page_id}")
        if page.gone:
            raise PageGone(
                f"page {page_id} of the stream was dropped by its retention policy "
                f"(ldes_retention_days = {self.index.retention_days})"
            )
        return page


def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def _date_time(value: str) -> ox.Literal:
    return ox.Literal(value, datatype=_iri(XSD + "dateTime"))


def _triple(
    s: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal
) -> ox.Quad:
    return ox.Quad(s, _iri(p), o, DEFAULT)


def _retention(stream: Stream) -> list[ox.Quad]:
    from ..iris import ldes_retention_policy

    index = stream.index
    policy = ldes_retention_policy(index.base_iri)
    node = _iri(str(policy))
    quads = [_triple(node, str(RDF.type), _iri(str(LDES.RetentionPolicy)))]
    days = index.retention_days
    if days > 0:
        duration = ox.Literal(f"P{days}D", datatype=_iri(XSD + "duration"))
        quads += [
            _triple(node, str(LDES.fullLogDuration), duration),
            _triple(node, str(LDES.versionAmount), ox.Literal("1", datatype=_iri(XSD + "integer"))),
            _triple(node, str(LDES.versionDeleteDuration), duration),
        ]
    elif index.live:
        quads.append(_triple(node, str(LDES.startingFrom), _date_time(index.live[0].first)))
    return quads


def stream_graph(stream: Stream, urls: StreamUrls) -> list[ox.Quad]:
    """The root node: the stream's context, its retention policy and one relation per page."""
    index = stream.index
    es = _iri(index.stream)
    root = _iri(urls.root)
    quads = [
        _triple(es, str(RDF.type), _iri(str(LDES.EventStream))),
        _triple(
            es,
            str(RDFS.label),
            ox.Literal("Prospectus: versions of study programmes", language="en"),
        ),
        _triple(
            es,
            str(DCTERMS.description),
            ox.Literal(
                "One member per programme that a published version adds (as:Create), "
                "changes (as:Update) or retires (as:Delete): the programme's description "
                "with its sources, in the member's named graph.",
                language="en",
            ),
        ),
        _triple(es, str(LDES.timestampPath), _iri(str(PROV.generatedAtTime))),
        _triple(es, str(LDES.versionOfPath), _iri(str(DCTERMS.isVersionOf))),
        _triple(es, str(LDES.versionCreateObject), _iri(str(AS.Create))),
        _triple(es, str(LDES.versionUpdateObject), _iri(str(AS.Update))),
        _triple(es, str(LDES.versionDeleteObject), _iri(str(AS.Delete))),
        _triple(es, str(TREE.shape), _iri(urls.shapes)),
        _triple(es, str(TREE.view), root),
        _triple(root, str(RDF.type), _iri(str(TREE.Node))),
    ]
    policy = _retention(stream)
    quads.append(_triple(root, str(LDES.retentionPolicy), policy[0].subject))  # type: ignore[arg-type]
    quads += policy
    path = _iri(str(PROV.generatedAtTime))
    for page in index.live:
        node = _iri(urls.page(page.id))
        bounds = [(TREE.GreaterThanOrEqualToRelation, page.first, "ge")]
        upper = index.upper_bound(page)
        if upper is not None:
            bounds.append((TREE.LessThanRelation, upper, "lt"))
        for kind, value, tag in bounds:
            relation = ox.BlankNode(f"page{page.id}{tag}")
            quads += [
                _triple(root, str(TREE.relation), relation),
                _triple(relation, str(RDF.type), _iri(str(kind))),
                _triple(relation, str(TREE.node), node),
                _triple(relation, str(TREE.path), path),
                _triple(relation, str(TREE.value), _date_time(value)),
                _triple(
                    relation,
                    str(TREE.remainingItems),
                    ox.Literal(str(page.members), datatype=_iri(XSD + "integer")),
                ),
            ]
    return quads


def page_parts(stream: Stream, page_id: int, urls: StreamUrls) -> tuple[list[ox.Quad], bytes]:
    """One page in two parts: the triples naming the page (`tree:Node`, `ldes:immutable`
    when full), and its members as the version stores them (N-Quads bytes, one file read,
    log.read_page: a view may send them as they are for N-Quads)."""
    page = stream.page(page_id)
    data = log.read_page(stream.version_dir, page)
    node = _iri(urls.page(page.id))
    quads = [_triple(node, str(RDF.type), _iri(str(TREE.Node)))]
    if page.full:
        quads.append(
            _triple(node, str(LDES.immutable), ox.Literal("true", datatype=_iri(XSD + "boolean")))
        )
    return quads, data


def page_graph(stream: Stream, page_id: int, urls: StreamUrls) -> list[ox.Quad]:
    """One page: its members (read from the version) and the triples naming the page."""
    naming, data = page_parts(stream, page_id, urls)
    return naming + list(ox.parse(data, format=ox.RdfFormat.N_QUADS))


def page_is_immutable(stream: Stream, page_id: int) -> bool:
    """A full page never changes: serve it with `Cache-Control: immutable` and its ETag."""
    return stream.page(page_id).full


def page_etag(stream: Stream, page_id: int) -> str:
    """The SHA-256 of the page's stored members (the same in every version that has it)."""
    return stream.page(page_id).sha256


def serialize(quads: list[ox.Quad], fmt: formats.Format) -> bytes:
    """The quads in one of the registry's graph formats. Formats without named graphs
    (Turtle, N-Triples, RDF/XML) get every triple once: the members' grouping needs a
    quad format (TriG, N-Quads, JSON-LD)."""
    if fmt.kind != "graph" or fmt.oxigraph is None:
        raise ValueError(f"{fmt.name} is not an RDF graph format")
    rdf_format = getattr(ox.RdfFormat, fmt.oxigraph)
    if fmt.quads:
        return ox.serialize(quads, format=rdf_format) or b""
    triples = sorted({q.triple for q in quads}, key=str)
    return ox.serialize(triples, format=rdf_format) or b""


@dataclass(frozen=True)
class ExportedFile:
    path: str  # relative to the export folder
    page: int | None  # None: the root node
    immutable: bool


def export_static(
    version_dir: Path, target: Path, site: str, fmt: formats.Format
) -> list[ExportedFile]:
    """Write the stream of a version as static files under `target`, for a static host
    serving `target` at `site`: `ldes.{ext}` (the root node) and `ldes/{id}.{ext}`."""
    stream = Stream.open(version_dir)
    if stream is None:
        raise log.StreamError(
            f"{version_dir} holds no change stream (built without the ldes writer)"
        )
    urls = StreamUrls.static(site, fmt.extension)
    files = [ExportedFile(f"ldes.{fmt.extension}", None, False)]
    (target / "ldes").mkdir(parents=True, exist_ok=True)
    (target / files[0].path).write_bytes(serialize(stream_graph(stream, urls), fmt))
    for page in stream.index.live:
        exported = ExportedFile(f"ldes/{page.id}.{fmt.extension}", page.id, page.full)
        (target / exported.path).write_bytes(serialize(page_graph(stream, page.id, urls), fmt))
        files.append(exported)
    return files
