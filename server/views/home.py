"""The home page, the programme list and the search, with their JSON twins: what
graph/read/listing.py and graph/read/catalogue.py read (every query through the store's
bounded path), shown by the page models of server/pages/listing.py and search.py."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from flask import Blueprint, Response, jsonify, render_template, request
from rdflib import URIRef

from graph.formats import BY_EXTENSION, Format
from graph.read import catalogue, listing
from graph.read.catalogue import IndexedSearch
from graph.read.facet_index import open_facet_index
from graph.read.facets import CREDIT_LABELS, FACETS, CatalogueCounts, read_counts
from graph.read.labels import cached_labels
from graph.read.text import fallback_label
from graph.search import INDEX_FILE, readable

from .. import context
from ..conneg import negotiate
from ..errors import NotAcceptable, NotFound, ProtocolError, store_errors
from ..pages.listing import (
    MAX_OPTIONS,
    home_page,
    list_href,
    listing_graph,
    programmes_page,
    search_page,
)
from ..pages.search import FACET_OPTIONS, indexed_search_page, search_json
from ..representations import rdf_response
from ..urls import safe_href
from .resources import HTML, RDF_FORMATS

bp = Blueprint("home", __name__)

MAX_QUERY_TEXT = 100
MAX_AFTER = 10**9


def _is_ordered() -> bool:
    """Whether the served data holds the catalogue order (asked once per store)."""
    store = context.store()
    cache = context.app_cache("listing")
    key = id(store)
    if key not in cache:
        cache.clear()
        cache[key] = listing.ordered(store)
    return bool(cache[key])


def _unfiltered_counts(is_ordered: bool) -> CatalogueCounts:
    """The build's counts (facets.json), else counted now (`serve --data`)."""
    version = context.version()
    found = read_counts(version.path) if version is not None else None
    return found if found is not None else listing.counts(context.store(), {}, is_ordered)


def _option_names(counts: CatalogueCounts, chosen: Mapping[str, str]) -> dict[str, str]:
    """Labels of the facet values a page shows (at most MAX_OPTIONS per facet)."""
    wanted: set[str] = {v for v in chosen.values() if v}
    for values in counts.facets.values():
        wanted |= {v for v, _n in sorted(values.items(), key=lambda kv: -kv[1])[:MAX_OPTIONS]}
    iris = [URIRef(v) for v in wanted if v not in CREDIT_LABELS]
    found = cached_labels(context.store(), iris, context.languages(), context.content())
    names = {str(k): v for k, v in found.items()}
    return {**names, **CREDIT_LABELS}


@bp.get("/")
def index() -> str:
    store = context.store()
    languages = context.languages()
    version = context.version()
    statistics = version.manifest.get("statistics") if version is not None else None
    with store_errors():
        is_ordered = _is_ordered()
        first = listing.page(store, {}, 0, listing.HOME_SIZE, is_ordered)
        if isinstance(statistics, dict) and "class_partitions" in statistics:
            partitions = statistics["class_partitions"]
            counts = [(w, c, int(partitions.get(str(c), 0))) for w, c in catalogue.COUNTED]
            triples = int(statistics.get("triples", 0))
        else:
            counts = listing.class_counts(store)
            triples = store.triple_count()
    facts = catalogue.programme_facts(store, [p for p, _n in first.programmes])
    page = home_page(
        version,
        triples,
        counts,
        facts,
        catalogue.names(store, facts, languages),
        languages,
        context.urls(),
        dumps_served=context.has_route("/dumps"),
    )
    return render_template("home.html", page=page)


def _chosen() -> dict[str, str]:
    chosen = {}
    for facet in FACETS:
        value = request.args.get(facet.name, "").strip()
        if value and not listing.valid_value(facet.name, value):
            raise ProtocolError(
                f"the {facet.name} filter takes an IRI (credits: -60, 61-90, 91-120 or 121-)"
            )
        chosen[facet.name] = value
    return chosen


def _after() -> int:
    raw = request.args.get("after", "0").strip() or "0"
    if not re.fullmatch(r"\d{1,10}", raw) or int(raw) > MAX_AFTER:
        raise ProtocolError("after= takes a position in the catalogue order (a whole number)")
    return int(raw)


