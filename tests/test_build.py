"""The build refuses bad data with a readable report and never disturbs what is published.

A live server keeps answering from the previously published version while broken builds
fail, and picks up the next good build.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, XSD
from SPARQLWrapper import JSON, SPARQLWrapper

from graph import versions
from graph.iris import DATA_BASE, DCAT, PRO

from .conftest import ROOT
from .support import cli

LEIDEN = URIRef("https://w3id.org/prospectus/id/programme/leiden/ict-in-the-public-sector")
DATASET = URIRef(DATA_BASE + "dataset/prospectus")
TITLES = f"SELECT ?t WHERE {{ <{LEIDEN}> <{DCTERMS.title}> ?t }}"


def run_build(data_dir: Path, sources: Path) -> subprocess.CompletedProcess[str]:
    return cli.build(data_dir, sources)


def titles(url: str) -> set[str]:
    client = SPARQLWrapper(url + "/sparql")
    client.setQuery(TITLES)
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]
    return {row["t"]["value"] for row in rows}


def edit(path: Path, change) -> None:  # noqa: ANN001
    graph = Graph()
    graph.parse(path, format="turtle")
    change(graph)
    path.write_text(graph.serialize(format="turtle"), encoding="utf-8")


def break_syntax(path: Path) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\nthis line is not Turtle .\n")


def ielts_out_of_range(graph: Graph) -> None:
    node = next(s for s, o in graph.subject_objects(PRO.minimumOverallScore) if float(o) == 6.5)
    graph.set((node, PRO.minimumOverallScore, Literal("12", datatype=XSD.decimal)))


def drop_titles(graph: Graph) -> None:
    graph.remove((LEIDEN, DCTERMS.title, None))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, live_server_factory):  # noqa: ANN001, ANN201
    tmp = tmp_path_factory.mktemp("build")
    sources = tmp / "sources"
    shutil.copytree(ROOT / "graph" / "sources", sources)
    data_dir = tmp / "data"
    first = run_build(data_dir, sources)
    assert first.returncode == 0, first.stderr
    server = live_server_factory(settings={"data_dir": str(data_dir)})
    return sources, data_dir, server


CASES = [
    # (file, how to break it, exit code, fragments the report must hold)
    ("leiden-ict-portal.ttl", "syntax", 2, ["leiden-ict-portal.ttl:", "syntax error"]),
    (
        "leiden-ict-portal.ttl",
        ielts_out_of_range,
        1,
        ["leiden-ict-portal.ttl", "minimumOverallScore", "12", "Violation"],
    ),
    (
        "leiden-ict-portal.ttl",
        drop_titles,
        1,
        ["leiden-ict-portal.ttl", "ict-in-the-public-sector", "title", "Violation"],
    ),
]


@pytest.mark.live
@pytest.mark.parametrize(
    ("name", "breakage", "code", "fragments"),
    CASES,
    ids=["bad-turtle", "score-out-of-range", "missing-title"],
)
def test_broken_source_fails_and_published_version_keeps_serving(
    workspace,
    name,
    breakage,
    code,
    fragments,  # noqa: ANN001
) -> None:
    sources, data_dir, server = workspace
    before = versions.current(data_dir)
    published_before = [v.id for v in versions.retained(data_dir)]
    old_titles = titles(server.url)
    assert old_titles, "the Leiden programme has a title before the breakage"
    target = sources / name
    original = target.read_text(encoding="utf-8")
    try:
        if breakage == "syntax":
            break_syntax(target)
        else:
            edit(target, breakage)
        result = run_build(data_dir, sources)
    finally:
        target.write_text(original, encoding="utf-8")
    assert result.returncode == code, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert versions.current(data_dir).id == before.id
    assert [v.id for v in versions.retained(data_dir)] == published_before
    assert titles(server.url) == old_titles, "the server still answers with the old data"


@pytest.mark.live
def test_good_rebuild_is_served_without_restart(workspace) -> None:  # noqa: ANN001
    sources, data_dir, server = workspace
    before = versions.current(data_dir)
    target = sources / "leiden-ict-portal.ttl"
    original = target.read_text(encoding="utf-8")
    try:
        edit(
            target,
            lambda g: g.add(
                (LEIDEN, DCTERMS.title, Literal("ICT in the Public Sector (renamed)", lang="en"))
            ),
        )
        result = run_build(data_dir, sources)
        assert result.returncode == 0, result.stderr
        after = versions.current(data_dir)
        assert after.id != before.id and after.previous == before.id
        deadline = time.monotonic() + 10
        while "ICT in the Public Sector (renamed)" not in titles(server.url):
            assert time.monotonic() < deadline, "the new version was not picked up"
            time.sleep(0.3)
    finally:
        target.write_text(original, encoding="utf-8")


# --- a sources folder with nothing to build ----------------------------------------------------


def served_state(url: str) -> tuple[str, Graph]:
    """The version the server says it serves, and the Leiden programme's document."""
    void = requests.get(url + "/.well-known/void", headers={"Accept": "text/turtle"}, timeout=30)
    assert void.status_code == 200
    description = Graph().parse(data=void.text, format="turtle")
    version = description.value(DATASET, DCAT.version)
    assert version is not None
    document = requests.get(
        url + "/doc/" + str(LEIDEN)[len(DATA_BASE) :],
        headers={"Accept": "application/n-triples"},
        timeout=30,
    )
    assert document.status_code == 200
    return str(version), Graph().parse(data=document.text, format="nt")


