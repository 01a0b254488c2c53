"""What the OOAPI read API tests share (tests/test_ooapi_api.py, tests/test_ooapi_http.py): the
specification as a validator, a client that validates every answer, the walk over every
endpoint, the error cases and the round trip through our importer."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from rdflib import Literal, URIRef
from rdflib.term import Node

from graph import versions
from graph.iris import EU_LANGUAGE
from graph.ooapi_api import Context
from graph.read.catalogue import select
from graph.settings import load
from graph.store import Store, open_store

from ..conftest import PROSPECTUS, REF, ROOT, TODAY
from .ooapi_api_app import ServedApi

SPEC = REF / "ooapi-v5" / "v5" / "ooapi.json"


DAY = date.fromisoformat(TODAY)


CTX = Context(
    today=DAY,
    contact_email="editors@prospectus.example",
    documentation="https://prospectus.example/docs/ooapi",
)


PREFIXES = """PREFIX pro: <https://w3id.org/prospectus/ontology#>
PREFIX elm: <http://data.europa.eu/snb/model/elm/>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX adms: <http://www.w3.org/ns/adms#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""


PIONEER = "https://w3id.org/prospectus/id/programme/kuleuven/pioneer"


LEIDEN = "https://w3id.org/prospectus/id/programme/leiden/ict-in-the-public-sector"


UNKNOWN = "0b7a1d54-3c1e-5c55-9a5e-000000000000"  # a UUID no resource of ours has


SYNTHETIC_PROGRAMMES = 300


ZUIDKUST = "https://w3id.org/prospectus/id/programme/zuidkust/"


def spec_document(url: str) -> dict[str, Any]:
    """ooapi.json for a server at `url`, with its one defect that every answer of ours meets
    replaced (the other, a `sort` default of /education-specifications that breaks the
    OpenAPI schema, only keeps the document from being checked as a whole, as in
    test_import_ooapi): GET /offerings/{offeringId} answers `oneOf` CourseOffering,
    ComponentOffering and ProgramOffering, but every ProgramOffering is also a valid
    CourseOffering (no discriminator, no property of one that the other forbids), so no
    program offering can pass the `oneOf`; the answer is checked against ProgramOffering.
    test_the_specification_cannot_tell_a_program_offering_from_a_course_offering shows it."""
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    spec["servers"] = [{"url": url}]
    content = spec["paths"]["/offerings/{offeringId}"]["get"]["responses"]["200"]["content"]
    content["application/json"]["schema"] = {"$ref": "#/components/schemas/ProgramOffering"}
    return spec


def validator(spec: dict[str, Any]) -> OpenAPI:
    return OpenAPI.from_dict(
        spec,
        config=Config(
            spec_validator_cls=None,
            extra_media_type_deserializers={"application/problem+json": json.loads},
        ),
    )


class Api:
    """A client of the served API whose every answer is validated against ooapi.json."""

    def __init__(self, url: str, served: ServedApi | None = None):
        self.url = url  # the API's root: a ServedApi's, or a live server's /ooapi/v5
        self.served = served
        self.openapi = validator(spec_document(url))
        self.validated = 0

    def get(self, path: str, status: int = 200, **params: Any) -> Any:
        response = requests.get(self.url + path, params=params, timeout=120)
        assert response.status_code == status, (path, params, response.text[:500])
        try:
            self.openapi.validate_response(
                RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response)
            )
        except Exception as exc:  # noqa: BLE001 - the validator's error types vary
            details = getattr(exc.__cause__, "schema_errors", None) or exc.__cause__
            pytest.fail(f"{path} {params}: {exc!r}: {details}")
        self.validated += 1
        expected = "application/problem+json" if status >= 400 else "application/json"
        assert response.headers["Content-Type"] == expected
        return response.json()

    def all_items(self, path: str, **params: Any) -> list[dict[str, Any]]:
        items, number = [], 1
        while True:
            page = self.get(path, pageSize=250, pageNumber=number, **params)
            items += page["items"]
            if not page["hasNextPage"]:
                return items
            number += 1


def bundled_store(api: Api) -> Store:
    assert api.served is not None
    return api.served.app.store


def problem_schema() -> OAS30Validator:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    return OAS30Validator(
        spec["components"]["schemas"]["Problem"], format_checker=oas30_format_checker
    )


def settings() -> Any:
    return load({}, environ={})


