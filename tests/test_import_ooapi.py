"""`prospectus import ooapi`: against a real OOAPI v5 endpoint on 127.0.0.1 whose documents are
first validated against ../shared/ref/ooapi-v5/v5/ooapi.json; then build, serve, query.

The endpoint (tests/support/ooapi_server.py) pages /programs three items at a time (three
pages), expands organization parents when asked, serves English and Dutch texts, answers one
429 with Retry-After and one 500 during the walk, and has one program without its required
`name`.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF
from SPARQLWrapper import JSON, SPARQLWrapper

from graph import versions
from graph.build.writers import changes
from graph.ingest.ooapi import canonical_json

from .conftest import REF, LiveServer
from .support import cli
from .support import ooapi_server as ooapi
from .support.ooapi_server import Documents, OoapiServer

PRO = "https://w3id.org/prospectus/ontology#"
ID = "https://w3id.org/prospectus/id/"
SPEC = REF / "ooapi-v5" / "v5" / "ooapi.json"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return cli.prospectus(*args, env=env)


def import_ooapi(url: str, into: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PROSPECTUS_IMPORT_RATE": "50",
        **{f"PROSPECTUS_{k.upper()}": v for k, v in settings.items()},
    }
    return run("import", "ooapi", url, "--into", str(into), env=env)


def build(sources: Path, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return run("build", "--sources", str(sources), env={"PROSPECTUS_DATA_DIR": str(data_dir)})


def programme(pid: str) -> URIRef:
    return URIRef(f"{ID}programme/zuidkust/{pid}")


def test_the_endpoint_documents_conform_to_the_ooapi_schemas() -> None:
    """Every document the walk reads validates, but the page holding the nameless program."""
    from openapi_core import Config, OpenAPI
    from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    with OoapiServer() as server:
        # ooapi.json's own `sort` default of /education-specifications breaks the OpenAPI
        # schema, so the document is not checked as a whole; responses are, against it.
        spec["servers"] = [{"url": server.url}]
        api = OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))
        failures = {}
        urls = server.document_urls()
        for path in urls:
            response = requests.get(server.url + path, timeout=10)
            assert response.status_code == 200, path
            try:
                api.validate_response(
                    RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response)
                )
            except Exception as exc:  # noqa: BLE001 - the validator's error types vary
                failures[path] = repr(exc) + repr(exc.__cause__)
        program_pages = [u for u in urls if u.startswith("/programs?")]
        assert len(program_pages) >= 3
        department = requests.get(
            f"{server.url}/organizations/{ooapi.DEPARTMENT}?expand=parent", timeout=10
        ).json()
    assert list(failures) == ["/programs?pageSize=100&pageNumber=3"], failures
    assert "'name' is a required property" in failures["/programs?pageSize=100&pageNumber=3"]
    assert department["parent"]["organizationId"] == ooapi.FACULTY  # expanded
    languages = {t["language"] for p in ooapi.programs() for t in p.get("name", [])}
    assert languages == {"en-GB", "nl-NL"}


@pytest.mark.live
def test_import_build_serve_reimport_and_change(tmp_path: Path, live_server_factory) -> None:  # noqa: ANN001
    into, data_dir = tmp_path / "imports", tmp_path / "published"
    documents = Documents()
    faults = {
        ("/programs", 2): [429],
        (f"/programs/{ooapi.P_BIOLOGY}/offerings", 1): [500],
    }
    with OoapiServer(documents, faults) as server:
        first = import_ooapi(server.url, into, import_rate="10")
        log = list(server.log)
        # the nameless program is refused, named by URL and field; the others are written
        assert first.returncode == 1, first.stdout + first.stderr
        assert "Traceback" not in first.stderr
        assert f"{server.url}/programs/{ooapi.P_NO_NAME}: name: required" in first.stderr
        files = sorted(p.name for p in into.glob("*.ttl"))
        assert len(files) == 6 + 4 + 3  # programs, offerings, organizations
        # politeness: User-Agent, Retry-After honoured, the 500 retried, a request rate
        version = metadata.version("prospectus")
        assert all(f"Prospectus/{version}" in entry.user_agent for entry in log)
        page2 = [e for e in log if e.path == "/programs" and e.query["pageNumber"] == ["2"]]
        assert [e.status for e in page2] == [429, 200]
        assert page2[1].at - page2[0].at >= ooapi.RETRY_AFTER
        biology = [e for e in log if e.path == f"/programs/{ooapi.P_BIOLOGY}/offerings"]
        assert [e.status for e in biology] == [500, 200]
        # import_rate=10: at most ten requests a second. The client spaces the starts of its
        # requests 0.1 s apart; arrival times here jitter with the machine's load, so the
        # rate is checked over the whole walk, and the typical gap (the median, which one
        # late arrival followed by a prompt one cannot move) is the client's spacing
        # (without the limit requests arrive a few milliseconds apart).
        gaps = sorted(b.at - a.at for a, b in zip(log, log[1:], strict=False))
        assert (len(log) - 1) / (log[-1].at - log[0].at) <= 10
        assert gaps[len(gaps) // 2] >= 0.08, gaps
        organizations = [e for e in log if e.path.startswith("/organizations/")]
        assert organizations and all(e.query.get("expand") == ["parent"] for e in organizations)
        # the department's request brought its faculty: the root alone needed another one
        assert len(organizations) == 2

        # provenance of one record: its URL, fetch time and the SHA-256 of its JSON
        record = Graph().parse(into / f"ooapi.zuidkust.program.{ooapi.P_DATA}.ttl")
        source = URIRef(f"{ID}source/ooapi/zuidkust/program/{ooapi.P_DATA}")
        assert (source, RDF.type, URIRef(PRO + "ImportedRecord")) in record
        url = record.value(source, URIRef(PRO + "recordUrl"))
        assert str(url) == f"{server.url}/programs/{ooapi.P_DATA}"
        capture = record.value(source, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
        data = next(p for p in documents.programs if p["programId"] == ooapi.P_DATA)
        digest = hashlib.sha256(canonical_json(data)).hexdigest()
        assert str(record.value(capture, URIRef(PRO + "sha256"))) == digest
        assert record.value(capture, URIRef("http://www.w3.org/ns/prov#generatedAtTime"))

        built = build(into, data_dir)
        assert built.returncode == 0, built.stdout + built.stderr
        # every node an importer writes says where it comes from: its record
        assert "FactSaysWhere" not in built.stderr, built.stderr
        first_version = versions.current(data_dir)
        assert first_version is not None

        server_live: LiveServer = live_server_factory(settings={"data_dir": str(data_dir)})
        sparql = SPARQLWrapper(server_live.url + "/sparql")
        sparql.setQuery(
            f"""PREFIX pro: <{PRO}> PREFIX dct: <http://purl.org/dc/terms/>
            SELECT ?p ?title WHERE {{ ?p a pro:StudyProgramme ; dct:title ?title }}"""
        )
        sparql.setReturnFormat(JSON)
        rows = sparql.queryAndConvert()["results"]["bindings"]
        titles = {(r["p"]["value"], r["title"]["value"], r["title"].get("xml:lang")) for r in rows}
        assert (str(programme(ooapi.P_DATA)), "Data Science", "en-gb") in titles
        assert (str(programme(ooapi.P_DATA)), "Datawetenschap", "nl-nl") in titles
        assert len({t[0] for t in titles}) == 6
        page = requests.get(
            f"{server_live.url}/doc/programme/zuidkust/{ooapi.P_DATA}",
            headers={"Accept": "text/html", "Accept-Language": "en"},
            timeout=30,
        )
        assert page.status_code == 200
        assert BeautifulSoup(page.text, "html.parser").find("h1").get_text(strip=True) == (
            "Data Science"
        )

        # re-import of the unchanged endpoint: every file byte for byte, no new version
        before = {p.name: p.read_bytes() for p in into.glob("*.ttl")}
        again = import_ooapi(server.url, into)
        assert again.returncode == 1  # the nameless program is still refused
        assert {p.name: p.read_bytes() for p in into.glob("*.ttl")} == before
        rebuilt = build(into, data_dir)
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert versions.current(data_dir).id == first_version.id

        # one program changes, one is gone: its file is retired, the change record shows both
        data["name"][0]["value"] = "Data Science and AI"
        documents.programs = [p for p in documents.programs if p["programId"] != ooapi.P_LAW]
        changed = import_ooapi(server.url, into)
        assert changed.returncode == 1
        assert f"retired ooapi.zuidkust.program.{ooapi.P_LAW}.ttl" in changed.stderr
        assert not (into / f"ooapi.zuidkust.program.{ooapi.P_LAW}.ttl").exists()
        unchanged = [n for n in before if n != f"ooapi.zuidkust.program.{ooapi.P_DATA}.ttl"]
        unchanged.remove(f"ooapi.zuidkust.program.{ooapi.P_LAW}.ttl")
        assert all((into / n).read_bytes() == before[n] for n in unchanged)
    assert build(into, data_dir).returncode == 0
    version = versions.current(data_dir)
    assert version.id != first_version.id
    record_graph = changes.read_changes(changes.read_record(version))
    data_graph = f"{ID}source/ooapi/zuidkust/program/{ooapi.P_DATA}"
    law_graph = f"{ID}source/ooapi/zuidkust/program/{ooapi.P_LAW}"
    added, removed = record_graph[data_graph]
    assert (
        programme(ooapi.P_DATA),
        DCTERMS.title,
        Literal("Data Science and AI", lang="en-gb"),
    ) in {(s, p, o) for s, p, o in added}
    assert (programme(ooapi.P_DATA), DCTERMS.title, Literal("Data Science", lang="en-gb")) in {
        (s, p, o) for s, p, o in removed
    }
    law_added, law_removed = record_graph[law_graph]
    assert not law_added and (programme(ooapi.P_LAW), RDF.type, URIRef(PRO + "StudyProgramme")) in {
        (s, p, o) for s, p, o in law_removed
    }


def _mirror(documents: Documents, folder: Path) -> None:
    """The endpoint's documents as files: pages of programs, offerings per program, orgs."""
    folder.mkdir()
    (folder / "programs.json").write_text(
        json.dumps({"pageSize": 10, "pageNumber": 1, "hasPreviousPage": False,
                    "hasNextPage": False, "items": documents.programs}),
        encoding="utf-8",
    )  # fmt: skip
    for pid, offerings in documents.offerings.items():
        target = folder / "programs" / pid
        target.mkdir(parents=True)
        for offering in offerings:
            offering = {k: v for k, v in offering.items() if k != "program"}
            (target / f"offerings-{offering['offeringId']}.json").write_text(
                json.dumps(offering), encoding="utf-8"
            )
    (folder / "organizations.json").write_text(
        json.dumps(list(documents.organizations.values())), encoding="utf-8"
    )


