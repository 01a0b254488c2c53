"""The OOAPI v5 read API (graph/ooapi_api, docs/ooapi.md), served by a tiny WSGI app on
127.0.0.1 (tests/support/ooapi_api_app.py): the module alone, on any store. The Flask
wiring at /ooapi/v5 is tested against a live server in test_ooapi_http.py, with the
helpers of this module.

Every answer the tests receive, paged, expanded, filtered or an error, is validated against
../shared/ref/ooapi-v5/v5/ooapi.json with openapi-core; then its meaning is checked against
the store (catalogue order, filters, expansions, ids, derived dates), and the round trip runs
our own importer (`prospectus import ooapi URL`) against the API on an empty instance: the
same programmes come back, on the bundled build, on a synthetic catalogue and on a catalogue
that was itself imported from OOAPI (names in two languages, total-cost fees).
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
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

from graph import publish
from graph.describe import select
from graph.generate import generate
from graph.iris import EU_LANGUAGE
from graph.ooapi_api import Context, answer, ids
from graph.ooapi_api.read import bcp47
from graph.settings import load
from graph.store import Store, open_store
from graph.store.files import open_files

from .conftest import PROSPECTUS, REF, ROOT, TODAY
from .support import ooapi_server as ooapi
from .support.ooapi_api_app import ServedApi
from .support.ooapi_server import OoapiServer

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


# -- the specification as a validator ---------------------------------------------------------


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


# -- stores and servers -----------------------------------------------------------------------


def settings() -> Any:
    return load({}, environ={})


@pytest.fixture(scope="module")
def bundled(built_data_dir: Path) -> Iterator[Store]:
    version = publish.current(built_data_dir)
    assert version is not None
    store = open_store(settings(), version.path)
    yield store
    store.close()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("synthetic") / "catalogue.nq"
    generate(path, SYNTHETIC_PROGRAMMES, seed=15)
    store = open_files([path], settings())
    yield store
    store.close()


@pytest.fixture(scope="module")
def bundled_api(bundled: Store) -> Iterator[Api]:
    with ServedApi(bundled, CTX) as served:
        yield Api(served.url, served)


@pytest.fixture(scope="module")
def synthetic_api(synthetic: Store) -> Iterator[Api]:
    with ServedApi(synthetic, CTX) as served:
        yield Api(served.url, served)


def rows(store: Store, sparql: str) -> list[dict[str, Node]]:
    return select(store, PREFIXES + sparql)


def catalogue_order(store: Store) -> list[str]:
    found = rows(store, "SELECT ?p ?pos WHERE { ?p pro:listPosition ?pos } ORDER BY ?pos")
    return [str(r["p"]) for r in found]


def code(item: dict[str, Any]) -> str:
    return item["primaryCode"]["code"]


# -- every answer validates -------------------------------------------------------------------


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


def test_every_answer_on_the_bundled_build_validates(bundled_api: Api) -> None:
    walk(bundled_api, sample=1)
    for params in (
        {"teachingLanguage": "eng"},
        {"primaryCode": PIONEER},
        {"fieldsOfStudy": "0688"},
        {"levelOfQualification": "7", "qualificationAwarded": "MSc"},
        {"programType": "specialization"},
        {"q": "eGovernance"},
        {"sector": "university education"},
    ):
        bundled_api.get("/programs", **params)
    bundled_api.get("/organizations", q="leuven")
    assert bundled_api.validated > 30


def test_every_answer_on_a_synthetic_catalogue_validates(synthetic_api: Api) -> None:
    walk(synthetic_api, sample=15)
    for params in (
        {"teachingLanguage": "deu", "pageSize": 50},
        {"fieldsOfStudy": "0421"},
        {"levelOfQualification": "7", "programType": "program"},
        {"qualificationAwarded": "MSc", "sort": "-name"},
        {"q": "law", "pageSize": 100},
    ):
        synthetic_api.get("/programs", **params)
    assert synthetic_api.validated > 150


def test_the_specification_cannot_tell_a_program_offering_from_a_course_offering(
    bundled_api: Api,
) -> None:
    """ooapi.json's own defect (see spec_document): unpatched, it refuses a ProgramOffering
    at /offerings/{offeringId} only because it is valid as a CourseOffering too."""
    programmes = bundled_api.get("/programs")["items"]
    pioneer = next(p for p in programmes if code(p) == PIONEER)
    offerings = bundled_api.get(f"/programs/{pioneer['programId']}/offerings")["items"]
    response = requests.get(f"{bundled_api.url}/offerings/{offerings[0]['offeringId']}", timeout=60)
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    spec["servers"] = [{"url": bundled_api.url}]
    with pytest.raises(Exception) as raised:  # noqa: PT011 - the validator's error types vary
        validator(spec).validate_response(
            RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response)
        )
    messages = [e.message for e in raised.value.__cause__.schema_errors]
    assert len(messages) == 1 and "is valid under each of" in messages[0]
    assert "ProgramOffering" in messages[0] and "CourseOffering" in messages[0]


# -- pages ------------------------------------------------------------------------------------


def test_pages_follow_the_catalogue_order_as_the_specification_pages(
    synthetic_api: Api, synthetic: Store
) -> None:
    order = catalogue_order(synthetic)
    assert len(order) == SYNTHETIC_PROGRAMMES
    pages = [synthetic_api.get("/programs", pageSize=50, pageNumber=n) for n in range(1, 8)]
    for number, page in enumerate(pages, start=1):
        assert (page["pageSize"], page["pageNumber"], page["totalPages"]) == (50, number, 6)
        assert page["hasPreviousPage"] is (number > 1)
        assert page["hasNextPage"] is (number < 6)
    assert [code(i) for p in pages for i in p["items"]] == order  # each once, in order
    assert pages[6]["items"] == []  # past the last page: empty, not an error
    default = synthetic_api.get("/programs")
    assert default["pageSize"] == 10 and [code(i) for i in default["items"]] == order[:10]
    backwards = synthetic_api.all_items("/programs", sort="-name")
    assert [code(i) for i in backwards] == order[::-1]
    last = synthetic_api.get("/programs", pageSize=100, pageNumber=3, sort="-name")
    assert [code(i) for i in last["items"]] == order[::-1][200:300]


def test_filters_keep_exactly_the_programmes_the_store_says(
    synthetic_api: Api, synthetic: Store
) -> None:
    def listed(**params: Any) -> set[str]:
        found = synthetic_api.all_items("/programs", **params)
        return {code(i) for i in found}

    def truth(pattern: str) -> set[str]:
        query = f"SELECT DISTINCT ?p WHERE {{ ?p pro:listPosition ?n . {pattern} }}"
        return {str(r["p"]) for r in rows(synthetic, query)}

    languages = {
        str(r["l"]).rsplit("/", 1)[-1].lower()
        for r in rows(
            synthetic,
            "SELECT DISTINCT ?l WHERE { ?p pro:listPosition ?n ; elm:defaultLanguage ?l }",
        )
    }
    assert len(languages) > 3
    for language in sorted(languages):
        concept = EU_LANGUAGE[language.upper()].n3()
        assert listed(teachingLanguage=language) == truth(f"?p elm:defaultLanguage {concept}")
    isced = "<http://data.europa.eu/snb/isced-f/0421>"
    assert listed(fieldsOfStudy="0421") == truth(f"?p pro:fieldOfEducation {isced}") != set()
    eqf7 = "<http://data.europa.eu/snb/eqf/7>"
    assert listed(levelOfQualification="7") == truth(f"?p pro:awards/elm:EQFLevel {eqf7}")
    msc = truth('?p pro:awards/pro:degreeAbbreviation "MSc"')
    assert listed(qualificationAwarded="MSc") == msc != set()
    law = truth(
        "{ ?p dct:title ?t } UNION { ?p dct:description ?t } UNION { ?p pro:acronym ?t } "
        'FILTER(CONTAINS(LCASE(STR(?t)), "law"))'
    )
    assert listed(q="LAW") == law != set()
    some = sorted(msc)[0]
    assert listed(primaryCode=some) == {some}
    assert listed(primaryCode="https://w3id.org/prospectus/id/programme/none") == set()
    assert listed(teachingLanguage="xyz") == set()  # a well-formed code nobody teaches in
    assert listed(sector="university education") == set()  # no programme states a sector
    both = listed(teachingLanguage="eng", levelOfQualification="7")
    assert both == listed(teachingLanguage="eng") & listed(levelOfQualification="7")


def test_an_organisation_lists_the_programmes_of_its_units_too(bundled_api: Api) -> None:
    orgs = {code(o): o for o in bundled_api.all_items("/organizations")}
    leiden = orgs["https://w3id.org/prospectus/id/org/leiden-university"]
    science = orgs["https://w3id.org/prospectus/id/org/leiden-university/faculty-of-science"]
    assert science["organizationType"] == "faculty"
    assert science["parent"] == leiden["organizationId"]
    for org in (leiden, science):
        found = bundled_api.get(f"/organizations/{org['organizationId']}/programs")["items"]
        assert [code(p) for p in found] == [LEIDEN]
    taltech = orgs["https://w3id.org/prospectus/id/org/taltech"]  # a partner of PIONEER
    found = bundled_api.get(f"/organizations/{taltech['organizationId']}/programs")["items"]
    assert [code(p) for p in found] == [PIONEER]
    root = next(o for o in orgs.values() if o["organizationType"] == "root")
    assert "parent" not in root
    everything = bundled_api.get(f"/organizations/{root['organizationId']}/programs")
    assert {code(p) for p in everything["items"]} == {PIONEER, LEIDEN}


# -- objects ----------------------------------------------------------------------------------


def test_expand_gives_the_objects_the_ids_name(bundled_api: Api) -> None:
    programmes = {code(p): p for p in bundled_api.get("/programs")["items"]}
    pioneer = programmes[PIONEER]
    expanded = bundled_api.get(f"/programs/{pioneer['programId']}", expand="organization")
    assert expanded["organization"]["organizationId"] == pioneer["organization"]
    assert code(expanded["organization"]) == "https://w3id.org/prospectus/id/org/ku-leuven"
    assert {k: v for k, v in expanded.items() if k != "organization"} == {
        k: v for k, v in pioneer.items() if k != "organization"
    }
    org = bundled_api.get(f"/organizations/{pioneer['organization']}", expand="parent,children")
    root = org["parent"]
    assert root["organizationType"] == "root" and "parent" not in root
    institutions = bundled_api.get(f"/organizations/{root['organizationId']}", expand="children")
    children = {code(c) for c in institutions["children"]}
    assert code(org) in children and "https://w3id.org/prospectus/id/org/taltech" in children
    assert all(c["parent"] == root["organizationId"] for c in institutions["children"])
    offering = bundled_api.get(f"/programs/{pioneer['programId']}/offerings")["items"][0]
    whole = bundled_api.get(f"/offerings/{offering['offeringId']}", expand="program,organization")
    assert whole["program"]["programId"] == offering["program"] == pioneer["programId"]
    assert whole["organization"]["organizationId"] == pioneer["organization"]


def test_a_programme_as_ooapi_shows_it(bundled_api: Api) -> None:
    """The mapping of docs/ooapi.md on PIONEER and Leiden's ICT in the Public Sector."""
    programmes = {code(p): p for p in bundled_api.get("/programs")["items"]}
    pioneer, leiden = programmes[PIONEER], programmes[LEIDEN]
    assert pioneer["abbreviation"] == "PIONEER" and leiden["abbreviation"] == ""
    assert pioneer["studyLoad"] == {"studyLoadUnit": "ects", "value": 120}
    assert (pioneer["levelOfQualification"], pioneer["level"]) == ("7", "master")
    assert pioneer["qualificationAwarded"] == "MSc"
    assert pioneer["fieldsOfStudy"] == "0688"  # the primary of its two fields
    assert pioneer["teachingLanguage"] == "eng"
    assert leiden["teachingLanguage"] == "eng"  # from its English language requirement
    assert leiden["programType"] == "specialization" and pioneer["programType"] == "program"
    assert leiden["modeOfStudy"] == "full-time" and pioneer["modeOfDelivery"] == ["on campus"]
    assert pioneer["duration"] == "P2Y"
    # one name per language: the newest source's (TopUniversities, 2020-03)
    assert pioneer["name"] == [
        {
            "language": "en",
            "value": "Erasmus Mundus Master of Science in Public Sector Innovation and eGovernance",
        }
    ]
    assert pioneer["link"] == PIONEER  # no homepage stated: its IRI, which dereferences
    assert str(uuid.uuid5(ids.NAMESPACE, PIONEER)) == pioneer["programId"]


