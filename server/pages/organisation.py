"""The organisation page (resource-organisation.html): an institution, its programmes and its
roles, from what points at it (read by graph/read/expand.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS
from rdflib.term import Node

from graph.iris import ELM, ORG, PRO, SCHEMA
from graph.read.describe import (
    Linked,
    ResourceDescription,
    Source,
)

from ..urls import Urls
from .programme_facts import KeyFact, country_of, int_of, key_fact, sources_of
from .shown import (
    PageBase,
    PropertyRow,
    Shower,
    Shown,
    curators_concluded,
    inverse_rows,
    property_rows,
    used_sources,
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
    shower = Shower(d, urls)
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
                idx = int_of(d, s, PRO.sequenceIndex)
                what = f"semester {idx}" if idx else d.label(s)
                for prog in linked.owners:
                    programmes[prog].append(f"hosts {what}")
                continue
            if group.predicate == PRO.funder:
                for prog in linked.owners:
                    programmes[prog].append("funds")
                continue
            role = ORG_ROLES.get(group.predicate, d.label(group.predicate))
            if curators_concluded(sources_of(d, v)):
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
        key_fact(d, shower, "Also known as", d.iri, SKOS.altLabel),
        key_fact(d, shower, "Part of", d.iri, ORG.unitOf),
        key_fact(d, shower, "Research Organization Registry", d.iri, PRO.ror),
        key_fact(d, shower, "Same as", d.iri, SCHEMA.sameAs),
        key_fact(d, shower, "Website", d.iri, SCHEMA.url),
        key_fact(d, shower, "Programmes listed on the portal", d.iri, PRO.listedProgrammeCount),
    ]
    for address in d.facts.nodes(d.iri, SCHEMA.address):
        parts = []
        for p in (SCHEMA.streetAddress, SCHEMA.postalCode, SCHEMA.addressLocality):
            line = d.facts.value(address, p)
            if line is not None:
                parts.append(str(line.node))
        country = country_of(d, d.iri)
        if country:
            parts.append(country)
        if parts:
            facts.append(KeyFact("Address", (shower.built(", ".join(parts), address),)))
    listings = []
    for listing in d.facts.nodes(d.iri, PRO.programmeListing):
        count = d.facts.value(listing, PRO.programmeCount)
        kinds = [str(n) for n in d.facts.nodes(listing, PRO.studyLevelText)]
        if count is not None:
            text = f"{count.node} ({', '.join(kinds)} programmes)" if kinds else str(count.node)
            listings.append(shower.built(text, listing))
    if listings:
        facts.append(KeyFact("Programmes listed on the portal", tuple(listings)))
    return OrganisationPage(
        title=d.title,
        alternates=alts,
        lang=d.languages[0] if d.languages else "en",
        iri=str(d.iri),
        kinds=tuple(shower.node(t) for t in d.types),
        facts=tuple(f for f in facts if f is not None),
        programmes=tuple(
            sorted(
                (Role(shower.node(p), ordered(r)) for p, r in programmes.items()),
                key=lambda r: r.subject.text,
            )
        ),
        other_roles=tuple(
            sorted(
                (Role(shower.node(p), ordered(r)) for p, r in others.items()),
                key=lambda r: r.subject.text,
            )
        ),
        rows=tuple(r for r in property_rows(d, shower) if r.iri != str(RDF.type)),
        inverse=tuple(inverse_rows(d, shower)),
        sources=used_sources(d),
    )