def test_a_folder_of_json_documents_imports_the_same_programmes(tmp_path: Path) -> None:
    _mirror(Documents(), tmp_path / "dump")
    result = import_ooapi(str(tmp_path / "dump"), tmp_path / "imports")
    assert result.returncode == 1, result.stderr
    assert "name: required" in result.stderr and "programs.json" in result.stderr
    union = Graph()
    for path in (tmp_path / "imports").glob("*.ttl"):
        union.parse(path)
    found = set(union.subjects(RDF.type, URIRef(PRO + "StudyProgramme")))
    assert found == {
        programme(p)
        for p in (ooapi.P_DATA, ooapi.P_BIOLOGY, ooapi.P_HISTORY, ooapi.P_MINOR, ooapi.P_LAW,
                  ooapi.P_SOFTWARE)
    }  # fmt: skip
    offering = URIRef(f"{ID}offering/zuidkust/{ooapi.P_DATA}/{ooapi.O_DATA_2026}")
    assert union.value(offering, URIRef(PRO + "offeringOf")) == programme(ooapi.P_DATA)


def test_an_unreadable_endpoint_exits_2_and_changes_nothing(tmp_path: Path) -> None:
    into = tmp_path / "imports"
    into.mkdir()
    kept = into / "ooapi.zuidkust.program.kept.ttl"
    kept.write_text("# an earlier import\n", encoding="utf-8")
    with OoapiServer(faults={("/programs", 1): [500, 500, 500]}) as server:
        result = import_ooapi(server.url, into, import_retries="1")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "HTTP 500" in result.stderr and "nothing was imported or retired" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in into.iterdir()] == [kept.name]