def test_offerings_dates_deadlines_fees_and_since(bundled_api: Api) -> None:
    programmes = {code(p): p for p in bundled_api.get("/programs")["items"]}
    leiden = programmes[LEIDEN]["programId"]
    assert bundled_api.get(f"/programs/{leiden}/offerings")["items"] == []  # 2022 is past
    (offering,) = bundled_api.get(f"/programs/{leiden}/offerings", since="2000-01-01")["items"]
    assert (offering["startDate"], offering["endDate"]) == ("2022-09-01", "2024-08-31")
    assert offering["enrollEndDate"] == "2022-10-31"  # "October 2022": its last day
    assert offering["modeOfDelivery"] == ["on campus", "online"]
    assert offering["priceInformation"] == [
        {
            "costType": "x-tuition fee per year",
            "amount": "18016",
            "currency": "EUR",
            "displayAmount": [{"language": "en", "value": "18016 EUR per year"}],
        }
    ]
    pioneer = programmes[PIONEER]["programId"]
    (intake,) = bundled_api.get(f"/programs/{pioneer}/offerings")["items"]
    # "Sep" of the intake year the editors concluded; two years of the programme
    assert (intake["startDate"], intake["endDate"]) == ("2026-09-01", "2028-08-31")
    assert intake["enrollEndDate"] == "2026-07-01"
    until = bundled_api.get(
        f"/programs/{pioneer}/offerings", since="2000-01-01", until="2028-01-01"
    )
    assert until["items"] == []
    earlier = Context(today=date(2020, 1, 1))
    shown = answer(bundled_store(bundled_api), "GET", f"/programs/{leiden}/offerings", {}, earlier)
    assert [o["startDate"] for o in shown.document["items"]] == ["2022-09-01"]


