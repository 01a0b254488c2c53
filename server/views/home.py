"""The home page (dataset summary), the programme list with filters, and label search."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from flask import Blueprint, current_app, render_template, request
from rdflib import Literal, URIRef
from rdflib.term import Node

from graph.iris import PRO
from graph.read import catalogue
from graph.read.catalogue import FACETS
from graph.read.text import fallback_label, format_literal, language_preferences, pick_literal

from ..urls import Urls, safe_href
from .pages import PageBase

bp = Blueprint("home", __name__)

MAX_QUERY_TEXT = 100


def _urls() -> Urls:
    ext = current_app.extensions
    if "prospectus.urls" not in ext:
        ext["prospectus.urls"] = Urls(current_app.config["PROSPECTUS_SETTINGS"].base_iri)
    return ext["prospectus.urls"]


def _languages() -> tuple[str, ...]:
    return language_preferences(value for value, _q in request.accept_languages)


@bp.app_template_global("has_route")
def has_route(prefix: str) -> bool:
    """Templates: whether this app serves `prefix` (links only to pages that exist)."""
    return any(
        rule.rule == prefix or rule.rule.startswith(prefix.rstrip("/") + "/")
        for rule in current_app.url_map.iter_rules()
    )


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


@bp.get("/")
def index() -> str:
    pub = current_app.extensions["prospectus"]
    version = pub.version
    store = pub.store
    languages = _languages()
    facts = catalogue.programme_facts(store)
    names = catalogue.names(store, facts, languages)
    counts = [
        (what, n, "/programmes" if cls == PRO.StudyProgramme else None)
        for what, cls, n in catalogue.class_counts(store)
    ]
    dumps = []
    if version is not None and has_route("/dumps"):
        for entry in version.manifest.get("dumps", []) or []:
            if not isinstance(entry, dict):
                continue
            name = str(entry.get("file", ""))
            if re.fullmatch(r"[A-Za-z0-9._\-]+", name):
                label = str(entry.get("label") or name)
                dumps.append((label, f"/dumps/{quote(version.id)}/{name}"))
    page = HomePage(
        title="Prospectus: study programmes as linked data",
        alternates=(),
        lang=languages[0],
        description="Facts about university study programmes, each traced to its source page.",
        version=version.id if version else None,
        created=version.created.strftime("%d %B %Y, %H:%M UTC") if version else None,
        triples=store.triple_count(),
        counts=tuple(counts),
        programmes=tuple(_cards(facts, names, languages, _urls())),
        dumps=tuple(dumps),
    )
    return render_template("home.html", page=page)


@bp.get("/programmes")
def programmes() -> str:
    store = current_app.extensions["prospectus"].store
    languages = _languages()
    facts = catalogue.programme_facts(store)
    names = catalogue.names(store, facts, languages)
    chosen = {name: request.args.get(name, "").strip() for name, _l in FACETS}

    def matches(f: dict[str, set[Node]], skip: str | None = None) -> bool:
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
                (Option(k, option_label[k], n, k == chosen[name]) for k, n in counter.items()),
                key=lambda o: o.label.lower(),
            )
        )
        facets.append(Facet(name, label, options))
    kept = {p: f for p, f in facts.items() if matches(f)}
    page = ProgrammesPage(
        title="Study programmes",
        alternates=(),
        lang=languages[0],
        description="Every study programme in the graph, with filters.",
        facets=tuple(facets),
        programmes=tuple(_cards(kept, names, languages, _urls())),
        total=len(facts),
        filtered=any(chosen.values()),
    )
    return render_template("programmes.html", page=page)


@bp.get("/search")
def search() -> str:
    store = current_app.extensions["prospectus"].store
    languages = _languages()
    raw = request.args.get("q", "")
    query = re.sub(r"[\x00-\x1f\x7f]", " ", raw).strip()[:MAX_QUERY_TEXT]
    hits: list[Hit] = []
    message = None
    truncated = False
    if query:
        urls = _urls()
        result = catalogue.search(store, query, languages, urls.is_local)
        truncated = result.truncated
        for hit in result.hits:
            href = safe_href(str(hit.iri), urls)
            if href is not None:
                hits.append(Hit(href, hit.label, hit.matched, hit.kinds))
        if not hits:
            message = "Nothing in the graph has a name containing this text."
    page = SearchPage(
        title=f"Search: {query}" if query else "Search",
        alternates=(),
        lang=languages[0],
        query=query,
        hits=tuple(hits),
        truncated=truncated,
        message=message,
    )
    return render_template("search.html", page=page)
