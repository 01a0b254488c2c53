"""The schema.org view of a programme, generated from the graph for search engines.

JSON-LD with `@vocab` http://schema.org/ (the IRIs the rest of the project uses, see
graph/iris.py SCHEMA) describing an `EducationalOccupationalProgram`
(https://schema.org/EducationalOccupationalProgram): name, provider
(`CollegeOrUniversity`), numberOfCredits, timeToComplete, educationalProgramMode,
educationalCredentialAwarded (`EducationalOccupationalCredential`), applicationDeadline,
startDate, offers (tuition as `Offer` + `UnitPriceSpecification`), occupationalCategory,
financialAidEligible, programPrerequisites (the accepted prior degrees, or the level and
field a degree requirement asks for, as `EducationalOccupationalCredential`). Only facts in
the graph are used; nothing is inferred.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD
from rdflib.term import Node

from ..iris import ELM, PRO, SCHEMA
from .describe import ResourceDescription
from .text import literal_date, local_name

CONTEXT = {"@vocab": str(SCHEMA)}
# ELM modes and schedules -> schema.org educationalProgramMode values.
MODE_TEXT = {
    "http://data.europa.eu/snb/learning-assessment/9191af2ed9": "onsite",
    "http://data.europa.eu/snb/learning-assessment/920fbb3cbe": "online",
    "http://data.europa.eu/snb/learning-assessment/e92d221e4d": "blended",
    "http://data.europa.eu/snb/learning-schedule/72a0ab92fa": "full-time",
}
CREDENTIAL_CATEGORY = {"7": "Master's degree", "6": "Bachelor's degree", "8": "Doctoral degree"}


def _number(node: Node) -> int | float | None:
    if not isinstance(node, Literal):
        return None
    try:
        value = Decimal(str(node))
    except InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _text(d: ResourceDescription, s: Node, p: URIRef) -> str | None:
    v = d.text(s, p)
    return str(v.node) if v is not None else None


def _freshest(d: ResourceDescription, s: Node, p: URIRef) -> Node | None:
    """The value from the newest source (undated curation and fresh pages first)."""
    values = d.facts.values(s, p)
    if not values:
        return None

    def age(v: Any) -> tuple:
        stated = [d.sources[g].modified for g in v.sources if g in d.sources]
        dates = [literal_date(m) for m in stated if m is not None]
        newest = max((x for x in dates if x is not None), default=None)
        return (d.is_stale(v), -(newest.toordinal() if newest else 10**7))

    return min(values, key=age).node


def _organisation(d: ResourceDescription, org: Node) -> dict[str, Any]:
    node: dict[str, Any] = {"@type": "CollegeOrUniversity", "name": d.label(org)}
    if isinstance(org, URIRef):
        node["@id"] = str(org)
    same = [str(n) for n in d.facts.nodes(org, PRO.ror) if isinstance(n, URIRef)]
    same += [str(n) for n in d.facts.nodes(org, SCHEMA.sameAs) if isinstance(n, URIRef)]
    if same:
        node["sameAs"] = sorted(set(same))
    for address in d.facts.nodes(org, SCHEMA.address):
        postal: dict[str, Any] = {"@type": "PostalAddress"}
        for p, key in (
            (SCHEMA.streetAddress, "streetAddress"),
            (SCHEMA.postalCode, "postalCode"),
            (SCHEMA.addressLocality, "addressLocality"),
        ):
            value = d.facts.value(address, p)
            if value is not None:
                postal[key] = str(value.node)
        for country in d.facts.nodes(address, SCHEMA.addressCountry):
            postal["addressCountry"] = local_name(str(country))
        if len(postal) > 1:
            node["address"] = postal
    return node


def _deadline(d: ResourceDescription, today: date) -> str | None:
    found: list[tuple[date, str]] = []
    for offering in (v.node for v in d.facts.subjects(PRO.offeringOf, d.iri)):
        for dl in d.facts.nodes(offering, PRO.applicationDeadline):
            for n in d.facts.nodes(dl, PRO.date):
                when = literal_date(n) if isinstance(n, Literal) else None
                if when is not None:
                    found.append((when, str(n)))
    if not found:
        return None
    upcoming = sorted(x for x in found if x[0] >= today)
    return (upcoming[0] if upcoming else max(found))[1]


def _offers(d: ResourceDescription) -> list[dict[str, Any]]:
    offers = []
    for offering in (v.node for v in d.facts.subjects(PRO.offeringOf, d.iri)):
        for fee in d.facts.nodes(offering, PRO.tuitionFee):
            amount = d.facts.value(fee, PRO.amount)
            price = _number(amount.node) if amount is not None else None
            if price is None:
                continue
            spec: dict[str, Any] = {"@type": "UnitPriceSpecification", "price": price}
            currency = d.facts.value(fee, PRO.currency)
            if currency is not None:
                spec["priceCurrency"] = local_name(str(currency.node))
            period = d.facts.value(fee, PRO.billingPeriod)
            if period is not None and str(period.node) in ("P1Y", "P12M"):
                spec["referenceQuantity"] = {
                    "@type": "QuantitativeValue",
                    "value": 1,
                    "unitCode": "ANN",
                }
            offer: dict[str, Any] = {
                "@type": "Offer",
                "category": "Tuition fee",
                "priceSpecification": spec,
            }
            groups = [d.label(g) for g in d.facts.nodes(fee, PRO.appliesToApplicantGroup)]
            if groups:
                offer["eligibleCustomerType"] = groups[0] if len(groups) == 1 else groups
            offers.append(offer)
    return offers


def _node(d: ResourceDescription, s: Node, p: URIRef) -> Node | None:
    value = d.facts.value(s, p)
    return value.node if value is not None else None


def _credential(name: str | None, level: Node | None) -> dict[str, Any]:
    """An EducationalOccupationalCredential: its name, EQF level and category, when known."""
    credential: dict[str, Any] = {"@type": "EducationalOccupationalCredential"}
    if name:
        credential["name"] = name
    if level is not None:
        credential["educationalLevel"] = str(level)
        category = CREDENTIAL_CATEGORY.get(local_name(str(level)))
        if category:
            credential["credentialCategory"] = category
    return credential


def _prerequisites(d: ResourceDescription) -> list[dict[str, Any]]:
    """programPrerequisites: each accepted prior degree by name, or, for a degree requirement
    that names none, the level and field it asks for."""
    found: list[dict[str, Any]] = []
    seen: set[Node] = set()
    for requirement in d.facts.nodes(d.iri, PRO.admissionRequirement):
        if PRO.DegreeRequirement not in d.facts.nodes(requirement, RDF.type):
            continue
        degrees = d.facts.nodes(requirement, PRO.acceptedDegree)
        for degree in degrees:
            if degree in seen:
                continue
            seen.add(degree)
            name = _text(d, degree, SKOS.prefLabel) or d.label(degree)
            found.append(_credential(name, _node(d, degree, PRO.degreeLevel)))
        if not degrees:
            credential = _credential(None, _node(d, requirement, PRO.requiredDegreeLevel))
            field = _text(d, requirement, PRO.requiredField)
            if field:
                credential["competencyRequired"] = field
            if len(credential) > 1:
                found.append(credential)
    return found


def programme_jsonld(
    d: ResourceDescription, *, today: date, page_url: str | None = None
) -> dict[str, Any]:
    """The schema.org JSON-LD object of the programme `d` describes; its application
    deadline is the next one on `today` (else the latest)."""
    iri = d.iri
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "EducationalOccupationalProgram",
        "@id": str(iri),
    }
    titles = sorted(
        (v for v in d.texts(iri, DCTERMS.title)), key=lambda v: (d.is_stale(v), -len(str(v.node)))
    )
    data["name"] = str(titles[0].node) if titles else d.title
    acronym = _text(d, iri, PRO.acronym)
    if acronym:
        data["alternateName"] = acronym
    description = _text(d, iri, DCTERMS.description)
    if description:
        data["description"] = description
    if page_url and re.match(r"^https?://", page_url):
        data["url"] = page_url
    providers = d.facts.nodes(iri, ELM.providedBy)
    if providers:
        orgs = [_organisation(d, o) for o in providers]
        data["provider"] = orgs[0] if len(orgs) == 1 else orgs
    for cp in d.facts.nodes(iri, ELM.creditPoint):
        value = _freshest(d, cp, RDF.value)
        number = _number(value) if value is not None else None
        if number is not None:
            data["numberOfCredits"] = number
            break
    duration = _freshest(d, iri, ELM.duration)
    if isinstance(duration, Literal) and duration.datatype == XSD.duration:
        data["timeToComplete"] = str(duration)
    modes = sorted(
        {
            MODE_TEXT[str(n)]
            for p in (ELM.mode, ELM.learningSchedule)
            for n in d.facts.nodes(iri, p)
            if str(n) in MODE_TEXT
        }
    )
    if modes:
        data["educationalProgramMode"] = modes[0] if len(modes) == 1 else modes
    for q in d.facts.nodes(iri, PRO.awards):
        name = _text(d, q, DCTERMS.title) or d.label(q)
        data["educationalCredentialAwarded"] = _credential(name, _node(d, q, ELM.EQFLevel))
        break
    deadline = _deadline(d, today)
    if deadline:
        data["applicationDeadline"] = deadline
    for offering in (v.node for v in d.facts.subjects(PRO.offeringOf, iri)):
        start = d.facts.value(offering, PRO.startDate)
        if start is not None:
            data["startDate"] = str(start.node)
            break
    offers = _offers(d)
    if offers:
        data["offers"] = offers
    careers = []
    for c in d.facts.nodes(iri, PRO.careerOutcome):
        label = _text(d, c, SKOS.prefLabel) or _text(d, c, DCTERMS.title)
        if label:
            careers.append(label)
    if careers:
        data["occupationalCategory"] = sorted(careers)
    prerequisites = _prerequisites(d)
    if prerequisites:
        data["programPrerequisites"] = prerequisites
    grants = [_text(d, g, DCTERMS.title) or d.label(g) for g in d.facts.nodes(iri, PRO.funding)]
    if grants:
        data["financialAidEligible"] = grants[0] if len(grants) == 1 else grants
    return data