def rows(store: Store, sparql: str) -> list[dict[str, Node]]:
    return select(store, PREFIXES + sparql)


def catalogue_order(store: Store) -> list[str]:
    found = rows(store, "SELECT ?p ?pos WHERE { ?p pro:listPosition ?pos } ORDER BY ?pos")
    return [str(r["p"]) for r in found]


def code(item: dict[str, Any]) -> str:
    return item["primaryCode"]["code"]


def walk(api: Api, sample: int) -> None:
    """Every kind of answer: service, pages, every `sample`-th programme expanded, its
    offerings (all of them, and from today), each offering expanded, every organisation."""
    api.get("/")
    programmes = api.all_items("/programs")
    api.get("/programs")  # the default page size
    api.get("/programs", sort="-name", pageSize=20, pageNumber=2)
    every = "organization,parent,children,coordinators,educationSpecification"
    for item in programmes[::sample]:
        pid = item["programId"]
        api.get(f"/programs/{pid}")
        api.get(f"/programs/{pid}", expand=every, returnTimelineOverrides="true")
        api.get(f"/programs/{pid}/offerings")
        for offering in api.all_items(f"/programs/{pid}/offerings", since="2000-01-01"):
            api.get(f"/offerings/{offering['offeringId']}")
            api.get(f"/offerings/{offering['offeringId']}", expand="program,organization")
    for org in api.all_items("/organizations"):
        oid = org["organizationId"]
        api.get(f"/organizations/{oid}", expand="parent,children")
        api.get(f"/organizations/{oid}/programs", pageSize=50)
    api.get("/organizations", sort="-organizationId", organizationType="institute")


ERRORS = [
    ("/programs", {"pageSize": 7}, 400, "pageSize"),
    ("/programs", {"pageNumber": 0}, 400, "pageNumber"),
    ("/programs", {"pageNumber": "two"}, 400, "pageNumber"),
    ("/programs", {"pageSize": [10, 20]}, 400, "more than once"),
    ("/programs", {"colour": "blue"}, 400, "colour"),
    ("/programs", {"teachingLanguage": "EN"}, 400, "ISO 639-2"),
    ("/programs", {"levelOfQualification": "9"}, 400, "levelOfQualification"),
    ("/programs", {"sort": "programId"}, 400, "not served"),
    ("/programs", {"sort": "title"}, 400, "sort"),
    ("/programs/{pid}", {"expand": "organization,courses"}, 400, "expand"),
    ("/programs/{pid}/offerings", {"since": "2026-13-01"}, 400, "since"),
    ("/programs/{pid}/offerings", {"resultExpected": "yes"}, 400, "resultExpected"),
    ("/organizations", {"organizationType": "university"}, 400, "organizationType"),
    ("/programs/not-a-uuid", {}, 400, "not a UUID"),
    (f"/programs/{UNKNOWN}", {}, 404, UNKNOWN),
    (f"/programs/{UNKNOWN}/offerings", {}, 404, UNKNOWN),
    (f"/offerings/{UNKNOWN}", {}, 404, UNKNOWN),
    (f"/organizations/{UNKNOWN}", {}, 404, UNKNOWN),
    (f"/organizations/{UNKNOWN}/programs", {}, 404, UNKNOWN),
]


