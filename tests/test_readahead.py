"""Reading validation's batches ahead (graph/build/readahead.py): the release copy gives
back each graph's lines, the index's pages recorded for a graph hold its rows, batches are
advised ahead of the workers, and a first build's validation reads no parse cache entry
and reports what validating from the entries reports."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from graph import settings
from graph.build import groups, pipeline, readahead, union_index
from graph.build.release import read_release
from graph.build.release_copy import ReleaseCopy
from graph.build.validate import Report, validate_release
from graph.errors import PublishError, ValidationFailed, Violation
from graph.synthetic.generate import generate_folder

TITLE = "http://purl.org/dc/terms/title"

GRAPHS = [
    ['<urn:a> <urn:p> "one" <urn:g1> .\n', "", '<urn:a> <urn:p> "two\u2028lines" <urn:g1> .'],
    ["<urn:b> <urn:p> _:x <urn:g2> .", '_:x <urn:p> "y" <urn:g2> .'],
    ['<urn:c> <urn:p> "ç" <urn:g3> .'],
    [],
    ['<urn:d> <urn:p> "d" <urn:g5> .'],
]


@pytest.mark.parametrize("gap", [readahead.GAP, 0])
def test_the_copy_gives_back_each_graphs_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gap: int
) -> None:
    """In one read or in one read a span (GAP 0), in any order; a graph with a blank node
    is not placed (its lines wait in the copy's side file)."""
    monkeypatch.setattr(readahead, "GAP", gap)
    copy = ReleaseCopy(tmp_path / "copy.nq")
    spans = [copy.add(lines) for lines in GRAPHS]
    copy.close()
    assert spans[1] is None and spans[3] == (spans[2][0] + spans[2][1], 0)  # type: ignore[index]
    order = [4, 1, 0, 3, 2]
    found = readahead.read_members(copy.path, [spans[i] for i in order])
    expected = [tuple(line.rstrip("\n") for line in GRAPHS[i] if line) for i in order]
    assert found == [None if spans[i] is None else expected[k] for k, i in enumerate(order)]


def test_a_copy_cut_short_is_an_error_not_fewer_lines(tmp_path: Path) -> None:
    copy = ReleaseCopy(tmp_path / "copy.nq")
    spans = [copy.add(lines) for lines in GRAPHS]
    copy.close()
    size = copy.path.stat().st_size
    with copy.path.open("r+b") as fh:
        fh.truncate(size - 5)
    with pytest.raises(PublishError) as raised:
        readahead.read_members(copy.path, spans)
    assert str(copy.path) in str(raised.value)
    assert f"ends at byte {size - 5:,}" in str(raised.value)


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("readahead") / "sources"
    generate_folder(folder, 40)
    return folder


def _pages_of_rows(path: Path, table: str) -> list[int]:
    """The page of each row of the WITHOUT ROWID `table`, in the key order (SQLite's dbstat
    names each page by its path from the root; an interior page of an index b-tree holds
    keys too, each between the subtrees of two children)."""
    db = sqlite3.connect(path)
    try:
        found = db.execute(
            "SELECT path, pageno, ncell, pagetype FROM dbstat WHERE name = ?", (table,)
        ).fetchall()
    finally:
        db.close()
    pages = {where: (page, cells, kind) for where, page, cells, kind in found}

    def walk(where: str) -> list[int]:
        page, cells, kind = pages[where]
        if kind == "leaf":
            return [page] * cells
        rows: list[int] = []
        for k in range(cells):
            rows += [*walk(f"{where}{k:03x}/"), page]
        return rows + walk(f"{where}{cells:03x}/")

    return walk("/")


def test_most_of_a_parts_rows_lie_in_its_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 200 programmes, with BEFORE the pages of 40 graphs and AFTER those of one (at
    100,000 programmes, 8 MB is about 170 graphs), more than three quarters of the `about`
    rows lie in the index window of the graph that first made them (measured: 84%; 82% at
    1,000); pages recorded wrongly would give a few percent. The rest are anywhere: a page
    split moves rows to new pages, and the nodes named after the source files are not in
    the order the index is written."""
    generate_folder(tmp_path / "sources", 200)
    release = read_release(sorted((tmp_path / "sources").glob("*.nq")))
    parts = [union_index.Part.of(s) for s in release.sources]
    path = tmp_path / "union.sqlite"
    index, changed = union_index.UnionIndex.update(
        path, parts, frozenset(), True, "salt", copy_to=tmp_path / "copy.nq"
    )
    layout = index.layout
    assert changed is None and layout is not None and layout.parts is not None
    maker: dict[tuple[str, str], str] = {}
    for part in sorted(parts, key=lambda p: p.main):
        for row in union_index._rows(part.name, part.read(), frozenset(), True)[0]:
            maker.setdefault(row, part.name)
    db = sqlite3.connect(path)
    keys = db.execute("SELECT s, po FROM about ORDER BY s, po").fetchall()
    db.close()
    pages = _pages_of_rows(path, "about")
    per_part = max(pages) * layout.page_size / len(parts)
    monkeypatch.setattr(readahead, "BEFORE", int(40 * per_part))
    monkeypatch.setattr(readahead, "AFTER", int(per_part))
    inside = 0
    for key, page in zip(keys, pages, strict=True):
        [_copy, (file, start, length)] = layout.windows([maker[key]])
        inside += file == path and start <= (page - 1) * layout.page_size < start + length
    assert len(keys) == len(pages) > 20_000 and inside / len(keys) > 0.75

    name = parts[5].name  # the window of one graph without margins: its own pages and span
    monkeypatch.setattr(readahead, "BEFORE", 0)
    monkeypatch.setattr(readahead, "AFTER", 0)
    [(copy, offset, n), (file, start, length)] = layout.windows([name])
    assert (copy, offset, n) == (tmp_path / "copy.nq", *layout.parts[name].span)  # type: ignore[misc]
    assert start // layout.page_size + 1 == layout.parts[name].first
    assert (start + length) // layout.page_size + 1 == layout.parts[name].end


def test_batches_are_advised_ahead_of_the_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    advised: list[list[tuple[Path, int, int]]] = []
    monkeypatch.setattr(readahead, "advise", advised.append)
    placed = {f"g{i}": readahead.Placed((100 * i, 100), 10 * i + 1, 10 * i + 11) for i in range(10)}
    layout = readahead.Layout(tmp_path / "index", 4096, tmp_path / "copy", placed)
    batches = [[f"g{i}"] for i in range(10)]
    ahead = readahead.Ahead(layout, batches)
    assert advised == [layout.windows(b) for b in batches[: readahead.AHEAD]]
    ahead.done(0)
    assert len(advised) == readahead.AHEAD + 1 and advised[-1] == layout.windows(["g4"])
    ahead.done(9)
    assert advised == [layout.windows(b) for b in batches]
    readahead.Ahead(None, batches).done(3)  # no layout (a rebuild): nothing advised
    assert len(advised) == len(batches)


def test_a_first_build_validates_from_the_copy_not_the_parse_cache(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In one process (build_workers 1), no unit's lines are read from a parse cache entry;
    the report, a programme's missing titles among its violations, equals the one
    validating from the sources' lines."""
    folder = Path(shutil.copytree(sources, tmp_path / "sources"))
    broken = sorted(folder.glob("synthetic-programme-*.nq"))[3]
    kept = [line for line in broken.read_text(encoding="utf-8").splitlines() if TITLE not in line]
    broken.write_text("\n".join(kept) + "\n", encoding="utf-8")
    from_entries: list[str] = []
    lines_of = groups.lines_of

    def reading(source: groups.ParsedSource) -> tuple[str, ...]:
        if source.stored is not None:
            from_entries.append(source.graph_iri)
        return lines_of(source)

    reports: list[Report] = []
    found: list[list[Violation]] = []  # as validation gave them (the build adds the SPARQL's)

    def validating(*args: Any, **kwargs: Any) -> Report:
        reports.append(validate_release(*args, **kwargs))
        found.append(list(reports[-1].results))
        return reports[-1]

    monkeypatch.setattr(groups, "lines_of", reading)
    monkeypatch.setattr(pipeline, "validate_release", validating)
    loaded = settings.load({"data_dir": str(tmp_path / "data"), "build_workers": 1}, environ={})
    with pytest.raises(ValidationFailed):
        pipeline.build(loaded, source_files=sorted(folder.glob("*.nq")))
    assert from_entries == [] and len(reports) == 1
    assert reports[0].validated == reports[0].groups  # every unit (a first build)
    release = read_release(sorted(folder.glob("*.nq")))
    expected = validate_release(release, sparql=False).results
    assert found[0] == expected
    assert [v for v in expected if v.path == TITLE and v.severity == "Violation"]
