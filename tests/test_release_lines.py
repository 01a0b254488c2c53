"""A first build's lines kept as the SPARQL constraints' store reads them (publish.copying,
sparql_checks.add_lines, publish.LinesFile): the version's dataset.nq is then made from
that copy instead of from a second reading of the release, and is the same; the copy never
outlives the build."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph import settings as prospectus_settings
from graph import versions
from graph.build import pipeline, publish
from graph.build.release import read_release
from graph.errors import ProspectusError, ValidationFailed, Violation
from graph.synthetic.generate import generate_folder
from tests.support.builds import build_folder

QUAD = (
    "<https://w3id.org/prospectus/id/org/x> <http://www.w3.org/2000/01/rdf-schema#label>"
    ' "{}" <https://w3id.org/prospectus/id/source/s> .'
)
LINES = [QUAD.format("b") + "\n", "", "  ", QUAD.format("a"), QUAD.format("b"), QUAD.format("é")]


def test_the_copy_is_what_publishing_writes_and_passes_every_line_on(tmp_path: Path) -> None:
    copied = tmp_path / "copied.nq"
    assert list(publish.copying(iter(LINES), copied)) == LINES
    written = tmp_path / "written.nq"
    publish.write_lines(LINES, written)
    assert copied.read_bytes() == written.read_bytes()
    assert copied.read_text(encoding="utf-8").splitlines() == [
        QUAD.format("b"),
        QUAD.format("a"),
        QUAD.format("b"),
        QUAD.format("é"),
    ]


def test_a_lines_file_publishes_the_version_its_lines_publish(tmp_path: Path) -> None:
    from_lines, _ = publish.publish(tmp_path / "a", LINES)
    copy = tmp_path / "copy.nq"
    for _line in publish.copying(LINES, copy):
        pass
    from_file, new = publish.publish(tmp_path / "b", publish.LinesFile(copy))
    assert new
    assert from_file.dataset_file.read_bytes() == from_lines.dataset_file.read_bytes()
    assert from_file.manifest["sha256"] == from_lines.manifest["sha256"]
    assert not copy.exists()  # moved in, then sorted into dataset.nq
    for _line in publish.copying(reversed(LINES), copy):
        pass
    again, new = publish.publish(tmp_path / "b", publish.LinesFile(copy))
    assert not new and again.id == from_file.id  # the same content: nothing published
    assert not copy.exists()


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("release-lines") / "sources"
    generate_folder(folder, 6)
    return folder


def test_a_first_build_publishes_the_release_lines_from_the_copy(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved: list[Path] = []
    publish_dataset = pipeline.publish_dataset

    def recording(data_dir: Path, lines: object, **kwargs: object) -> object:
        if isinstance(lines, publish.LinesFile):
            moved.append(lines.path)
        return publish_dataset(data_dir, lines, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "publish_dataset", recording)
    sources = Path(shutil.copytree(sources, tmp_path / "sources"))  # one is removed below
    version = build_folder(sources, tmp_path / "data")
    assert moved == [tmp_path / "data" / "cache" / pipeline.RELEASE_LINES]
    assert not moved[0].exists()
    release = read_release(sorted(sources.glob("*.nq")))
    expected = sorted(set(release.lines()))
    assert version.dataset_file.read_text(encoding="utf-8").splitlines() == expected

    moved.clear()  # a rebuild brings the constraints' store up to date: no copy is made
    (sources / "synthetic-programme-000001.nq").unlink()
    build_folder(sources, tmp_path / "data")
    assert moved == []


def test_a_build_that_fails_leaves_no_copy_and_publishes_nothing(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = Violation("Violation", "urn:x", None, None, "made to fail", "urn:shape")
    data_dir = tmp_path / "data"
    copied: list[bool] = []

    def failing(*args: object) -> list[Violation]:
        copied.append((data_dir / "cache" / pipeline.RELEASE_LINES).is_file())
        return [found]

    monkeypatch.setattr(pipeline, "checked", failing)
    loaded = prospectus_settings.load({"data_dir": str(data_dir)}, environ={})
    with pytest.raises(ValidationFailed):
        pipeline.build(loaded, source_files=sorted(sources.glob("*.nq")))
    assert copied == [True]  # the constraints' store was loaded from every line, kept
    assert versions.current(data_dir) is None
    assert not (data_dir / "cache" / pipeline.RELEASE_LINES).exists()


def test_a_copy_left_by_a_build_killed_outright_goes_with_the_next_build(
    sources: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "bad.nq").write_text("<urn:a> <urn:b> .\n", encoding="utf-8")  # no object
    stale = tmp_path / "data" / "cache" / pipeline.RELEASE_LINES
    stale.parent.mkdir(parents=True)
    stale.write_text("left behind\n", encoding="utf-8")
    loaded = prospectus_settings.load({"data_dir": str(tmp_path / "data")}, environ={})
    with pytest.raises(ProspectusError):  # refused while reading, before the constraints
        pipeline.build(loaded, source_files=[broken / "bad.nq"])
    assert not stale.exists()
