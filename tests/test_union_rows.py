"""The union index's rows made in a forked reader (graph/build/union_rows.py): the same rows
and copy as made in one process, in order, and on every failure (the reader's or the
writer's) an error that says what happened, no copy left and no reader left running."""

from __future__ import annotations

import multiprocessing
import os
from functools import partial
from pathlib import Path

import pytest

from graph.build import union_rows
from graph.build.release_copy import ReleaseCopy, lines_in
from graph.build.union_index import Part, _rows
from graph.build.union_rows import UnionRowsError, made_beside

INVERSE = frozenset({"http://example.org/partOf"})


def _parts(count: int) -> list[Part]:
    return [
        Part.lines(
            f"http://example.org/g{i}",
            (
                f'<http://example.org/s{i}> <http://example.org/p> "v {i}" '
                f"<http://example.org/g{i}> .",
                f"<http://example.org/s{i}> <http://example.org/partOf> <http://example.org/all> "
                f"<http://example.org/g{i}> .",
            ),
        )
        for i in range(count)
    ]


ROWS_OF = partial(_rows, inverse=INVERSE, apart=False)


def test_the_reader_gives_the_rows_and_copy_of_one_process(tmp_path: Path) -> None:
    parts = _parts(2 * union_rows.BATCH + 3)  # three messages, the last one short
    beside, alone = tmp_path / "beside.nq", tmp_path / "alone.nq"
    made = list(made_beside(parts, ROWS_OF, beside))
    copy = ReleaseCopy(alone)
    expected = [(copy.add(p.read()), ROWS_OF(p.name, p.read())) for p in parts]
    copy.close()
    assert [(m.span, tuple(map(set, m.rows))) for m in made] == expected
    assert beside.read_bytes() == alone.read_bytes()
    data = beside.read_bytes()
    assert [lines_in(data[s : s + n]) for s, n in (m.span for m in made if m.span)] == [
        p.read() for p in parts
    ]
    assert multiprocessing.active_children() == []


def test_an_error_reading_a_part_is_raised_in_the_writer_and_leaves_no_copy(
    tmp_path: Path,
) -> None:
    missing = Part("http://example.org/gone", "digest", (str(tmp_path / "no-entry"), 0))
    copy = tmp_path / "copy.nq"
    with pytest.raises(FileNotFoundError, match="no-entry"):
        list(made_beside([*_parts(3), missing], ROWS_OF, copy))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("copy.nq")]
    assert multiprocessing.active_children() == []


def test_a_writer_that_stops_taking_rows_leaves_no_copy_and_no_reader(tmp_path: Path) -> None:
    copy = tmp_path / "copy.nq"
    made = made_beside(_parts(5 * union_rows.BATCH), ROWS_OF, copy)
    next(made)
    made.close()  # as when putting the rows in fails
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("copy.nq")]
    assert multiprocessing.active_children() == []


def _dies(name: str, lines: tuple[str, ...]) -> object:
    if name.endswith("g7"):
        os._exit(3)
    return ROWS_OF(name, lines)


def test_a_reader_that_dies_is_an_error_that_says_so(tmp_path: Path) -> None:
    copy = tmp_path / "copy.nq"
    with pytest.raises(UnionRowsError, match=r"ended without finishing \(exit code 3\)"):
        list(made_beside(_parts(10), _dies, copy))  # type: ignore[arg-type]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("copy.nq")]
    assert multiprocessing.active_children() == []
