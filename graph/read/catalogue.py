"""The catalogue as the home page, the programme list and the search read it (which
programmes a page shows, and the counts, are graph/read/listing.py's queries):

- `programme_facts()`: the titles, acronyms, durations, institutions, countries and credits
  of the programmes one page shows (a page's worth, never the catalogue), read with quads();
- `names()`: one label per IRI those facts mention, in the reader's language;
- `search()`: resources whose label contains a text (case-insensitive), with the label that
  matched and their types' labels: one SPARQL query for the matches, one for the types (the
  search without a full-text index, and its "by name" section);
- `indexed_search()`: a page of the version's full-text index (graph/search) for /search.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from .. import search as text_index
from ..formats import BY_NAME
from ..iris import ELM, PRO, SCHEMA
from ..store.base import Store
from ..store.terms import term_from_json
from .labels import FALLBACK_LABEL_PROPERTIES, LABEL_PROPERTIES, cached_labels, labels
from .text import fallback_label

# What the home page counts: (what, class).
COUNTED: tuple[tuple[str, URIRef], ...] = (
    ("programmes", PRO.StudyProgramme),
    ("intakes", PRO.Offering),
    ("universities", SCHEMA.CollegeOrUniversity),
    ("source page segments", PRO.SourceSegment),
)
SEARCH_LIMIT = 200  # hits a search lists; more are cut and said to be

Facts = dict[str, set[Node]]


def _objects(store: Store, subjects: Iterable[Node], predicate: URIRef) -> set[Node]:
    return {o for s in subjects for _s, _p, o, _g in store.quads(s, predicate, None, None)}


def programme_facts(store: Store, programmes: Sequence[URIRef]) -> dict[URIRef, Facts]:
    """title, acronym, duration, institutions, countries and credits of `programmes` (one
    page's worth; quads() lookups per programme), in the order given."""
    facts: dict[URIRef, Facts] = {}
    for p in programmes:
        if p in facts:
            continue
        providers = _objects(store, [p], ELM.providedBy)
        addresses = _objects(store, providers, SCHEMA.address)
        facts[p] = {
            "title": _objects(store, [p], DCTERMS.title),
            "acronym": _objects(store, [p], PRO.acronym),
            "duration": _objects(store, [p], ELM.duration),
            "institution": providers,
            "country": _objects(store, addresses, SCHEMA.addressCountry),
            "credits": _objects(store, _objects(store, [p], ELM.creditPoint), RDF.value),
        }
    return facts


def names(store: Store, facts: dict[URIRef, Facts], languages: Sequence[str]) -> dict[URIRef, str]:
    """One label for every IRI the programmes' facts mention (those with one)."""
    iris = {v for f in facts.values() for vs in f.values() for v in vs if isinstance(v, URIRef)}
    return labels(store, iris, languages)


def select(store: Store, sparql: str) -> list[dict[str, Node]]:
    """Run a SELECT through the store and return rows of rdflib terms."""
    result = store.query(sparql)
    data = json.loads(result.serialize(BY_NAME["json"]))
    rows = []
    for binding in data.get("results", {}).get("bindings", []):
        rows.append({name: term_from_json(cell) for name, cell in binding.items()})
    return rows


def sparql_string(text: str) -> str:
    """A SPARQL string literal holding `text` (quotes, backslashes and breaks escaped)."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


@dataclass(frozen=True)
class Hit:
    iri: URIRef
    label: str  # the resource's label in the reader's language
    matched: str  # the label that contains the text
    kinds: tuple[str, ...]  # its types' labels


@dataclass(frozen=True)
class SearchResult:
    hits: tuple[Hit, ...]
    truncated: bool  # more than SEARCH_LIMIT resources matched


def search(
    store: Store, text: str, languages: Sequence[str], listed: Callable[[str], bool]
) -> SearchResult:
    """Resources whose label contains `text` (case-insensitive), those `listed` keeps, the
    ones whose label starts with the text first."""
    props = " ".join(p.n3() for p in (*LABEL_PROPERTIES, *FALLBACK_LABEL_PROPERTIES))
    rows = select(
        store,
        f"SELECT DISTINCT ?s ?label WHERE {{ VALUES ?p {{ {props} }} ?s ?p ?label "
        f"FILTER(isLiteral(?label) && CONTAINS(LCASE(STR(?label)), "
        f"LCASE({sparql_string(text)}))) }} LIMIT {SEARCH_LIMIT + 1}",
    )
    matched: dict[URIRef, list[str]] = defaultdict(list)
    for row in rows[:SEARCH_LIMIT]:
        s = row.get("s")
        if isinstance(s, URIRef) and listed(str(s)):
            matched[s].append(str(row["label"]))
    found_names = labels(store, matched, languages)
    kinds: dict[URIRef, list[URIRef]] = defaultdict(list)
    if matched:
        values = " ".join(s.n3() for s in matched)
        for row in select(store, f"SELECT ?s ?t WHERE {{ VALUES ?s {{ {values} }} ?s a ?t }}"):
            s, t = row.get("s"), row.get("t")
            if isinstance(s, URIRef) and isinstance(t, URIRef):
                kinds[s].append(t)
    type_names = labels(store, {t for ts in kinds.values() for t in ts}, languages)
    hits = [
        Hit(
            s,
            found_names.get(s, fallback_label(str(s))),
            sorted(found)[0],
            tuple(sorted({type_names.get(t, fallback_label(str(t))) for t in kinds.get(s, [])})),
        )
        for s, found in matched.items()
    ]
    lowered = text.lower()
    hits.sort(key=lambda h: (not h.label.lower().startswith(lowered), h.label.lower()))
    return SearchResult(tuple(hits), len(rows) > SEARCH_LIMIT)


SEARCH_PAGE_SIZE = 20
SEARCH_FILTERS = ("country", "institution", "language")  # the index's facets


@dataclass(frozen=True)
class IndexedSearch:
    """A page of the full-text index's answer (graph/search) and the labels of the facet
    values it counts, in the reader's language."""

    result: text_index.SearchResult
    names: dict[str, str]
    page: int  # 1-based
    size: int


def indexed_search(
    index: Path,
    store: Store,
    text: str,
    filters: Mapping[str, str],
    page: int,
    languages: Sequence[str],
    shown: int | None = None,
    content: str | None = None,
) -> IndexedSearch:
    """Page `page` of the programmes the index ranks for `text` (ranked, with snippets and
    facet counts), and one label per facet value: every value, or with `shown`, the values a
    page lists (those counted at least as often as a facet's `shown`-th commonest, ties
    included, which the page orders by label). Labels are remembered per store while
    `content` names the same content (labels.cached_labels): a frequent word counts
    thousands of institutions."""
    result = text_index.search(
        index,
        text,
        limit=SEARCH_PAGE_SIZE,
        offset=(page - 1) * SEARCH_PAGE_SIZE,
        filters={k: v for k, v in filters.items() if v},
    )
    iris = {URIRef(v) for v in filters.values() if v}
    for values in result.facets.values():
        counts = sorted(values.values(), reverse=True)
        least = counts[shown - 1] if shown is not None and len(counts) >= shown else 0
        iris |= {URIRef(v) for v, n in values.items() if n >= least}
    found = cached_labels(store, iris, languages, content)
    return IndexedSearch(result, {str(k): v for k, v in found.items()}, page, SEARCH_PAGE_SIZE)
