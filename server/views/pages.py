"""Template contexts of the resource pages, built from a graph.read.describe.ResourceDescription.

One dataclass per page (docs/pages.md): ResourcePage (resource.html), ProgrammePage
(resource-programme.html), OrganisationPage (resource-organisation.html), OntologyPage
(ontology.html), ShapesPage (shapes.html). Every value a page shows is a Shown: its text,
a checked link, its language and the sources (with dates) it comes from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import render_template
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Node

from graph.iris import ELM, ORG, PRO, SCHEMA
from graph.read.describe import (
    DESCRIPTION_PROPERTIES,
    Linked,
    ResourceDescription,
    Source,
    Value,
    comparable,
)
from graph.read.graphs import GraphSummary
from graph.read.schemaorg import programme_jsonld
from graph.read.text import (
    fallback_label,
    format_literal,
    literal_date,
    local_name,
    pick_literal,
    prefixed,
)

from ..urls import Urls, safe_href

# -- shown values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One value as a reader sees it."""

    text: str
    href: str | None = None
    lang: str | None = None
    external: bool = False
    sources: tuple[Source, ...] = ()
    stale: bool = False  # every source is a page more than two years old
    note: str | None = None  # e.g. "expected", "passed"
    datatype: str | None = None
    iri: str | None = None
    concluded: bool = False  # only the curation graph states it: the editors' conclusion


def _concluded(sources: Sequence[Source]) -> bool:
    """True when every source of a value is the curation graph (no page states it)."""
    return bool(sources) and all(s.kind == "curation" for s in sources)


class Shower:
    """Turns nodes and values of one description into Shown values."""

    def __init__(self, d: ResourceDescription, urls: Urls):
        self.d = d
        self.urls = urls

    def sources(self, graphs: Iterable[URIRef]) -> tuple[Source, ...]:
        found = [self.d.sources[g] for g in sorted(set(graphs)) if g in self.d.sources]
        return tuple(found)

    def node_graphs(self, node: Node) -> set[URIRef]:
        graphs: set[URIRef] = set()
        for p in self.d.facts.predicates(node):
            if p == RDF.type:
                continue
            for v in self.d.facts.values(node, p):
                graphs.update(v.sources)
        return graphs

    def value(self, value: Value, note: str | None = None, text: str | None = None) -> Shown:
        shown = self.node(value.node, text=text, note=note)
        sources = self.sources(value.sources)
        stale = bool(sources) and all(s.stale for s in sources)
        return Shown(
            shown.text,
            shown.href,
            shown.lang,
            shown.external,
            sources,
            stale,
            note,
            shown.datatype,
            shown.iri,
            _concluded(sources),
        )

    def node(
        self,
        node: Node,
        *,
        text: str | None = None,
        note: str | None = None,
        graphs: Iterable[URIRef] = (),
    ) -> Shown:
        sources = self.sources(graphs)
        stale = bool(sources) and all(s.stale for s in sources)
        if isinstance(node, Literal):
            datatype = prefixed(str(node.datatype)) if node.datatype else None
            return Shown(
                text or format_literal(node),
                lang=node.language,
                sources=sources,
                stale=stale,
                note=note,
                datatype=datatype,
                concluded=_concluded(sources),
            )
        if isinstance(node, URIRef):
            href = safe_href(str(node), self.urls)
            return Shown(
                text or self.d.label(node),
                href,
                self.d.label_language(node),
                href is not None and not self.urls.is_local(str(node)),
                sources,
                stale,
                note,
                iri=str(node),
                concluded=_concluded(sources),
            )
        return Shown(
            text or self.d.label(node),
            sources=sources,
            stale=stale,
            note=note,
            concluded=_concluded(sources),
        )

    def built(
        self, text: str, node: Node, note: str | None = None, lang: str | None = None
    ) -> Shown:
        """A sentence built from a node's facts, sourced from the node's graphs."""
        sources = self.sources(self.node_graphs(node))
        stale = bool(sources) and all(s.stale for s in sources)
        return Shown(text, None, lang, False, sources, stale, note, concluded=_concluded(sources))


# -- the generic page ------------------------------------------------------------------------


@dataclass(frozen=True)
class PropertyRow:
    """One property of the resource and its values."""

    label: str
    href: str | None
    iri: str
    values: tuple[Shown, ...]
    conflict: bool = False
    stated_differently: bool = False
    count: int | None = None  # inverse rows: how many point here


@dataclass
class PageBase:
    """What base.html needs: title, the document's alternates, the reader's language."""

    title: str
    alternates: Sequence[Any]
    lang: str = "en"
    description: str | None = None
    iri: str | None = None


@dataclass
class ResourcePage(PageBase):
    """resource.html: any resource as a table of properties, inverse links and sources."""

    types: tuple[Shown, ...] = ()
    rows: tuple[PropertyRow, ...] = ()
    inverse: tuple[PropertyRow, ...] = ()
    sources: tuple[Source, ...] = ()
    comment: str | None = None


def property_rows(
    d: ResourceDescription, sh: Shower, subject: Node | None = None, skip: Iterable[URIRef] = ()
) -> list[PropertyRow]:
    skip = set(skip)
    rows = []
    for st in d.statements(subject):
        if st.predicate in skip:
            continue
        values = tuple(sh.value(v) for v in st.values)
        rows.append(
            PropertyRow(
                d.label(st.predicate),
                safe_href(str(st.predicate), sh.urls),
                str(st.predicate),
                values,
                st.conflict,
                st.stated_differently,
            )
        )
    return rows


def inverse_rows(d: ResourceDescription, sh: Shower) -> list[PropertyRow]:
    rows = []
    for group in d.inverse():
        values = tuple(sh.value(v) for v in group.subjects)
        rows.append(
            PropertyRow(
                d.label(group.predicate),
                safe_href(str(group.predicate), sh.urls),
                str(group.predicate),
                values,
                count=group.count,
            )
        )
    return rows


def used_sources(d: ResourceDescription) -> tuple[Source, ...]:
    order = {"segment": 0, "curation": 1, "graph": 2, "vocabularies": 3, "ontology": 4}
    return tuple(sorted(d.sources.values(), key=lambda s: (order.get(s.kind, 9), s.label)))


