"""The SPARQL constraints' store kept between builds (graph/build/checks_store.py): brought up
to date from the changed graphs, it holds what a store loaded from all the lines holds, blank
nodes included; a build interrupted while writing it, or a damaged record, makes the next
build load it again from all the lines."""

from __future__ import annotations

import gc
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.build import checks_store, pipeline, publish
from graph.build.checks_store import RECORD, STORE_DIR, open_checks_store, read_record
from graph.build.release import Release, read_release
from graph.build.sparql_checks import store_of_lines
from graph.iris import DATA_BASE
from graph.store.base import StoreError
from graph.synthetic.generate import generate_folder

from .support.builds import build_folder
from .support.edits import add_blank_nodes, change_title


def quads(store: ox.Store) -> set[str]:
    return {str(q) for q in store}


def release_of(folder: Path) -> Release:
    return read_release(sorted(folder.glob("*.nq")))


def held(release: Release, cache: Path) -> tuple[set[str], checks_store.Made]:
    store, made = open_checks_store(release, cache)
    found = quads(store)
    del store
    gc.collect()
    return found, made


def expected(release: Release) -> set[str]:
    return quads(store_of_lines(release.lines()))


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    generate_folder(folder, 6)
    first = sorted(folder.glob("synthetic-programme-*.nq"))[0]
    add_blank_nodes(first, "a note")
    return folder