def test_unknown_codes_and_malformed_dates_are_refused_by_field(tmp_path: Path) -> None:
    documents = Documents()
    documents.programs[0]["fieldsOfStudy"] = "9998"  # no such ISCED-F field
    documents.offerings[ooapi.P_HISTORY][0]["startDate"] = "2026-02-30"
    with OoapiServer(documents) as server:
        result = import_ooapi(server.url, tmp_path / "imports")
    assert result.returncode == 1
    assert f"/programs/{ooapi.P_SOFTWARE}: fieldsOfStudy: unknown ISCED-F field '9998'" in (
        result.stderr
    )
    assert f"/offerings/{ooapi.O_HISTORY_2026}: startDate: not a date" in result.stderr
    # the others are imported
    assert (tmp_path / "imports" / f"ooapi.zuidkust.program.{ooapi.P_DATA}.ttl").is_file()


def test_build_publishes_bundled_and_imported_sources(tmp_path: Path) -> None:
    """Without --sources: graph/sources/ plus the import_dir folder; with it, exactly DIR."""
    _mirror(Documents(), tmp_path / "dump")
    into = tmp_path / "imports"
    assert import_ooapi(str(tmp_path / "dump"), into).returncode == 1
    env = {"PROSPECTUS_IMPORT_DIR": str(into), "PROSPECTUS_DATA_DIR": str(tmp_path / "all")}
    built = run("build", env=env)
    assert built.returncode == 0, built.stdout + built.stderr
    dataset = (versions.current(tmp_path / "all").dataset_file).read_text(encoding="utf-8")
    assert f"<{ID}source/ooapi/zuidkust/program/{ooapi.P_DATA}>" in dataset.split()
    assert f"<{ID}source/leiden-ict-portal>" in dataset.split()
    only = build(into, tmp_path / "only")
    assert only.returncode == 0, only.stderr
    graphs = {
        line.split()[-2]
        for line in (versions.current(tmp_path / "only").dataset_file).read_text().splitlines()
    }
    assert f"<{ID}source/leiden-ict-portal>" not in graphs
    assert f"<{ID}source/ooapi/zuidkust/program/{ooapi.P_DATA}>" in graphs


def test_retry_after_is_read_in_seconds_or_as_a_date_and_a_long_wait_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import UTC, datetime

    from graph.errors import SourceUnreadable
    from graph.ingest.client import Client, retry_after

    now = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
    assert retry_after("7", now) == 7.0
    assert retry_after("Sun, 29 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after("soon", now) is None
    slept: list[float] = []
    with OoapiServer(faults={("/programs", 1): [429]}) as server:
        client = Client(rate=0, retries=2, sleep=slept.append)
        monkeypatch.setattr(ooapi, "RETRY_AFTER", 3600)
        with pytest.raises(SourceUnreadable, match="retry after 3600 s"):
            client.get(server.url + "/programs?pageNumber=1")
    assert slept == []  # not slept through