def run(*args: str, **settings_: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PROSPECTUS_")}
    environ |= {f"PROSPECTUS_{k.upper()}": v for k, v in settings_.items()}
    return subprocess.run(
        [PROSPECTUS, *args], capture_output=True, text=True, cwd=ROOT, env=environ, check=False
    )


def import_and_build(url: str, work: Path, expect: int = 0) -> Store:
    """`prospectus import ooapi URL` into an empty folder, then build it alone."""
    imported = run("import", "ooapi", url, "--into", str(work / "imports"), import_rate="200")
    assert imported.returncode == expect, imported.stdout + imported.stderr
    assert "Traceback" not in imported.stderr
    built = run("build", "--sources", str(work / "imports"), data_dir=str(work / "published"))
    assert built.returncode == 0, built.stdout + built.stderr
    version = versions.current(work / "published")
    assert version is not None
    return open_store(settings(), version.path)


def values(store: Store, subject: str, path: str) -> set[Node]:
    found = rows(store, f"SELECT DISTINCT ?o WHERE {{ <{subject}> {path} ?o }}")
    return {r["o"] for r in found}


def texts(literals: set[Node]) -> set[tuple[str, str]]:
    return {
        ((lit.language or "").lower(), str(lit)) for lit in literals if isinstance(lit, Literal)
    }


def by_code(store: Store, kind: str) -> dict[str, str]:
    """{the original IRI (the served primaryCode, imported as an identifier): our IRI}."""
    found = rows(
        store,
        f"""SELECT ?x ?code WHERE {{ ?x a {kind} ; adms:identifier ?i .
            ?i skos:notation ?code ; elm:schemeName "x-iri" }}""",
    )
    return {str(r["code"]): str(r["x"]) for r in found}


def identifiers(store: Store, subject: str) -> set[tuple[str, str]]:
    found = rows(
        store,
        f"""SELECT ?scheme ?code WHERE {{ <{subject}> adms:identifier ?i .
            ?i skos:notation ?code ; elm:schemeName ?scheme }}""",
    )
    return {(str(r["scheme"]), str(r["code"])) for r in found}


def same_programmes(api: Api, original: Store, back: Store) -> int:
    """The programmes the API serves came back from the importer with the same facts; the
    number of offerings compared."""
    served = api.all_items("/programs")
    assert len(served) == len(catalogue_order(original))
    programmes = by_code(back, "pro:StudyProgramme")
    offerings_back = by_code(back, "pro:Offering")
    assert set(programmes) == {code(p) for p in served}
    compared = 0
    for item in served:
        iri, copy = code(item), programmes[code(item)]
        names = texts(values(back, copy, "dct:title"))
        assert names == {(t["language"].lower(), t["value"]) for t in item["name"]}
        original_titles = texts(values(original, iri, "dct:title"))
        assert names <= original_titles  # titles in every language, the newest per language
        assert {lang for lang, _ in names} == {lang for lang, _ in original_titles}
        providers = texts(values(back, copy, "elm:providedBy/skos:prefLabel"))
        assert providers and providers <= texts(
            values(original, iri, "elm:providedBy/skos:prefLabel")
        )
        credits = {Decimal(str(v)) for v in values(back, copy, "elm:creditPoint/rdf:value")}
        stated = {Decimal(str(v)) for v in values(original, iri, "elm:creditPoint/rdf:value")}
        assert credits == ({min(stated)} if stated else set())
        eqf = values(back, copy, "pro:awards/elm:EQFLevel")
        assert eqf == values(original, iri, "pro:awards/elm:EQFLevel")
        fields = values(back, copy, "pro:fieldOfEducation")
        assert fields <= values(original, iri, "pro:fieldOfEducation")
        assert bool(fields) == bool(values(original, iri, "pro:fieldOfEducation"))
        language = values(back, copy, "elm:defaultLanguage")
        assert language == {EU_LANGUAGE[item["teachingLanguage"].upper()]}
        stated_languages = values(original, iri, "elm:defaultLanguage")
        assert not stated_languages or language <= stated_languages
        homepage = values(original, iri, "foaf:homepage") or {URIRef(iri)}
        assert values(back, copy, "foaf:homepage") <= homepage
        assert values(back, copy, "foaf:homepage")
        assert identifiers(back, copy) == identifiers(original, iri) | {("x-iri", iri)}
        for offering in api.all_items(f"/programs/{item['programId']}/offerings"):
            twin = offerings_back[code(offering)]
            assert values(back, twin, "pro:offeringOf") == {URIRef(copy)}
            start = values(back, twin, "pro:startDate")
            assert {str(d) for d in start} == {offering["startDate"]}
            assert {str(d) for d in values(back, twin, "pro:endDate")} == {offering["endDate"]}
            deadline = {str(d) for d in values(back, twin, "pro:applicationDeadline/pro:date")}
            assert deadline == (
                {offering["enrollEndDate"]} if "enrollEndDate" in offering else set()
            )
            fees = {
                (Decimal(str(r["amount"])), str(r["currency"]).rsplit("/", 1)[-1])
                for r in rows(
                    back,
                    f"SELECT ?amount ?currency WHERE {{ <{twin}> pro:tuitionFee ?f . "
                    "?f pro:amount ?amount ; pro:currency ?currency }",
                )
            }
            totals = {
                (Decimal(c["amount"]), c["currency"])
                for c in offering.get("priceInformation", [])
                if c["costType"] == "total costs"
            }
            assert fees == totals
            compared += 1
    return compared
