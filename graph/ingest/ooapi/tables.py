"""The OOAPI v5 mapping tables: OOAPI field <-> our property, and OOAPI codes <-> concepts.

Data, read both ways: the importer maps OOAPI into the graph with them, and the OOAPI read
API of issue 15 can map the graph back. docs/import.md prints them as tables.
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
