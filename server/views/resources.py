"""Cool URIs: things, their documents, extension URLs, the ontology and the shapes.

- `/id/{path}` (and `/vocab/{path}`) answer 303 See Other to `/doc/{path}`, the document
  about the thing (https://www.w3.org/TR/cooluris/#r303gendocument);
- `/doc/{path}` negotiates HTML and the RDF formats of graph.formats (q-values, wildcards,
  406 when nothing fits, `Vary: Accept`); `/doc/{path}.{ext}` names one format; every
  representation advertises the others with `Link: rel="alternate"`;
- `/ontology` and `/shapes` (+ extensions) document the ontology and the SHACL shapes.

Pages are chosen specific-first: `resource-programme.html`, `resource-organisation.html`,
then `resource.html`; their contexts are the page models of server/pages/ (docs/pages.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import Blueprint, Response, redirect, request
from rdflib import Dataset, URIRef
from werkzeug.wrappers import Response as BaseResponse

from graph.formats import BY_EXTENSION, BY_NAME, Format
from graph.iris import ONTOLOGY_GRAPH, ONTOLOGY_IRI, VOCAB, is_data_iri
from graph.read import graphs
from graph.read.expand import read_resource

from .. import context
from ..conneg import negotiate
from ..errors import NotFound
from ..pages.ontology import render_ontology, render_shapes
from ..pages.resource import render_graph, render_resource
from ..representations import rdf_response

bp = Blueprint("resources", __name__)

HTML = BY_NAME["html"]
RDF_FORMATS: tuple[Format, ...] = tuple(
    BY_NAME[n] for n in ("turtle", "jsonld", "rdfxml", "ntriples", "nquads", "trig")
)
OFFERED: tuple[Format, ...] = (HTML, *RDF_FORMATS)
# Characters a path may hold to be looked up at all (RFC 3987 iunreserved + sub-delims).
_SAFE_PATH = re.compile(r"^[A-Za-z0-9._~\-/:@!$&'()*+,;=]+$")

# -- request helpers -------------------------------------------------------------------------


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
    return graphs.exists(context.store(), iri)


def _is_graph(iri: URIRef) -> bool:
    """Whether `iri` names a graph of the store (id:graph/ontology, id:source/…)."""
    return graphs.is_graph(context.store(), iri)


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
    iri = URIRef(context.urls().base_iri + stem)
    if fmt is None or not _exists(iri):
        iri, fmt = URIRef(context.urls().base_iri + path), None
    if not is_data_iri(str(iri), context.urls().base_iri) or not _exists(iri):
        raise _not_found(str(iri))
    return _see_other(iri, fmt)


@bp.get("/vocab/<path:path>")
def vocab_thing(path: str) -> BaseResponse:
    """Concepts of the project vocabularies: 303 to /doc/vocab/…."""
    _check_path(path)
    iri = URIRef(str(VOCAB) + path)
    if not _exists(iri):
        raise _not_found(str(iri))
    return _see_other(iri)


def _see_other(iri: URIRef, fmt: Format | None = None) -> BaseResponse:
    """303 See Other to the document about `iri` (in `fmt` when the IRI named one)."""
    target = context.urls().doc(str(iri), fmt)
    assert target is not None
    response = redirect(target, code=303)
    response.vary.add("Accept")
    return response


@bp.get("/doc/<path:path>")
def document(path: str) -> Response:
    """The document about one resource, in the negotiated (or named) format."""
    _check_path(path)
    stem, fmt = _split_extension(path)
    iri = URIRef(context.urls().iri_for_doc_path(stem))
    fmt = _choose(fmt)
    d = read_resource(
        context.store(),
        iri,
        languages=context.languages(),
        as_of=context.today(),
        base_iri=context.urls().base_iri,
    )
    doc_path = context.urls().doc(str(iri))
    if not d.exists and _is_graph(iri) and doc_path is not None:
        return _graph_document(iri, fmt, alternates(doc_path))
    if not d.exists or doc_path is None:
        raise _not_found(str(iri))
    alts = alternates(doc_path)
    if fmt.kind == "graph":
        return _finish(rdf_response(d.dataset(), fmt), alts, fmt)
    page_url = context.site_url() + doc_path
    html = render_resource(d, context.urls(), alts, context.today(), page_url)
    return _finish(Response(html, mimetype="text/html"), alts, fmt)


def _graph_document(iri: URIRef, fmt: Format, alts: Sequence[Alternate]) -> Response:
    """A named graph that is nothing but a graph name: its content (RDF) or a summary."""
    ds = graphs.named_graph_of(context.store(), iri)
    if fmt.kind == "graph":
        return _finish(rdf_response(ds, fmt), alts, fmt)
    languages = context.languages()
    summary = graphs.summarise_graph(context.store(), ds.graph(iri), languages)
    html = render_graph(summary, context.urls(), alts, languages)
    return _finish(Response(html, mimetype="text/html"), alts, fmt)


# -- the ontology and the shapes -------------------------------------------------------------


@bp.get("/ontology")
@bp.get("/ontology.<ext>")
def ontology(ext: str | None = None) -> Response:
    """The ontology: readable documentation (HTML) or its RDF."""
    fmt = _format_for_ext(ext)
    ds = graphs.ontology(context.store())
    if not len(ds):
        raise NotFound("The published graph holds no ontology.")
    alts = alternates("/ontology")
    if fmt.kind == "graph":
        return _finish(rdf_response(ds, fmt), alts, fmt)
    g = ds.graph(ONTOLOGY_GRAPH)
    languages = context.languages()
    names = graphs.graph_labels(context.store(), g, languages)
    html = render_ontology(g, ONTOLOGY_IRI, alts, context.urls(), languages, names)
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


@bp.get("/shapes")
@bp.get("/shapes.<ext>")
def shapes(ext: str | None = None) -> Response:
    """The SHACL shapes: readable documentation (HTML) or their RDF."""
    fmt = _format_for_ext(ext)
    try:
        g = graphs.shapes()
    except graphs.NoShapes as exc:
        raise NotFound(str(exc)) from None
    alts = alternates("/shapes")
    if fmt.kind == "graph":
        ds = Dataset()
        target = ds.graph(graphs.SHAPES_IRI)
        for triple in g:
            target.add(triple)
        return _finish(rdf_response(ds, fmt), alts, fmt)
    languages = context.languages()
    html = render_shapes(
        g, alts, context.urls(), languages, graphs.graph_labels(context.store(), g, languages)
    )
    return _finish(Response(html, mimetype="text/html"), alts, fmt)
