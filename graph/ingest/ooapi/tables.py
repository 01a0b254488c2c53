"""The OOAPI v5 mapping tables: OOAPI field <-> our property, and OOAPI codes <-> concepts.

Data, read both ways: the importer (graph/ingest/ooapi/) maps OOAPI into the graph with them,
and the OOAPI read API (graph/ooapi_api/) maps the graph back with the same field tables and
the `*_OUT` tables below (graph -> OOAPI). docs/import.md and docs/ooapi.md print them as
tables.
"""

from __future__ import annotations

import re

from rdflib import URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, SKOS

from ...iris import ADMS, ELM, PRO, SCHEMA

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

# -- graph -> OOAPI (the read API, graph/ooapi_api/; docs/ooapi.md) ---------------------------

# elm:mode -> modeOfDelivery (the first OOAPI value of each concept in MODE_OF_DELIVERY)
MODE_OF_DELIVERY_OUT: dict[URIRef, str] = {
    concept: mode for mode, concept in reversed(MODE_OF_DELIVERY.items())
}
# elm:learningSchedule -> modeOfStudy
MODE_OF_STUDY_OUT: dict[URIRef, str] = {concept: mode for mode, concept in MODE_OF_STUDY.items()}
# pro:programmeKind (the code of vocab:programme-kind) -> programType; any other kind (joint
# master, master, course) and no kind at all is "program"
PROGRAM_TYPE_OUT: dict[str, str] = {kind: ooapi for ooapi, kind in PROGRAM_TYPE.items()} | {
    "master-specialisation": "specialization"
}
# pro:degreeAbbreviation or the English dct:title of the qualification -> qualificationAwarded
QUALIFICATION_OUT: dict[str, str] = {code: code for code in QUALIFICATION} | {
    title.lower(): code for code, (title, _level) in QUALIFICATION.items()
}
# elm:EQFLevel (its notation) -> levelOfQualification and level, as the specification pairs them
LEVEL_OF_QUALIFICATION_OUT: dict[str, str] = {str(n): str(n) for n in range(1, 9)}
LEVEL_OUT: dict[str, str] = {eqf: level for level, eqf in LEVEL.items()}
# pro:billingPeriod of a fee -> costType: the specification's costType is an extensible
# enumeration ("total costs" and "STAP eligible"); a fee per period is none of those
COST_TYPE_BY_PERIOD: dict[str, str] = {
    "P1Y": "x-tuition fee per year",
    "P12M": "x-tuition fee per year",
    "P6M": "x-tuition fee per semester",
    "P3M": "x-tuition fee per quarter",
    "P1M": "x-tuition fee per month",
}
COST_TYPE_OTHER = "x-tuition fee"  # a fee with another period, or none stated
PERIOD_WORDS: dict[str, str] = {
    "x-tuition fee per year": "per year",
    "x-tuition fee per semester": "per semester",
    "x-tuition fee per quarter": "per quarter",
    "x-tuition fee per month": "per month",
}
# The word in an organisational unit's English name that says its organizationType; a unit
# whose name has none of them is a "department"; a top-level organisation is an "institute"
# (the endpoint's one `root` is the catalogue itself).
ORGANIZATION_TYPE_BY_WORD: dict[str, str] = {
    "faculty": "faculty",
    "school": "school",
    "academy": "academy",
    "institute": "institute",
    "branch": "branch",
    "department": "department",
}
ORGANIZATION_TYPE_UNIT = "department"
ORGANIZATION_TYPE_TOP = "institute"
ADDRESS_TYPE = "visit"  # the kind of a schema:PostalAddress is not stated
CODE_TYPE_IRI = "x-iri"  # primaryCode: our IRI of the item
CODE_TYPE_ROR = "x-ror"  # otherCodes: an organisation's pro:ror
