"""The release's lines copied as the union index reads them (graph/build/release_copy.py):
a first build loads the SPARQL constraints' store from that copy instead of reading every
source's lines again, and the store, the copy and the published version are what loading
from the lines gives; a copy is complete or absent; a build that brings the store up to date
writes none."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from graph import settings as prospectus_settings
from graph import versions
from graph.build import checks_store, pipeline, publish, release_copy, union_index
from graph.build.checks_store import RECORD, STORE_DIR
from graph.build.release import read_release
from graph.build.release_copy import ReleaseCopy, blank_path
from graph.build.sparql_checks import store_of_lines
from graph.errors import ValidationFailed
from graph.synthetic.generate import generate_folder
from tests.support.builds import build_folder
from tests.support.edits import add_blank_nodes

QUAD = "<urn:s> <urn:p> {} <urn:g> ."
LINES = [
    QUAD.format('"a"') + "\n",
    "",
    "   ",
    QUAD.format("_:b1"),
    '_:b1 <urn:q> "x" <urn:g> .',
    QUAD.format('"é"'),
    QUAD.format("<urn:o>"),
]


def quads(store: ox.Store) -> set[str]:
    return {str(q) for q in store}


def test_a_copy_loads_the_store_the_lines_load_and_then_holds_every_line(tmp_path: Path) -> None:
    path = tmp_path / "copy.nq"
    copy = ReleaseCopy(path)
    copy.add(LINES[:3])
    assert not path.exists()  # not complete yet
    copy.add(LINES[3:])
    copy.close()
    plain = [QUAD.format('"a"'), QUAD.format('"é"'), QUAD.format("<urn:o>")]
    assert path.read_text(encoding="utf-8").splitlines() == plain
    assert blank_path(path).read_text(encoding="utf-8").splitlines() == LINES[3:5]

    store = ox.Store(str(tmp_path / "store"))
    release_copy.load(store, path)
    assert quads(store) == quads(store_of_lines(LINES))  # blank nodes keep their labels
    assert {str(q.object) for q in store if isinstance(q.object, ox.BlankNode)} == {"_:b1"}
    written = tmp_path / "written.nq"
    publish.write_lines(LINES, written)  # what publish.LinesFile holds
    assert sorted(path.read_text(encoding="utf-8").splitlines()) == sorted(
        written.read_text(encoding="utf-8").splitlines()
    )
    assert not blank_path(path).exists()


def test_a_copy_given_up_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "copy.nq"
    copy = ReleaseCopy(path)
    copy.add(LINES)
    copy.discard()
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("release-copy") / "sources"
    generate_folder(folder, 6)
    return folder


def test_a_union_index_that_fails_while_written_leaves_no_copy(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = read_release(sorted(sources.glob("*.nq")))
    parts = [union_index.Part.of(s) for s in release.sources]
    added: list[str] = []

    def failing(db: object, part: union_index.Part, rows: object) -> None:
        added.append(part.name)
        if len(added) == 3:
            raise OSError("disk full")

    monkeypatch.setattr(union_index, "_add", failing)
    copy = tmp_path / "copy.nq"
    with pytest.raises(OSError, match="disk full"):
        union_index.UnionIndex.update(
            tmp_path / "union.sqlite", parts, frozenset(), True, "salt", copy_to=copy
        )
    assert added and not [p for p in tmp_path.iterdir() if p.name.startswith(copy.name)]


def _recording(monkeypatch: pytest.MonkeyPatch) -> tuple[list[Path], list[int]]:
    """The copies the union index starts, and how often the constraints' store is loaded
    from the release's lines instead of a copy."""
    copies: list[Path] = []
    from_lines: list[int] = []

    made_beside = union_index.made_beside  # the copy is written by its forked reader

    def recorded(parts: Any, rows_of: Any, copy_to: Path | None) -> Any:
        if copy_to is not None:
            copies.append(copy_to)
        return made_beside(parts, rows_of, copy_to)

    def loading(*args: object, **kwargs: object) -> ox.Store:
        from_lines.append(1)
        return store_of_lines(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(union_index, "made_beside", recorded)
    monkeypatch.setattr(checks_store, "store_of_lines", loading)
    return copies, from_lines


def _checks_store_quads(cache: Path) -> set[str]:
    store = ox.Store.read_only(str(cache / STORE_DIR))
    found = quads(store)
    del store
    gc.collect()
    return found


def test_a_first_build_loads_the_constraints_store_from_the_union_index_copy(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copies, from_lines = _recording(monkeypatch)
    data = tmp_path / "data"
    version = build_folder(sources, data)
    cache = data / "cache"
    assert copies == [cache / pipeline.RELEASE_LINES] and from_lines == []
    release = read_release(sorted(sources.glob("*.nq")))
    assert _checks_store_quads(cache) == quads(store_of_lines(release.lines()))
    assert version.dataset_file.read_text(encoding="utf-8").splitlines() == sorted(
        set(release.lines())
    )
    assert not [p for p in cache.iterdir() if p.name.startswith(pipeline.RELEASE_LINES)]


def test_no_copy_when_the_constraints_store_is_brought_up_to_date(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, folder = tmp_path / "data", Path(shutil.copytree(sources, tmp_path / "sources"))
    build_folder(folder, data)
    cache = data / "cache"
    copies, from_lines = _recording(monkeypatch)
    (cache / "validation" / "union.sqlite").unlink()  # the union index written afresh
    (folder / "synthetic-programme-000002.nq").unlink()
    build_folder(folder, data)
    assert copies == [] and from_lines == []  # the store updated from the changed graphs

    (cache / RECORD).unlink()  # the store loaded again, the union index updated: no copy
    (folder / "synthetic-programme-000003.nq").unlink()
    version = build_folder(folder, data)
    assert copies == [] and from_lines == [1]
    release = read_release(sorted(folder.glob("*.nq")))
    assert _checks_store_quads(cache) == quads(store_of_lines(release.lines()))
    assert version.dataset_file.read_text(encoding="utf-8").splitlines() == sorted(
        set(release.lines())
    )


def test_a_blank_node_of_the_copy_keeps_its_label_in_the_constraints_store(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blank nodes are refused by a SPARQL constraint (shp:NoBlankNodes), found in the store
    loaded from the copy under the label the release's lines give them; the build fails and
    leaves no copy."""
    folder = Path(shutil.copytree(sources, tmp_path / "sources"))
    first = sorted(folder.glob("synthetic-programme-*.nq"))[0]
    add_blank_nodes(first, "a note")
    copies, from_lines = _recording(monkeypatch)
    data = tmp_path / "data"
    loaded = prospectus_settings.load({"data_dir": str(data)}, environ={})
    with pytest.raises(ValidationFailed) as failed:
        pipeline.build(loaded, source_files=sorted(folder.glob("*.nq")))
    assert copies == [data / "cache" / pipeline.RELEASE_LINES] and from_lines == []
    release = read_release(sorted(folder.glob("*.nq")))
    labels = {t for line in release.lines() for t in line.split(" ") if t.startswith("_:")}
    found = [v for v in failed.value.violations if v.source_shape.endswith("#NoBlankNodes")]
    assert len(labels) == 1 and [(v.focus_node, v.source_file) for v in found] == [
        (labels.pop(), str(first))
    ]
    assert versions.current(data) is None
    assert not [p for p in (data / "cache").iterdir() if p.name.startswith(pipeline.RELEASE_LINES)]