def resource_page(d: ResourceDescription, urls: Urls, alts: Sequence[Any]) -> ResourcePage:
    sh = Shower(d, urls)
    own = [r for r in property_rows(d, sh) if r.iri != str(RDF.type)]
    return ResourcePage(
        title=d.title,
        alternates=alts,
        lang=d.languages[0] if d.languages else "en",
        iri=str(d.iri),
        types=tuple(sh.node(t) for t in d.types),
        rows=tuple(own),
        inverse=tuple(inverse_rows(d, sh)),
        sources=used_sources(d),
        comment=d.comment(d.iri),
    )


def render_graph(
    summary: GraphSummary, urls: Urls, alts: Sequence[Any], languages: Sequence[str]
) -> str:
    """resource.html for a named graph that is only a graph name: what it holds."""
    iri, names = summary.iri, summary.labels
    shown = tuple(
        Shown(names.get(s) or fallback_label(str(s)), safe_href(str(s), urls), iri=str(s))
        for s in summary.subjects
    )
    name = {"graph/ontology": "The ontology", "graph/vocabularies": "The vocabularies"}.get(
        str(iri).rsplit("/", 2)[-2] + "/" + str(iri).rsplit("/", 1)[-1], fallback_label(str(iri))
    )
    rows = (
        PropertyRow("Statements in this graph", None, "", (Shown(f"{summary.statements:,}"),)),
        PropertyRow("Resources it describes", None, "", shown, count=summary.subject_count),
    )
    page = ResourcePage(
        title=f"{name} (named graph)",
        alternates=alts,
        lang=languages[0] if languages else "en",
        iri=str(iri),
        types=(Shown("Named graph"),),
        rows=rows,
        comment=(
            "This graph of the published dataset holds the ontology; "
            "its documentation is at /ontology."
            if str(iri).endswith("graph/ontology")
            else None
        ),
    )
    return render_template("resource.html", page=page)


# -- the programme page ----------------------------------------------------------------------


@dataclass(frozen=True)
class KeyFact:
    """One line of the key-facts panel; several values when sources give several."""

    label: str
    values: tuple[Shown, ...]
    conflict: bool = False
    stated_differently: bool = False


@dataclass(frozen=True)
class Track:
    """A thesis track (or other option) within a step of the mobility path."""

    title: Shown
    description: Shown | None
    host: Shown | None
    kind: str | None
    href: str | None = None


@dataclass(frozen=True)
class Step:
    """One semester (or component) of the mobility path, in order."""

    index: int | None
    title: Shown
    host: Shown | None
    country: str | None
    description: Shown | None
    options: tuple[Track, ...]
    choose: int | None
    href: str | None


@dataclass(frozen=True)
class RequirementRow:
    """One row of an applicant group's admission table."""

    kind: str
    details: tuple[Shown, ...]
    long_list: tuple[Shown, ...] = ()  # accepted degrees, shown folded


@dataclass(frozen=True)
class ApplicantGroup:
    label: str
    rows: tuple[RequirementRow, ...]
    exemptions: tuple[Shown, ...]


@dataclass(frozen=True)
class Partner:
    organisation: Shown
    roles: tuple[str, ...]
    country: str | None
    ror: str | None


@dataclass(frozen=True)
class Career:
    title: Shown
    description: Shown | None
    occupation: Shown | None


@dataclass(frozen=True)
class Grant:
    title: Shown
    description: Shown | None
    funder: Shown | None


@dataclass
class ProgrammePage(PageBase):
    """resource-programme.html: a programme as a prospectus page."""

    acronym: str | None = None
    titles: tuple[Shown, ...] = ()  # every stated title, sourced
    subtitle: str | None = None
    key_facts: tuple[KeyFact, ...] = ()
    summary: tuple[Shown, ...] = ()  # the description from the freshest source
    other_summaries: tuple[Shown, ...] = ()  # how the other sources describe it
    highlights: tuple[Shown, ...] = ()
    audience: tuple[Shown, ...] = ()
    outcomes: tuple[Shown, ...] = ()
    steps: tuple[Step, ...] = ()
    admission: tuple[ApplicantGroup, ...] = ()
    careers: tuple[Career, ...] = ()
    partners: tuple[Partner, ...] = ()
    funding: tuple[Grant, ...] = ()
    other: tuple[KeyFact, ...] = ()
    notes: tuple[Shown, ...] = ()
    sources: tuple[Source, ...] = ()
    jsonld: dict[str, Any] = field(default_factory=dict)
    rows: tuple[PropertyRow, ...] = ()
    inverse: tuple[PropertyRow, ...] = ()


_CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "US$"}


def _ints(d: ResourceDescription, node: Node, p: URIRef) -> int | None:
    for n in d.facts.nodes(node, p):
        try:
            return int(str(n))
        except ValueError:
            continue
    return None


def _str(d: ResourceDescription, node: Node, p: URIRef) -> str | None:
    v = d.text(node, p)
    return str(v.node) if v is not None else None


def _key_fact(
    d: ResourceDescription, sh: Shower, label: str, subject: Node, p: URIRef, text: Any = None
) -> KeyFact | None:
    values = d.texts(subject, p) if p in DESCRIPTION_PROPERTIES else d.facts.values(subject, p)
    if not values:
        return None
    shown = tuple(sh.value(v, text=text(v.node) if text else None) for v in values)
    conflict = d.conflict(subject, p)
    return KeyFact(
        label, shown, conflict, not conflict and len(values) > 1 and p in d.single_valued
    )


def _money(d: ResourceDescription, fee: Node) -> str | None:
    amount = d.facts.value(fee, PRO.amount)
    if amount is None:
        return None
    currency = d.facts.value(fee, PRO.currency)
    code = local_name(str(currency.node)) if currency is not None else ""
    number = format_literal(amount.node) if isinstance(amount.node, Literal) else str(amount.node)
    symbol = _CURRENCY_SYMBOLS.get(code)
    text = f"{symbol}{number}" if symbol else f"{number} {code}".strip()
    period = d.facts.value(fee, PRO.billingPeriod)
    if period is not None:
        per = str(period.node)
        text += " per year" if per in ("P1Y", "P12M") else f" per {format_literal(period.node)}"
    return text


