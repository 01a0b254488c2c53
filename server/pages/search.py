"""The search page over the version's full-text index (graph/search, docs/search.md) and its
JSON twin: ranked programmes with highlighted titles and snippets, the index's facets, the
pages around this one. Made from what graph/read/catalogue.py's `indexed_search` read.

The titles and snippets are HTML that graph/search wrote: the text escaped piece by piece,
then `<mark>` around matched words (tests/test_search.py and tests/test_catalogue_pages.py
check a `<script>` title comes back as text), so search.html marks them safe; nothing else is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup

from graph.read.catalogue import SEARCH_FILTERS, IndexedSearch
from graph.read.text import fallback_label

from ..urls import Urls, safe_href
from .listing import Facet, Option
from .shown import PageBase

FACET_LABELS = {"country": "Country", "institution": "Institution", "language": "Language"}
FACET_OPTIONS = 25  # values a facet lists (the most frequent; the chosen one always)


@dataclass(frozen=True)
class ProgrammeHit:
    href: str | None
    iri: str
    title: Markup  # HTML from graph/search: escaped, matches in <mark>
    snippet: Markup
    snippet_field: str | None


@dataclass
class IndexedSearchPage(PageBase):
    """search.html with an index: ranked programmes, facets, paging."""

    query: str = ""
    indexed: bool = True
    programmes: tuple[ProgrammeHit, ...] = ()
    total: int = 0
    first: int = 1
    facets: tuple[Facet, ...] = ()
    next_href: str | None = None
    prev_href: str | None = None
    names_href: str | None = None  # the same text in every resource's names (label scan)
    message: str | None = None


def search_href(path: str, query: str, filters: Mapping[str, str], page: int = 1) -> str:
    args = [("q", query), *((k, v) for k, v in sorted(filters.items()) if v)]
    if page > 1:
        args.append(("page", str(page)))
    return f"{path}?{urlencode(args)}"


def _pages(found: IndexedSearch, path: str, query: str, filters: Mapping[str, str]) -> tuple:
    shown_to = found.page * found.size
    more = shown_to < found.result.total
    nxt = search_href(path, query, filters, found.page + 1) if more else None
    prev = search_href(path, query, filters, found.page - 1) if found.page > 1 else None
    return nxt, prev


def _facets(found: IndexedSearch, query: str, filters: Mapping[str, str]) -> tuple[Facet, ...]:
    facets = []
    for name in SEARCH_FILTERS:
        counted = found.result.facets.get(name, {})
        chosen = filters.get(name, "")
        values = sorted(counted, key=lambda v: (-counted[v], str(found.names.get(v, v)).lower()))[
            :FACET_OPTIONS
        ]
        if chosen and chosen not in values:
            values.insert(0, chosen)
        options = tuple(
            Option(
                v,
                found.names.get(v, fallback_label(v)),
                counted.get(v, 0),
                v == chosen,
                search_href("/search", query, {**filters, name: "" if v == chosen else v}),
            )
            for v in values
        )
        facets.append(
            Facet(name, FACET_LABELS[name], options, max(0, len(counted) - FACET_OPTIONS))
        )
    return tuple(facets)


def indexed_search_page(
    found: IndexedSearch | None,
    query: str,
    filters: Mapping[str, str],
    languages: Sequence[str],
    urls: Urls,
) -> IndexedSearchPage:
    """The page of ranked programmes (`found` is None when there is no query text)."""
    page = IndexedSearchPage(
        title=f"Search: {query}" if query else "Search",
        alternates=(),
        lang=languages[0],
        query=query,
    )
    if found is None:
        return page
    page.programmes = tuple(
        ProgrammeHit(
            safe_href(hit.iri, urls),
            hit.iri,
            Markup(hit.title),  # noqa: S704 (escaped by graph/search, see the docstring)
            Markup(hit.snippet),  # noqa: S704
            hit.snippet_field,
        )
        for hit in found.result.hits
    )
    page.total = found.result.total
    page.first = (found.page - 1) * found.size + 1
    page.facets = _facets(found, query, filters)
    page.next_href, page.prev_href = _pages(found, "/search", query, filters)
    page.names_href = search_href("/search", query, {"scope": "names"})
    if not page.programmes:
        page.message = "No programme matches every word of this text."
    return page


def search_json(
    found: IndexedSearch | None, query: str, filters: Mapping[str, str], urls: Urls
) -> tuple[dict[str, Any], str | None]:
    """/search.json: the same page as data, and its Link header (next, prev)."""
    if found is None:
        return {"query": query, "total": 0, "programmes": [], "facets": {}, "next": None}, None
    nxt, prev = _pages(found, "/search.json", query, filters)
    data = {
        "query": query,
        "filters": {k: v for k, v in filters.items() if v},
        "total": found.result.total,
        "page": found.page,
        "programmes": [
            {
                "iri": hit.iri,
                "href": safe_href(hit.iri, urls),
                "score": hit.score,
                "title_html": hit.title,
                "snippet_html": hit.snippet,
                "snippet_field": hit.snippet_field,
            }
            for hit in found.result.hits
        ],
        "facets": {
            name: [
                {"value": v, "label": found.names.get(v, fallback_label(v)), "count": n}
                for v, n in sorted(values.items())
            ]
            for name, values in found.result.facets.items()
        },
        "next": nxt,
        "prev": prev,
    }
    links = [f'<{u}>; rel="{rel}"' for u, rel in ((nxt, "next"), (prev, "prev")) if u]
    return data, ", ".join(links) or None