def test_a_store_brought_up_to_date_holds_what_a_store_of_all_lines_holds(
    sources: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    release = release_of(sources)
    found, made = held(release, cache)
    assert made.how == "bulk load" and found == expected(release)

    found, made = held(release, cache)
    assert (made.how, made.removed, made.loaded) == ("incremental", 0, 0)
    assert found == expected(release)

    programmes = sorted(sources.glob("synthetic-programme-*.nq"))
    change_title(programmes[1])
    add_blank_nodes(programmes[0], "another note")  # a blank node's statement changes
    programmes[2].unlink()
    generate_folder(tmp_path / "more", 8)
    (tmp_path / "more" / "synthetic-programme-000007.nq").rename(
        sources / "synthetic-programme-000007.nq"
    )
    changed = release_of(sources)
    found, made = held(changed, cache)
    assert made.how == "incremental"
    # the changed two and the removed one, the new one (and the order graph if it moved)
    assert made.removed >= 3 and made.loaded >= 3
    assert made.loaded < len(changed.sources)
    assert found == expected(changed)
    assert found != expected(release)
    assert any("_:" in q and "another note" in q for q in found)
    assert not any("(revised)" in q for q in expected(release))


def test_a_build_interrupted_while_updating_the_store_leaves_no_record(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    held(release_of(sources), cache)
    change_title(sorted(sources.glob("synthetic-programme-*.nq"))[0])
    changed = release_of(sources)

    def interrupted(store: object, lines: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(checks_store, "add_lines", interrupted)
    with pytest.raises(KeyboardInterrupt):
        open_checks_store(changed, cache)
    gc.collect()
    assert not (cache / RECORD).exists() and read_record(cache) is None
    monkeypatch.undo()

    found, made = held(changed, cache)
    assert made.how == "bulk load" and found == expected(changed)


@pytest.mark.parametrize("record", ["{not json", '{"format": 0, "graphs": {}}', '"graphs"'])
def test_a_record_this_code_did_not_write_makes_the_store_again(
    sources: Path, tmp_path: Path, record: str
) -> None:
    cache = tmp_path / "cache"
    release = release_of(sources)
    held(release, cache)
    (cache / RECORD).write_text(record, encoding="utf-8")
    found, made = held(release, cache)
    assert made.how == "bulk load" and found == expected(release)


def test_a_record_without_its_store_makes_the_store_again(sources: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    release = release_of(sources)
    held(release, cache)
    shutil.rmtree(cache / STORE_DIR)
    found, made = held(release, cache)
    assert made.how == "bulk load" and found == expected(release)


def test_a_store_another_build_holds_is_refused_with_a_message_and_left_alone(
    sources: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    release = release_of(sources)
    store, _made = open_checks_store(release, cache)
    with pytest.raises(StoreError, match="SPARQL constraints' store"):
        open_checks_store(release, cache)
    assert read_record(cache) is not None and quads(store) == expected(release)
    del store
    gc.collect()
    found, made = held(release, cache)
    assert made.how == "incremental" and found == expected(release)


def test_a_title_change_changes_the_title_statements_only(tmp_path: Path) -> None:
    """What changed is compared as the store holds it: the changed sources' fees, scores and
    durations, written "75.0" or "P24M" and held "75" or "P2Y", are not changes."""
    sources, cache = tmp_path / "sources", tmp_path / "cache"
    generate_folder(sources, 12)
    programmes = sorted(sources.glob("synthetic-programme-*.nq"))
    assert any(
        '.0"^^<http://www.w3.org/2001/XMLSchema#decimal>' in p.read_text() for p in programmes
    )
    held(release_of(sources), cache)
    for path in programmes[::4]:
        change_title(path)
    _found, made = held(release_of(sources), cache)
    assert made.how == "incremental" and made.changes is not None
    assert made.changes.keys == {"http://purl.org/dc/terms/title"}
    pages = {f"<{DATA_BASE}page/{path.stem}>" for path in programmes[::4]}
    assert made.changes.nodes == pages


def test_a_store_loaded_through_its_copy_of_the_lines_holds_them_and_keeps_the_file(
    sources: Path, tmp_path: Path
) -> None:
    """A first build's store is loaded from the path of the lines it copies (add_lines):
    the same quads as a store of the lines, blank-node labels included, and the copy holds
    every line, as publishing writes them (its lines with a blank node come last)."""
    release = release_of(sources)
    lines = list(release.lines())
    assert any("_:" in line for line in lines)
    copy = tmp_path / "lines.nq"
    store = store_of_lines(iter([*lines, "", "  "]), tmp_path / "store", through=copy)
    found = quads(store)
    del store
    gc.collect()
    assert found == expected(release)
    written = tmp_path / "written.nq"
    publish.write_lines(lines, written)
    assert sorted(copy.read_text(encoding="utf-8").splitlines()) == sorted(
        written.read_text(encoding="utf-8").splitlines()
    )


def test_a_first_build_store_made_with_a_copy_holds_what_one_without_holds(
    sources: Path, tmp_path: Path
) -> None:
    release = release_of(sources)
    copy = tmp_path / "copy.nq"
    store, made = open_checks_store(release, tmp_path / "with", copy_lines_to=copy)
    with_copy = quads(store)
    del store
    gc.collect()
    assert made.how == "bulk load" and copy.is_file()
    without, _ = held(release, tmp_path / "without")
    assert with_copy == without == expected(release)


def test_a_first_build_lets_the_release_go_before_the_store_is_loaded_from_the_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Loaded from the union index's copy, the constraints' store reads nothing from the
    release (1.4 GB at 100,000 programmes, under the bulk load's own 2 GB): none is alive
    while it is loaded. A rebuild, which reads the changed graphs' lines from it, keeps it;
    asked to without a copy to load from, open_checks_store refuses."""
    sources, data = tmp_path / "sources", tmp_path / "data"
    generate_folder(sources, 3)
    alive: list[tuple[bool, int]] = []
    opening = pipeline.open_checks_store

    def probe(release: Release | None, cache: Path, **kwargs: object) -> object:
        gc.collect()
        alive.append((release is None, sum(isinstance(o, Release) for o in gc.get_objects())))
        return opening(release, cache, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "open_checks_store", probe)
    first = build_folder(sources, data)
    change_title(sorted(sources.glob("synthetic-programme-*.nq"))[1])
    build_folder(sources, data)
    assert alive == [(True, 0), (False, 1)]
    assert first.manifest["store"] == {"made": "checkpoint"}
    with pytest.raises(RuntimeError, match="only from a copy"):
        open_checks_store(None, data / "cache", digests={})
