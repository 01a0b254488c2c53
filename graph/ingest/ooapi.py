"""The Open Education API v5 importer (OOAPI, https://openonderwijsapi.nl; the schemas of
../shared/ref/ooapi-v5/v5/ooapi.json): programs, their offerings and their organizations.

The walk (`read_endpoint`), over HTTP with the polite client (graph/ingest/client.py):
1. `GET /programs?pageSize=…&pageNumber=…`, every page while `hasNextPage`;
2. for each program, `GET /programs/{programId}/offerings`, every page;
3. for each organization a program or offering names and that no answer has expanded yet,
   `GET /organizations/{organizationId}?expand=parent`: the parent comes in the same answer,
   so a unit and its faculty cost one request; the chain is followed up to the root.
`read_folder` reads the same objects from a folder of JSON files (collection pages, lists or
single objects, recognised by their id fields; an offering without `program` belongs to the
program of its path `programs/{programId}/offerings…`).

Each program, offering and organization is a record of its own (graph/ingest/records.py):
one source graph `source/ooapi/{institution}/{program|offering|organization}/{id}`, where
the institution is the slug of the endpoint's root organization's `shortName` (an OOAPI
endpoint serves one institution). The record's bytes are its JSON object with expanded
references replaced by their ids, keys sorted: the same record gives the same SHA-256 however
it was reached. The mapping, field by field, is the tables below and docs/import.md; the
tables run both ways, for the OOAPI read API of issue 15.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, SKOS, XSD

from .. import iris
from ..errors import SourceUnreadable
from ..iris import ADMS, ELM, PRO, SCHEMA
from . import codes, records
from .client import Client, Fetched, read_file
from .records import Record, Unmappable
from .report import ImportReport, Refusal

FORMAT = "ooapi"
MEDIA_TYPE = "application/json"
PAGE_SIZES = (10, 20, 50, 100, 250)  # the pageSize enum of the specification
MAX_PAGES = 10_000
FOAF_HOMEPAGE = URIRef("http://xmlns.com/foaf/0.1/homepage")

ECTS = URIRef("http://data.europa.eu/snb/education-credit/6fcec5c5af")
PRESENTIAL = URIRef("http://data.europa.eu/snb/learning-assessment/9191af2ed9")
ONLINE = URIRef("http://data.europa.eu/snb/learning-assessment/920fbb3cbe")
BLENDED = URIRef("http://data.europa.eu/snb/learning-assessment/e92d221e4d")
FULL_TIME = URIRef("http://data.europa.eu/snb/learning-schedule/72a0ab92fa")

# --- the mapping tables (OOAPI field <-> our property) ------------------------------------------

PROGRAM_FIELDS: dict[str, URIRef] = {
    "programId": DCTERMS.identifier,
    "name": DCTERMS.title,
    "description": DCTERMS.description,
    "abbreviation": PRO.acronym,
    "programType": PRO.programmeKind,
    "teachingLanguage": ELM.defaultLanguage,
    "studyLoad": ELM.creditPoint,
    "duration": ELM.duration,
    "modeOfStudy": ELM.learningSchedule,
    "modeOfDelivery": ELM.mode,
    "qualificationAwarded": PRO.awards,
    "levelOfQualification": ELM.EQFLevel,
    "fieldsOfStudy": PRO.fieldOfEducation,
    "learningOutcomes": ELM.learningOutcome,
    "admissionRequirements": PRO.admissionRequirement,
    "link": FOAF_HOMEPAGE,
    "organization": ELM.providedBy,
    "primaryCode": ADMS.identifier,
}
OFFERING_FIELDS: dict[str, URIRef] = {
    "offeringId": DCTERMS.identifier,
    "name": DCTERMS.title,
    "description": DCTERMS.description,
    "program": PRO.offeringOf,
    "startDate": PRO.startDate,
    "endDate": PRO.endDate,
    "enrollStartDate": PRO.applicationOpens,
    "enrollEndDate": PRO.applicationDeadline,
    "priceInformation": PRO.tuitionFee,
    "teachingLanguage": ELM.defaultLanguage,
    "modeOfDelivery": ELM.mode,
    "maxNumberStudents": SCHEMA.maximumEnrollment,
    "link": FOAF_HOMEPAGE,
    "primaryCode": ADMS.identifier,
}
ORGANIZATION_FIELDS: dict[str, URIRef] = {
    "organizationId": DCTERMS.identifier,
    "name": SKOS.prefLabel,
    "shortName": SCHEMA.alternateName,
    "description": DCTERMS.description,
    "addresses": SCHEMA.address,
    "link": FOAF_HOMEPAGE,
    "parent": ORG.unitOf,
    "primaryCode": ADMS.identifier,
}
# Properties of nodes a record owns (fees, deadlines, qualification, addresses) -> field.
NESTED_FIELDS: dict[URIRef, str] = {
    PRO.amount: "priceInformation.amount",
    PRO.currency: "priceInformation.currency",
    PRO.date: "enrollEndDate",
    RDF.value: "studyLoad.value",
    ELM.framework: "studyLoad.studyLoadUnit",
    SCHEMA.addressCountry: "addresses.countryCode",
    SCHEMA.postalCode: "addresses.postalCode",
    SCHEMA.streetAddress: "addresses.street",
    SCHEMA.addressLocality: "addresses.city",
}

MODE_OF_DELIVERY: dict[str, URIRef] = {
    "on campus": PRESENTIAL,
    "situated": PRESENTIAL,
    "online": ONLINE,
    "distance-learning": ONLINE,
    "hybrid": BLENDED,
}
MODE_OF_STUDY: dict[str, URIRef] = {"full-time": FULL_TIME}
PROGRAM_TYPE: dict[str, str] = {
    "minor": "minor",
    "honours": "honours",
    "specialization": "specialisation",
    "track": "track",
}
# qualificationAwarded -> (English title, EQF level of the degree's cycle)
QUALIFICATION: dict[str, tuple[str, str]] = {
    "AD": ("Associate degree", "5"),
    "BA": ("Bachelor of Arts", "6"),
    "BSc": ("Bachelor of Science", "6"),
    "LLB": ("Bachelor of Laws", "6"),
    "MA": ("Master of Arts", "7"),
    "MSc": ("Master of Science", "7"),
    "LLM": ("Master of Laws", "7"),
    "Phd": ("Doctor of Philosophy", "8"),
}
# levelOfQualification (NLQF = EQF levels; NLQF 4+ is classified at EQF 4)
LEVEL_OF_QUALIFICATION: dict[str, str] = {str(n): str(n) for n in range(1, 9)} | {"4+": "4"}
# level -> EQF, as the specification's own description of `level` pairs them
LEVEL: dict[str, str] = {
    "secondary vocational education 1": "1",
    "secondary vocational education 2": "2",
    "secondary vocational education 3": "3",
    "secondary vocational education 4": "4",
    "associate degree": "5",
    "bachelor": "6",
    "master": "7",
    "doctoral": "8",
}
COST_TYPE_FEE = "total costs"  # the only costType that is a fee students pay
LANGUAGE_TAG = re.compile(r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
DURATION = re.compile(
    r"^P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+[DW])?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$"
)
AMOUNT = re.compile(r"^\d+(?:\.\d+)?$")


# --- what the walk collects ---------------------------------------------------------------------


@dataclass
class Item:
    """One object of the endpoint, where it was read, and when."""

    kind: str  # program | offering | organization
    obj: dict[str, Any]
    url: str  # the record's URL
    retrieved_from: str  # the answer that held it
    fetched: datetime
    program_id: str | None = None  # offerings: the program whose list held it


@dataclass
class Collected:
    source: str
    programs: list[Item] = field(default_factory=list)
    offerings: list[Item] = field(default_factory=list)
    organizations: dict[str, Item] = field(default_factory=dict)
    requests: int = 0


def _id_of(value: Any, key: str) -> str | None:
    """An id field that may be expanded: the id string, or the expanded object's id."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get(key), str):
        return value[key]
    return None