def _group_text(d: ResourceDescription, node: Node) -> str | None:
    groups = [d.label(g) for g in d.facts.nodes(node, PRO.appliesToApplicantGroup)]
    return ", ".join(groups) if groups else None


def _scope_concluded(d: ResourceDescription, node: Node) -> bool:
    """The node's applicant group is the editors' reading of the page, not the page's words."""
    values = d.facts.values(node, PRO.appliesToApplicantGroup)
    return bool(values) and all(_concluded(_sources_of(d, v)) for v in values)


def _sources_of(d: ResourceDescription, value: Value) -> tuple[Source, ...]:
    return tuple(d.sources[g] for g in value.sources if g in d.sources)


def _estimate(d: ResourceDescription, node: Node) -> bool:
    return any(str(n).lower() in ("true", "1") for n in d.facts.nodes(node, PRO.isEstimate))


def _offerings(d: ResourceDescription) -> list[Node]:
    return [v.node for v in d.facts.subjects(PRO.offeringOf, d.iri)]


def _deadlines(
    d: ResourceDescription, sh: Shower, today: date
) -> tuple[KeyFact | None, list[Shown]]:
    """(next deadline fact, every deadline)."""
    every: list[tuple[date | None, Shown]] = []
    for offering in _offerings(d):
        for dl in d.facts.nodes(offering, PRO.applicationDeadline):
            for v in d.facts.values(dl, PRO.date):
                when = literal_date(v.node) if isinstance(v.node, Literal) else None
                notes = []
                if _estimate(d, dl) or _estimate(d, offering):
                    notes.append("expected")
                group = _group_text(d, dl)
                if group:
                    scope = " (our reading of the page)" if _scope_concluded(d, dl) else ""
                    notes.append(f"for {group}{scope}")
                if when is not None and when < today:
                    notes.append("passed")
                every.append((when, sh.value(v, note=", ".join(notes) or None)))
    if not every:
        return None, []
    upcoming = sorted((w, s) for w, s in every if w is not None and w >= today)
    chosen = (
        [upcoming[0][1]]
        if upcoming
        else [s for _w, s in sorted(every, key=lambda ws: ws[0] or date.min, reverse=True)[:1]]
    )
    label = "Next application deadline" if upcoming else "Application deadline"
    conflict = len({s.text for _w, s in every}) > 1 and any(
        d.conflict(dl, PRO.date)
        for o in _offerings(d)
        for dl in d.facts.nodes(o, PRO.applicationDeadline)
    )
    return KeyFact(label, tuple(chosen), conflict), [s for _w, s in every]


def _modes(d: ResourceDescription, sh: Shower) -> KeyFact | None:
    """Modes of the programme, then those stated for an intake (with its delivery note)."""
    shown = [sh.value(v) for v in d.facts.values(d.iri, ELM.mode)]
    for offering in _offerings(d):
        note = "for the intake" + (" (expected)" if _estimate(d, offering) else "")
        shown += [sh.value(v, note=note) for v in d.facts.values(offering, ELM.mode)]
    return KeyFact("Mode of study", tuple(shown)) if shown else None


def _starts(d: ResourceDescription, sh: Shower) -> KeyFact | None:
    shown = []
    for offering in _offerings(d):
        estimate = "expected" if _estimate(d, offering) else None
        for p in (PRO.startDate, PRO.startMonth):
            for v in d.facts.values(offering, p):
                shown.append(sh.value(v, note=estimate))
    return KeyFact("Start", tuple(shown)) if shown else None


def _fees(d: ResourceDescription, sh: Shower) -> KeyFact | None:
    shown = []
    for offering in _offerings(d):
        for fee in d.facts.nodes(offering, PRO.tuitionFee):
            text = _money(d, fee)
            if text is None:
                continue
            notes = [
                n
                for n in (
                    _group_text(d, fee) and f"for {_group_text(d, fee)}",
                    "expected" if _estimate(d, fee) else None,
                )
                if n
            ]
            shown.append(sh.built(text, fee, note=", ".join(notes) or None))
    return KeyFact("Tuition fee", tuple(shown)) if shown else None


KNOWN_UNITS = {"http://data.europa.eu/snb/education-credit/6fcec5c5af": "ECTS"}


def _unit(d: ResourceDescription, framework: Node) -> str:
    notation = d.facts.value(framework, SKOS.notation)
    if notation is not None:
        return str(notation.node)
    return KNOWN_UNITS.get(str(framework)) or d.label(framework)


def _credits(d: ResourceDescription, sh: Shower) -> KeyFact | None:
    """Credit points, equal values from several sources (and nodes) merged into one."""
    merged: dict[tuple, tuple[str, set[URIRef]]] = {}
    for cp in d.facts.nodes(d.iri, ELM.creditPoint):
        framework = d.facts.value(cp, ELM.framework)
        unit = _unit(d, framework.node) if framework is not None else ""
        for v in d.facts.values(cp, RDF.value):
            key = (comparable(v.node), unit)
            text, graphs = merged.get(key, (f"{format_literal(v.node)} {unit}".strip(), set()))
            merged[key] = (text, graphs | set(v.sources) | sh.node_graphs(cp))
    shown = tuple(sh.node(Literal(text), graphs=graphs) for text, graphs in merged.values())
    return KeyFact("Credits", shown, len(shown) > 1) if shown else None


def _degree(d: ResourceDescription, sh: Shower) -> tuple[KeyFact | None, KeyFact | None]:
    degrees, levels = [], []
    for v in d.facts.values(d.iri, PRO.awards):
        q = v.node
        title = _str(d, q, DCTERMS.title)
        abbr = _str(d, q, PRO.degreeAbbreviation)
        text = (f"{title} ({abbr})" if abbr else title) if title else (abbr or d.label(q))
        degrees.append(sh.built(text, q))
        for lv in d.facts.values(q, ELM.EQFLevel):
            levels.append(
                sh.value(
                    lv,
                    text=f"EQF {d.label(lv.node)}"
                    if not d.label(lv.node).upper().startswith("EQF")
                    else d.label(lv.node),
                )
            )
        for lv in d.facts.values(q, PRO.studyLevelText):
            levels.append(sh.value(lv))
    return (
        KeyFact("Degree", tuple(degrees)) if degrees else None,
        KeyFact("Level", tuple(levels)) if levels else None,
    )