def test_ids_are_uuid5_of_our_iris_and_found_without_remembering(bundled_api: Api) -> None:
    programmes = bundled_api.get("/programs")["items"]
    orgs = bundled_api.all_items("/organizations")
    for item, key in [(p, "programId") for p in programmes] + [(o, "organizationId") for o in orgs]:
        assert item[key] == str(uuid.uuid5(ids.NAMESPACE, code(item)))
    assert str(ids.NAMESPACE) == "70726f73-7065-6374-7573-2f6f6f617069"  # "prospectus/ooapi"
    pid = programmes[0]["programId"]
    offering = bundled_api.get(f"/programs/{pid}/offerings", since="2000-01-01")["items"][0]
    ids.forget()
    assert bundled_api.get(f"/programs/{pid}")["programId"] == pid  # found by SHA-1 in SPARQL
    ids.forget()
    found = bundled_api.get(f"/offerings/{offering['offeringId']}")
    assert found["offeringId"] == offering["offeringId"]
    ids.forget()
    assert bundled_api.get(f"/programs/{pid.upper()}")["programId"] == pid


@pytest.mark.parametrize(
    ("tag", "cased"),
    [
        ("en", "en"),
        ("en-gb", "en-GB"),
        ("nl-NL", "nl-NL"),
        ("sr-latn-rs", "sr-Latn-RS"),
        ("es-419", "es-419"),
        ("de-ch-1996", "de-CH"),
        ("x-klingon", None),
    ],
)
def test_language_tags_take_the_case_and_form_ooapi_asks(tag: str, cased: str | None) -> None:
    assert bcp47(tag) == cased