def _flatten(obj: dict[str, Any]) -> dict[str, Any]:
    """The object with expanded references replaced by their ids (the record's own bytes)."""
    out = dict(obj)
    for key, id_key in (
        ("organization", "organizationId"),
        ("parent", "organizationId" if "organizationId" in obj else "programId"),
        ("program", "programId"),
        ("educationSpecification", "educationSpecificationId"),
        ("academicSession", "academicSessionId"),
    ):
        if isinstance(out.get(key), dict):
            out[key] = _id_of(out[key], id_key)
    if isinstance(out.get("children"), list):
        id_key = "organizationId" if "organizationId" in obj else "programId"
        out["children"] = [_id_of(c, id_key) for c in out["children"]]
    return out


def canonical_json(obj: dict[str, Any]) -> bytes:
    return json.dumps(
        _flatten(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def _json(fetched: Fetched) -> Any:
    try:
        return json.loads(fetched.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SourceUnreadable(fetched.url, f"not JSON ({exc})") from None


def _add_organization(
    collected: Collected, obj: Any, url: str, fetched: Fetched, base: str
) -> None:
    """Collect an organization object, and its parent when the answer expanded it."""
    if not isinstance(obj, dict) or not isinstance(obj.get("organizationId"), str):
        return
    org_id = obj["organizationId"]
    if org_id not in collected.organizations:
        collected.organizations[org_id] = Item(
            "organization", obj, f"{base}/organizations/{org_id}", url, fetched.fetched
        )
    if isinstance(obj.get("parent"), dict):
        _add_organization(collected, obj["parent"], url, fetched, base)


def _pages(client: Client, url: str, page_size: int) -> Iterator[tuple[Fetched, list[Any]]]:
    for number in range(1, MAX_PAGES + 1):
        separator = "&" if "?" in url else "?"
        page_url = f"{url}{separator}pageSize={page_size}&pageNumber={number}"
        fetched = client.get(page_url)
        page = _json(fetched)
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise SourceUnreadable(page_url, "not an OOAPI collection page (no `items` array)")
        yield fetched, page["items"]
        if page.get("hasNextPage") is not True or not page["items"]:
            return
    raise SourceUnreadable(url, f"more than {MAX_PAGES} pages")


def read_endpoint(base: str, client: Client, page_size: int = 100) -> Collected:
    """Walk an OOAPI v5 endpoint (its base URL, e.g. https://example.edu/ooapi/v5)."""
    base = base.rstrip("/")
    collected = Collected(base)
    for fetched, items in _pages(client, f"{base}/programs", page_size):
        for obj in items:
            if isinstance(obj, dict):
                pid = obj.get("programId") if isinstance(obj.get("programId"), str) else None
                url = f"{base}/programs/{pid}" if pid else fetched.url
                collected.programs.append(Item("program", obj, url, fetched.url, fetched.fetched))
                _add_organization(collected, obj.get("organization"), fetched.url, fetched, base)
    for program in collected.programs:
        pid = program.obj.get("programId")
        if not isinstance(pid, str):
            continue
        path = urllib.parse.quote(pid, safe="")
        for fetched, items in _pages(client, f"{base}/programs/{path}/offerings", page_size):
            for obj in items:
                if isinstance(obj, dict):
                    oid = obj.get("offeringId") if isinstance(obj.get("offeringId"), str) else None
                    url = f"{base}/offerings/{oid}" if oid else fetched.url
                    collected.offerings.append(
                        Item("offering", obj, url, fetched.url, fetched.fetched, pid)
                    )
                    _add_organization(
                        collected, obj.get("organization"), fetched.url, fetched, base
                    )
    for org_id in _missing_organizations(collected):
        path = urllib.parse.quote(org_id, safe="")
        fetched = client.get(f"{base}/organizations/{path}?expand=parent")
        obj = _json(fetched)
        if not isinstance(obj, dict) or obj.get("organizationId") != org_id:
            raise SourceUnreadable(fetched.url, f"not the organization {org_id}")
        _add_organization(collected, obj, fetched.url, fetched, base)
    collected.requests = client.requests
    return collected


def _missing_organizations(collected: Collected) -> Iterator[str]:
    """Organization ids named by programs, offerings or organizations and not yet read,
    until none is left (so parents are followed up to the root)."""
    while True:
        named = [
            _id_of(item.obj.get("organization"), "organizationId")
            for item in (*collected.programs, *collected.offerings)
        ]
        named += [
            _id_of(item.obj.get("parent"), "organizationId")
            for item in collected.organizations.values()
        ]
        missing = sorted({n for n in named if n and n not in collected.organizations})
        if not missing:
            return
        yield missing[0]


def read_folder(folder: Path, now: Callable[[], datetime] | None = None) -> Collected:
    """The same objects from a folder of JSON files (pages, lists or single objects)."""
    if not folder.is_dir():
        raise SourceUnreadable(str(folder), "not a folder")
    files = sorted(folder.rglob("*.json"))
    if not files:
        raise SourceUnreadable(str(folder), "holds no *.json file")
    collected = Collected(folder.resolve().as_uri())
    for path in files:
        fetched = read_file(path, now) if now else read_file(path)
        data = _json(fetched)
        objects = data.get("items") if isinstance(data, dict) and "items" in data else data
        if isinstance(objects, dict):
            objects = [objects]
        if not isinstance(objects, list):
            raise SourceUnreadable(fetched.url, "neither an OOAPI object, a list nor a page")
        parts = path.relative_to(folder).parts
        program_of_path = parts[parts.index("programs") + 1] if "programs" in parts[:-2] else None
        for obj in objects:
            if not isinstance(obj, dict):
                continue
            for key, kind in (
                ("programId", "program"),
                ("offeringId", "offering"),
                ("organizationId", "organization"),
            ):
                if isinstance(obj.get(key), str):
                    url = f"{fetched.url}#{obj[key]}"
                    item = Item(kind, obj, url, fetched.url, fetched.fetched, program_of_path)
                    if kind == "program":
                        collected.programs.append(item)
                        _add_organization(
                            collected, obj.get("organization"), fetched.url, fetched, ""
                        )
                    elif kind == "offering":
                        collected.offerings.append(item)
                        _add_organization(
                            collected, obj.get("organization"), fetched.url, fetched, ""
                        )
                    else:
                        collected.organizations.setdefault(obj[key], item)
                        if isinstance(obj.get("parent"), dict):
                            _add_organization(collected, obj["parent"], fetched.url, fetched, "")
                    break
    for item in collected.organizations.values():
        if not item.url.startswith("file:"):  # an expanded parent: its file is the child's
            item.url = f"{item.retrieved_from}#{item.obj['organizationId']}"
    return collected


# --- mapping ------------------------------------------------------------------------------------


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


def _date(obj: dict[str, Any], key: str, *, required: bool = False) -> Literal | None:
    text = _string(obj, key)
    if text is None:
        if required:
            raise Unmappable(key, "required, but missing")
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        raise Unmappable(key, f"not a date (YYYY-MM-DD): {text!r}") from None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise Unmappable(key, f"not a date (YYYY-MM-DD): {text!r}")
    return Literal(text, datatype=XSD.date)


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
    g.add((offering, PRO.startDate, _date(obj, "startDate", required=True)))
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


def _root(collected: Collected) -> str | None:
    roots = sorted(
        org_id
        for org_id, item in collected.organizations.items()
        if item.obj.get("organizationType") == "root"
    )
    return roots[0] if roots else None


def institution_of(collected: Collected, root: str | None) -> str:
    if root is not None:
        short = collected.organizations[root].obj.get("shortName")
        name = short if isinstance(short, str) and short.strip() else root
        return iris.record_slug(name)
    where = urllib.parse.urlsplit(collected.source)
    return iris.record_slug(where.netloc or Path(where.path).name or "ooapi")


def import_collected(collected: Collected, into: Path, report: ImportReport) -> ImportReport:
    """Map every collected object, check them against the shapes, write them into `into`."""
    root = _root(collected)
    ctx = Context(institution_of(collected, root), root, collected.organizations)
    mapped: list[Record] = []
    refused_files: list[str] = []

    def attempt(item: Item, key: str, mapper: Callable[[], Record]) -> Record | None:
        ident = item.obj.get(key) if isinstance(item.obj.get(key), str) else ""
        try:
            record = mapper()
        except Unmappable as exc:
            report.refused.append(Refusal(item.url, ident, exc.field, exc.message))
            if ident:
                parts = (FORMAT, ctx.institution, item.kind, iris.record_slug(ident))
                refused_files.append(records.file_name(iris.imported_record(*parts)))
            return None
        mapped.append(record)
        return record

    programmes: dict[str, str] = {}
    for item in collected.programs:
        if attempt(item, "programId", lambda item=item: map_program(ctx, item)) is not None:
            programmes[item.obj["programId"]] = item.url
    for item in collected.offerings:
        attempt(item, "offeringId", lambda item=item: map_offering(ctx, item, programmes))
    for item in sorted(collected.organizations.values(), key=lambda i: i.url):
        attempt(item, "organizationId", lambda item=item: map_organization(ctx, item))
    prefix = records.scope_prefix(FORMAT, ctx.institution)
    report.requests = collected.requests
    return records.finish(report, mapped, refused_files, into, prefix)


def run(source: str, into: Path, client: Client, page_size: int = 100) -> ImportReport:
    """`prospectus import ooapi URL|DIR`."""
    if page_size not in PAGE_SIZES:
        raise SourceUnreadable(source, f"pageSize must be one of {PAGE_SIZES}")
    from .client import is_url

    if is_url(source):
        collected = read_endpoint(source, client, page_size)
    else:
        collected = read_folder(Path(source), client.now)
    report = ImportReport("OOAPI", collected.source, str(into))
    return import_collected(collected, into, report)