def _steps(d: ResourceDescription, sh: Shower) -> list[Step]:
    steps = []
    components = d.facts.nodes(d.iri, PRO.hasComponent)
    for comp in components:
        idx = _ints(d, comp, PRO.sequenceIndex)
        host_v = d.facts.value(comp, PRO.hostedBy)
        host = sh.value(host_v) if host_v else None
        country = _country(d, host_v.node) if host_v else None
        title = _component_title(d, sh, comp, host.text if host else None)
        desc_v = d.text(comp, DCTERMS.description)
        options = []
        for opt in d.facts.nodes(comp, PRO.hasOption):
            od = d.text(opt, DCTERMS.description)
            oh = d.facts.value(opt, PRO.hostedBy)
            kind = d.facts.value(opt, DCTERMS.type)
            options.append(
                Track(
                    _component_title(d, sh, opt, None),
                    sh.value(od) if od else None,
                    sh.value(oh) if oh else None,
                    d.label(kind.node) if kind else None,
                    safe_href(str(opt), sh.urls) if isinstance(opt, URIRef) else None,
                )
            )
        steps.append(
            Step(
                idx,
                title,
                host,
                country,
                sh.value(desc_v) if desc_v else None,
                tuple(options),
                _ints(d, comp, PRO.optionsToChoose),
                safe_href(str(comp), sh.urls) if isinstance(comp, URIRef) else None,
            )
        )
    return sorted(steps, key=lambda s: (s.index is None, s.index or 0, s.title.text))


def _component_title(d: ResourceDescription, sh: Shower, comp: Node, host: str | None) -> Shown:
    """A component's title; else what kind of part it is; else where it takes place."""
    title = d.text(comp, DCTERMS.title)
    if title is not None:
        return sh.value(title)
    kind = d.facts.value(comp, DCTERMS.type)
    if kind is not None:
        return sh.value(kind, text=d.label(kind.node).capitalize())
    if host:
        return Shown(host)
    return sh.node(comp)


def _country(d: ResourceDescription, org: Node) -> str | None:
    for address in d.facts.nodes(org, SCHEMA.address):
        for country in d.facts.nodes(address, SCHEMA.addressCountry):
            return d.label(country)
    return None


def _ror(d: ResourceDescription, org: Node, urls: Urls) -> str | None:
    for n in d.facts.nodes(org, PRO.ror):
        if isinstance(n, URIRef) and str(n).startswith("https://ror.org/"):
            return safe_href(str(n), urls)
    return None


def _score(n: Node) -> str | None:
    return format_literal(n) if isinstance(n, Literal) else None


def _test_text(d: ResourceDescription, test: Node) -> str:
    name = ", ".join(d.label(t) for t in d.facts.nodes(test, PRO.languageTest)) or "Test"
    parts = []
    overall = d.facts.value(test, PRO.minimumOverallScore)
    if overall is not None:
        parts.append(f"at least {_score(overall.node)} overall")
    component = d.facts.value(test, PRO.minimumComponentScore)
    if component is not None:
        parts.append(f"at least {_score(component.node)} in each part")
    grade = d.facts.value(test, PRO.minimumGrade)
    if grade is not None:
        parts.append(f"grade {grade.node} or better")
    return f"{name}: {', '.join(parts)}" if parts else name


def _admission(d: ResourceDescription, sh: Shower) -> list[ApplicantGroup]:
    groups: dict[str, list[RequirementRow]] = defaultdict(list)
    exemptions: dict[str, list[Shown]] = defaultdict(list)
    requirements: list[Node] = list(d.facts.nodes(d.iri, PRO.admissionRequirement))
    for offering in _offerings(d):
        requirements += d.facts.nodes(offering, PRO.admissionRequirement)
    for req in requirements:
        group = _group_text(d, req) or "All applicants"
        types = d.facts.types(req)
        details: list[Shown] = []
        long_list: list[Shown] = []
        for p in (DCTERMS.description, PRO.admissionProcedure, PRO.requiredField):
            v = d.text(req, p)
            if v is not None:
                details.append(sh.value(v))
        for lv in d.facts.values(req, PRO.requiredDegreeLevel):
            details.append(sh.value(lv, text=f"Degree level: {d.label(lv.node)}"))
        if _scope_concluded(d, req):
            scope = d.facts.values(req, PRO.appliesToApplicantGroup)[0]
            details.append(
                sh.value(scope, text="Listed for this group by where it stands on the page")
            )
        if PRO.LanguageRequirement in types:
            language = ", ".join(d.label(x) for x in d.facts.nodes(req, PRO.proficiencyLanguage))
            kind = f"Language ({language})" if language else "Language"
            for test in d.facts.nodes(req, PRO.acceptedTest):
                details.append(sh.built(_test_text(d, test), test))
            details += _scores(d, sh, req)
            for ex in d.facts.nodes(req, PRO.exemption):
                countries = ", ".join(
                    sorted(
                        d.label(c)
                        for p in (PRO.exemptCountry, PRO.exemptRegion)
                        for c in d.facts.nodes(ex, p)
                    )
                )
                condition = _str(d, ex, PRO.condition)
                text = "Exempt: applicants from " + countries if countries else "Exempt"
                if condition:
                    text += f" ({condition})"
                exemptions[group].append(sh.built(text, ex))
        elif PRO.DegreeRequirement in types:
            kind = "Prior degree"
            for deg in d.facts.nodes(req, PRO.acceptedDegree):
                label = d.text(deg, SKOS.prefLabel)
                campuses = sorted(str(c) for c in d.facts.nodes(deg, PRO.campus))
                text = (str(label.node) if label else d.label(deg)) + (
                    f" ({', '.join(campuses)})" if campuses else ""
                )
                lang = label.node.language if label and isinstance(label.node, Literal) else None
                long_list.append(sh.built(text, deg, lang=lang))
        elif PRO.ExperienceRequirement in types:
            kind = "Professional experience"
        else:
            kind = ", ".join(d.label(t) for t in sorted(types, key=str)) or "Requirement"
        if not details and not long_list:
            details.append(sh.node(req))
        groups[group].append(RequirementRow(kind, tuple(details), tuple(long_list)))
    scores = _scores(d, sh, d.iri)
    if scores:
        groups["All applicants"].append(RequirementRow("Scores (no test named)", tuple(scores)))
    order = sorted(groups, key=lambda g: (g != "All applicants", g))
    return [
        ApplicantGroup(
            g, tuple(sorted(groups[g], key=lambda r: r.kind)), tuple(exemptions.get(g, ()))
        )
        for g in order
    ]


