"""The home page, the programme list (with its facets) and the search page: their page models,
made from what graph/read/catalogue.py read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from graph.iris import PRO
from graph.read.catalogue import Facts, SearchResult
from graph.read.facets import FACETS, CatalogueCounts
from graph.read.listing import Page
from graph.read.text import fallback_label, format_literal, pick_literal
from graph.versions import Version

from ..urls import Urls, safe_href
from .shown import PageBase


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    count: int | None  # None: the count ran out of time (shown as "—")
    selected: bool
    href: str  # the list with this value chosen (or, when selected, without it)


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    options: tuple[Option, ...]
    more: int = 0  # values not shown (the facet lists the MAX_OPTIONS largest)


@dataclass(frozen=True)
class ProgrammeCard:
    """One programme in a list."""

    href: str | None  # None when the programme's IRI is not safe to link (shown as text)
    title: str
    acronym: str | None
    institutions: tuple[str, ...]
    countries: tuple[str, ...]
    credits: str | None
    duration: str | None


@dataclass
class HomePage(PageBase):
    """home.html: what the dataset holds and where to get it."""

    version: str | None = None
    created: str | None = None
    triples: int | None = None
    counts: tuple[tuple[str, int, str | None], ...] = ()
    programmes: tuple[ProgrammeCard, ...] = ()
    dumps: tuple[tuple[str, str], ...] = ()


@dataclass
class ProgrammesPage(PageBase):
    """programmes.html: one page of the programmes the chosen facet values keep, in
    catalogue order, with the facets' counts and the links to the pages around it."""

    facets: tuple[Facet, ...] = ()
    programmes: tuple[ProgrammeCard, ...] = ()
    total: int | None = 0  # None: the count ran out of time
    filtered: bool = False
    first: int = 1  # the position of the first programme shown (1-based rank)
    next_href: str | None = None
    prev_href: str | None = None


@dataclass(frozen=True)
class Hit:
    href: str
    label: str
    matched: str
    kinds: tuple[str, ...]


@dataclass
class SearchPage(PageBase):
    """search.html: resources whose label contains the query text."""

    query: str = ""
    indexed: bool = False  # False: the label scan (server/pages/search.py has the other)
    hits: tuple[Hit, ...] = ()
    truncated: bool = False
    message: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _value_key(node: Node) -> str:
    if isinstance(node, Literal):
        return format_literal(node)
    return str(node)


def _name(names: dict[URIRef, str], node: Node) -> str:
    found = names.get(node) if isinstance(node, URIRef) else None
    return found if found is not None else fallback_label(str(node))


def _cards(
    facts: dict[URIRef, dict[str, set[Node]]],
    names: dict[URIRef, str],
    languages: Sequence[str],
    urls: Urls,
) -> list[ProgrammeCard]:
    """One card per programme, in the order of `facts` (the catalogue order)."""
    cards = []
    for p, f in facts.items():
        titles = [t for t in f.get("title", set()) if isinstance(t, Literal)]
        best = pick_literal(titles, languages)
        same = [t for t in titles if best is not None and t.language == best.language]
        title = max(same, key=lambda t: (len(str(t)), str(t))) if same else best
        acronym = pick_literal(f.get("acronym", set()), languages)
        credits = sorted({_value_key(v) for v in f.get("credits", set())})
        durations = sorted({_value_key(v) for v in f.get("duration", set())})
        cards.append(
            ProgrammeCard(
                href=safe_href(str(p), urls),
                title=str(title) if title is not None else fallback_label(str(p)),
                acronym=str(acronym) if acronym is not None else None,
                institutions=tuple(sorted(_name(names, i) for i in f.get("institution", set()))),
                countries=tuple(sorted(_name(names, c) for c in f.get("country", set()))),
                credits=" / ".join(credits) or None,
                duration=" / ".join(durations) or None,
            )
        )
    return cards


def home_page(
    version: Version | None,
    triples: int,
    counts: Sequence[tuple[str, URIRef, int]],
    facts: dict[URIRef, Facts],
    names: dict[URIRef, str],
    languages: Sequence[str],
    urls: Urls,
    dumps_served: bool,
) -> HomePage:
    """The home page: the counts, the first programmes of the catalogue order and (when
    served) the current dumps."""
    dumps = []
    if version is not None and dumps_served:
        for entry in version.manifest.get("dumps", []) or []:
            if not isinstance(entry, dict):
                continue
            name = str(entry.get("file", ""))
            if re.fullmatch(r"[A-Za-z0-9._\-]+", name):
                label = str(entry.get("label") or name)
                dumps.append((label, f"/dumps/{quote(version.id)}/{name}"))
    return HomePage(
        title="Prospectus: study programmes as linked data",
        alternates=(),
        lang=languages[0],
        description="Facts about university study programmes, each traced to its source page.",
        version=version.id if version else None,
        created=version.created.strftime("%d %B %Y, %H:%M UTC") if version else None,
        triples=triples,
        counts=tuple(
            (what, n, "/programmes" if cls == PRO.StudyProgramme else None)
            for what, cls, n in counts
        ),
        programmes=tuple(_cards(facts, names, languages, urls)),
        dumps=tuple(dumps),
    )


