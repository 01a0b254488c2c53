"""What a resource page shows besides the resource itself, decided here once per kind of page.

A request for `/doc/{path}` reads one ResourceDescription through `read_resource()`: the kind of
page (programme, organisation or any other resource, from the resource's types), then the
description with that kind's expand rule (which linked nodes are fetched too, docs/pages.md),
then whatever else that kind of page names: for an organisation, the types of the resources that
point at it and the programmes a component it hosts or a grant it funds belongs to, with their
labels. The page models (server/views/pages.py) only arrange what is read here; they never query
the store.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from typing import Literal

from rdflib import URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF
from rdflib.term import Node

from ..iris import ELM, ORG, PRO, SCHEMA, is_data_iri
from ..store.base import Store
from .describe import Expand, Linked, ResourceDescription, describe_resource
from .labels import LABEL_PROPERTIES, label_quads
from .text import pick_literal

PageKind = Literal["programme", "organisation", "resource"]

PROGRAMME_TYPES = frozenset({PRO.StudyProgramme})
ORGANISATION_TYPES = frozenset(
    {
        ORG.FormalOrganization,
        ORG.Organization,
        ORG.OrganizationalUnit,
        PRO.Consortium,
        PRO.StudyPortal,
        SCHEMA.CollegeOrUniversity,
        FOAF.Organization,
    }
)
# Nodes a programme owns (by the kind of their IRI), fetched with the programme.
OWNED_KINDS = frozenset(
    {"component", "requirement", "fee", "deadline", "outcome", "note", "offering"}
)
# Links a programme page follows whatever the IRI of their object.
PROGRAMME_FOLLOWS = frozenset(
    {
        PRO.awards,
        PRO.funding,
        PRO.consortium,
        SCHEMA.address,
        PRO.qualityNote,
        PRO.hasOption,
        PRO.acceptedTest,
        PRO.exemption,
        PRO.unattributedScore,
        PRO.acceptedDegree,
        PRO.applicationDeadline,
        PRO.tuitionFee,
        ELM.creditPoint,
        ELM.framework,
    }
)
# What points at an organisation through these belongs to its page (its roles).
ORGANISATION_INVERSE = (PRO.hostedBy, PRO.funder, ORG.hasMember)
ORGANISATION_FOLLOWS = (SCHEMA.address, ORG.unitOf, PRO.programmeListing)
# The programmes a hosted component or a funded grant belongs to.
OWNERS: dict[URIRef, tuple[URIRef, ...]] = {
    PRO.hostedBy: (PRO.hasComponent, PRO.hasOption),
    PRO.funder: (PRO.funding,),
}


def kind_of(store: Store, iri: URIRef) -> PageKind:
    """Which page a resource gets, from its types."""
    types = {o for _s, _p, o, _g in store.quads(iri, RDF.type, None, None)}
    if types & PROGRAMME_TYPES:
        return "programme"
    if types & ORGANISATION_TYPES:
        return "organisation"
    return "resource"


def expand_rule(kind: PageKind, base: str) -> Expand:
    """Which linked nodes a page of this kind fetches too (see docs/pages.md)."""

    def programme(node: URIRef, predicate: URIRef, inverse: bool) -> bool:
        if predicate in (RDF.type, SCHEMA.addressCountry, DCTERMS.type, PRO.programmeKind):
            return False
        if inverse:
            return predicate == PRO.offeringOf
        if predicate in PROGRAMME_FOLLOWS:
            return True
        iri = str(node)
        if is_data_iri(iri, base):
            return iri[len(base) :].split("/", 1)[0] in OWNED_KINDS | {"org"}
        return False

    def organisation(node: URIRef, predicate: URIRef, inverse: bool) -> bool:
        if predicate == RDF.type:
            return False
        if inverse:
            return predicate in ORGANISATION_INVERSE
        return predicate in ORGANISATION_FOLLOWS

    def nothing(node: URIRef, predicate: URIRef, inverse: bool) -> bool:
        return False

    rules: dict[PageKind, Callable[[URIRef, URIRef, bool], bool]] = {
        "programme": programme,
        "organisation": organisation,
        "resource": nothing,
    }
    return rules[kind]


def read_resource(
    store: Store, iri: URIRef, *, languages: tuple[str, ...], as_of: date, base_iri: str
) -> ResourceDescription:
    """Everything the page (or an RDF document) about `iri` shows, read once."""
    kind = kind_of(store, iri)
    d = describe_resource(
        store, iri, languages=languages, as_of=as_of, expand=expand_rule(kind, base_iri)
    )
    d.kind = kind
    if kind == "organisation" and d.exists:
        _read_roles(store, d)
    return d


def _read_roles(store: Store, d: ResourceDescription) -> None:
    """For an organisation: the types of what points at it, the programmes that what it
    hosts or funds belongs to, and those programmes' labels (d.linked, d.labels)."""
    types: dict[Node, set[Node]] = {}
    owners: dict[Node, list[Node]] = defaultdict(list)
    for group in d.inverse():
        if group.predicate in (RDF.subject, RDF.object):
            continue  # citations and notes naming a statement about it: provenance, not roles
        for value in group.subjects:
            s = value.node
            for p in OWNERS.get(group.predicate, ()):
                owners[s] += [o for o, _p, _s, _g in store.quads(None, p, s, None)]
            if group.predicate not in OWNERS and s not in types:
                types[s] = {o for _s, _p, o, _g in store.quads(s, RDF.type, None, None)}
    for s in {*types, *owners}:
        d.linked[s] = Linked(frozenset(types.get(s, ())), tuple(owners.get(s, ())))
    programmes = {o for found in owners.values() for o in found if isinstance(o, URIRef)}
    if programmes:
        by: dict[URIRef, list[Node]] = defaultdict(list)
        for subject, prop, o, _g in label_quads(store, programmes):
            if prop in LABEL_PROPERTIES and isinstance(subject, URIRef):
                by[subject].append(o)
        for programme, lits in by.items():
            best = pick_literal(lits, d.languages)
            if best is not None:
                d.labels.setdefault(programme, best)