def _scores(d: ResourceDescription, sh: Shower, owner: Node) -> list[Shown]:
    """Scores a page gives without naming their test (on a requirement or the programme)."""
    shown = []
    for us in d.facts.nodes(owner, PRO.unattributedScore):
        scores = [n for n in d.facts.nodes(us, RDF.value) if isinstance(n, Literal)]
        text = _str(d, us, PRO.sourceText) or (format_literal(scores[0]) if scores else "score")
        shown.append(sh.built(f"Score {text} (the page does not name the test)", us))
    return shown


PARTNER_ROLES: tuple[tuple[URIRef, str], ...] = (
    (PRO.coordinatedBy, "coordinator"),
    (ELM.providedBy, "provider"),
    (PRO.administeredBy, "administers the programme"),
    (PRO.cooperatesWith, "cooperates"),
    (PRO.studentService, "student service"),
    (PRO.consortium, "consortium"),
)


def _partners(d: ResourceDescription, sh: Shower, steps: Sequence[Step]) -> list[Partner]:
    roles: dict[Node, list[str]] = defaultdict(list)
    graphs: dict[Node, set[URIRef]] = defaultdict(set)
    for p, role in PARTNER_ROLES:
        for v in d.facts.values(d.iri, p):
            concluded = _concluded(_sources_of(d, v))
            roles[v.node].append(f"{role} (our conclusion)" if concluded else role)
            graphs[v.node].update(v.sources)
            for member in d.facts.values(v.node, ORG.hasMember):
                roles[member.node].append("consortium member")
                graphs[member.node].update(member.sources)
    for step in steps:
        if step.host is not None and step.host.iri:
            node = URIRef(step.host.iri)
            what = f"semester {step.index}" if step.index else step.title.text
            roles[node].append(f"hosts {what}")
            graphs[node].update(s.iri for s in step.host.sources)
    partners = [
        Partner(
            sh.node(n, graphs=graphs[n]),
            tuple(dict.fromkeys(r)),
            _country(d, n),
            _ror(d, n, sh.urls),
        )
        for n, r in roles.items()
    ]
    return sorted(
        partners,
        key=lambda p: (
            "coordinator" not in p.roles,
            "provider" not in p.roles,
            p.organisation.text,
        ),
    )


def _careers(d: ResourceDescription, sh: Shower) -> list[Career]:
    careers = []
    for c in d.facts.nodes(d.iri, PRO.careerOutcome):
        title = d.text(c, SKOS.prefLabel) or d.text(c, DCTERMS.title)
        desc = d.text(c, DCTERMS.description)
        occ = d.facts.value(c, PRO.occupation)
        careers.append(
            Career(
                sh.value(title) if title else sh.node(c),
                sh.value(desc) if desc else None,
                sh.value(occ) if occ else None,
            )
        )
    return sorted(careers, key=lambda c: c.title.text)


def _funding(d: ResourceDescription, sh: Shower) -> list[Grant]:
    grants = []
    for g in d.facts.nodes(d.iri, PRO.funding):
        title = d.text(g, DCTERMS.title)
        desc = d.text(g, DCTERMS.description)
        funder = d.facts.value(g, PRO.funder)
        grants.append(
            Grant(
                sh.value(title) if title else sh.node(g),
                sh.value(desc) if desc else None,
                sh.value(funder) if funder else None,
            )
        )
    return grants


def _texts(d: ResourceDescription, sh: Shower, subject: Node, p: URIRef) -> tuple[Shown, ...]:
    return tuple(sh.value(v) for v in d.texts(subject, p))


def _notes(d: ResourceDescription, sh: Shower) -> list[Shown]:
    subjects: list[Node] = [d.iri, *_offerings(d)]
    for p in (PRO.hasComponent, PRO.admissionRequirement, PRO.awards, PRO.unattributedScore):
        subjects += d.facts.nodes(d.iri, p)
    for req in d.facts.nodes(d.iri, PRO.admissionRequirement):
        subjects += d.facts.nodes(req, PRO.unattributedScore)
    for o in _offerings(d):
        subjects += d.facts.nodes(o, PRO.applicationDeadline)
        subjects += d.facts.nodes(o, PRO.tuitionFee)
    notes = []
    seen: set[Node] = set()
    for s in subjects:
        for n in d.facts.nodes(s, PRO.qualityNote):
            if n in seen:
                continue
            seen.add(n)
            flag = ", ".join(d.label(t) for t in d.facts.nodes(n, DCTERMS.type))
            comment = _str(d, n, RDFS.comment) or ""
            quoted = _str(d, n, PRO.sourceText)
            rule = _str(d, n, PRO.rule)
            if quoted:
                comment += " (the page says: “" + quoted.replace("\n\n", " … ") + "”)"
            text = comment + (f" Rule: {rule}" if rule else "")
            notes.append(sh.built(text or flag, n, note=flag or None))
    return notes


def _newest(v: Shown) -> int:
    """Ordinal of the newest dated source of a value (undated sources count as new)."""
    dates = [literal_date(s.modified) for s in v.sources if s.modified is not None]
    known = [x.toordinal() for x in dates if x is not None]
    if len(known) < len(v.sources):
        return date.max.toordinal()
    return max(known, default=0)


def _title_choice(d: ResourceDescription, sh: Shower) -> tuple[str, tuple[Shown, ...]]:
    titles = d.texts(d.iri, DCTERMS.title)
    if not titles:
        return d.title, ()
    shown = tuple(sh.value(v) for v in titles)
    fresh = [s for s in shown if not s.stale] or list(shown)
    best = max(fresh, key=lambda s: (len(s.sources) > 0, len(s.text)))
    return best.text, shown