def _listing() -> tuple:
    store = context.store()
    chosen = _chosen()
    after = _after()
    filtered = any(chosen.values())
    version = context.version()
    index = open_facet_index(version.path) if filtered and version is not None else None
    timeout = context.settings().query_timeout
    with store_errors():
        is_ordered = _is_ordered()
        if index is not None and is_ordered:
            listed = listing.indexed_page(index, chosen, after, listing.PAGE_SIZE, timeout)
            counts = listing.indexed_counts(index, chosen, timeout)
        else:
            listed = listing.page(store, chosen, after, listing.PAGE_SIZE, is_ordered)
            if filtered:
                counts = listing.counts(store, chosen, is_ordered)
            else:
                counts = _unfiltered_counts(is_ordered)
    facts = catalogue.programme_facts(store, [p for p, _n in listed.programmes])
    return chosen, listed, counts, facts


def _link_header(path: str, chosen: Mapping[str, str], listed: listing.Page) -> dict[str, str]:
    links = []
    if listed.next_after is not None:
        links.append(f'<{list_href(path, chosen, listed.next_after)}>; rel="next"')
    if listed.prev_after is not None:
        links.append(f'<{list_href(path, chosen, listed.prev_after)}>; rel="prev"')
    return {"Link": ", ".join(links)} if links else {}


LISTING_FORMATS: tuple[Format, ...] = (HTML, *RDF_FORMATS)
JSON_NAMES = ("json", "application/json")


def _listing_format() -> Format | None:
    """What a request of /programmes asks for (Accept or `format`): a format of the
    registry, or None for the JSON twin (application/json, which the registry gives to SPARQL
    results and JSON-LD as an alias, so it is settled here). A tie goes to HTML."""
    explicit = request.args.get("format", "").strip().lower()
    if explicit in JSON_NAMES:
        return None
    accept = request.accept_mimetypes
    json_q = max((q for value, q in accept if value.lower() == "application/json"), default=0.0)
    try:
        fmt = negotiate(accept, LISTING_FORMATS, HTML, explicit or None)
    except NotAcceptable:
        if json_q and not explicit:
            return None
        raise
    return None if json_q > accept.quality(fmt.media_type) else fmt


@bp.get("/programmes")
def programmes() -> Response:
    """The programme list: HTML, or its JSON and RDF twins by content negotiation (the
    twins are also at /programmes.json, .ttl, …)."""
    fmt = _listing_format()
    if fmt is None:
        response = programmes_json()
    elif fmt != HTML:
        response = programmes_rdf(fmt.extension)
    else:
        response = _programmes_html()
    response.vary.add("Accept")
    if fmt is not HTML:
        twin = f"/programmes.{'json' if fmt is None else fmt.extension}"
        response.headers["Content-Location"] = twin + (
            f"?{request.query_string.decode('ascii', 'replace')}" if request.query_string else ""
        )
    return response


def _programmes_html() -> Response:
    chosen, listed, counts, facts = _listing()
    store = context.store()
    languages = context.languages()
    page = programmes_page(
        listed,
        facts,
        catalogue.names(store, facts, languages),
        counts,
        _option_names(counts, chosen),
        chosen,
        languages,
        context.urls(),
    )
    body = render_template("programmes.html", page=page)
    return Response(body, headers=_link_header("/programmes", chosen, listed), mimetype="text/html")


@bp.get("/programmes.json")
def programmes_json() -> Response:
    chosen, listed, counts, facts = _listing()
    store = context.store()
    names = catalogue.names(store, facts, context.languages())
    option_names = _option_names(counts, chosen)
    positions = dict(listed.programmes)
    urls = context.urls()
    data = {
        "total": counts.programmes,
        "filters": {k: v for k, v in chosen.items() if v},
        "programmes": [
            {
                "iri": str(p),
                "href": safe_href(str(p), urls),
                "position": positions[p],
                "title": _title(f),
                "institutions": sorted(_name(names, i) for i in f["institution"]),
            }
            for p, f in facts.items()
        ],
        "facets": {
            facet.name: [
                {"value": v, "label": option_names.get(v, fallback_label(v)), "count": n}
                for v, n in sorted(counts.facets.get(facet.name, {}).items())
            ]
            if facet.name not in counts.missing
            else None
            for facet in FACETS
        },
        "counts_complete": counts.programmes is not None and not counts.missing,
        "next": list_href("/programmes.json", chosen, listed.next_after)
        if listed.next_after is not None
        else None,
        "prev": list_href("/programmes.json", chosen, listed.prev_after)
        if listed.prev_after is not None
        else None,
    }
    response = jsonify(data)
    response.headers.update(_link_header("/programmes.json", chosen, listed))
    return response


