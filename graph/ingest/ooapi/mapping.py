"""OOAPI v5 objects -> records (graph/ingest/records.py), with the tables of tables.py.

Each program, offering and organization is a record of its own: one source graph
`source/ooapi/{institution}/{program|offering|organization}/{id}`. The record's bytes are its
JSON object with expanded references replaced by their ids, keys sorted (walk.canonical_json).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, SKOS, XSD

from ... import iris
from ...iris import ADMS, ELM, PRO, SCHEMA
from .. import codes, records
from ..records import Record, Unmappable
from .tables import (
    AMOUNT,
    COST_TYPE_FEE,
    DURATION,
    ECTS,
    FOAF_HOMEPAGE,
    FORMAT,
    LANGUAGE_TAG,
    LEVEL,
    LEVEL_OF_QUALIFICATION,
    MEDIA_TYPE,
    MODE_OF_DELIVERY,
    MODE_OF_STUDY,
    NESTED_FIELDS,
    OFFERING_FIELDS,
    ORGANIZATION_FIELDS,
    PROGRAM_FIELDS,
    PROGRAM_TYPE,
    QUALIFICATION,
)
from .walk import Item, _id_of, canonical_json


def _texts(obj: dict[str, Any], key: str, *, required: bool = False) -> list[Literal]:
    value = obj.get(key)
    if value is None or value == []:
        if required:
            raise Unmappable(key, "required, but missing")
        return []
    if not isinstance(value, list):
        raise Unmappable(key, "not an array of language-typed strings")
    found = []
    for n, entry in enumerate(value):
        if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
            raise Unmappable(f"{key}[{n}]", "not a language-typed string {language, value}")
        language = entry.get("language")
        if not isinstance(language, str) or not LANGUAGE_TAG.match(language):
            raise Unmappable(f"{key}[{n}].language", f"not a language tag: {language!r}")
        if entry["value"].strip():
            found.append(Literal(entry["value"], lang=language))
    if required and not found:
        raise Unmappable(key, "required, but every value is empty")
    return found


def _string(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unmappable(key, f"not a string: {value!r}")
    return value


def _date(obj: dict[str, Any], key: str) -> Literal | None:
    text = _string(obj, key)
    if text is None:
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        raise Unmappable(key, f"not a date (YYYY-MM-DD): {text!r}") from None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise Unmappable(key, f"not a date (YYYY-MM-DD): {text!r}")
    return Literal(text, datatype=XSD.date)


def _required_date(obj: dict[str, Any], key: str) -> Literal:
    found = _date(obj, key)
    if found is None:
        raise Unmappable(key, "required, but missing")
    return found


def _language(obj: dict[str, Any], key: str) -> URIRef | None:
    code = _string(obj, key)
    if code is None:
        return None
    concept = codes.language(code)
    if concept is None:
        raise Unmappable(key, f"unknown language code {code!r} (ISO 639-2 expected)")
    return concept


def _homepage(obj: dict[str, Any]) -> URIRef | None:
    link = _string(obj, "link")
    if link is None:
        return None
    if not re.match(r"^https?://[^\s<>\"{}|\\^`]+$", link):
        raise Unmappable("link", f"not an http(s) URL: {link!r}")
    return URIRef(link)


def _modes(g: Graph, node: URIRef, obj: dict[str, Any]) -> None:
    modes = obj.get("modeOfDelivery")
    if modes is None:
        return
    if not isinstance(modes, list) or not all(isinstance(m, str) for m in modes):
        raise Unmappable("modeOfDelivery", "not an array of strings")
    for mode in modes:
        if mode not in MODE_OF_DELIVERY:
            raise Unmappable("modeOfDelivery", f"unknown mode of delivery {mode!r}")
        g.add((node, ELM.mode, MODE_OF_DELIVERY[mode]))


def _identifiers(g: Graph, node: URIRef, obj: dict[str, Any]) -> None:
    entries = []
    if obj.get("primaryCode") is not None:
        entries.append(("primaryCode", obj["primaryCode"]))
    for n, entry in enumerate(obj.get("otherCodes") or []):
        entries.append((f"otherCodes[{n}]", entry))
    for key, entry in entries:
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("codeType", "code")
        ):
            raise Unmappable(key, "not an identifier entry {codeType, code}")
        ident = iris.child(node, "identifier", iris.record_slug(entry["codeType"]))
        g.add((node, ADMS.identifier, ident))
        g.add((ident, RDF.type, ADMS.Identifier))
        g.add((ident, SKOS.notation, Literal(entry["code"])))
        g.add((ident, ELM.schemeName, Literal(entry["codeType"])))


def _english_or_first(values: list[Literal]) -> str:
    for value in values:
        if (value.language or "").lower().startswith("en"):
            return str(value)
    return str(values[0]) if values else "?"


@dataclass
class Context:
    """What mapping one record needs to know about the others."""

    institution: str  # slug
    root: str | None  # the root organization's id
    organizations: dict[str, Item]

    def org_iri(self, org_id: str) -> URIRef:
        if org_id == self.root:
            return iris.organisation(self.institution)
        return iris.organisation(self.institution, iris.record_slug(org_id))

    @property
    def publisher(self) -> URIRef | None:
        return self.org_iri(self.root) if self.root else None


def _record(ctx: Context, item: Item, ident: str, label: str, facts: Graph, fields: dict) -> Record:
    return Record(
        fmt=FORMAT,
        scope=ctx.institution,
        parts=(item.kind, iris.record_slug(ident)),
        url=item.url,
        identifier=ident,
        label=label,
        retrieved_from=item.retrieved_from,
        media_type=MEDIA_TYPE,
        digest=records.sha256(canonical_json(item.obj)),
        fetched=item.fetched,
        facts=facts,
        publisher=ctx.publisher,
        fields={**{p: f for f, p in fields.items()}, **NESTED_FIELDS},
    )


def _require_id(item: Item, key: str) -> str:
    value = item.obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise Unmappable(key, "required, but missing")
    return value


def map_program(ctx: Context, item: Item) -> Record:
    obj = item.obj
    pid = _require_id(item, "programId")
    slug = iris.record_slug(pid)
    programme = iris.programme(ctx.institution, slug)
    g = Graph()
    g.add((programme, RDF.type, PRO.StudyProgramme))
    titles = _texts(obj, "name", required=True)
    for title in titles:
        g.add((programme, DCTERMS.title, title))
    for text in _texts(obj, "description"):
        g.add((programme, DCTERMS.description, text))
    abbreviation = _string(obj, "abbreviation")
    if abbreviation:
        g.add((programme, PRO.acronym, Literal(abbreviation)))
    program_type = _string(obj, "programType")
    if program_type and program_type != "program":
        if program_type not in PROGRAM_TYPE:
            raise Unmappable("programType", f"unknown program type {program_type!r}")
        g.add(
            (programme, PRO.programmeKind, iris.vocab("programme-kind", PROGRAM_TYPE[program_type]))
        )
    language = _language(obj, "teachingLanguage")
    if language is not None:
        g.add((programme, ELM.defaultLanguage, language))
    org_id = _id_of(obj.get("organization"), "organizationId") or ctx.root
    if org_id is None:
        raise Unmappable("organization", "missing, and the endpoint has no root organization")
    if org_id not in ctx.organizations:
        raise Unmappable("organization", f"organization {org_id} was not found at the endpoint")
    g.add((programme, ELM.providedBy, ctx.org_iri(org_id)))
    load = obj.get("studyLoad")
    if load is not None:
        if not isinstance(load, dict) or not isinstance(load.get("value"), int | float):
            raise Unmappable("studyLoad", "not a study load {studyLoadUnit, value}")
        if load.get("studyLoadUnit") == "ects":
            credits = iris.programme_part(ctx.institution, slug, "credits")
            g.add((programme, ELM.creditPoint, credits))
            g.add((credits, RDF.type, ELM.CreditPoint))
            g.add((credits, ELM.framework, ECTS))
            g.add((credits, RDF.value, Literal(Decimal(str(load["value"])), datatype=XSD.decimal)))
    duration = _string(obj, "duration")
    if duration is not None:
        if not DURATION.match(duration):
            raise Unmappable("duration", f"not an ISO 8601 duration: {duration!r}")
        g.add((programme, ELM.duration, Literal(duration, datatype=XSD.duration)))
    mode = _string(obj, "modeOfStudy")
    if mode is not None:
        g.add((programme, PRO.studyModeText, Literal(mode)))
        if mode in MODE_OF_STUDY:
            g.add((programme, ELM.learningSchedule, MODE_OF_STUDY[mode]))
    _modes(g, programme, obj)
    _qualification(g, ctx, slug, programme, obj)
    field_code = _string(obj, "fieldsOfStudy")
    if field_code is not None:
        concept = codes.isced(field_code)
        if concept is None:
            raise Unmappable("fieldsOfStudy", f"unknown ISCED-F field {field_code!r}")
        g.add((programme, PRO.fieldOfEducation, concept))
    outcomes = obj.get("learningOutcomes") or []
    if not isinstance(outcomes, list):
        raise Unmappable("learningOutcomes", "not an array")
    for n, outcome in enumerate(outcomes, start=1):
        node = iris.outcome(ctx.institution, slug, f"learning-{n}")
        texts = _texts({"learningOutcomes": outcome}, "learningOutcomes", required=True)
        g.add((programme, ELM.learningOutcome, node))
        g.add((node, RDF.type, ELM.LearningOutcome))
        for text in texts:
            g.add((node, DCTERMS.title, text))
    admission = _texts(obj, "admissionRequirements")
    if admission:
        node = iris.requirement(ctx.institution, slug, "admission")
        g.add((programme, PRO.admissionRequirement, node))
        g.add((node, RDF.type, PRO.AdmissionRequirement))
        for text in admission:
            g.add((node, DCTERMS.description, text))
    homepage = _homepage(obj)
    if homepage is not None:
        g.add((programme, FOAF_HOMEPAGE, homepage))
    _identifiers(g, programme, obj)
    label = f"OOAPI program “{_english_or_first(titles)}” ({pid})"
    return _record(ctx, item, pid, label, g, PROGRAM_FIELDS)


def _qualification(g: Graph, ctx: Context, slug: str, programme: URIRef, obj: dict) -> None:
    awarded = _string(obj, "qualificationAwarded")
    if awarded is not None and awarded != "None" and awarded not in QUALIFICATION:
        raise Unmappable("qualificationAwarded", f"unknown qualification {awarded!r}")
    level = None
    stated = _string(obj, "levelOfQualification")
    if stated is not None:
        if stated not in LEVEL_OF_QUALIFICATION:
            raise Unmappable("levelOfQualification", f"unknown level {stated!r}")
        level = LEVEL_OF_QUALIFICATION[stated]
    elif (cycle := _string(obj, "level")) in LEVEL:
        level = LEVEL[cycle]
    elif awarded in QUALIFICATION:
        level = QUALIFICATION[awarded][1]
    if level is None:
        return  # no level: the shapes need one on a qualification, and none is invented
    qualification = iris.programme_part(ctx.institution, slug, "qualification")
    g.add((programme, PRO.awards, qualification))
    g.add((qualification, RDF.type, ELM.Qualification))
    concept = codes.eqf(level)
    assert concept is not None, f"EQF {level} is shipped in ontology/vocab"
    g.add((qualification, ELM.EQFLevel, concept))
    if awarded in QUALIFICATION:
        g.add((qualification, PRO.degreeAbbreviation, Literal(awarded)))
        g.add((qualification, DCTERMS.title, Literal(QUALIFICATION[awarded][0], lang="en")))


def map_offering(ctx: Context, item: Item, programmes: dict[str, str]) -> Record:
    obj = item.obj
    oid = _require_id(item, "offeringId")
    offering_type = _string(obj, "offeringType")
    if offering_type is not None and offering_type != "program":
        raise Unmappable("offeringType", f"a {offering_type} offering is not a programme intake")
    pid = _id_of(obj.get("program"), "programId") or item.program_id
    if pid is None:
        raise Unmappable("program", "missing: the offering names no program")
    if pid not in programmes:
        raise Unmappable("program", f"program {pid} is not among the imported programs")
    pslug = iris.record_slug(pid)
    oslug = iris.record_slug(oid)
    programme = iris.programme(ctx.institution, pslug)
    offering = iris.offering(ctx.institution, pslug, oslug)
    g = Graph()
    g.add((offering, RDF.type, PRO.Offering))
    g.add((offering, PRO.offeringOf, programme))
    titles = _texts(obj, "name", required=True)
    for title in titles:
        g.add((offering, DCTERMS.title, title))
    for text in _texts(obj, "description"):
        g.add((offering, DCTERMS.description, text))
    g.add((offering, PRO.startDate, _required_date(obj, "startDate")))
    end = _date(obj, "endDate")
    if end is not None:
        g.add((offering, PRO.endDate, end))
    opens = _date(obj, "enrollStartDate")
    if opens is not None:
        g.add((offering, PRO.applicationOpens, opens))
    closes = _date(obj, "enrollEndDate")
    if closes is not None:
        deadline = iris.deadline(ctx.institution, pslug, oslug, "enrolment")
        g.add((offering, PRO.applicationDeadline, deadline))
        g.add((deadline, RDF.type, PRO.ApplicationDeadline))
        g.add((deadline, PRO.date, closes))
    language = _language(obj, "teachingLanguage")
    if language is not None:
        g.add((offering, ELM.defaultLanguage, language))
    _modes(g, offering, obj)
    maximum = obj.get("maxNumberStudents")
    if maximum is not None:
        if not isinstance(maximum, int | float) or maximum < 0 or int(maximum) != maximum:
            raise Unmappable("maxNumberStudents", f"not a whole number of 0 or more: {maximum!r}")
        g.add((offering, SCHEMA.maximumEnrollment, Literal(int(maximum), datatype=XSD.integer)))
    _costs(g, ctx, pslug, oslug, offering, obj)
    homepage = _homepage(obj)
    if homepage is not None:
        g.add((offering, FOAF_HOMEPAGE, homepage))
    _identifiers(g, offering, obj)
    label = f"OOAPI offering “{_english_or_first(titles)}” of program {pid} ({oid})"
    return _record(ctx, item, oid, label, g, OFFERING_FIELDS)


def _costs(g: Graph, ctx: Context, pslug: str, oslug: str, offering: URIRef, obj: dict) -> None:
    costs = obj.get("priceInformation") or []
    if not isinstance(costs, list):
        raise Unmappable("priceInformation", "not an array of costs")
    for n, cost in enumerate(costs):
        key = f"priceInformation[{n}]"
        if not isinstance(cost, dict):
            raise Unmappable(key, "not a cost object")
        if cost.get("costType") != COST_TYPE_FEE or cost.get("amount") is None:
            continue  # STAP-eligible parts and other cost types are not fees (docs/import.md)
        amount = cost["amount"]
        if not isinstance(amount, str) or not AMOUNT.match(amount):
            raise Unmappable(f"{key}.amount", f"not an amount like 340.84: {amount!r}")
        code = cost.get("currency")
        if not isinstance(code, str):
            raise Unmappable(f"{key}.currency", "an amount without a currency")
        currency = codes.currency(code)
        if currency is None:
            raise Unmappable(f"{key}.currency", f"unknown currency {code!r}")
        fee = iris.fee(ctx.institution, pslug, oslug, f"cost-{n + 1}")
        g.add((offering, PRO.tuitionFee, fee))
        g.add((fee, RDF.type, PRO.TuitionFee))
        try:
            g.add((fee, PRO.amount, Literal(Decimal(amount), datatype=XSD.decimal)))
        except InvalidOperation:  # pragma: no cover - the pattern above rules it out
            raise Unmappable(f"{key}.amount", f"not an amount: {amount!r}") from None
        g.add((fee, PRO.currency, currency))
        g.add((fee, PRO.isTotalCost, Literal(True)))
        for text in _texts(cost, "displayAmount"):
            g.add((fee, PRO.sourceText, Literal(str(text))))


def map_organization(ctx: Context, item: Item) -> Record:
    obj = item.obj
    org_id = _require_id(item, "organizationId")
    org = ctx.org_iri(org_id)
    g = Graph()
    names = _texts(obj, "name", required=True)
    parent = _id_of(obj.get("parent"), "organizationId")
    if org_id == ctx.root or parent is None:
        g.add((org, RDF.type, ORG.FormalOrganization))
    else:
        if parent not in ctx.organizations:
            raise Unmappable("parent", f"organization {parent} was not found at the endpoint")
        g.add((org, RDF.type, ORG.OrganizationalUnit))
        g.add((org, ORG.unitOf, ctx.org_iri(parent)))
    for name in names:
        g.add((org, SKOS.prefLabel, name))
    short = _string(obj, "shortName")
    if short:
        g.add((org, SCHEMA.alternateName, Literal(short)))
    for text in _texts(obj, "description"):
        g.add((org, DCTERMS.description, text))
    addresses = obj.get("addresses") or []
    if not isinstance(addresses, list):
        raise Unmappable("addresses", "not an array of addresses")
    for n, address in enumerate(addresses):
        _address(g, org, n, address)
    homepage = _homepage(obj)
    if homepage is not None:
        g.add((org, FOAF_HOMEPAGE, homepage))
    _identifiers(g, org, obj)
    label = f"OOAPI organization “{_english_or_first(names)}” ({org_id})"
    return _record(ctx, item, org_id, label, g, ORGANIZATION_FIELDS)


def _address(g: Graph, org: URIRef, n: int, address: Any) -> None:
    key = f"addresses[{n}]"
    if not isinstance(address, dict) or not isinstance(address.get("addressType"), str):
        raise Unmappable(key, "not an address with an addressType")
    node = iris.child(org, "address", iris.record_slug(f"{address['addressType']}-{n + 1}"))
    g.add((org, SCHEMA.address, node))
    g.add((node, RDF.type, SCHEMA.PostalAddress))
    street = " ".join(
        str(address[k]) for k in ("street", "streetNumber") if isinstance(address.get(k), str)
    )
    if street:
        g.add((node, SCHEMA.streetAddress, Literal(street)))
    if isinstance(address.get("postalCode"), str):
        g.add((node, SCHEMA.postalCode, Literal(address["postalCode"])))
    if isinstance(address.get("city"), str):
        g.add((node, SCHEMA.addressLocality, Literal(address["city"])))
    code = address.get("countryCode")
    if code is not None:
        country = codes.country(code) if isinstance(code, str) else None
        if country is None:
            raise Unmappable(f"{key}.countryCode", f"unknown country code {code!r}")
        g.add((node, SCHEMA.addressCountry, country))
