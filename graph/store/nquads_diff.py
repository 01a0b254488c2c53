"""What differs between two sorted N-Quads files, found by walking both once.

A version's dataset.nq (graph/build/publish.py) holds distinct lines sorted by byte (code
point) order, so two versions compare like sorted sets: a merge walk reads each file once,
line by line, and yields the lines only one of them holds, in memory bounded by a line.
`graph_lines()` streams the lines of a few named graphs, found by the graph term that ends
each line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

BUFFER = 1 << 20


def _next(fh: BinaryIO) -> bytes | None:
    line = fh.readline()
    if not line:
        return None
    return line if line.endswith(b"\n") else line + b"\n"


def diff_lines(old: Path | None, new: Path) -> Iterator[tuple[bool, bytes]]:
    """(True, line) for each line only `new` holds, (False, line) for each only `old` holds
    (a missing `old` holds nothing); both files sorted by byte order, lines distinct."""
    with new.open("rb", buffering=BUFFER) as after:
        if old is None:
            while (line := _next(after)) is not None:
                yield True, line
            return
        with old.open("rb", buffering=BUFFER) as before:
            a, b = _next(before), _next(after)
            while a is not None or b is not None:
                # Compared without the line break, as sort(1) compares lines.
                if b is None or (a is not None and a[:-1] < b[:-1]):
                    assert a is not None
                    yield False, a
                    a = _next(before)
                elif a is None or b[:-1] < a[:-1]:
                    yield True, b
                    b = _next(after)
                else:
                    a, b = _next(before), _next(after)


def graph_suffix(graph: str) -> bytes:
    """How an N-Quads line of the named graph `graph` ends."""
    return f" <{graph}> .\n".encode()


def graph_lines(path: Path, graphs: set[str]) -> Iterator[bytes]:
    """The lines of `path` in one of the named `graphs` (streamed, in file order)."""
    suffixes = tuple(graph_suffix(g) for g in graphs)
    if not suffixes:
        return
    with path.open("rb", buffering=BUFFER) as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                line += b"\n"
            if line.endswith(suffixes):
                yield line


def split_diff(old: Path, new: Path, added: Path, removed: Path, limit: int) -> int | None:
    """The lines only `new` holds into `added`, those only `old` holds into `removed`; their
    number, or None (and the files removed) once it exceeds `limit`."""
    count = 0
    with added.open("wb") as plus, removed.open("wb") as minus:
        for is_added, line in diff_lines(old, new):
            count += 1
            if count > limit:
                break
            (plus if is_added else minus).write(line)
    if count > limit:
        added.unlink()
        removed.unlink()
        return None
    return count


# A change is small (the store, the union of the dumps are then made from the previous
# version's) when at most this share of the new version's quads were added or removed.
SMALL_CHANGE = 0.05
CHANGED_FILES = ("changed-added.nq", "changed-removed.nq", "changed-too-many")


def changed_lines(old: Path, new: Path, folder: Path, quads: int) -> tuple[Path, Path] | None:
    """The lines only `new` holds and those only `old` holds, as two files in `folder`
    (found by one merge walk the first time, then read from there), or None when the
    change is not small (more than SMALL_CHANGE of the `quads` of `new`). `forget_changed`
    removes the files."""
    plus, minus, too_many = (folder / name for name in CHANGED_FILES)
    if too_many.exists():
        return None
    if plus.is_file() and minus.is_file():
        return plus, minus
    if split_diff(old, new, plus, minus, int(SMALL_CHANGE * quads)) is None:
        too_many.touch()
        return None
    return plus, minus


def forget_changed(folder: Path) -> None:
    for name in CHANGED_FILES:
        (folder / name).unlink(missing_ok=True)


def graphs_with_blank_nodes(*paths: Path) -> set[str] | None:
    """The named graphs of the lines of `paths` that hold a blank node (a line holding
    "_:" is parsed), or None when such a line is in the default graph."""
    found: set[str] = set()
    for path in paths:
        with path.open("rb", buffering=BUFFER) as fh:
            for line in fh:
                if b"_:" not in line:
                    continue
                for quad in ox.parse(line, format=ox.RdfFormat.N_QUADS):
                    blank = isinstance(quad.subject, ox.BlankNode) or isinstance(
                        quad.object, ox.BlankNode
                    )
                    if blank and not isinstance(quad.graph_name, ox.NamedNode):
                        return None
                    if blank:
                        found.add(quad.graph_name.value)
    return found


def store_changes(
    changed: tuple[Path, Path], new: Path, added: Path, removed: Path
) -> set[str] | None:
    """What turns a store of the previous version into a store of `new`, given the lines
    that `changed` (added, removed; `changed_lines`): the quads to remove into `removed`,
    the named graphs to clear (those whose change involves blank nodes, whose stored
    identifiers differ from the labels; returned) and the quads to add into `added` (with
    every quad of a cleared graph). None (and no files) when a blank node changed in the
    default graph."""
    plus, minus = changed
    cleared = graphs_with_blank_nodes(plus, minus)
    if cleared is None:
        return None
    suffixes = tuple(graph_suffix(g) for g in cleared)
    with minus.open("rb") as src, removed.open("wb") as out:
        out.writelines(line for line in src if not suffixes or not line.endswith(suffixes))
    with plus.open("rb") as src, added.open("wb") as out:
        out.writelines(line for line in src if not suffixes or not line.endswith(suffixes))
        out.writelines(graph_lines(new, cleared))
    return cleared