def _name(names: Mapping[URIRef, str], node: object) -> str:
    return names.get(node, fallback_label(str(node))) if isinstance(node, URIRef) else str(node)


@bp.get("/programmes.<ext>")
def programmes_rdf(ext: str) -> Response:
    """The page as an RDF graph (schema:ItemList, hydra:next / hydra:previous)."""
    fmt = BY_EXTENSION.get(ext)
    if fmt is None or fmt.kind != "graph":
        raise NotFound(
            "the programme list is served as .json, .ttl, .nt, .nq, .trig, .rdf and .jsonld"
        )
    chosen, listed, counts, facts = _listing()
    graph = listing_graph(context.site_url(), chosen, listed, facts, counts.programmes)
    response = rdf_response(graph, fmt)
    response.headers.update(_link_header(f"/programmes.{ext}", chosen, listed))
    return response


def _title(facts: catalogue.Facts) -> str | None:
    titles = sorted(str(t) for t in facts.get("title", set()))
    return titles[0] if titles else None


def _query_text() -> str:
    raw = request.args.get("q", "")
    return re.sub(r"[\x00-\x1f\x7f]", " ", raw).strip()[:MAX_QUERY_TEXT]


def _index() -> Path | None:
    """The version's full-text index, unless the request asks for the label scan."""
    version = context.version()
    if version is None or request.args.get("scope") == "names":
        return None
    path = version.path / INDEX_FILE
    return path if path.is_file() and readable(path) else None


def _search_filters() -> dict[str, str]:
    filters = {}
    for name in catalogue.SEARCH_FILTERS:
        value = request.args.get(name, "").strip()
        if value and not listing.valid_value(name, value):
            raise ProtocolError(f"the {name} filter takes an IRI")
        filters[name] = value
    return filters


def _search_page_number() -> int:
    raw = request.args.get("page", "1").strip() or "1"
    if not re.fullmatch(r"\d{1,6}", raw) or int(raw) < 1:
        raise ProtocolError("page= takes a page number (1, 2, …)")
    return int(raw)


def _indexed(
    index: Path, query: str, filters: Mapping[str, str], shown: int | None = None
) -> IndexedSearch | None:
    """The index's page; `shown`: label only the facet values a page lists (HTML)."""
    if not query:
        return None
    number = _search_page_number()
    return catalogue.indexed_search(
        index,
        context.store(),
        query,
        filters,
        number,
        context.languages(),
        shown,
        context.content(),
    )


@bp.get("/search")
def search() -> str:
    query = _query_text()
    urls = context.urls()
    languages = context.languages()
    index = _index()
    if index is not None:
        filters = _search_filters()
        found = _indexed(index, query, filters, FACET_OPTIONS)
        page = indexed_search_page(found, query, filters, languages, urls)
        return render_template("search.html", page=page)
    store = context.store()
    with store_errors():
        result = catalogue.search(store, query, languages, urls.is_local) if query else None
    return render_template("search.html", page=search_page(query, result, languages, urls))


@bp.get("/search.json")
def search_json_view() -> Response:
    """The indexed search as data; without an index (`serve --data`), 404."""
    index = _index()
    if index is None:
        raise NotFound("/search.json needs the full-text index a build publishes with a version")
    query = _query_text()
    filters = _search_filters()
    data, links = search_json(_indexed(index, query, filters), query, filters, context.urls())
    response = jsonify(data)
    if links:
        response.headers["Link"] = links
    return response