# -- errors -----------------------------------------------------------------------------------

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


@pytest.mark.parametrize(("path", "params", "status", "words"), ERRORS)
def test_errors_are_problems_with_the_right_status(
    bundled_api: Api, path: str, params: dict[str, Any], status: int, words: str
) -> None:
    if "{pid}" in path:
        pid = bundled_api.get("/programs")["items"][0]["programId"]
        path = path.replace("{pid}", pid)
    problem = bundled_api.get(path, status=status, **params)
    assert problem["status"] == str(status) and problem["title"]
    assert words in problem["detail"]


def test_answers_outside_the_specification_are_problems_too(bundled_api: Api) -> None:
    """Methods and paths ooapi.json does not define: their Problem bodies are checked
    against its Problem schema directly."""
    schema = problem_schema()
    posted = requests.post(f"{bundled_api.url}/programs", timeout=30)
    assert posted.status_code == 405
    schema.validate(posted.json())
    courses = requests.get(f"{bundled_api.url}/courses", timeout=30)
    assert courses.status_code == 404 and "not an endpoint" in courses.json()["detail"]
    schema.validate(courses.json())
    assert posted.headers["Content-Type"] == "application/problem+json"
    head = requests.head(f"{bundled_api.url}/programs", timeout=30)
    assert head.status_code == 200 and head.content == b""


