"""The catalogue build (issue 13 item 5): `prospectus generate --output DIR` writes a sources
folder, one file per source, that `prospectus build --sources DIR` publishes through the same
path as real data (shapes included)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef
from rdflib.compare import isomorphic

from graph import versions
from graph.build import progress
from graph.build.load import read_source_file, scan_sources
from graph.iris import ONTOLOGY_GRAPH, ORDER_GRAPH, VOCABULARY_GRAPH

from .support import cli

BUILD_OWN = {ONTOLOGY_GRAPH, VOCABULARY_GRAPH, ORDER_GRAPH}


def prospectus(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return cli.prospectus(*args, data_dir=data_dir)


def read_nquads(path: Path) -> Dataset:
    dataset = Dataset()
    dataset.parse(path, format="nquads")
    return dataset


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Six programmes generated twice (a folder and a file), the folder then built."""
    work = tmp_path_factory.mktemp("catalogue")
    folder, single, data = work / "sources", work / "single.nq", work / "data"
    for output in (folder, single):
        done = prospectus("generate", "-n", "6", "--seed", "3", "-o", str(output), data_dir=data)
        assert done.returncode == 0, done.stderr
    built = prospectus("build", "--sources", str(folder), data_dir=data)
    assert built.returncode == 0, built.stderr
    return folder, single, data


def test_the_folder_holds_one_source_file_per_source(generated: tuple[Path, Path, Path]) -> None:
    folder, single, _data = generated
    scanned = scan_sources(folder)
    sources = [s for path in scanned.files for s in read_source_file(path)]
    assert len(scanned.files) == len(sources) == 7  # six programmes' segments, one curation
    expected = {
        URIRef(str(g.identifier))
        for g in read_nquads(single).graphs()
        if len(g) and URIRef(str(g.identifier)) not in BUILD_OWN
    }
    assert {s.graph_iri for s in sources} == expected


def test_build_from_the_folder_publishes_the_programmes_generate_writes_to_a_file(
    generated: tuple[Path, Path, Path],
) -> None:
    _folder, single, data = generated
    version = versions.current(data)
    assert version is not None
    published = read_nquads(version.dataset_file)
    written = read_nquads(single)
    names = {URIRef(str(g.identifier)) for g in written.graphs() if len(g)} - BUILD_OWN
    curation = next(n for n in names if "curation" in n)
    for name in sorted(names - {curation}):
        assert isomorphic(published.graph(name), written.graph(name)), name
    # The curation record also carries the EU concepts the bundled vocabularies lack, which
    # the file puts in its vocabulary graph.
    assert set(written.graph(curation)) <= set(published.graph(curation))
    extra = set(published.graph(curation)) - set(written.graph(curation))
    assert extra <= set(written.graph(VOCABULARY_GRAPH))
    # The catalogue order the build computes is the one the generator writes.
    assert isomorphic(published.graph(ORDER_GRAPH), written.graph(ORDER_GRAPH))