def programme_page(
    d: ResourceDescription,
    urls: Urls,
    alts: Sequence[Any],
    today: date,
    page_url: str | None = None,
) -> ProgrammePage:
    sh = Shower(d, urls)
    title, titles = _title_choice(d, sh)
    degree, level = _degree(d, sh)
    next_deadline, _all_deadlines = _deadlines(d, sh, today)
    steps = _steps(d, sh)
    facts = [
        degree,
        level,
        _credits(d, sh),
        _key_fact(d, sh, "Duration", d.iri, ELM.duration),
        _modes(d, sh),
        _key_fact(d, sh, "Schedule", d.iri, ELM.learningSchedule),
        _key_fact(d, sh, "Language of instruction", d.iri, ELM.defaultLanguage),
        _starts(d, sh),
        next_deadline,
        _fees(d, sh),
    ]
    other = [
        _key_fact(d, sh, "Kind of programme", d.iri, PRO.programmeKind),
        _key_fact(d, sh, "Field of education", d.iri, PRO.fieldOfEducation),
        _key_fact(d, sh, "Subject area (as the portal files it)", d.iri, PRO.sourceSubjectArea),
        _key_fact(d, sh, "Typical group size", d.iri, PRO.typicalGroupSize),
        _key_fact(d, sh, "Groups", d.iri, PRO.groupSizeNote),
        _key_fact(d, sh, "Teaching methods", d.iri, PRO.teachingMethod),
        _key_fact(d, sh, "Also known as", d.iri, SKOS.altLabel),
    ]
    for offering in _offerings(d):
        fact = _key_fact(d, sh, "Delivery", offering, PRO.deliveryNote)
        if fact:
            other.append(fact)
    acronym = _str(d, d.iri, PRO.acronym)
    providers = [sh.node(n).text for n in d.facts.nodes(d.iri, ELM.providedBy)]
    outcomes = []
    for lo in d.facts.nodes(d.iri, ELM.learningOutcome):
        t = d.text(lo, DCTERMS.title)
        outcomes.append(sh.value(t) if t else sh.node(lo))
    summaries = sorted(
        _texts(d, sh, d.iri, DCTERMS.description), key=lambda v: (v.stale, -_newest(v))
    )
    summary, other_summaries = tuple(summaries[:1]), tuple(summaries[1:])
    return ProgrammePage(
        title=title,
        alternates=alts,
        lang=d.languages[0] if d.languages else "en",
        description=str(summary[0].text)[:300] if summary else None,
        iri=str(d.iri),
        acronym=acronym,
        titles=titles if len(titles) > 1 else (),
        subtitle=", ".join(providers) if providers else None,
        key_facts=tuple(f for f in facts if f is not None),
        summary=summary,
        other_summaries=other_summaries,
        highlights=_texts(d, sh, d.iri, PRO.highlight),
        audience=_texts(d, sh, d.iri, PRO.targetAudience),
        outcomes=tuple(outcomes),
        steps=tuple(steps),
        admission=tuple(_admission(d, sh)),
        careers=tuple(_careers(d, sh)),
        partners=tuple(_partners(d, sh, steps)),
        funding=tuple(_funding(d, sh)),
        other=tuple(f for f in other if f is not None),
        notes=tuple(_notes(d, sh)),
        sources=used_sources(d),
        jsonld=programme_jsonld(d, page_url=page_url, today=today),
        rows=tuple(r for r in property_rows(d, sh) if r.iri != str(RDF.type)),
        inverse=tuple(inverse_rows(d, sh)),
    )


# -- the organisation page -------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    """What an organisation does for one programme (or other resource)."""

    subject: Shown
    roles: tuple[str, ...]


@dataclass
class OrganisationPage(PageBase):
    """resource-organisation.html: an institution, its programmes and roles."""

    kinds: tuple[Shown, ...] = ()
    facts: tuple[KeyFact, ...] = ()
    programmes: tuple[Role, ...] = ()
    other_roles: tuple[Role, ...] = ()
    rows: tuple[PropertyRow, ...] = ()
    inverse: tuple[PropertyRow, ...] = ()
    sources: tuple[Source, ...] = ()


ORG_ROLES: dict[URIRef, str] = {
    PRO.coordinatedBy: "coordinates",
    ELM.providedBy: "provides",
    PRO.administeredBy: "administers",
    PRO.cooperatesWith: "cooperates on",
    PRO.studentService: "student service of",
    PRO.consortium: "consortium of",
    DCTERMS.publisher: "publishes",
    ORG.unitOf: "has unit",
}


def organisation_page(d: ResourceDescription, urls: Urls, alts: Sequence[Any]) -> OrganisationPage:
    """The organisation's roles come from what points at it, as read by graph/read/expand.py
    (d.linked: the types of those resources and the programmes they belong to)."""
    sh = Shower(d, urls)
    programmes: dict[Node, list[str]] = defaultdict(list)
    others: dict[Node, list[str]] = defaultdict(list)
    programme_types = {PRO.StudyProgramme}
    for group in d.inverse():
        if group.predicate in (RDF.subject, RDF.object):
            continue  # citations and notes naming a statement about it: provenance, not roles
        for v in group.subjects:
            s = v.node
            linked = d.linked.get(s, Linked())
            types = d.facts.types(s) | linked.types
            if group.predicate == PRO.hostedBy:
                idx = _ints(d, s, PRO.sequenceIndex)
                what = f"semester {idx}" if idx else d.label(s)
                for prog in linked.owners:
                    programmes[prog].append(f"hosts {what}")
                continue
            if group.predicate == PRO.funder:
                for prog in linked.owners:
                    programmes[prog].append("funds")
                continue
            role = ORG_ROLES.get(group.predicate, d.label(group.predicate))
            if _concluded(_sources_of(d, v)):
                role += " (our conclusion)"
            if types & programme_types:
                programmes[s].append(role)
            else:
                others[s].append(role if group.predicate != ORG.hasMember else "member of")

    def ordered(roles: list[str]) -> tuple[str, ...]:
        rank = {r: i for i, r in enumerate(ORG_ROLES.values())}
        return tuple(
            sorted(
                dict.fromkeys(roles),
                key=lambda r: (rank.get(r.removesuffix(" (our conclusion)"), 50), r),
            )
        )

    facts = [
        _key_fact(d, sh, "Also known as", d.iri, SKOS.altLabel),
        _key_fact(d, sh, "Part of", d.iri, ORG.unitOf),
        _key_fact(d, sh, "Research Organization Registry", d.iri, PRO.ror),
        _key_fact(d, sh, "Same as", d.iri, SCHEMA.sameAs),
        _key_fact(d, sh, "Website", d.iri, SCHEMA.url),
        _key_fact(d, sh, "Programmes listed on the portal", d.iri, PRO.listedProgrammeCount),
    ]
    for address in d.facts.nodes(d.iri, SCHEMA.address):
        parts = []
        for p in (SCHEMA.streetAddress, SCHEMA.postalCode, SCHEMA.addressLocality):
            line = d.facts.value(address, p)
            if line is not None:
                parts.append(str(line.node))
        country = _country(d, d.iri)
        if country:
            parts.append(country)
        if parts:
            facts.append(KeyFact("Address", (sh.built(", ".join(parts), address),)))
    listings = []
    for listing in d.facts.nodes(d.iri, PRO.programmeListing):
        count = d.facts.value(listing, PRO.programmeCount)
        kinds = [str(n) for n in d.facts.nodes(listing, PRO.studyLevelText)]
        if count is not None:
            text = f"{count.node} ({', '.join(kinds)} programmes)" if kinds else str(count.node)
            listings.append(sh.built(text, listing))
    if listings:
        facts.append(KeyFact("Programmes listed on the portal", tuple(listings)))
    return OrganisationPage(
        title=d.title,
        alternates=alts,
        lang=d.languages[0] if d.languages else "en",
        iri=str(d.iri),
        kinds=tuple(sh.node(t) for t in d.types),
        facts=tuple(f for f in facts if f is not None),
        programmes=tuple(
            sorted(
                (Role(sh.node(p), ordered(r)) for p, r in programmes.items()),
                key=lambda r: r.subject.text,
            )
        ),
        other_roles=tuple(
            sorted(
                (Role(sh.node(p), ordered(r)) for p, r in others.items()),
                key=lambda r: r.subject.text,
            )
        ),
        rows=tuple(r for r in property_rows(d, sh) if r.iri != str(RDF.type)),
        inverse=tuple(inverse_rows(d, sh)),
        sources=used_sources(d),
    )


