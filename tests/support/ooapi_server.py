"""A small OOAPI v5 endpoint on 127.0.0.1 for the importer tests, and its documents.

The documents are written from the schemas of ../shared/ref/ooapi-v5/v5/ooapi.json
(Program, ProgramOffering, Organization, Pagination, Cost, Address, LanguageTypedString):
one institution (a root organization, a faculty, a department under it: no program names the
faculty, so only `?expand=parent` brings it), seven programs in English and
Dutch, their offerings with prices and enrolment dates. One program lacks its required `name`
(the importer must refuse it and keep the others).

The server pages collections at most PAGE_CAP items whatever pageSize asks (servers may cap
pages; the client follows hasNextPage), so /programs spans three pages. It expands an
organization's parent when asked `?expand=parent`. `faults` makes chosen requests fail once
first: {("/programs", 2): [429]} answers page 2 of /programs with 429 (Retry-After: 1) the
first time. Every request is logged with its time, path, query and User-Agent.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .threaded import ThreadedServer

PAGE_CAP = 3
RETRY_AFTER = 1  # seconds, in the 429 answer

ROOT = "0b7a1d54-3c1e-4c55-9a5e-6f1b2c3d4e01"
FACULTY = "0b7a1d54-3c1e-4c55-9a5e-6f1b2c3d4e02"
DEPARTMENT = "0b7a1d54-3c1e-4c55-9a5e-6f1b2c3d4e03"

P_DATA = "5a0c6e1e-8d4b-4f7a-9c2e-000000000001"
P_BIOLOGY = "5a0c6e1e-8d4b-4f7a-9c2e-000000000002"
P_HISTORY = "5a0c6e1e-8d4b-4f7a-9c2e-000000000003"
P_NO_NAME = "5a0c6e1e-8d4b-4f7a-9c2e-000000000004"
P_MINOR = "5a0c6e1e-8d4b-4f7a-9c2e-000000000005"
P_LAW = "5a0c6e1e-8d4b-4f7a-9c2e-000000000006"
P_SOFTWARE = "5a0c6e1e-8d4b-4f7a-9c2e-000000000007"

O_DATA_2026 = "7e3f9a10-1b2c-4d3e-8f4a-000000000001"
O_DATA_2027 = "7e3f9a10-1b2c-4d3e-8f4a-000000000002"
O_BIOLOGY_2026 = "7e3f9a10-1b2c-4d3e-8f4a-000000000003"
O_HISTORY_2026 = "7e3f9a10-1b2c-4d3e-8f4a-000000000004"


def _text(en: str, nl: str | None = None) -> list[dict[str, str]]:
    found = [{"language": "en-GB", "value": en}]
    if nl is not None:
        found.append({"language": "nl-NL", "value": nl})
    return found


def organizations() -> dict[str, dict[str, Any]]:
    """Organization objects, their parents given as ids (expanded by the server on request)."""
    return {
        ROOT: {
            "organizationId": ROOT,
            "primaryCode": {"codeType": "brin", "code": "99ZK"},
            "organizationType": "root",
            "name": _text("Southcoast University", "Universiteit Zuidkust"),
            "shortName": "Zuidkust",
            "description": _text(
                "A research university on the coast.", "Een universiteit aan zee."
            ),
            "addresses": [
                {
                    "addressType": "visit",
                    "street": "Strandweg",
                    "streetNumber": "1",
                    "postalCode": "9999 ZZ",
                    "city": "Zeestad",
                    "countryCode": "NL",
                }
            ],
            "link": "https://zuidkust.example/",
        },
        FACULTY: {
            "organizationId": FACULTY,
            "primaryCode": {"codeType": "organizationId", "code": "FNWI"},
            "organizationType": "faculty",
            "name": _text("Faculty of Science", "Faculteit der Natuurwetenschappen"),
            "shortName": "FNWI",
            "parent": ROOT,
        },
        DEPARTMENT: {
            "organizationId": DEPARTMENT,
            "primaryCode": {"codeType": "organizationId", "code": "INF"},
            "organizationType": "department",
            "name": _text("Department of Computer Science", "Informatica"),
            "shortName": "INF",
            "parent": FACULTY,
        },
    }


def programs() -> list[dict[str, Any]]:
    """Seven programs, in the order of their names (the endpoint's default sort)."""

    def program(pid: str, code: str, **fields: Any) -> dict[str, Any]:
        base = {
            "programId": pid,
            "primaryCode": {"codeType": "programCode", "code": code},
            "programType": "program",
            "abbreviation": code,
            "teachingLanguage": "eng",
        }
        return {**base, **fields}

    return [
        program(
            P_SOFTWARE,
            "ADSD",
            name=_text(
                "Associate degree Software Development", "Associate degree Softwareontwikkeling"
            ),
            description=_text("Two years of programming practice."),
            teachingLanguage="nld",
            studyLoad={"studyLoadUnit": "ects", "value": 120},
            qualificationAwarded="AD",
            levelOfQualification="5",
            fieldsOfStudy="0613",
            modeOfStudy="full-time",
            duration="P2Y",
            organization=DEPARTMENT,
        ),
        program(
            P_BIOLOGY,
            "BIO",
            name=_text("Biology", "Biologie"),
            description=_text("The study of life.", "De studie van het leven."),
            teachingLanguage="nld",
            studyLoad={"studyLoadUnit": "ects", "value": 180},
            qualificationAwarded="BSc",
            levelOfQualification="6",
            level="bachelor",
            sector="university education",
            fieldsOfStudy="0511",
            modeOfStudy="full-time",
            modeOfDelivery=["on campus"],
            duration="P3Y",
            link="https://zuidkust.example/biology",
            organization=ROOT,
        ),
        program(
            P_DATA,
            "MSCDS",
            name=_text("Data Science", "Datawetenschap"),
            description=_text(
                "A two-year master in data science.", "Een tweejarige master datawetenschap."
            ),
            studyLoad={"studyLoadUnit": "ects", "value": 120},
            qualificationAwarded="MSc",
            levelOfQualification="7",
            level="master",
            fieldsOfStudy="0613",
            modeOfStudy="full-time",
            modeOfDelivery=["on campus", "online"],
            duration="P2Y",
            learningOutcomes=[
                _text("Design data pipelines", "Datapijplijnen ontwerpen"),
                _text("Evaluate models critically"),
            ],
            admissionRequirements=_text(
                "A bachelor's degree in computer science or mathematics.",
                "Een bachelor informatica of wiskunde.",
            ),
            link="https://zuidkust.example/data-science",
            otherCodes=[{"codeType": "crohoCreboCode", "code": "66980"}],
            organization=DEPARTMENT,
        ),
        program(
            P_HISTORY,
            "MAHIS",
            name=_text("History", "Geschiedenis"),
            description=_text("A one-year master in history."),
            studyLoad={"studyLoadUnit": "ects", "value": 60},
            qualificationAwarded="MA",
            levelOfQualification="7",
            fieldsOfStudy="0222",
            modeOfStudy="part-time",
            modeOfDelivery=["online"],
            duration="P1Y",
            organization=ROOT,
        ),
        program(
            P_LAW,
            "LLMIL",
            name=_text("International Law", "Internationaal recht"),
            description=_text("Law beyond borders."),
            studyLoad={"studyLoadUnit": "ects", "value": 60},
            qualificationAwarded="LLM",
            levelOfQualification="7",
            fieldsOfStudy="0421",
            modeOfDelivery=["hybrid"],
            duration="P1Y",
            organization=ROOT,
        ),
        program(
            P_MINOR,
            "MINSUS",
            programType="minor",
            name=_text("Sustainability", "Duurzaamheid"),
            description=_text("A minor on sustainability."),
            studyLoad={"studyLoadUnit": "ects", "value": 30},
            fieldsOfStudy="0521",
            organization=ROOT,
        ),
        # Last in name order: it has no name. The importer refuses it (field `name`).
        program(
            P_NO_NAME,
            "NONAME",
            description=_text("A program whose name is missing."),
            studyLoad={"studyLoadUnit": "ects", "value": 60},
            organization=ROOT,
        ),
    ]


def _offering(oid: str, pid: str, code: str, start: str, end: str, **fields: Any) -> dict[str, Any]:
    base = {
        "offeringId": oid,
        "primaryCode": {"codeType": "offeringCode", "code": code},
        "offeringType": "program",
        "name": _text(f"{code} intake {start[:4]}", f"{code} instroom {start[:4]}"),
        "description": _text(f"The intake of {start[:7]}."),
        "teachingLanguage": "eng",
        "resultExpected": True,
        "startDate": start,
        "endDate": end,
        "program": pid,
    }
    return {**base, **fields}


def offerings() -> dict[str, list[dict[str, Any]]]:
    return {
        P_DATA: [
            _offering(
                O_DATA_2026,
                P_DATA,
                "MSCDS",
                "2026-09-01",
                "2028-08-31",
                enrollStartDate="2025-10-01",
                enrollEndDate="2026-05-01",
                maxNumberStudents=80,
                modeOfDelivery=["on campus"],
                priceInformation=[
                    {
                        "costType": "total costs",
                        "amount": "4530.00",
                        "currency": "EUR",
                        "displayAmount": [
                            {"language": "nl-NL", "value": "€ 4.530,00"},
                            {"language": "en-GB", "value": "EUR 4,530.00"},
                        ],
                    },
                    {"costType": "STAP eligible", "amount": "1000", "currency": "EUR"},
                ],
                link="https://zuidkust.example/data-science/2026",
            ),
            _offering(
                O_DATA_2027,
                P_DATA,
                "MSCDS",
                "2027-09-01",
                "2029-08-31",
                enrollEndDate="2027-05-01",
            ),
        ],
        P_BIOLOGY: [
            _offering(
                O_BIOLOGY_2026,
                P_BIOLOGY,
                "BIO",
                "2026-09-01",
                "2029-08-31",
                teachingLanguage="nld",
                priceInformation=[{"costType": "total costs", "amount": "7590", "currency": "EUR"}],
            )
        ],
        P_HISTORY: [
            _offering(O_HISTORY_2026, P_HISTORY, "MAHIS", "2026-02-01", "2027-01-31"),
        ],
    }


@dataclass
class Logged:
    at: float  # time.monotonic() when the request arrived
    path: str
    query: dict[str, list[str]]
    user_agent: str
    status: int


@dataclass
class Documents:
    """What the endpoint serves; tests change it between imports."""

    organizations: dict[str, dict[str, Any]] = field(default_factory=organizations)
    programs: list[dict[str, Any]] = field(default_factory=programs)
    offerings: dict[str, list[dict[str, Any]]] = field(default_factory=offerings)


def _page(items: list[Any], query: dict[str, list[str]]) -> dict[str, Any]:
    asked = int(query.get("pageSize", ["10"])[0])
    size = min(asked, PAGE_CAP)
    number = int(query.get("pageNumber", ["1"])[0])
    total = max(1, -(-len(items) // size))
    chunk = items[(number - 1) * size : number * size]
    return {
        "pageSize": size,
        "pageNumber": number,
        "hasPreviousPage": number > 1,
        "hasNextPage": number < total,
        "totalPages": total,
        "items": chunk,
    }


class OoapiServer(ThreadedServer):
    """Serve `documents` on 127.0.0.1:{free port} in a thread (use as a context manager)."""

    def __init__(
        self,
        documents: Documents | None = None,
        faults: dict[tuple[str, int], list[int]] | None = None,
    ):
        self.documents = documents or Documents()
        self.faults = {k: list(v) for k, v in (faults or {}).items()}
        self.log: list[Logged] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                return

            def do_GET(self) -> None:  # noqa: N802
                server._handle(self)

        super().__init__(ThreadingHTTPServer(("127.0.0.1", 0), Handler))

    # --- answers ------------------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        """(status, JSON body) for a GET; also used to list every document for validation."""
        docs = self.documents
        parts = [p for p in path.split("/") if p]
        if parts == ["programs"]:
            return 200, _page(docs.programs, query)
        if len(parts) == 3 and parts[0] == "programs" and parts[2] == "offerings":
            if not any(p["programId"] == parts[1] for p in docs.programs):
                return 404, {"status": "404", "title": "Program not found"}
            return 200, _page(docs.offerings.get(parts[1], []), query)
        if parts == ["organizations"]:
            return 200, _page(
                sorted(docs.organizations.values(), key=lambda o: o["name"][0]["value"]), query
            )
        if len(parts) == 2 and parts[0] == "organizations" and parts[1] in docs.organizations:
            org = copy.deepcopy(docs.organizations[parts[1]])
            expand = ",".join(query.get("expand", [])).split(",")
            if "parent" in expand and org.get("parent") in docs.organizations:
                org["parent"] = copy.deepcopy(docs.organizations[org["parent"]])
            return 200, org
        return 404, {"status": "404", "title": "Resource not found"}

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        split = urllib.parse.urlsplit(handler.path)
        query = urllib.parse.parse_qs(split.query)
        number = int(query.get("pageNumber", ["1"])[0])
        with self._lock:
            pending = self.faults.get((split.path, number), [])
            fault = pending.pop(0) if pending else None
        headers = {"Content-Type": "application/json"}
        if fault is not None:
            status = fault
            body: Any = {
                "status": str(fault),
                "title": "Too many requests" if fault == 429 else "Internal error",
            }
            headers["Content-Type"] = "application/problem+json"
            if fault == 429:
                headers["Retry-After"] = str(RETRY_AFTER)
        else:
            status, body = self.answer(split.path, query)
            if status != 200:
                headers["Content-Type"] = "application/problem+json"
        with self._lock:
            self.log.append(
                Logged(
                    time.monotonic(),
                    split.path,
                    query,
                    handler.headers.get("User-Agent", ""),
                    status,
                )
            )
        data = json.dumps(body).encode("utf-8")
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def document_urls(self) -> list[str]:
        """Every document the endpoint serves to the importer's walk (for validation)."""
        urls = []
        pages = -(-len(self.documents.programs) // PAGE_CAP)
        urls += [f"/programs?pageSize=100&pageNumber={n}" for n in range(1, pages + 1)]
        for program in self.documents.programs:
            count = len(self.documents.offerings.get(program["programId"], []))
            for n in range(1, max(1, -(-count // PAGE_CAP)) + 1):
                urls.append(
                    f"/programs/{program['programId']}/offerings?pageSize=100&pageNumber={n}"
                )
        urls += [f"/organizations/{oid}?expand=parent" for oid in self.documents.organizations]
        urls += ["/organizations?pageSize=100&pageNumber=1"]
        return urls