def test_a_second_generate_into_the_folder_leaves_only_its_own_sources(tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    for n in ("5", "2"):
        done = prospectus("generate", "-n", n, "-o", str(folder), data_dir=tmp_path / "d")
        assert done.returncode == 0, done.stderr
    assert len(scan_sources(folder).files) == 3


POSITION = "<https://w3id.org/prospectus/ontology#listPosition>"
INTEGER = "<http://www.w3.org/2001/XMLSchema#integer>"


def programme_of(path: Path) -> str:
    """The programme IRI a generated segment file describes."""
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    kind = "<https://w3id.org/prospectus/ontology#StudyProgramme>"
    for line in path.read_text(encoding="utf-8").splitlines():
        s, p, o, _rest = line.split(" ", 3)
        if p == rdf_type and o == kind:
            return s.strip("<>")
    raise AssertionError(f"no programme in {path}")


def test_a_position_taken_twice_across_two_files_is_refused_naming_files_and_nodes(
    generated: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    folder, _single, data = generated
    before = versions.current(data)
    broken = tmp_path / "sources"
    broken.mkdir()
    for path in folder.iterdir():
        (broken / path.name).write_bytes(path.read_bytes())
    first, second = sorted(broken.glob("synthetic-programme-*.nq"))[:2]
    for path in (first, second):  # both claim position 99, in their own graphs
        graph = path.read_text(encoding="utf-8").splitlines()[0].rsplit(" ", 2)[1]
        with path.open("a", encoding="utf-8") as out:
            out.write(f'<{programme_of(path)}> {POSITION} "99"^^{INTEGER} {graph} .\n')
    done = prospectus("build", "--sources", str(broken), data_dir=data)
    assert done.returncode != 0
    report = done.stderr
    for path in (first, second):
        assert path.name in report and programme_of(path) in report
    assert "is also the pro:listPosition of" in report
    assert versions.current(data) == before  # nothing published


def test_sparql_checks_give_the_report_pyshacl_gives(generated: tuple[Path, Path, Path]) -> None:
    """The shapes' SPARQL constraints, run in Oxigraph (graph/build/sparql_checks.py), report
    what pySHACL reports when it runs them itself: on the bundled sources and on a folder."""
    from graph import paths
    from graph.build.release import read_release
    from graph.build.validate import read_shapes, validate, validate_release

    def key(result: object) -> tuple:
        fields = vars(result)
        return tuple(
            "_:" if isinstance(v, str) and v.startswith("_:") else v
            for v in (fields[k] for k in sorted(fields))
        )

    for folder in (paths.SOURCES_DIR, generated[0]):
        release = read_release(scan_sources(folder).files)
        ours = validate_release(release).results
        pyshacl_alone = validate(release.dataset, read_shapes(), release.ontology, release.files)
        assert sorted(map(key, ours)) == sorted(map(key, pyshacl_alone.results))
        assert ours  # the generated data and the bundled sources have warnings to compare


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stream", [io.StringIO(), Terminal()], ids=["lines", "terminal"])
def test_progress_counts_with_a_bar_on_a_terminal_and_lines_otherwise(stream: io.StringIO) -> None:
    progress.enable(stream)
    try:
        assert list(progress.each(range(40), "reading sources", unit="files")) == list(range(40))
    finally:
        progress.disable()
    shown = stream.getvalue()
    assert "reading sources" in shown and "40/40" in shown
    if isinstance(stream, Terminal):
        assert "\r" in shown  # the bar redraws itself
    else:
        lines = shown.splitlines()
        assert lines[0] == "reading sources: 0/40" and len(lines) == 11
        assert "about" in lines[1] and "s left" in lines[1]  # the ETA


def test_the_build_reports_progress_in_lines_when_not_on_a_terminal(
    generated: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    folder, _single, _data = generated
    done = prospectus("build", "--sources", str(folder), data_dir=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    assert "reading sources: 7/7 done" in done.stderr
    assert "SPARQL constraints:" in done.stderr


def test_a_catalogue_big_enough_for_the_writers_workers_builds_in_parallel(
    tmp_path: Path,
) -> None:
    """200 programmes with two build workers: the ELM export and the change stream fork
    workers after the SPARQL constraints ran on an on-disk store of their own; a store left
    open across that fork crashed the workers (SIGSEGV), and the build with them."""
    folder, data = tmp_path / "sources", tmp_path / "data"
    done = prospectus("generate", "-n", "200", "-o", str(folder), data_dir=data)
    assert done.returncode == 0, done.stderr
    built = cli.build(data, folder, env={"PROSPECTUS_BUILD_WORKERS": "2"})
    assert built.returncode == 0, built.stderr[-2000:]
    version = versions.current(data)
    assert version is not None
    assert version.manifest["elm"]["programmes"]  # the workers' parts made the export
