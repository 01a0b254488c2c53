"""Cool URIs: things, their documents, extension URLs, the ontology and the shapes.

- `/id/{path}` (and `/vocab/{path}`) answer 303 See Other to `/doc/{path}`, the document
  about the thing (https://www.w3.org/TR/cooluris/#r303gendocument);
- `/doc/{path}` negotiates HTML and the RDF formats of graph.formats (q-values, wildcards,
  406 when nothing fits, `Vary: Accept`); `/doc/{path}.{ext}` names one format; every
  representation advertises the others with `Link: rel="alternate"`;
- `/ontology` and `/shapes` (+ extensions) document the ontology and the SHACL shapes.

Pages are chosen specific-first: `resource-programme.html`, `resource-organisation.html`,
then `resource.html`; their contexts are the dataclasses below (docs/pages.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, request
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF
from werkzeug.wrappers import Response as BaseResponse

from graph import paths
from graph.build.load import ONTOLOGY_GRAPH
from graph.describe import (
    Description,
    describe,
    language_preferences,
)
from graph.formats import BY_EXTENSION, BY_NAME, Format
from graph.iris import ONTOLOGY_IRI, ORG, PRO, SCHEMA, VOCAB, is_data_iri

from ..conneg import negotiate
from ..errors import NotFound
from ..hosts import site_url
from ..representations import rdf_response
from ..urls import Urls
from . import pages

bp = Blueprint("resources", __name__)

HTML = BY_NAME["html"]
RDF_FORMATS: tuple[Format, ...] = tuple(
    BY_NAME[n] for n in ("turtle", "jsonld", "rdfxml", "ntriples", "nquads", "trig")
)
OFFERED: tuple[Format, ...] = (HTML, *RDF_FORMATS)
# Characters a path may hold to be looked up at all (RFC 3987 iunreserved + sub-delims).
_SAFE_PATH = re.compile(r"^[A-Za-z0-9._~\-/:@!$&'()*+,;=]+$")

PROGRAMME_TYPES = frozenset({PRO.StudyProgramme})
ORGANISATION_TYPES = frozenset(
    {
        ORG.FormalOrganization,
        ORG.Organization,
        ORG.OrganizationalUnit,
        PRO.Consortium,
        PRO.StudyPortal,
        SCHEMA.CollegeOrUniversity,
        FOAF.Organization,
    }
)


# -- request helpers -------------------------------------------------------------------------


def urls() -> Urls:
    ext = current_app.extensions
    if "prospectus.urls" not in ext:
        ext["prospectus.urls"] = Urls(current_app.config["PROSPECTUS_SETTINGS"].base_iri)
    return ext["prospectus.urls"]


def store():  # noqa: ANN201 - the Store protocol
    return current_app.extensions["prospectus"].store


def reader_languages() -> tuple[str, ...]:
    return language_preferences(value for value, _q in request.accept_languages)


def today() -> date:
    """The day pages are rendered as of: the app's clock (graph/clock.py)."""
    return current_app.extensions["prospectus.clock"].today()


def _split_extension(path: str) -> tuple[str, Format | None]:
    if "." in path.rsplit("/", 1)[-1]:
        stem, ext = path.rsplit(".", 1)
        fmt = BY_EXTENSION.get(ext.lower())
        if fmt is not None and fmt in OFFERED:
            return stem, fmt
    return path, None


def _check_path(path: str) -> None:
    if not _SAFE_PATH.match(path) or ".." in path.split("/"):
        raise NotFound("There is no resource at this address.")


def _exists(iri: URIRef) -> bool:
    s = store()
    return (
        any(True for _ in s.quads(iri, None, None, None))
        or any(True for _ in s.quads(None, None, iri, None))
        or _is_graph(iri)
    )


def _is_graph(iri: URIRef) -> bool:
    """Whether `iri` names a graph of the store (id:graph/ontology, id:source/…)."""
    return iri in set(store().named_graphs())


def _not_found(iri: str) -> NotFound:
    return NotFound(
        f"Nothing in the published graph is called {iri}. Try the search or the "
        "list of programmes.",
        help_url="/search",
    )


def _choose(explicit: Format | None, offered: Sequence[Format] = OFFERED) -> Format:
    if explicit is not None:
        return explicit
    return negotiate(request.accept_mimetypes, offered, HTML, request.args.get("format"))


