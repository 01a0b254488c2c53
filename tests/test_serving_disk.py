"""On-disk serving (`store_in_memory = false`, the default): every process of the server opens
the published version's `store/` folder read-only and answers /sparql, pages and a new version
without a restart (issue 14 items 3 and 4; bench/README.md, "Memory").
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF
from SPARQLWrapper import JSON, SPARQLWrapper

from graph import versions
from graph.iris import DATA_BASE, PRO

from .conftest import ROOT, LiveServer
from .support import cli

LEIDEN = URIRef("https://w3id.org/prospectus/id/programme/leiden/ict-in-the-public-sector")
RENAMED = "ICT in the Public Sector (served from disk)"

pytestmark = pytest.mark.live


def run_build(data_dir: Path, sources: Path) -> None:
    cli.built(data_dir, sources)


def select(url: str, query: str) -> list[dict]:
    client = SPARQLWrapper(url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(JSON)
    return client.queryAndConvert()["results"]["bindings"]


def leiden_titles(url: str) -> set[str]:
    rows = select(url, f"SELECT ?t WHERE {{ <{LEIDEN}> <{DCTERMS.title}> ?t }}")
    return {row["t"]["value"] for row in rows}


def page_text(url: str, iri: URIRef) -> str:
    """The text of a resource's HTML page."""
    r = requests.get(
        url + "/doc/" + str(iri)[len(DATA_BASE) :], headers={"Accept": "text/html"}, timeout=30
    )
    assert r.status_code == 200, r.text[:500]
    return BeautifulSoup(r.text, "html.parser").get_text(" ", strip=True)


def tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            parent = int(stat[stat.rindex(")") + 2 :].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def opens_under(pid: int, folder: Path) -> bool:
    """Whether process `pid` holds a file of `folder` open."""
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False
    for fd in fds:
        try:
            target = Path(os.readlink(fd))
        except OSError:
            continue
        if target.is_relative_to(folder):
            return True
    return False


@pytest.fixture(scope="module")
def disk_served(
    tmp_path_factory: pytest.TempPathFactory,
    live_server_factory,  # noqa: ANN001
) -> tuple[Path, Path, LiveServer]:
    tmp = tmp_path_factory.mktemp("disk")
    sources = tmp / "sources"
    shutil.copytree(ROOT / "graph" / "sources", sources)
    data_dir = tmp / "data"
    run_build(data_dir, sources)
    server = live_server_factory(
        settings={"data_dir": str(data_dir), "store_in_memory": "false", "workers": "2"}
    )
    return sources, data_dir, server


def test_sparql_pages_and_a_new_version_from_disk(
    disk_served: tuple[Path, Path, LiveServer],
) -> None:
    sources, data_dir, server = disk_served
    first = versions.current(data_dir)
    assert first is not None
    published = Dataset()
    published.parse(first.dataset_file, format="nquads")
    expected = {str(s) for s, _p, _o, _g in published.quads((None, RDF.type, PRO.StudyProgramme))}

    # /sparql, evaluated in the query processes
    rows = select(server.url, f"SELECT DISTINCT ?p WHERE {{ ?p a <{PRO.StudyProgramme}> }}")
    assert {row["p"]["value"] for row in rows} == expected
    old_titles = leiden_titles(server.url)
    assert old_titles
    # a page, read in the web worker
    for _ in range(4):  # more requests than workers, so that both have read
        text = page_text(server.url, LEIDEN)
        assert any(title in text for title in old_titles) and RENAMED not in text
    # the workers and query processes read the version's store folder (in memory, none of
    # them would open it); the master checked it opens and holds none of its files
    holders = [pid for pid in tree(server.process.pid) if opens_under(pid, first.store_dir)]
    assert server.process.pid not in holders
    assert len(holders) >= 2, holders  # a worker and a query process at least
    health = requests.get(server.url + "/healthz", timeout=30).json()
    assert health["version"] == first.id and health["programmes"] == len(expected)

    # a new version is picked up without a restart, by SPARQL and by the pages
    target = sources / "leiden-ict-portal.ttl"
    graph = Graph().parse(target, format="turtle")
    graph.add((LEIDEN, DCTERMS.title, Literal(RENAMED, lang="en")))
    target.write_text(graph.serialize(format="turtle"), encoding="utf-8")
    run_build(data_dir, sources)
    second = versions.current(data_dir)
    assert second is not None and second.id != first.id
    deadline = time.monotonic() + 20
    while RENAMED not in leiden_titles(server.url):
        assert time.monotonic() < deadline, "the new version was not picked up by /sparql"
        time.sleep(0.3)
    deadline = time.monotonic() + 20
    while not all(RENAMED in page_text(server.url, LEIDEN) for _ in range(4)):
        assert time.monotonic() < deadline, "the new version was not picked up by the pages"
        time.sleep(0.3)
    holders = [pid for pid in tree(server.process.pid) if opens_under(pid, second.store_dir)]
    assert holders and server.process.pid not in holders
