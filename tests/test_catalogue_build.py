"""The catalogue build (issue 13 item 5): `prospectus generate --output DIR` writes a sources
folder, one file per source, that `prospectus build --sources DIR` publishes through the same
path as real data (shapes included)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef
from rdflib.compare import isomorphic

from graph import versions
from graph.build.load import read_source_file, scan_sources
from graph.iris import ONTOLOGY_GRAPH, ORDER_GRAPH, VOCABULARY_GRAPH

from .conftest import PROSPECTUS, ROOT

BUILD_OWN = {ONTOLOGY_GRAPH, VOCABULARY_GRAPH, ORDER_GRAPH}


def prospectus(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PROSPECTUS_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [PROSPECTUS, *args], env=env, capture_output=True, text=True, cwd=ROOT, check=False
    )


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
