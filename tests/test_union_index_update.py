"""graph/build/union_index.py on a rebuild: the index and the validation's state are updated
by difference (what a changed graph still states, and what a unit validated again still
reads, is left where it is), and the result is what writing them afresh gives."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import pytest

from graph.build import union_index, unit_state
from graph.build.union_index import Part, Rows, UnionIndex
from graph.build.union_rows import SortedRows
from graph.build.unit_state import UnitState
from graph.errors import Violation

TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
INVERSE = frozenset({"http://ex.org/partOf"})
POSITION = "<https://w3id.org/prospectus/ontology#listPosition>"
TABLES = ("parts", "about", "incoming", "positions")


def line(s: str, p: str, o: str, g: str) -> str:
    return f"{s} {p} {o} <http://ex.org/{g}> ."


def programme(n: int, title: str, g: str) -> list[str]:
    """A programme's statements in graph `g`: types, a title, an offering pointing at it
    (over the inverse predicate), the institution every programme names."""
    p, o = f"<http://ex.org/p{n}>", f"<http://ex.org/p{n}/offering>"
    return [
        line(p, TYPE, "<http://ex.org/Programme>", g),
        line(p, "<http://ex.org/title>", f'"{title}"', g),
        line(p, "<http://ex.org/by>", "<http://ex.org/uni>", g),
        line(o, TYPE, "<http://ex.org/Offering>", g),
        line(o, "<http://ex.org/partOf>", p, g),
        line("<http://ex.org/uni>", "<http://ex.org/name>", '"Uni"', g),
        line(p, POSITION, f'"{n}"^^<http://www.w3.org/2001/XMLSchema#integer>', g),
    ]


def parts(titles: dict[int, str]) -> list[Part]:
    return [
        Part.lines(f"http://ex.org/g{n}", tuple(programme(n, t, f"g{n}")))
        for n, t in titles.items()
    ]


def tables(path: Path) -> dict[str, set[tuple[object, ...]]]:
    with sqlite3.connect(path) as db:
        return {t: set(db.execute(f"SELECT * FROM {t}")) for t in TABLES}  # noqa: S608


def test_an_updated_index_holds_what_one_written_afresh_holds(tmp_path: Path) -> None:
    """Of eight graphs, a title changed, a graph gone, a graph come: the rows (with their
    counts of graphs: the institution's name is stated by every graph) are those of the
    index written afresh from the new graphs, and the changed nodes are the subjects whose
    rows differ and the objects pointed at over the inverse predicate whose rows differ."""
    path, fresh = tmp_path / "u.sqlite", tmp_path / "fresh.sqlite"
    before = {n: f"title {n}" for n in range(1, 9)}
    UnionIndex.update(path, parts(before), INVERSE, True, "salt")[0].close()
    after = parts({**{n: t for n, t in before.items() if n != 3}, 2: "renamed", 9: "new"})
    union, changed = UnionIndex.update(path, after, INVERSE, True, "salt")
    union.close()
    UnionIndex.update(fresh, after, INVERSE, True, "salt")[0].close()
    assert tables(path) == tables(fresh)
    assert dict(
        sqlite3.connect(path).execute("SELECT po, n FROM about WHERE s = '<http://ex.org/uni>'")
    ) == {'<http://ex.org/name> "Uni"': 8}
    assert changed == {
        "<http://ex.org/p2>",  # its title
        "<http://ex.org/p3>", "<http://ex.org/p3/offering>",  # graph 3 gone
        "<http://ex.org/p9>", "<http://ex.org/p9/offering>",  # graph 9 come
        "<http://ex.org/uni>",  # its name's row: stated by other graphs than before
    }  # fmt: skip


def test_a_changed_graph_writes_only_the_rows_it_no_longer_or_newly_states(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Changing one title of a graph of seven statements takes out one row and puts one in
    (before, the graph's every row went out and came back: a page of the file each)."""
    path = tmp_path / "u.sqlite"
    UnionIndex.update(path, parts({1: "A", 2: "B"}), INVERSE, True, "salt")[0].close()
    removed: list[Rows] = []
    added: list[Rows] = []
    remove, add = union_index._remove, union_index._add

    def removing(db: sqlite3.Connection, name: str, rows: Rows) -> None:
        removed.append(rows)
        remove(db, name, rows)

    def adding(db: sqlite3.Connection, part: Part, rows: SortedRows) -> None:
        assert all(list(table) == sorted(table) for table in rows)
        added.append((set(rows[0]), set(rows[1]), set(rows[2])))
        add(db, part, rows)

    monkeypatch.setattr(union_index, "_remove", removing)
    monkeypatch.setattr(union_index, "_add", adding)
    union, changed = UnionIndex.update(path, parts({1: "A", 2: "B2"}), INVERSE, True, "salt")
    union.close()
    assert removed == [({("<http://ex.org/p2>", '<http://ex.org/title> "B"')}, set(), set())]
    assert added == [({("<http://ex.org/p2>", '<http://ex.org/title> "B2"')}, set(), set())]
    assert changed == {"<http://ex.org/p2>"}


def result(message: str) -> Violation:
    return Violation("Warning", "http://ex.org/p1", None, None, message, "http://ex.org/S")


def reads_of(path: Path, name: str) -> set[str]:
    query = "SELECT node FROM reads JOIN units ON units.id = reads.unit WHERE name = ?"
    return {n for (n,) in sqlite3.connect(path).execute(query, (name,))}


def test_a_unit_validated_again_keeps_its_row_and_changes_only_its_reads(tmp_path: Path) -> None:
    """Forgotten, a unit's results are gone (an interrupted build validates it again) but
    its number and reads stay; recorded again, it reads exactly what it read this time. A
    unit gone goes with its reads."""
    path = tmp_path / "u.sqlite"
    UnionIndex.update(path, parts({1: "A"}), INVERSE, True, "salt")[0].close()
    state = UnitState(path)
    state.record(
        [
            ("u1", ("o1", "m1", 7, [result("old")]), ["<a>", "<b>", "<c>"]),
            ("u2", ("o2", "m2", 3, []), ["<a>"]),
        ]
    )
    [(number,)] = state.db.execute("SELECT id FROM units WHERE name = 'u1'")
    state.forget(["u1"], gone=["u2"])
    assert state.recorded() == {"u1": None}
    assert reads_of(path, "u1") == {"<a>", "<b>", "<c>"}
    assert state.readers(["<a>"]) == {"u1"}
    state.record([("u1", ("o1", "m1b", 8, [result("new")]), ["<b>", "<c>", "<d>"])])
    assert state.recorded() == {"u1": ("o1", "m1b", 8, [result("new")])}
    assert state.db.execute("SELECT id FROM units WHERE name = 'u1'").fetchall() == [(number,)]
    state.settle()
    assert reads_of(path, "u1") == {"<b>", "<c>", "<d>"}
    assert state.db.execute("SELECT count(*) FROM reads").fetchall() == [(3,)]
    state.close()


def test_reads_are_put_in_order_when_settled_and_a_stopped_builds_on_the_next_open(
    tmp_path: Path,
) -> None:
    """Recorded reads wait in reads_new, committed with the unit's results, until `settle`
    (at close) puts them into `reads`; a state never closed (a build stopped after
    recording) has its reads settled by the next one, whose readers then find them. Settled
    into an empty `reads`, the table is indexed by unit again (a unit's reads are read by
    that index when it is recorded again)."""
    path = tmp_path / "u.sqlite"
    UnionIndex.update(path, parts({1: "A"}), INVERSE, True, "salt")[0].close()
    stopped = UnitState(path)
    stopped.record([("u1", ("o1", "m1", 1, []), ["<b>", "<a>"])])
    stopped.record([("u2", ("o2", "m2", 1, []), ["<a>", "<c>"])])
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM reads").fetchall() == [(0,)]
    assert db.execute("SELECT count(*) FROM reads_new").fetchall() == [(4,)]
    db.close()
    del stopped  # never closed: nothing settled
    state = UnitState(path)
    assert state.db.execute("SELECT count(*) FROM reads_new").fetchall() == [(0,)]
    assert state.readers(["<a>"]) == {"u1", "u2"} and state.readers(["<c>"]) == {"u2"}
    assert reads_of(path, "u1") == {"<a>", "<b>"}
    [(plan,)] = [
        row[-1:]
        for row in state.db.execute("EXPLAIN QUERY PLAN SELECT node FROM reads WHERE unit = 1")
    ]
    assert "reads_unit" in plan
    state.record([("u1", ("o1", "m1", 1, []), ["<a>", "<d>"])])  # again: its reads compared
    state.close()
    assert reads_of(path, "u1") == {"<a>", "<d>"}
    assert reads_of(path, "u2") == {"<a>", "<c>"}


def _recorded_state(path: Path) -> UnitState:
    UnionIndex.update(path, parts({1: "A"}), INVERSE, True, "salt")[0].close()
    state = UnitState(path)
    state.record([("u1", ("o1", "m1", 1, []), ["<b>", "<a>"])])
    state.record([("u2", ("o2", "m2", 1, []), ["<a>", "<c>"])])
    return state


def test_a_state_settled_in_the_background_holds_what_one_settled_at_close_holds(
    tmp_path: Path,
) -> None:
    """The build closes the validation's state with its settle in a thread beside the next
    step: once finish_settling returns, the file holds the reads a settle at close puts
    there, indexed by unit; a state opened meanwhile finds them settled."""
    now, later = tmp_path / "now.sqlite", tmp_path / "later.sqlite"
    _recorded_state(now).close()
    _recorded_state(later).close(background=True)
    again = UnitState(later)  # opened while the settle may still run
    assert again.db.execute("SELECT count(*) FROM reads_new").fetchall() == [(0,)]
    again.close()
    unit_state.finish_settling()
    for name in ("u1", "u2"):
        assert reads_of(later, name) == reads_of(now, name)
    assert reads_of(later, "u1") == {"<a>", "<b>"}
    plan = sqlite3.connect(later).execute(
        "EXPLAIN QUERY PLAN SELECT node FROM reads WHERE unit = 1"
    )
    assert "reads_unit" in plan.fetchall()[0][-1]


def test_a_background_settle_that_fails_is_raised_once_and_settled_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """finish_settling raises what the settle raised (not when told not to: a build that
    failed already); the reads stay in reads_new, settled when the file is opened next."""
    path = tmp_path / "u.sqlite"

    def failing(db: sqlite3.Connection, cache_kib: int) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    for raise_errors in (True, False):
        path.unlink(missing_ok=True)
        state = _recorded_state(path)
        monkeypatch.setattr(unit_state, "_settle", failing)
        state.close(background=True)
        if raise_errors:
            with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
                unit_state.finish_settling()
        else:
            unit_state.finish_settling(raise_errors=False)
        unit_state.finish_settling()  # nothing left to wait for, nothing raised again
        assert reads_of(path, "u1") == set()
        monkeypatch.undo()
        UnitState(path).close()
        assert reads_of(path, "u1") == {"<a>", "<b>"}


def test_a_fork_waits_for_a_background_settle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process forked while a settle runs would inherit its connection mid-transaction: a
    fork waits for it (os.register_at_fork)."""
    settled = threading.Event()
    real = unit_state._settle

    def slow(db: sqlite3.Connection, cache_kib: int) -> None:
        time.sleep(0.5)
        real(db, cache_kib)
        settled.set()

    state = _recorded_state(tmp_path / "u.sqlite")
    monkeypatch.setattr(unit_state, "_settle", slow)
    state.close(background=True)
    assert not settled.is_set()
    child = multiprocessing.get_context("fork").Process(target=int)
    child.start()
    assert settled.is_set()
    child.join()
    unit_state.finish_settling()


def test_the_positions_types_are_read_once_and_again_only_for_changed_nodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """UnitState.types gives what UnionIndex.statements_with gives for every node, reading
    from the index only the nodes it does not hold: all of them the first time, none when
    nothing changed, the changed ones after an update (in which they were dropped)."""
    path = tmp_path / "u.sqlite"
    titles = {1: "A", 2: "B", 3: "C"}
    nodes = {f"<http://ex.org/p{n}>" for n in titles} | {"<http://ex.org/none>"}
    asked: list[list[str]] = []
    statements_with = union_index.statements_with

    def spied(
        db: sqlite3.Connection, wanted: Iterable[str], predicate: str
    ) -> dict[str, list[str]]:
        wanted = list(wanted)
        asked.append(wanted)
        return statements_with(db, wanted, predicate)

    def types(union: UnionIndex) -> dict[str, list[str]]:
        state = UnitState(path)
        with monkeypatch.context() as patched:
            patched.setattr(unit_state, "statements_with", spied)
            found = state.types(nodes)
        state.close()
        assert found == union.statements_with(sorted(nodes), TYPE[1:-1])
        union.close()
        return found

    found = types(UnionIndex.update(path, parts(titles), INVERSE, True, "salt")[0])
    assert asked == [sorted(nodes)] and set(found) == nodes - {"<http://ex.org/none>"}
    types(UnionIndex.update(path, parts(titles), INVERSE, True, "salt")[0])
    assert asked[1] == []
    more = [*parts(titles)[:2], Part.lines("http://ex.org/g3", (
        line("<http://ex.org/p3>", TYPE, "<http://ex.org/Other>", "g3"),
    ))]  # fmt: skip
    union, changed = UnionIndex.update(path, more, INVERSE, True, "salt")
    assert "<http://ex.org/p3>" in changed
    found = types(union)
    assert asked[2] == ["<http://ex.org/p3>"]
    assert found["<http://ex.org/p3>"] == [f"<http://ex.org/p3> {TYPE} <http://ex.org/Other> ."]


def test_a_build_stopped_before_forgetting_finds_the_changed_nodes_again(tmp_path: Path) -> None:
    """The changed nodes stay in the file until the units are forgotten: an update after a
    build stopped in between (the index updated, no unit's results taken back) gives them
    again, though nothing changed since; once forgotten, they are not given again."""
    path = tmp_path / "u.sqlite"
    titles = {n: f"title {n}" for n in range(1, 9)}
    UnionIndex.update(path, parts(titles), INVERSE, True, "salt")[0].close()
    renamed = parts({**titles, 2: "renamed"})
    union, changed = UnionIndex.update(path, renamed, INVERSE, True, "salt")
    union.close()
    assert changed == {"<http://ex.org/p2>"}
    union, again = UnionIndex.update(path, renamed, INVERSE, True, "salt")  # the build stopped
    union.close()
    assert again == {"<http://ex.org/p2>"}
    state = UnitState(path)
    state.forget(["u2"])
    state.close()
    union, after = UnionIndex.update(path, renamed, INVERSE, True, "salt")
    union.close()
    assert after == set()