MAX_OPTIONS = 25  # values a facet lists (the most frequent; the chosen one always)


def list_href(path: str, chosen: Mapping[str, str], after: int = 0) -> str:
    """The address of the list (`path`: /programmes or /programmes.json) with `chosen`."""
    args = [(name, value) for name, value in sorted(chosen.items()) if value]
    if after > 0:
        args.append(("after", str(after)))
    return path + ("?" + urlencode(args) if args else "")


def facets_of(
    counts: CatalogueCounts,
    chosen: Mapping[str, str],
    names: Mapping[str, str],
    path: str = "/programmes",
) -> tuple[Facet, ...]:
    """Each facet's options with their counts (None when they ran out of time), the chosen
    value first, then the MAX_OPTIONS most frequent."""
    facets = []
    for facet in FACETS:
        found = counts.facets.get(facet.name, {})
        missing = facet.name in counts.missing
        ranked = sorted(found.items(), key=lambda kv: (-kv[1], names.get(kv[0], kv[0]).lower()))
        values = [v for v, _n in ranked[:MAX_OPTIONS]]
        value = chosen.get(facet.name, "")
        if value and value not in values:
            values.insert(0, value)
        options = []
        for v in values:
            selected = v == value
            target = {**chosen, facet.name: "" if selected else v}
            options.append(
                Option(
                    v,
                    names.get(v, fallback_label(v)),
                    None if missing else found.get(v, 0),
                    selected,
                    list_href(path, target),
                )
            )
        facets.append(
            Facet(facet.name, facet.label, tuple(options), max(0, len(found) - len(values)))
        )
    return tuple(facets)


def programmes_page(
    listed: Page,
    facts: dict[URIRef, Facts],
    names: dict[URIRef, str],
    counts: CatalogueCounts,
    option_names: Mapping[str, str],
    chosen: Mapping[str, str],
    languages: Sequence[str],
    urls: Urls,
) -> ProgrammesPage:
    """One page of the list: the programmes of `listed`, the facets (counted over the view
    the chosen values keep) and the links to the next and previous pages."""
    filtered = any(chosen.values())
    return ProgrammesPage(
        title="Study programmes",
        alternates=(),
        lang=languages[0],
        description="The study programmes in the graph, in catalogue order, with filters.",
        facets=facets_of(counts, chosen, option_names),
        programmes=tuple(_cards(facts, names, languages, urls)),
        total=counts.programmes,
        filtered=filtered,
        first=listed.programmes[0][1] if listed.programmes and not filtered else 0,
        next_href=(
            list_href("/programmes", chosen, listed.next_after)
            if listed.next_after is not None
            else None
        ),
        prev_href=(
            list_href("/programmes", chosen, listed.prev_after)
            if listed.prev_after is not None
            else None
        ),
    )


def search_page(
    query: str, result: SearchResult | None, languages: Sequence[str], urls: Urls
) -> SearchPage:
    """The search page: the hits this site links to, or why there are none."""
    hits: list[Hit] = []
    message = None
    if result is not None:
        for hit in result.hits:
            href = safe_href(str(hit.iri), urls)
            if href is not None:
                hits.append(Hit(href, hit.label, hit.matched, hit.kinds))
        if not hits:
            message = "Nothing in the graph has a name containing this text."
    return SearchPage(
        title=f"Search: {query}" if query else "Search",
        alternates=(),
        lang=languages[0],
        query=query,
        hits=tuple(hits),
        truncated=result.truncated if result is not None else False,
        message=message,
    )


SCHEMA_ORG = Namespace("http://schema.org/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")


def listing_graph(
    site: str,
    chosen: Mapping[str, str],
    listed: Page,
    facts: dict[URIRef, Facts],
    total: int | None,
) -> Graph:
    """One page of the list as RDF: a schema:ItemList of the programmes with their positions
    in the catalogue order and titles, hydra:next / hydra:previous to the pages around it."""
    graph = Graph()
    page = URIRef(site + list_href("/programmes", chosen, listed.after))
    graph.add((page, RDF.type, SCHEMA_ORG.ItemList))
    graph.add((page, RDF.type, HYDRA.PartialCollectionView))
    if total is not None:
        graph.add((page, SCHEMA_ORG.numberOfItems, Literal(total)))
    positions = dict(listed.programmes)
    for programme, f in facts.items():
        item = BNode()
        graph.add((page, SCHEMA_ORG.itemListElement, item))
        graph.add((item, RDF.type, SCHEMA_ORG.ListItem))
        graph.add((item, SCHEMA_ORG.position, Literal(positions[programme])))
        graph.add((item, SCHEMA_ORG.item, programme))
        for title in f.get("title", set()):
            graph.add((programme, DCTERMS.title, title))
    for rel, after in ((HYDRA.next, listed.next_after), (HYDRA.previous, listed.prev_after)):
        if after is not None:
            graph.add((page, rel, URIRef(site + list_href("/programmes", chosen, after))))
    return graph
