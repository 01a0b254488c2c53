"""The parts of a programme page: its key facts (degree, credits, modes, starts, fees,
deadlines), its curriculum steps, partners, careers, funding and notes, each made from the
ResourceDescription graph/read/expand.py read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS
from rdflib.term import Node

from graph.iris import ELM, ORG, PRO, SCHEMA
from graph.read.describe import (
    DESCRIPTION_PROPERTIES,
    ResourceDescription,
    Source,
    Value,
    comparable,
)
from graph.read.text import (
    format_literal,
    literal_date,
    local_name,
)

from ..urls import Urls, safe_href
from .shown import Shower, Shown, curators_concluded

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


_CURRENCY_SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "US$"}


def int_of(d: ResourceDescription, node: Node, p: URIRef) -> int | None:
    for n in d.facts.nodes(node, p):
        try:
            return int(str(n))
        except ValueError:
            continue
    return None


def text_of(d: ResourceDescription, node: Node, p: URIRef) -> str | None:
    v = d.text(node, p)
    return str(v.node) if v is not None else None


def key_fact(
    d: ResourceDescription, shower: Shower, label: str, subject: Node, p: URIRef, text: Any = None
) -> KeyFact | None:
    values = d.texts(subject, p) if p in DESCRIPTION_PROPERTIES else d.facts.values(subject, p)
    if not values:
        return None
    shown = tuple(shower.value(v, text=text(v.node) if text else None) for v in values)
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


def group_text(d: ResourceDescription, node: Node) -> str | None:
    groups = [d.label(g) for g in d.facts.nodes(node, PRO.appliesToApplicantGroup)]
    return ", ".join(groups) if groups else None


def scope_concluded(d: ResourceDescription, node: Node) -> bool:
    """The node's applicant group is the editors' reading of the page, not the page's words."""
    values = d.facts.values(node, PRO.appliesToApplicantGroup)
    return bool(values) and all(curators_concluded(sources_of(d, v)) for v in values)


def sources_of(d: ResourceDescription, value: Value) -> tuple[Source, ...]:
    return tuple(d.sources[g] for g in value.sources if g in d.sources)


def _estimate(d: ResourceDescription, node: Node) -> bool:
    return any(str(n).lower() in ("true", "1") for n in d.facts.nodes(node, PRO.isEstimate))


def offerings_of(d: ResourceDescription) -> list[Node]:
    return [v.node for v in d.facts.subjects(PRO.offeringOf, d.iri)]


def deadline_facts(
    d: ResourceDescription, shower: Shower, today: date
) -> tuple[KeyFact | None, list[Shown]]:
    """(next deadline fact, every deadline)."""
    every: list[tuple[date | None, Shown]] = []
    for offering in offerings_of(d):
        for dl in d.facts.nodes(offering, PRO.applicationDeadline):
            for v in d.facts.values(dl, PRO.date):
                when = literal_date(v.node) if isinstance(v.node, Literal) else None
                notes = []
                if _estimate(d, dl) or _estimate(d, offering):
                    notes.append("expected")
                group = group_text(d, dl)
                if group:
                    scope = " (our reading of the page)" if scope_concluded(d, dl) else ""
                    notes.append(f"for {group}{scope}")
                if when is not None and when < today:
                    notes.append("passed")
                every.append((when, shower.value(v, note=", ".join(notes) or None)))
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
        for o in offerings_of(d)
        for dl in d.facts.nodes(o, PRO.applicationDeadline)
    )
    return KeyFact(label, tuple(chosen), conflict), [s for _w, s in every]


def modes_fact(d: ResourceDescription, shower: Shower) -> KeyFact | None:
    """Modes of the programme, then those stated for an intake (with its delivery note)."""
    shown = [shower.value(v) for v in d.facts.values(d.iri, ELM.mode)]
    for offering in offerings_of(d):
        note = "for the intake" + (" (expected)" if _estimate(d, offering) else "")
        shown += [shower.value(v, note=note) for v in d.facts.values(offering, ELM.mode)]
    return KeyFact("Mode of study", tuple(shown)) if shown else None


def starts_fact(d: ResourceDescription, shower: Shower) -> KeyFact | None:
    shown = []
    for offering in offerings_of(d):
        estimate = "expected" if _estimate(d, offering) else None
        for p in (PRO.startDate, PRO.startMonth):
            for v in d.facts.values(offering, p):
                shown.append(shower.value(v, note=estimate))
    return KeyFact("Start", tuple(shown)) if shown else None


