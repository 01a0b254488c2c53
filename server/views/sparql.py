"""/sparql: the SPARQL 1.1 query service (https://www.w3.org/TR/sparql11-protocol/).

A thin adapter: server/sparql.py parses the protocol, server/conneg.py picks the format,
the store runs the query under its limits, and this module turns the outcome into a
response. GET without a query answers with the service description (Turtle, JSON-LD, …;
https://www.w3.org/TR/sparql11-service-description/) or, for browsers, the query page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, render_template, request
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from werkzeug.datastructures import MIMEAccept

from graph import sparql_examples
from graph.formats import BY_NAME, Format, of_kind
from graph.iris import PREFIXES, VOID
from graph.settings import Settings
from graph.store import (
    QueryRefused,
    QuerySyntaxError,
    QueryTooDeep,
    UpstreamError,
    query_text,
)
from graph.store.results import results_format
from graph.store.stats import stats

from .. import context, sparql_cache
from ..conneg import negotiate
from ..errors import (
    BadGateway,
    ProtocolError,
    QueryForbidden,
    QueryTooLarge,
    store_errors,
)
from ..representations import query_answer, rdf_response
from ..sparql import SPEC, QueryRequest, parse_request, resolve_format
from ..sparql_cache import ResultCache
from ..urls import Urls, safe_href

bp = Blueprint("sparql", __name__)

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS_NS = "http://www.w3.org/ns/formats/"
TRUNCATED_HEADER = "X-Prospectus-Truncated"
HTML = BY_NAME["html"]
RESULT_FORMATS = (*of_kind("results"), HTML)
GRAPH_FORMATS = (*of_kind("graph"), HTML)
SD_FORMATS = (*of_kind("graph"), HTML)
FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "rdfxml": "RDF_XML",
    "jsonld": "JSON-LD",
    "trig": "TriG",
    "nquads": "N-Quads",
}
MAX_LISTED_GRAPHS = 1000
SD_PREFIXES = {"sd": str(SD), "void": str(VOID), "rdfs": str(RDFS), "xsd": str(XSD)}


# The example queries: the RDF of queries/ (graph/sparql_examples.py), also published at
# /.well-known/sparql-examples (server/views/examples.py).
Example = sparql_examples.SparqlExample
EXAMPLES: tuple[Example, ...] = sparql_examples.examples()


def _endpoint_url() -> str:
    return context.site_url() + "/sparql"


@bp.after_request
def _vary(response: Response) -> Response:
    response.vary.add("Accept")
    return response


def _read_body(max_query_length: int) -> bytes:
    # Percent-encoding can triple a query's size; leave room for the other parameters.
    limit = max_query_length * 3 + 64 * 1024
    if request.content_length is not None and request.content_length > limit:
        raise QueryTooLarge(
            f"the request body is {request.content_length} bytes; queries are limited to "
            f"{max_query_length} characters (the `max_query_length` setting)"
        )
    data = request.stream.read(limit + 1)
    if len(data) > limit:
        raise QueryTooLarge(
            f"the request body is larger than {limit} bytes; queries are limited to "
            f"{max_query_length} characters (the `max_query_length` setting)"
        )
    return data


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    """GET (and HEAD, which is a GET whose body is dropped: the query runs, under the same
    limits, so the headers are those GET would send) or POST. CORS preflights are answered
    by server/cors.py."""
    settings = context.settings()
    body = _read_body(settings.max_query_length) if request.method == "POST" else b""
    query = parse_request(
        "GET" if request.method == "HEAD" else request.method,
        request.headers.get("Content-Type"),
        list(request.args.items(multi=True)),
        body,
        max_query_length=settings.max_query_length,
        max_query_depth=settings.max_query_depth,
    )
    if query is None:
        return _service_page()
    return _answer(query)


@bp.route("/sparql/stats")
def query_stats() -> Response:
    """What the query processes did, as JSON (graph/store/stats.py): counts since the server
    started, summed over its workers, and the queries running and waiting now."""
    context.store()  # opens the store, which creates the shared counters, on a fresh app
    response = Response(
        json.dumps({"ok": True, "stats": stats().snapshot()}), mimetype="application/json"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _accept(graph_result: bool) -> MIMEAccept:
    """The Accept header; for graph results `application/json` means JSON-LD (JSON-LD is
    JSON, and SPARQLWrapper asks for it that way)."""
    accept = request.accept_mimetypes
    if not graph_result or "application/json" not in accept.values():
        return accept
    return MIMEAccept(
        [
            ("application/ld+json" if value == "application/json" else value, q)
            for value, q in accept
        ]
    )


def _choose(graph_result: bool, explicit: str | None) -> Format:
    """The output format: an explicit `format` parameter, else the Accept header.

    A format's alias media types (text/xml, text/plain, …) count only when the client names
    them: a wildcard such as `text/*` must not pick SPARQL XML through `text/xml`."""
    offered = GRAPH_FORMATS if graph_result else RESULT_FORMATS
    default = BY_NAME["turtle"] if graph_result else BY_NAME["json"]
    accept = _accept(graph_result)
    if explicit:
        return negotiate(accept, offered, default, explicit)
    named = {value.lower() for value, _q in accept}
    narrowed = tuple(replace(f, aliases=tuple(a for a in f.aliases if a in named)) for f in offered)
    chosen = negotiate(accept, narrowed, narrowed[offered.index(default)])
    return BY_NAME[chosen.name]


def _cache() -> ResultCache:
    """This worker's result cache (server/sparql_cache.py), made on first use: after the
    fork under gunicorn, where it shares its answers with the other workers."""
    cache = current_app.extensions.get(sparql_cache.EXTENSION)
    if cache is None:
        folder = current_app.extensions.get(sparql_cache.FOLDER)
        made = sparql_cache.make(context.settings().sparql_cache_bytes, folder)
        cache = current_app.extensions.setdefault(sparql_cache.EXTENSION, made)
    return cache


def _cached(answer: sparql_cache.Answer, state: str | None) -> Response:
    """The response for `answer`; `state` (hit, miss) goes in X-Cache when the answer may
    be cached at all."""
    response = Response(answer.body, mimetype=answer.mimetype)
    if answer.truncated_at is not None:
        response.headers[TRUNCATED_HEADER] = str(answer.truncated_at)
    if state is not None:
        response.headers[sparql_cache.HEADER] = state
    return response


def _answer(query: QueryRequest) -> Response:
    graph_result = query.kind == "graph"
    fmt = _choose(graph_result, query.format)
    run_as = (BY_NAME["ntriples"] if graph_result else BY_NAME["json"]) if fmt is HTML else fmt
    with store_errors():
        store, content = context.publication().served()
    cache, key = _cache(), None
    if (
        cache.enabled
        and content is not None
        and fmt is not HTML
        and sparql_cache.cacheable(query.query, bool(context.settings().service_allowlist))
    ):
        key = sparql_cache.Key(
            content,
            query_text.normalise(query.query),
            query.default_graph_uris,
            query.named_graph_uris,
            fmt.name,
            _endpoint_url(),
        )
        kept = cache.get(key)
        if kept is not None:
            return _cached(kept, "hit")
    try:
        with store_errors():
            result = store.query(
                query.query,
                default_graph_uris=query.default_graph_uris,
                named_graph_uris=query.named_graph_uris,
                fmt=run_as,
                base_iri=_endpoint_url(),
            )
    except QuerySyntaxError as exc:
        raise ProtocolError(
            f"malformed query: {exc.message}",
            help_url="https://www.w3.org/TR/sparql11-query/#grammar",
        ) from None
    except QueryTooDeep as exc:
        raise ProtocolError(
            exc.message, help_url="https://www.w3.org/TR/sparql11-query/#grammar"
        ) from None
    except QueryRefused as exc:
        raise QueryForbidden(
            exc.message, help_url="https://www.w3.org/TR/sparql11-federated-query/"
        ) from None
    except UpstreamError as exc:
        raise BadGateway(exc.message) from None
    if (result.kind == "graph") != graph_result:  # the form was misread; renegotiate
        graph_result = result.kind == "graph"
        fmt = _choose(
            graph_result, resolve_format(query.formats, "graph" if graph_result else "results")
        )
        run_as = (BY_NAME["ntriples"] if graph_result else BY_NAME["json"]) if fmt is HTML else fmt
    if fmt is HTML:
        return _results_page(query, result, query_answer(result, run_as), run_as)
    answer = sparql_cache.Answer(
        query_answer(result, fmt), _mimetype(fmt), result.max_rows if result.truncated else None
    )
    if key is not None:
        cache.put(key, answer)
    return _cached(answer, None if key is None else "miss")


def _mimetype(fmt: Format) -> str:
    """The media type; Werkzeug adds `charset=utf-8` to text/* types itself."""
    return fmt.media_type


# -- the HTML query page -----------------------------------------------------------------------


@dataclass
class Cell:
    text: str
    href: str | None = None
    kind: str = "literal"  # iri, bnode, literal
    note: str = ""  # language tag or datatype


@dataclass
class SparqlPage:
    """Template context of sparql.html."""

    title: str
    endpoint: str
    query: str
    examples: tuple[Example, ...]
    limits: dict[str, str]
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell | None]] = field(default_factory=list)
    boolean: bool | None = None
    truncated_at: int | None = None
    has_result: bool = False
    formats: tuple[Format, ...] = ()
    lang: str = "en"
    description: str = "SPARQL 1.1 query service over the Prospectus graph."
    alternates: tuple = ()


def _cell(term: Any, urls: Urls) -> Cell | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return Cell(term.value, safe_href(term.value, urls), "iri")
    if isinstance(term, ox.BlankNode):
        return Cell("_:" + term.value, None, "bnode")
    if isinstance(term, ox.Literal):
        note = (
            f"@{term.language}"
            if term.language
            else ("" if term.datatype.value == str(XSD.string) else _short(term.datatype.value))
        )
        return Cell(term.value, None, "literal", note)
    return Cell(str(term))


def _short(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"


def _limits(settings: Settings) -> dict[str, str]:
    return {
        "query_timeout": f"{settings.query_timeout:g} s",
        "max_rows": str(settings.max_rows),
        "max_query_length": f"{settings.max_query_length} characters",
    }


def _page(query: str = "") -> SparqlPage:
    settings = context.settings()
    return SparqlPage(
        title="SPARQL query service",
        endpoint=_endpoint_url(),
        query=query or EXAMPLES[0].query,
        examples=EXAMPLES,
        limits=_limits(settings),
    )


def _results_page(query: QueryRequest, result: Any, body: bytes, fmt: Format) -> Response:
    page = _page(query.query)
    urls = context.urls()
    page.has_result = True
    if result.kind == "ask":
        page.boolean = bool(ox.parse_query_results(body, results_format(fmt)))
    elif result.kind == "select":
        solutions = ox.parse_query_results(body, results_format(fmt))
        assert isinstance(solutions, ox.QuerySolutions)
        page.columns = [v.value for v in solutions.variables]
        page.rows = [[_cell(row[name], urls) for name in page.columns] for row in solutions]
    else:
        page.columns = ["subject", "predicate", "object"]
        page.rows = [
            [_cell(q.subject, urls), _cell(q.predicate, urls), _cell(q.object, urls)]
            for q in ox.parse(body, ox.RdfFormat.N_TRIPLES)
        ]
    page.formats = GRAPH_FORMATS[:-1] if result.kind == "graph" else RESULT_FORMATS[:-1]
    if result.truncated:
        page.truncated_at = result.max_rows
    response = Response(render_template("sparql.html", page=page), mimetype="text/html")
    if result.truncated:
        response.headers[TRUNCATED_HEADER] = str(result.max_rows)
    return response


# -- the service description -------------------------------------------------------------------


def service_description(endpoint: str, store: Any, settings: Settings) -> Graph:
    """SPARQL 1.1 Service Description of this endpoint (its dataset, formats and limits)."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    service = URIRef(endpoint + "#service")
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(endpoint)))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    if settings.service_allowlist:
        g.add((service, SD.feature, SD.BasicFederatedQuery))
    for name in FORMAT_IRIS.values():
        g.add((service, SD.resultFormat, URIRef(FORMATS_NS + name)))
    g.add(
        (
            service,
            RDFS.comment,
            Literal(
                f"Read-only. Queries are stopped after {settings.query_timeout:g} s "
                f"(query_timeout), results are cut at {settings.max_rows} rows or triples "
                f"(max_rows; a cut result carries the {TRUNCATED_HEADER} header), queries "
                f"are at most {settings.max_query_length} characters (max_query_length). "
                "SERVICE is refused unless the endpoint is on the service_allowlist.",
                lang="en",
            ),
        )
    )
    dataset = BNode()
    default_graph = BNode()
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, SD.defaultGraph, default_graph))
    g.add((default_graph, RDF.type, SD.Graph))
    g.add((default_graph, VOID.triples, Literal(store.triple_count(), datatype=XSD.integer)))
    for name in store.named_graphs()[:MAX_LISTED_GRAPHS]:
        named = BNode()
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, name))
    return g


def _service_page() -> Response:
    fmt = negotiate(
        request.accept_mimetypes,
        SD_FORMATS,
        BY_NAME["turtle"],
        resolve_format(request.args.getlist("format"), "graph"),
    )
    if fmt is HTML:
        page = _page()
        return Response(render_template("sparql.html", page=page), mimetype="text/html")
    graph = service_description(_endpoint_url(), context.store(), context.settings())
    return rdf_response(graph, fmt, SD_PREFIXES)


__all__ = ["bp", "service_description", "SPEC"]