@dataclass(frozen=True)
class Alternate:
    """One representation of the current document."""

    format: Format
    href: str


def alternates(base_path: str, formats: Sequence[Format] = OFFERED) -> list[Alternate]:
    return [Alternate(f, f"{base_path}.{f.extension}") for f in formats]


def _link_header(alts: Iterable[Alternate], current: Format) -> str:
    parts = []
    for alt in alts:
        rel = "alternate" if alt.format != current else "self"
        parts.append(f'<{alt.href}>; rel="{rel}"; type="{alt.format.media_type}"')
    return ", ".join(parts)


def _finish(response: Response, alts: Sequence[Alternate], fmt: Format) -> Response:
    response.headers["Link"] = _link_header(alts, fmt)
    response.vary.add("Accept")
    if fmt == HTML:
        response.vary.add("Accept-Language")
    return response


# -- things ----------------------------------------------------------------------------------


@bp.get("/id/<path:path>")
def thing(path: str) -> BaseResponse:
    """303 See Other from a thing's IRI to the document about it."""
    _check_path(path)
    stem, fmt = _split_extension(path)
    iri = URIRef(urls().base_iri + stem)
    if fmt is None or not _exists(iri):
        iri, fmt = URIRef(urls().base_iri + path), None
    if not is_data_iri(str(iri), urls().base_iri) or not _exists(iri):
        raise _not_found(str(iri))
    target = urls().doc(str(iri), fmt)
    assert target is not None
    response = redirect(target, code=303)
    response.vary.add("Accept")
    return response


@bp.get("/vocab/<path:path>")
def vocab_thing(path: str) -> BaseResponse:
    """Concepts of the project vocabularies: 303 to /doc/vocab/…."""
    _check_path(path)
    iri = URIRef(str(VOCAB) + path)
    if not _exists(iri):
        raise _not_found(str(iri))
    target = urls().doc(str(iri))
    assert target is not None
    response = redirect(target, code=303)
    response.vary.add("Accept")
    return response


def _expand_rule(kind: str, base: str):  # noqa: ANN202
    """Which linked nodes a page of this kind fetches too (see docs/pages.md)."""
    owned_kinds = {"component", "requirement", "fee", "deadline", "outcome", "note", "offering"}
    follow = {
        PRO.awards,
        PRO.funding,
        PRO.consortium,
        SCHEMA.address,
        PRO.qualityNote,
        PRO.hasOption,
        PRO.acceptedTest,
        PRO.exemption,
        PRO.unattributedScore,
        PRO.acceptedDegree,
        PRO.applicationDeadline,
        PRO.tuitionFee,
    }

    def expand(node: URIRef, predicate: URIRef, inverse: bool) -> bool:
        iri = str(node)
        if predicate == RDF.type:
            return False
        if kind == "programme":
            if predicate in (SCHEMA.addressCountry, DCTERMS.type):
                return False
            if predicate in (RDF.type, PRO.programmeKind):
                return False
            if inverse:
                return predicate == PRO.offeringOf
            if predicate in follow or predicate in (ELM_CREDIT, ELM_FRAMEWORK):
                return True
            if is_data_iri(iri, base):
                kind_of = iri[len(base) :].split("/", 1)[0]
                return kind_of in owned_kinds or kind_of == "org"
            return False
        if kind == "organisation":
            if inverse:
                return predicate in (PRO.hostedBy, PRO.funder, ORG.hasMember)
            return predicate in (SCHEMA.address, ORG.unitOf, PRO.programmeListing)
        return False

    return expand


ELM_CREDIT = URIRef("http://data.europa.eu/snb/model/elm/creditPoint")
ELM_FRAMEWORK = URIRef("http://data.europa.eu/snb/model/elm/framework")


def _kind_of(iri: URIRef) -> str:
    types = {o for _s, _p, o, _g in store().quads(iri, RDF.type, None, None)}
    if types & PROGRAMME_TYPES:
        return "programme"
    if types & ORGANISATION_TYPES:
        return "organisation"
    return "resource"


def load_description(iri: URIRef) -> tuple[str, Description]:
    kind = _kind_of(iri)
    d = describe(
        store(),
        iri,
        languages=reader_languages(),
        as_of=today(),
        expand=_expand_rule(kind, urls().base_iri),
    )
    return kind, d