def fees_fact(d: ResourceDescription, shower: Shower) -> KeyFact | None:
    shown = []
    for offering in offerings_of(d):
        for fee in d.facts.nodes(offering, PRO.tuitionFee):
            text = _money(d, fee)
            if text is None:
                continue
            notes = [
                n
                for n in (
                    group_text(d, fee) and f"for {group_text(d, fee)}",
                    "expected" if _estimate(d, fee) else None,
                )
                if n
            ]
            shown.append(shower.built(text, fee, note=", ".join(notes) or None))
    return KeyFact("Tuition fee", tuple(shown)) if shown else None


KNOWN_UNITS = {"http://data.europa.eu/snb/education-credit/6fcec5c5af": "ECTS"}


def _unit(d: ResourceDescription, framework: Node) -> str:
    notation = d.facts.value(framework, SKOS.notation)
    if notation is not None:
        return str(notation.node)
    return KNOWN_UNITS.get(str(framework)) or d.label(framework)


def credits_fact(d: ResourceDescription, shower: Shower) -> KeyFact | None:
    """Credit points, equal values from several sources (and nodes) merged into one."""
    merged: dict[tuple, tuple[str, set[URIRef]]] = {}
    for cp in d.facts.nodes(d.iri, ELM.creditPoint):
        framework = d.facts.value(cp, ELM.framework)
        unit = _unit(d, framework.node) if framework is not None else ""
        for v in d.facts.values(cp, RDF.value):
            key = (comparable(v.node), unit)
            text, graphs = merged.get(key, (f"{format_literal(v.node)} {unit}".strip(), set()))
            merged[key] = (text, graphs | set(v.sources) | shower.node_graphs(cp))
    shown = tuple(shower.node(Literal(text), graphs=graphs) for text, graphs in merged.values())
    return KeyFact("Credits", shown, len(shown) > 1) if shown else None


def degree_facts(d: ResourceDescription, shower: Shower) -> tuple[KeyFact | None, KeyFact | None]:
    degrees, levels = [], []
    for v in d.facts.values(d.iri, PRO.awards):
        q = v.node
        title = text_of(d, q, DCTERMS.title)
        abbr = text_of(d, q, PRO.degreeAbbreviation)
        text = (f"{title} ({abbr})" if abbr else title) if title else (abbr or d.label(q))
        degrees.append(shower.built(text, q))
        for lv in d.facts.values(q, ELM.EQFLevel):
            levels.append(
                shower.value(
                    lv,
                    text=f"EQF {d.label(lv.node)}"
                    if not d.label(lv.node).upper().startswith("EQF")
                    else d.label(lv.node),
                )
            )
        for lv in d.facts.values(q, PRO.studyLevelText):
            levels.append(shower.value(lv))
    return (
        KeyFact("Degree", tuple(degrees)) if degrees else None,
        KeyFact("Level", tuple(levels)) if levels else None,
    )


def curriculum_steps(d: ResourceDescription, shower: Shower) -> list[Step]:
    steps = []
    components = d.facts.nodes(d.iri, PRO.hasComponent)
    for comp in components:
        idx = int_of(d, comp, PRO.sequenceIndex)
        host_v = d.facts.value(comp, PRO.hostedBy)
        host = shower.value(host_v) if host_v else None
        country = country_of(d, host_v.node) if host_v else None
        title = _component_title(d, shower, comp, host.text if host else None)
        desc_v = d.text(comp, DCTERMS.description)
        options = []
        for opt in d.facts.nodes(comp, PRO.hasOption):
            od = d.text(opt, DCTERMS.description)
            oh = d.facts.value(opt, PRO.hostedBy)
            kind = d.facts.value(opt, DCTERMS.type)
            options.append(
                Track(
                    _component_title(d, shower, opt, None),
                    shower.value(od) if od else None,
                    shower.value(oh) if oh else None,
                    d.label(kind.node) if kind else None,
                    safe_href(str(opt), shower.urls) if isinstance(opt, URIRef) else None,
                )
            )
        steps.append(
            Step(
                idx,
                title,
                host,
                country,
                shower.value(desc_v) if desc_v else None,
                tuple(options),
                int_of(d, comp, PRO.optionsToChoose),
                safe_href(str(comp), shower.urls) if isinstance(comp, URIRef) else None,
            )
        )
    return sorted(steps, key=lambda s: (s.index is None, s.index or 0, s.title.text))


