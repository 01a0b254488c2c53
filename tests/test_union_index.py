"""The union's index (graph/build/union_index.py) written afresh in several processes holds
what one process writes: the same parts, statements with the same counts (a statement
several parts make, across the processes' shares), the same incoming statements and
positions; and a later update (a part changed, one gone) finds the same changed nodes and
leaves the same index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from graph.build import union_index
from graph.build.positions import POSITION
from graph.build.union_index import Part, UnionIndex

EX = "http://ex.org/"
OF = f"{EX}of"


def _parts(changed: bool = False) -> list[Part]:
    parts = []
    for n in range(7):
        graph = f"{EX}g{n}"
        title = "changed" if changed and n == 2 else f"p{n}"
        lines = [
            f'<{EX}p{n}> <{EX}title> "{title}" <{graph}> .',
            f"<{EX}p{n}> <{EX}org> <{EX}o> <{graph}> .",
            f'<{EX}o> <{EX}name> "O" <{graph}> .',  # made by every part
            f"<{EX}c{n}> <{OF}> <{EX}p{n}> <{graph}> .",  # incoming, over an inverse path
            f"<{EX}c{n}> <{OF}> <{EX}o> <{graph}> .",
            f'<{EX}p{n}> <{POSITION}> "{n}" <{graph}> .',
            f"_:b{n} <{EX}in> <{EX}p{n}> <{graph}> .",
        ]
        parts.append(Part.lines(graph, tuple(lines)))
    return parts


def _tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(path)
    try:
        return {
            table: sorted(db.execute(f"SELECT * FROM {table}"))
            for table in ("meta", "parts", "about", "incoming", "positions", "units", "reads")
        }
    finally:
        db.close()


@pytest.mark.parametrize("workers", [2, 3])
def test_an_index_written_in_several_processes_is_the_one_written_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    monkeypatch.setattr(union_index, "PARTS_PER_PIECE", 1)
    inverse = frozenset({OF})
    one, several = tmp_path / "one.sqlite", tmp_path / "several.sqlite"
    UnionIndex.update(one, _parts(), inverse, True, "salt", workers=1)[0].close()
    UnionIndex.update(several, _parts(), inverse, True, "salt", workers=workers)[0].close()
    expected = _tables(one)
    assert _tables(several) == expected
    counts = {(s, po): n for s, po, n in expected["about"]}
    assert counts[(f"<{EX}o>", f'<{EX}name> "O"')] == 7  # summed over the processes' shares
    assert len(expected["incoming"]) == 14 and len(expected["positions"]) == 7
    assert sorted(tmp_path.iterdir()) == [one, several]  # the pieces are gone

    # a rebuild then updates either in the same way
    later = [p for p in _parts(changed=True) if p.name != f"{EX}g5"]
    union, changed_one = UnionIndex.update(one, later, inverse, True, "salt", workers=1)
    union.close()
    union, changed_several = UnionIndex.update(several, later, inverse, True, "salt", workers=2)
    union.close()
    assert changed_one == changed_several and f"<{EX}p2>" in (changed_one or set())
    assert _tables(several) == _tables(one)
    counts = {(s, po): n for s, po, n in _tables(one)["about"]}
    assert counts[(f"<{EX}o>", f'<{EX}name> "O"')] == 6