@bp.get("/doc/<path:path>")
def document(path: str) -> Response:
    """The document about one resource, in the negotiated (or named) format."""
    _check_path(path)
    stem, fmt = _split_extension(path)
    iri = URIRef(urls().iri_for_doc_path(stem))
    fmt = _choose(fmt)
    kind, d = load_description(iri)
    doc_path = urls().doc(str(iri))
    if not d.exists and _is_graph(iri) and doc_path is not None:
        return _graph_document(iri, fmt, alternates(doc_path))
    if not d.exists or doc_path is None:
        raise _not_found(str(iri))
    alts = alternates(doc_path)
    if fmt.kind == "graph":
        return _finish(rdf_response(d.dataset(), fmt), alts, fmt)
    page_url = site_url() + doc_path
    html = pages.render_resource(kind, d, urls(), alts, store(), today(), page_url)
    return _finish(Response(html, mimetype="text/html"), alts, fmt)


def _graph_document(iri: URIRef, fmt: Format, alts: Sequence[Alternate]) -> Response:
    """A named graph that is nothing but a graph name: its content (RDF) or a summary."""
    ds = Dataset()
    g = ds.graph(iri)
    for s, p, o, _g in store().quads(None, None, None, iri):
        g.add((s, p, o))
    if fmt.kind == "graph":
        return _finish(rdf_response(ds, fmt), alts, fmt)
    html = pages.render_graph(iri, g, urls(), alts, reader_languages(), store())
    return _finish(Response(html, mimetype="text/html"), alts, fmt)


# -- the ontology and the shapes -------------------------------------------------------------


def _ontology_graph() -> Dataset:
    ds = Dataset()
    g = ds.graph(ONTOLOGY_GRAPH)
    for s, p, o, _g in store().quads(None, None, None, ONTOLOGY_GRAPH):
        g.add((s, p, o))
    return ds


@bp.get("/ontology")
@bp.get("/ontology.<ext>")
def ontology(ext: str | None = None) -> Response:
    """The ontology: readable documentation (HTML) or its RDF."""
    fmt = _format_for_ext(ext)
    ds = _ontology_graph()
    if not len(ds):
        raise NotFound("The published graph holds no ontology.")
    alts = alternates("/ontology")
    if fmt.kind == "graph":
        return _finish(rdf_response(ds, fmt), alts, fmt)
    html = pages.render_ontology(
        ds.graph(ONTOLOGY_GRAPH), ONTOLOGY_IRI, alts, urls(), reader_languages(), store()
    )
    return _finish(Response(html, mimetype="text/html"), alts, fmt)


def _format_for_ext(ext: str | None) -> Format:
    if ext is None:
        return _choose(None)
    fmt = BY_EXTENSION.get(ext.lower())
    if fmt is None or fmt not in OFFERED:
        raise NotFound(
            f"There is no .{ext[:20]} representation here; try "
            + ", ".join(f".{f.extension}" for f in OFFERED)
            + "."
        )
    return fmt


_SHAPES_CACHE: dict[str, tuple[float, Graph]] = {}


def shapes_graph(path: Path = paths.SHAPES_FILE) -> Graph:
    """The SHACL shapes shipped with the project, parsed once per change of the file."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise NotFound("No shapes are shipped with this installation.") from None
    cached = _SHAPES_CACHE.get(str(path))
    if cached is None or cached[0] != mtime:
        g = Graph()
        g.parse(path, format="turtle")
        cached = (mtime, g)
        _SHAPES_CACHE[str(path)] = cached
    return cached[1]


@bp.get("/shapes")
@bp.get("/shapes.<ext>")
def shapes(ext: str | None = None) -> Response:
    """The SHACL shapes: readable documentation (HTML) or their RDF."""
    fmt = _format_for_ext(ext)
    g = shapes_graph()
    alts = alternates("/shapes")
    if fmt.kind == "graph":
        ds = Dataset()
        target = ds.graph(URIRef("https://w3id.org/prospectus/shapes"))
        for triple in g:
            target.add(triple)
        return _finish(rdf_response(ds, fmt), alts, fmt)
    html = pages.render_shapes(g, alts, urls(), reader_languages(), store())
    return _finish(Response(html, mimetype="text/html"), alts, fmt)
