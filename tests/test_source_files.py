"""What a sources folder may hold: Turtle (one source a file), TriG and N-Quads (one source a
named graph). A folder the build would not read in full is refused, naming what it found."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from graph.build import load
from graph.build.release import nquads_lines, read_release
from graph.canonical import literals_as_written
from graph.errors import SourceStructureError
from graph.iris import DATA_BASE, PRO
from tests.conftest import ROOT

SOURCES = ROOT / "graph" / "sources"
LEIDEN_SOURCE = URIRef(DATA_BASE + "source/leiden-ict-portal")


def bundled_sources() -> dict[URIRef, Graph]:
    """Each bundled Turtle source, by the IRI of the source node it describes (literals as
    written: rdflib would otherwise rewrite "P24M" as "P2Y")."""
    found = {}
    for path in sorted(SOURCES.glob("*.ttl")):
        with literals_as_written():
            graph = Graph().parse(path, format="turtle")
        heads = [
            s
            for cls in (PRO.SourceSegment, PRO.CurationRecord)
            for s in graph.subjects(RDF.type, cls)
        ]
        assert len(heads) == 1, path
        found[URIRef(heads[0])] = graph
    return found


def write_dataset(path: Path, graphs: dict[URIRef, Graph], fmt: str) -> Path:
    dataset = Dataset()
    for name, graph in graphs.items():
        target = dataset.graph(name)
        for triple in graph:
            target.add(triple)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dataset.serialize(format=fmt), encoding="utf-8")
    return path


@pytest.mark.parametrize(("suffix", "fmt"), [(".trig", "trig"), (".nq", "nquads")])
def test_a_dataset_file_of_the_sources_builds_the_same_release(
    tmp_path: Path, suffix: str, fmt: str
) -> None:
    folder = tmp_path / "sources"
    write_dataset(folder / f"all{suffix}", bundled_sources(), fmt)
    scanned = load.scan_sources(folder)
    assert [p.name for p in scanned.files] == [f"all{suffix}"]
    from_turtle = set(nquads_lines(read_release(load.source_paths(SOURCES)).dataset))
    from_dataset = set(nquads_lines(read_release(scanned.files).dataset))
    assert from_dataset == from_turtle


def test_turtle_and_dataset_files_mix(tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    graphs = bundled_sources()
    leiden = graphs.pop(LEIDEN_SOURCE)
    write_dataset(folder / "others.trig", graphs, "trig")
    (folder / "leiden.ttl").write_text(leiden.serialize(format="turtle"), encoding="utf-8")
    (folder / "README.md").write_text("notes\n", encoding="utf-8")
    scanned = load.scan_sources(folder)
    assert [p.name for p in scanned.files] == ["leiden.ttl", "others.trig"]
    assert [p.name for p in scanned.not_read] == ["README.md"]
    sources = load.read_sources(scanned.files)
    assert {s.graph_iri for s in sources} == set(bundled_sources())


def test_bundled_folder_is_read_and_its_readme_named() -> None:
    scanned = load.scan_sources(SOURCES)
    assert {p.name for p in scanned.files} == {p.name for p in SOURCES.glob("*.ttl")}
    assert [p.name for p in scanned.not_read] == ["README.md"]


def one_source(name: URIRef, head: URIRef | None = None) -> Graph:
    graph = Graph()
    graph.add((head or name, RDF.type, PRO.SourceSegment))
    graph.add((head or name, DCTERMS.title, Literal("a segment")))
    return graph


SOURCE_A = URIRef(DATA_BASE + "source/a")
SOURCE_B = URIRef(DATA_BASE + "source/b")
STRUCTURE_CASES = [
    # (graphs of one TriG file, fragment of the message)
    ({SOURCE_A: one_source(SOURCE_A, SOURCE_B)}, "describes the source"),
    ({SOURCE_A: one_source(SOURCE_A) + one_source(SOURCE_B)}, "exactly one"),
    ({SOURCE_A: Graph().add((SOURCE_A, DCTERMS.title, Literal("x")))}, "found none"),
    (
        {URIRef(DATA_BASE + "graph/ontology"): one_source(URIRef(DATA_BASE + "graph/ontology"))},
        "the build's own",
    ),
    ({}, "holds no named graph"),
]


@pytest.mark.parametrize(
    ("graphs", "fragment"),
    STRUCTURE_CASES,
    ids=["misnamed-graph", "two-sources", "no-source-node", "reserved-name", "empty"],
)
def test_a_malformed_dataset_source_is_refused(
    tmp_path: Path, graphs: dict[URIRef, Graph], fragment: str
) -> None:
    path = write_dataset(tmp_path / "sources" / "bad.trig", graphs, "trig")
    with pytest.raises(SourceStructureError) as caught:
        load.read_sources(load.scan_sources(path.parent).files)
    assert caught.value.path == path
    assert fragment in str(caught.value)


def test_triples_outside_a_named_graph_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "sources" / "mixed.trig"
    path.parent.mkdir()
    path.write_text(
        f"<{SOURCE_A}> {{ <{SOURCE_A}> a <{PRO.SourceSegment}> . }}\n"
        f'<{SOURCE_A}> <{DCTERMS.title}> "loose" .\n',
        encoding="utf-8",
    )
    with pytest.raises(SourceStructureError, match="1 triple\\(s\\) outside a named graph"):
        load.read_source_file(path)


def test_a_source_in_two_files_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    folder.mkdir()
    shutil.copy(SOURCES / "leiden-ict-portal.ttl", folder)
    write_dataset(folder / "again.trig", {LEIDEN_SOURCE: bundled_sources()[LEIDEN_SOURCE]}, "trig")
    with pytest.raises(SourceStructureError, match="also declared by"):
        load.read_sources(load.scan_sources(folder).files)


@pytest.mark.parametrize(
    ("entries", "fragments"),
    [
        ({}, ["no source file", "found: nothing"]),
        ({".gitkeep": "", "notes.txt": "x"}, ["no source file", "found: .gitkeep, notes.txt"]),
        ({"a.ttl": "", "b.rdf": ""}, ["b.rdf (RDF/XML is not a source file kind)"]),
        ({"a.ttl": "", "a.ttl.bak": ""}, ["a.ttl.bak (not a source file kind)"]),
        ({"a.ttl": "", "more/": ""}, ["more/ (a folder"]),
    ],
    ids=["empty", "hidden-and-notes", "rdfxml", "backup", "sub-folder"],
)
def test_a_folder_the_build_would_not_read_in_full_is_refused(
    tmp_path: Path, entries: dict[str, str], fragments: list[str]
) -> None:
    folder = tmp_path / "sources"
    folder.mkdir()
    for name, text in entries.items():
        if name.endswith("/"):
            (folder / name).mkdir()
        else:
            (folder / name).write_text(text, encoding="utf-8")
    with pytest.raises(SourceStructureError) as caught:
        load.scan_sources(folder)
    assert caught.value.path == folder
    for fragment in fragments:
        assert fragment in str(caught.value)