# -- rendering -------------------------------------------------------------------------------


def render_resource(
    d: ResourceDescription,
    urls: Urls,
    alts: Sequence[Any],
    today: date,
    page_url: str | None = None,
) -> str:
    """The HTML of a resource page (of the kind graph/read/expand.py read), specific
    template first."""
    kind = d.kind
    if kind == "programme":
        page: PageBase = programme_page(d, urls, alts, today, page_url)
        return render_template(["resource-programme.html", "resource.html"], page=page)
    if kind == "organisation":
        page = organisation_page(d, urls, alts)
        return render_template(["resource-organisation.html", "resource.html"], page=page)
    return render_template("resource.html", page=resource_page(d, urls, alts))


# -- the ontology and shapes pages -----------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One class, property or shape in the documentation."""

    anchor: str
    iri: str
    label: str
    comment: str | None
    facts: tuple[tuple[str, tuple[Shown, ...]], ...]
    deprecated: bool = False
    properties: tuple[tuple[str, ...], ...] = ()  # shapes: (path, cardinality, value, message)


@dataclass
class OntologyPage(PageBase):
    """ontology.html: the classes and properties of the ontology."""

    comment: str | None = None
    header: tuple[tuple[str, tuple[Shown, ...]], ...] = ()
    classes: tuple[Term, ...] = ()
    properties: tuple[Term, ...] = ()
    others: tuple[Term, ...] = ()


@dataclass
class ShapesPage(PageBase):
    """shapes.html: one section per node shape."""

    shapes: tuple[Term, ...] = ()


