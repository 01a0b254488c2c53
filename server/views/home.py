"""The home page (dataset summary), the programme list with filters, and label search."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from flask import Blueprint, current_app, render_template, request
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from graph.describe import (
    FALLBACK_LABEL_PROPERTIES,
    LABEL_PROPERTIES,
    fallback_label,
    format_literal,
    labels,
    language_preferences,
    pick_literal,
    select,
)
from graph.iris import ELM, PRO, SCHEMA

from ..urls import Urls, safe_href
from .pages import PageBase

bp = Blueprint("home", __name__)

MAX_QUERY_TEXT = 100
SEARCH_LIMIT = 200


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


# -- facets of the programmes ----------------------------------------------------------------

FACETS: tuple[tuple[str, str], ...] = (
    # (request parameter, label); the values come from _programme_facts
    ("country", "Country"),
    ("institution", "Institution"),
    ("credits", "Credits"),
    ("language", "Language"),
    ("field", "Field of education"),
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


def _objects(store: Any, subjects: Iterable[Node], predicate: URIRef) -> set[Node]:
    return {o for s in subjects for _s, _p, o, _g in store.quads(s, predicate, None, None)}


def _programme_facts(store: Any) -> dict[URIRef, dict[str, set[Node]]]:
    """title, acronym, duration and the facet values of every programme (via quads())."""
    facts: dict[URIRef, dict[str, set[Node]]] = {}
    for p, _pred, _cls, _g in store.quads(None, RDF.type, PRO.StudyProgramme, None):
        if not isinstance(p, URIRef) or p in facts:
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
            "language": _objects(store, [p], ELM.defaultLanguage),
            "field": _objects(store, [p], PRO.fieldOfEducation),
        }
    return facts


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


def _names(
    store: Any, facts: dict[URIRef, dict[str, set[Node]]], languages: Sequence[str]
) -> dict[URIRef, str]:
    iris = {v for f in facts.values() for vs in f.values() for v in vs if isinstance(v, URIRef)}
    return labels(store, iris, languages)


@bp.get("/")
def index() -> str:
    pub = current_app.extensions["prospectus"]
    version = pub.version
    store = pub.store
    languages = _languages()
    facts = _programme_facts(store)
    names = _names(store, facts, languages)
    counts = []
    for label, cls, href in (
        ("programmes", PRO.StudyProgramme, "/programmes"),
        ("intakes", PRO.Offering, None),
        ("universities", SCHEMA.CollegeOrUniversity, None),
        ("source page segments", PRO.SourceSegment, None),
    ):
        n = len({s for s, _p, _o, _g in store.quads(None, RDF.type, cls, None)})
        counts.append((label, n, href))
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
    facts = _programme_facts(store)
    names = _names(store, facts, languages)
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


def _sparql_string(text: str) -> str:
    """A SPARQL string literal holding `text` (quotes, backslashes and breaks escaped)."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


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
        props = " ".join(p.n3() for p in (*LABEL_PROPERTIES, *FALLBACK_LABEL_PROPERTIES))
        sparql = (
            f"SELECT DISTINCT ?s ?label WHERE {{ VALUES ?p {{ {props} }} ?s ?p ?label "
            f"FILTER(isLiteral(?label) && CONTAINS(LCASE(STR(?label)), "
            f"LCASE({_sparql_string(query)}))) }} LIMIT {SEARCH_LIMIT + 1}"
        )
        rows = select(store, sparql)
        truncated = len(rows) > SEARCH_LIMIT
        urls = _urls()
        matched: dict[URIRef, list[str]] = defaultdict(list)
        for row in rows[:SEARCH_LIMIT]:
            s = row.get("s")
            if isinstance(s, URIRef) and urls.is_local(str(s)):
                matched[s].append(str(row["label"]))
        names = labels(store, matched, languages)
        kinds: dict[URIRef, list[URIRef]] = defaultdict(list)
        if matched:
            values = " ".join(s.n3() for s in matched)
            for row in select(store, f"SELECT ?s ?t WHERE {{ VALUES ?s {{ {values} }} ?s a ?t }}"):
                s, t = row.get("s"), row.get("t")
                if isinstance(s, URIRef) and isinstance(t, URIRef):
                    kinds[s].append(t)
        type_names = labels(store, {t for ts in kinds.values() for t in ts}, languages)
        for s, found in matched.items():
            href = safe_href(str(s), urls)
            if href is None:
                continue
            hits.append(
                Hit(
                    href,
                    names.get(s, fallback_label(str(s))),
                    sorted(found)[0],
                    tuple(
                        sorted(
                            {type_names.get(t, fallback_label(str(t))) for t in kinds.get(s, [])}
                        )
                    ),
                )
            )
        hits.sort(key=lambda h: (not h.label.lower().startswith(query.lower()), h.label.lower()))
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
