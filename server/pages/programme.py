"""The programme page (resource-programme.html): ProgrammePage and `programme_page`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rdflib.namespace import DCTERMS, RDF, SKOS

from graph.iris import ELM, PRO
from graph.read.describe import (
    ResourceDescription,
    Source,
)
from graph.read.schemaorg import programme_jsonld

from ..urls import Urls
from .admission import ApplicantGroup, admission_groups
from .programme_facts import (
    Career,
    Grant,
    KeyFact,
    Partner,
    Step,
    career_list,
    credits_fact,
    curriculum_steps,
    deadline_facts,
    degree_facts,
    fees_fact,
    funding_grants,
    key_fact,
    modes_fact,
    newest_source,
    note_list,
    offerings_of,
    partner_list,
    starts_fact,
    text_of,
    texts_of,
)
from .shown import PageBase, PropertyRow, Shower, Shown, inverse_rows, property_rows, used_sources


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


def _title_choice(d: ResourceDescription, shower: Shower) -> tuple[str, tuple[Shown, ...]]:
    titles = d.texts(d.iri, DCTERMS.title)
    if not titles:
        return d.title, ()
    shown = tuple(shower.value(v) for v in titles)
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
    shower = Shower(d, urls)
    title, titles = _title_choice(d, shower)
    degree, level = degree_facts(d, shower)
    next_deadline, _all_deadlines = deadline_facts(d, shower, today)
    steps = curriculum_steps(d, shower)
    facts = [
        degree,
        level,
        credits_fact(d, shower),
        key_fact(d, shower, "Duration", d.iri, ELM.duration),
        modes_fact(d, shower),
        key_fact(d, shower, "Schedule", d.iri, ELM.learningSchedule),
        key_fact(d, shower, "Language of instruction", d.iri, ELM.defaultLanguage),
        starts_fact(d, shower),
        next_deadline,
        fees_fact(d, shower),
    ]
    other = [
        key_fact(d, shower, "Kind of programme", d.iri, PRO.programmeKind),
        key_fact(d, shower, "Field of education", d.iri, PRO.fieldOfEducation),
        key_fact(d, shower, "Subject area (as the portal files it)", d.iri, PRO.sourceSubjectArea),
        key_fact(d, shower, "Typical group size", d.iri, PRO.typicalGroupSize),
        key_fact(d, shower, "Groups", d.iri, PRO.groupSizeNote),
        key_fact(d, shower, "Teaching methods", d.iri, PRO.teachingMethod),
        key_fact(d, shower, "Also known as", d.iri, SKOS.altLabel),
    ]
    for offering in offerings_of(d):
        fact = key_fact(d, shower, "Delivery", offering, PRO.deliveryNote)
        if fact:
            other.append(fact)
    acronym = text_of(d, d.iri, PRO.acronym)
    providers = [shower.node(n).text for n in d.facts.nodes(d.iri, ELM.providedBy)]
    outcomes = []
    for lo in d.facts.nodes(d.iri, ELM.learningOutcome):
        t = d.text(lo, DCTERMS.title)
        outcomes.append(shower.value(t) if t else shower.node(lo))
    summaries = sorted(
        texts_of(d, shower, d.iri, DCTERMS.description), key=lambda v: (v.stale, -newest_source(v))
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
        highlights=texts_of(d, shower, d.iri, PRO.highlight),
        audience=texts_of(d, shower, d.iri, PRO.targetAudience),
        outcomes=tuple(outcomes),
        steps=tuple(steps),
        admission=tuple(admission_groups(d, shower)),
        careers=tuple(career_list(d, shower)),
        partners=tuple(partner_list(d, shower, steps)),
        funding=tuple(funding_grants(d, shower)),
        other=tuple(f for f in other if f is not None),
        notes=tuple(note_list(d, shower)),
        sources=used_sources(d),
        jsonld=programme_jsonld(d, page_url=page_url, today=today),
        rows=tuple(r for r in property_rows(d, shower) if r.iri != str(RDF.type)),
        inverse=tuple(inverse_rows(d, shower)),
    )