def test_the_service_answer_names_its_contact_or_says_it_has_none(bundled_api: Api) -> None:
    service = bundled_api.get("/")
    assert service["contactEmail"] == CTX.contact_email
    assert service["specification"].endswith("/v5/ooapi.json")
    bare = answer(bundled_store(bundled_api), "GET", "/", {}, Context(today=DAY))
    assert bare.status == 404 and "contact" in bare.document["detail"]
    problem_schema().validate(bare.document)


# -- the round trip through our importer --------------------------------------------------


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
    version = publish.current(work / "published")
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


@pytest.mark.live
def test_round_trip_of_the_bundled_build(bundled_api: Api, bundled: Store, tmp_path: Path) -> None:
    back = import_and_build(bundled_api.url, tmp_path)
    try:
        assert same_programmes(bundled_api, bundled, back) == 1  # PIONEER's 2026 intake
    finally:
        back.close()


@pytest.mark.live
def test_round_trip_of_a_synthetic_catalogue(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.nq"
    generate(path, 24, seed=4)
    store = open_files([path], settings())
    try:
        with ServedApi(store, CTX) as served:
            api = Api(served.url, served)
            back = import_and_build(api.url, tmp_path / "work")
            try:
                assert same_programmes(api, store, back) >= 24
            finally:
                back.close()
    finally:
        store.close()


@pytest.mark.live
def test_round_trip_of_a_catalogue_imported_from_ooapi(tmp_path: Path) -> None:
    """OOAPI -> graph -> our OOAPI -> graph: names in English and Dutch, total-cost fees,
    learning outcomes and admission texts in both languages come back as they went in."""
    with OoapiServer() as source:
        first = import_and_build(source.url, tmp_path / "first", expect=1)  # one has no name
    try:
        with ServedApi(first, CTX) as served:
            api = Api(served.url, served)
            back = import_and_build(api.url, tmp_path / "second")
            try:
                assert same_programmes(api, first, back) == 3  # the intakes from today on
                programmes = by_code(back, "pro:StudyProgramme")
                data = f"{ZUIDKUST}{ooapi.P_DATA}"
                copy = programmes[data]
                assert texts(values(back, copy, "dct:title")) == {
                    ("en-gb", "Data Science"),
                    ("nl-nl", "Datawetenschap"),
                }
                for path in (
                    "elm:learningOutcome/dct:title",
                    "pro:admissionRequirement/dct:description",
                ):
                    assert texts(values(back, copy, path)) == texts(values(first, data, path))
                fee = rows(
                    back,
                    f"SELECT ?a WHERE {{ ?o pro:offeringOf <{copy}> ; "
                    "pro:tuitionFee/pro:amount ?a }",
                )
                assert {Decimal(str(r["a"])) for r in fee} == {Decimal("4530")}
            finally:
                back.close()
    finally:
        first.close()