def nothing_to_build(folder: Path) -> None:
    folder.mkdir()


def only_documentation(folder: Path) -> None:
    folder.mkdir()
    (folder / "README.md").write_text("# notes\n", encoding="utf-8")


def only_a_compressed_dump(folder: Path) -> None:
    folder.mkdir()
    (folder / "sources.nq.gz").write_bytes(gzip.compress(b""))


def sources_beside_jsonld(folder: Path) -> None:
    shutil.copytree(ROOT / "graph" / "sources", folder)
    (folder / "extra.jsonld").write_text("{}", encoding="utf-8")


def quads_outside_named_graphs(folder: Path) -> None:
    folder.mkdir()
    (folder / "loose.nq").write_text(f'<{LEIDEN}> <{DCTERMS.title}> "ICT"@en .\n', encoding="utf-8")


EMPTY_CASES = [
    # (how the folder is made, fragments the message must hold besides the folder's name)
    (nothing_to_build, ["no source file", "found: nothing", "*.ttl", "*.trig", "*.nq"]),
    (only_documentation, ["no source file", "README.md"]),
    (only_a_compressed_dump, ["sources.nq.gz", "not a source file kind"]),
    (sources_beside_jsonld, ["extra.jsonld", "JSON-LD", "not a source file kind"]),
    (quads_outside_named_graphs, ["loose.nq", "outside a named graph"]),
    (None, ["does not exist"]),
]


@pytest.mark.live
@pytest.mark.parametrize(
    ("make", "fragments"),
    EMPTY_CASES,
    ids=["empty", "readme-only", "nq-gz-only", "jsonld-beside", "default-graph-nq", "missing"],
)
def test_nothing_to_build_publishes_nothing_and_the_server_keeps_its_data(
    workspace,  # noqa: ANN001
    tmp_path: Path,
    make,  # noqa: ANN001
    fragments: list[str],
) -> None:
    _sources, data_dir, server = workspace
    before = versions.current(data_dir)
    published = [v.id for v in versions.retained(data_dir)]
    served_before = served_state(server.url)
    assert served_before[0] == before.id
    folder = tmp_path / "bad-sources"
    if make is not None:
        make(folder)
    result = run_build(data_dir, folder)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "bad-sources" in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    assert versions.current(data_dir).id == before.id
    assert [v.id for v in versions.retained(data_dir)] == published
    version, document = served_state(server.url)
    assert version == before.id, "the server still serves the previous version"
    assert len(document) > 100 and isomorphic(document, served_before[1]), "and its data"
