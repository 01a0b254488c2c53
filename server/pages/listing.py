"""The home page, the programme list (with its facets) and the search page: their page models,
made from what graph/read/catalogue.py read.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from rdflib import Literal, URIRef
from rdflib.term import Node

from graph.iris import PRO
from graph.read.catalogue import FACETS, Facts, SearchResult
from graph.read.text import fallback_label, format_literal, pick_literal
from graph.versions import Version

from ..urls import Urls, safe_href
from .shown import PageBase


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    options: tuple[Option, ...]


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
    """programmes.html: every programme, filtered by the facets in the query string."""

    facets: tuple[Facet, ...] = ()
    programmes: tuple[ProgrammeCard, ...] = ()
    total: int = 0
    filtered: bool = False


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
    return sorted(cards, key=lambda c: c.title.lower())


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
    """The home page: the counts, the programmes and (when served) the current dumps."""
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


def programmes_page(
    facts: dict[URIRef, Facts],
    names: dict[URIRef, str],
    chosen: Mapping[str, str],
    languages: Sequence[str],
    urls: Urls,
) -> ProgrammesPage:
    """The programme list filtered by the `chosen` facet values, with each facet's options
    counted among the programmes the other chosen values keep."""

    def matches(f: Facts, skip: str | None = None) -> bool:
        for name, value in chosen.items():
            if not value or name == skip:
                continue
            if value not in {_value_key(v) for v in f.get(name, set())}:
                return False
        return True

    facets = []
    for name, label in FACETS:
        counter: dict[str, int] = defaultdict(int)
        option_label: dict[str, str] = {}
        for f in facts.values():
            if not matches(f, skip=name):
                continue
            for v in f.get(name, set()):
                key = _value_key(v)
                counter[key] += 1
                option_label[key] = names.get(v, key) if isinstance(v, URIRef) else key
        options = tuple(
            sorted(
                (Option(k, option_label[k], n, k == chosen.get(name)) for k, n in counter.items()),
                key=lambda o: o.label.lower(),
            )
        )
        facets.append(Facet(name, label, options))
    kept = {p: f for p, f in facts.items() if matches(f)}
    return ProgrammesPage(
        title="Study programmes",
        alternates=(),
        lang=languages[0],
        description="Every study programme in the graph, with filters.",
        facets=tuple(facets),
        programmes=tuple(_cards(kept, names, languages, urls)),
        total=len(facts),
        filtered=any(chosen.values()),
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