class _GraphLabels:
    """Labels for a documentation page (read by graph/read/graphs.py graph_labels)."""

    def __init__(self, g: Graph, languages: Sequence[str], labels: dict[URIRef, str]):
        self.g = g
        self.languages = languages
        self.labels = labels

    def label(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return self.labels.get(node) or prefixed(str(node)) or fallback_label(str(node))
        if isinstance(node, Literal):
            return format_literal(node)
        return "(anonymous)"

    def text(self, s: Node, *props: URIRef) -> str | None:
        values = [o for p in props for o in self.g.objects(s, p)]
        best = pick_literal(values, self.languages)
        return str(best) if best is not None else None


def _shown_nodes(
    nodes: Iterable[Node], gl: _GraphLabels, urls: Urls, anchors: dict[Node, str]
) -> tuple[Shown, ...]:
    shown = []
    for n in sorted(nodes, key=str):
        if isinstance(n, URIRef):
            href = f"#{anchors[n]}" if n in anchors else safe_href(str(n), urls)
            shown.append(
                Shown(
                    gl.label(n),
                    href,
                    iri=str(n),
                    external=href is not None and href.startswith("http"),
                )
            )
        elif isinstance(n, BNode):
            members = list(gl.g.objects(n, OWL.unionOf)) or list(gl.g.objects(n, SH["or"]))
            shown.append(Shown(gl.label(n) if not members else "one of a list"))
        else:
            shown.append(Shown(gl.label(n)))
    return tuple(shown)


def _shown_facts(
    g: Graph,
    subject: Node,
    labelled: Iterable[tuple[str, URIRef]],
    gl: _GraphLabels,
    urls: Urls,
    anchors: dict[Node, str],
) -> tuple[tuple[str, tuple[Shown, ...]], ...]:
    """(label, shown values) for each labelled property `subject` has in `g`."""
    return tuple(
        (label, _shown_nodes(g.objects(subject, p), gl, urls, anchors))
        for label, p in labelled
        if (subject, p, None) in g
    )


def render_ontology(
    g: Graph,
    ontology_iri: str,
    alts: Sequence[Any],
    urls: Urls,
    languages: Sequence[str],
    labels: dict[URIRef, str],
) -> str:
    gl = _GraphLabels(g, languages, labels)
    head = URIRef(ontology_iri)
    class_types = (OWL.Class, RDFS.Class)
    prop_types = (
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        RDF.Property,
        OWL.SymmetricProperty,
        OWL.FunctionalProperty,
    )
    terms = sorted(
        {
            s
            for s in g.subjects()
            if isinstance(s, URIRef) and s != head and str(s).startswith(ontology_iri + "#")
        },
        key=str,
    )
    anchors: dict[Node, str] = {t: local_name(str(t)) for t in terms}
    facts_of = (
        ("Subclass of", RDFS.subClassOf),
        ("Subproperty of", RDFS.subPropertyOf),
        ("Domain", RDFS.domain),
        ("Range", RDFS.range),
        ("Equivalent to", OWL.equivalentClass),
        ("Equivalent property", OWL.equivalentProperty),
        ("Inverse of", OWL.inverseOf),
        ("Close match", SKOS.closeMatch),
        ("Exact match", SKOS.exactMatch),
        ("See also", RDFS.seeAlso),
        ("Type", RDF.type),
    )
    classes, properties, others = [], [], []
    for t in terms:
        types = set(g.objects(t, RDF.type))
        facts = _shown_facts(g, t, facts_of, gl, urls, anchors)
        subclasses = [s for s in g.subjects(RDFS.subClassOf, t)]
        if subclasses:
            facts += (("Superclass of", _shown_nodes(subclasses, gl, urls, anchors)),)
        term = Term(
            anchors[t],
            str(t),
            gl.label(t),
            gl.text(t, RDFS.comment, SKOS.definition, DCTERMS.description),
            facts,
            (t, OWL.deprecated, Literal(True)) in g,
        )
        if types & set(class_types):
            classes.append(term)
        elif types & set(prop_types):
            properties.append(term)
        else:
            others.append(term)
    header = _shown_facts(
        g,
        head,
        (
            ("Version", OWL.versionIRI),
            ("Version info", OWL.versionInfo),
            ("Licence", DCTERMS.license),
            ("Creator", DCTERMS.creator),
            ("Modified", DCTERMS.modified),
            ("Imports", OWL.imports),
        ),
        gl,
        urls,
        anchors,
    )
    page = OntologyPage(
        title=gl.text(head, DCTERMS.title, RDFS.label) or "Prospectus ontology",
        alternates=alts,
        lang=languages[0] if languages else "en",
        iri=ontology_iri,
        comment=gl.text(head, DCTERMS.description, RDFS.comment),
        header=header,
        classes=tuple(sorted(classes, key=lambda t: t.label.lower())),
        properties=tuple(sorted(properties, key=lambda t: t.label.lower())),
        others=tuple(sorted(others, key=lambda t: t.label.lower())),
    )
    return render_template("ontology.html", page=page)


def _cardinality(g: Graph, ps: Node) -> str:
    lo = next(iter(g.objects(ps, SH.minCount)), None)
    hi = next(iter(g.objects(ps, SH.maxCount)), None)
    if lo is None and hi is None:
        return "any number"
    return f"{lo if lo is not None else 0}…{hi if hi is not None else 'n'}"


def _path_text(g: Graph, path: Node, gl: _GraphLabels) -> str:
    if isinstance(path, URIRef):
        return prefixed(str(path)) or str(path)
    inverse = next(iter(g.objects(path, SH.inversePath)), None)
    if inverse is not None:
        return "^" + _path_text(g, inverse, gl)
    items = list(g.items(path)) if (path, RDF.first, None) in g else []
    if items:
        return "/".join(_path_text(g, i, gl) for i in items)
    return "(complex path)"


def _value_text(g: Graph, ps: Node, gl: _GraphLabels) -> str:
    parts = []
    for p, label in (
        (SH.datatype, "datatype"),
        (SH["class"], "class"),
        (SH.nodeKind, "kind"),
        (SH.node, "shape"),
        (SH.hasValue, "value"),
        (SH.pattern, "pattern"),
        (SH.minInclusive, "≥"),
        (SH.maxInclusive, "≤"),
        (SH.languageIn, "languages"),
    ):
        for o in g.objects(ps, p):
            if (o, RDF.first, None) in g:
                text = ", ".join(gl.label(i) for i in g.items(o))
            else:
                text = gl.label(o) if isinstance(o, URIRef) else str(o)
            parts.append(f"{label} {text}")
    for o in g.objects(ps, SH["in"]):
        parts.append("one of " + ", ".join(gl.label(i) for i in g.items(o)))
    return "; ".join(parts) or "—"


def render_shapes(
    g: Graph, alts: Sequence[Any], urls: Urls, languages: Sequence[str], labels: dict[URIRef, str]
) -> str:
    gl = _GraphLabels(g, languages, labels)
    shapes = []
    node_shapes = sorted({s for s in g.subjects(RDF.type, SH.NodeShape)}, key=str)
    anchors: dict[Node, str] = {s: local_name(str(s)) for s in node_shapes if isinstance(s, URIRef)}
    for s in node_shapes:
        facts = _shown_facts(
            g,
            s,
            (
                ("Target class", SH.targetClass),
                ("Target nodes of", SH.targetSubjectsOf),
                ("Target objects of", SH.targetObjectsOf),
                ("Severity", SH.severity),
                ("Closed", SH.closed),
            ),
            gl,
            urls,
            anchors,
        )
        props = []
        for ps in g.objects(s, SH.property):
            path = next(iter(g.objects(ps, SH.path)), None)
            severity = next(iter(g.objects(ps, SH.severity)), None)
            props.append(
                (
                    _path_text(g, path, gl) if path is not None else "—",
                    _cardinality(g, ps),
                    _value_text(g, ps, gl),
                    gl.text(ps, SH.message, SH.description, SH.name) or "",
                    local_name(str(severity)) if severity is not None else "Violation",
                )
            )
        for sparql in g.objects(s, SH.sparql):
            props.append(
                (
                    "(SPARQL constraint)",
                    "",
                    "",
                    gl.text(sparql, SH.message, RDFS.comment) or "",
                    "Violation",
                )
            )
        shapes.append(
            Term(
                anchors.get(s, str(s)),
                str(s),
                gl.label(s),
                gl.text(s, RDFS.comment, SH.message, SH.description),
                facts,
                properties=tuple(sorted(props)),
            )
        )
    page = ShapesPage(
        title="Prospectus shapes",
        alternates=alts,
        lang=languages[0] if languages else "en",
        iri="https://w3id.org/prospectus/shapes",
        description="The SHACL shapes the published graph is validated against.",
        shapes=tuple(shapes),
    )
    return render_template("shapes.html", page=page)


__all__ = ["XSD", "render_ontology", "render_resource", "render_shapes"]