def _component_title(d: ResourceDescription, shower: Shower, comp: Node, host: str | None) -> Shown:
    """A component's title; else what kind of part it is; else where it takes place."""
    title = d.text(comp, DCTERMS.title)
    if title is not None:
        return shower.value(title)
    kind = d.facts.value(comp, DCTERMS.type)
    if kind is not None:
        return shower.value(kind, text=d.label(kind.node).capitalize())
    if host:
        return Shown(host)
    return shower.node(comp)


def country_of(d: ResourceDescription, org: Node) -> str | None:
    for address in d.facts.nodes(org, SCHEMA.address):
        for country in d.facts.nodes(address, SCHEMA.addressCountry):
            return d.label(country)
    return None


def _ror(d: ResourceDescription, org: Node, urls: Urls) -> str | None:
    for n in d.facts.nodes(org, PRO.ror):
        if isinstance(n, URIRef) and str(n).startswith("https://ror.org/"):
            return safe_href(str(n), urls)
    return None


PARTNER_ROLES: tuple[tuple[URIRef, str], ...] = (
    (PRO.coordinatedBy, "coordinator"),
    (ELM.providedBy, "provider"),
    (PRO.administeredBy, "administers the programme"),
    (PRO.cooperatesWith, "cooperates"),
    (PRO.studentService, "student service"),
    (PRO.consortium, "consortium"),
)


def partner_list(d: ResourceDescription, shower: Shower, steps: Sequence[Step]) -> list[Partner]:
    roles: dict[Node, list[str]] = defaultdict(list)
    graphs: dict[Node, set[URIRef]] = defaultdict(set)
    for p, role in PARTNER_ROLES:
        for v in d.facts.values(d.iri, p):
            concluded = curators_concluded(sources_of(d, v))
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
            shower.node(n, graphs=graphs[n]),
            tuple(dict.fromkeys(r)),
            country_of(d, n),
            _ror(d, n, shower.urls),
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


def career_list(d: ResourceDescription, shower: Shower) -> list[Career]:
    careers = []
    for c in d.facts.nodes(d.iri, PRO.careerOutcome):
        title = d.text(c, SKOS.prefLabel) or d.text(c, DCTERMS.title)
        desc = d.text(c, DCTERMS.description)
        occ = d.facts.value(c, PRO.occupation)
        careers.append(
            Career(
                shower.value(title) if title else shower.node(c),
                shower.value(desc) if desc else None,
                shower.value(occ) if occ else None,
            )
        )
    return sorted(careers, key=lambda c: c.title.text)


def funding_grants(d: ResourceDescription, shower: Shower) -> list[Grant]:
    grants = []
    for g in d.facts.nodes(d.iri, PRO.funding):
        title = d.text(g, DCTERMS.title)
        desc = d.text(g, DCTERMS.description)
        funder = d.facts.value(g, PRO.funder)
        grants.append(
            Grant(
                shower.value(title) if title else shower.node(g),
                shower.value(desc) if desc else None,
                shower.value(funder) if funder else None,
            )
        )
    return grants


def texts_of(d: ResourceDescription, shower: Shower, subject: Node, p: URIRef) -> tuple[Shown, ...]:
    return tuple(shower.value(v) for v in d.texts(subject, p))


def note_list(d: ResourceDescription, shower: Shower) -> list[Shown]:
    subjects: list[Node] = [d.iri, *offerings_of(d)]
    for p in (PRO.hasComponent, PRO.admissionRequirement, PRO.awards, PRO.unattributedScore):
        subjects += d.facts.nodes(d.iri, p)
    for req in d.facts.nodes(d.iri, PRO.admissionRequirement):
        subjects += d.facts.nodes(req, PRO.unattributedScore)
    for o in offerings_of(d):
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
            comment = text_of(d, n, RDFS.comment) or ""
            quoted = text_of(d, n, PRO.sourceText)
            rule = text_of(d, n, PRO.rule)
            if quoted:
                comment += " (the page says: “" + quoted.replace("\n\n", " … ") + "”)"
            text = comment + (f" Rule: {rule}" if rule else "")
            notes.append(shower.built(text or flag, n, note=flag or None))
    return notes


def newest_source(v: Shown) -> int:
    """Ordinal of the newest dated source of a value (undated sources count as new)."""
    dates = [literal_date(s.modified) for s in v.sources if s.modified is not None]
    known = [x.toordinal() for x in dates if x is not None]
    if len(known) < len(v.sources):
        return date.max.toordinal()
    return max(known, default=0)
