"""graph/store/nquads_diff.py and graph/build/diff.py: two sorted versions compared by one
merge walk, per named graph."""

from __future__ import annotations

import random
from pathlib import Path

from rdflib import Literal, URIRef

from graph.build.diff import diff_files
from graph.store.nquads_diff import diff_lines, graph_lines

EX = "http://example.org/"


def quad(subject: int, value: str, graph: int) -> str:
    return f'<{EX}s{subject}> <{EX}p> "{value}" <{EX}g{graph}> .\n'


def write(path: Path, lines: set[str]) -> Path:
    path.write_bytes(b"".join(sorted(line.encode() for line in lines)))
    return path


def test_the_walk_gives_exactly_the_lines_only_one_side_holds(tmp_path: Path) -> None:
    rng = random.Random(7)
    universe = [quad(rng.randrange(50), rng.choice("abcé😀"), rng.randrange(5)) for _ in range(400)]
    before = set(rng.sample(universe, 200))
    after = set(rng.sample(universe, 200))
    found = list(diff_lines(write(tmp_path / "old.nq", before), write(tmp_path / "new.nq", after)))
    assert {line.decode() for added, line in found if added} == after - before
    assert {line.decode() for added, line in found if not added} == before - after
    assert len(found) == len(after ^ before), "each difference once"


def test_an_empty_side(tmp_path: Path) -> None:
    lines = {quad(1, "a", 1), quad(2, "b", 1)}
    empty = write(tmp_path / "empty.nq", set())
    full = write(tmp_path / "full.nq", lines)
    assert {line.decode() for _a, line in diff_lines(empty, full)} == lines
    assert all(added for added, _line in diff_lines(empty, full))
    assert not any(added for added, _line in diff_lines(full, empty))
    assert list(diff_lines(full, full)) == []


def test_graph_lines_are_the_lines_of_those_graphs(tmp_path: Path) -> None:
    lines = {quad(1, "a", 1), quad(2, "b", 2), quad(3, "c", 3)}
    path = write(tmp_path / "v.nq", lines)
    assert {x.decode() for x in graph_lines(path, {EX + "g1", EX + "g3"})} == {
        quad(1, "a", 1),
        quad(3, "c", 3),
    }


def test_changes_per_graph_for_changed_graphs_only(tmp_path: Path) -> None:
    old = write(tmp_path / "old.nq", {quad(1, "a", 1), quad(2, "b", 2), quad(3, "c", 3)})
    new = write(tmp_path / "new.nq", {quad(1, "a", 1), quad(2, "B", 2), quad(4, "d", 4)})
    changes = diff_files(old, new)
    p = URIRef(EX + "p")
    assert {g: (set(a), set(r)) for g, (a, r) in changes.items()} == {
        EX + "g2": ({(URIRef(EX + "s2"), p, Literal("B"))}, {(URIRef(EX + "s2"), p, Literal("b"))}),
        EX + "g3": (set(), {(URIRef(EX + "s3"), p, Literal("c"))}),
        EX + "g4": ({(URIRef(EX + "s4"), p, Literal("d"))}, set()),
    }


def test_relabelled_blank_nodes_are_no_change(tmp_path: Path) -> None:
    g = f"<{EX}g1>"
    old = write(tmp_path / "old.nq", {f"<{EX}s> <{EX}p> _:x {g} .\n", f'_:x <{EX}q> "v" {g} .\n'})
    new = write(tmp_path / "new.nq", {f"<{EX}s> <{EX}p> _:y {g} .\n", f'_:y <{EX}q> "v" {g} .\n'})
    assert diff_files(old, new) == {}
    changed = write(
        tmp_path / "changed.nq", {f"<{EX}s> <{EX}p> _:y {g} .\n", f'_:y <{EX}q> "w" {g} .\n'}
    )
    added, removed = diff_files(old, changed)[EX + "g1"]
    assert {o for _s, _p, o in added} >= {Literal("w")}
    assert {o for _s, _p, o in removed} >= {Literal("v")}
