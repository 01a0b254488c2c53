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
    old: Path, new: Path, added: Path, removed: Path, limit: int
) -> tuple[int, set[str]] | None:
    """What turns a store of `old` into a store of `new`: the quads to remove into
    `removed`, the named graphs to clear (those whose change involves blank nodes, whose
    stored identifiers differ from the labels) and the quads to add into `added` (with every
    quad of a cleared graph); with the number of changed lines. None (and no files) when
    more than `limit` lines changed or a blank node changed in the default graph."""
    plus, minus = added.with_suffix(".diff"), removed.with_suffix(".diff")
    count = split_diff(old, new, plus, minus, limit)
    if count is None:
        return None
    cleared = graphs_with_blank_nodes(plus, minus)
    if cleared is None:
        plus.unlink()
        minus.unlink()
        return None
    suffixes = tuple(graph_suffix(g) for g in cleared)
    with minus.open("rb") as src, removed.open("wb") as out:
        out.writelines(line for line in src if not suffixes or not line.endswith(suffixes))
    with plus.open("rb") as src, added.open("wb") as out:
        out.writelines(line for line in src if not suffixes or not line.endswith(suffixes))
        out.writelines(graph_lines(new, cleared))
    plus.unlink()
    minus.unlink()
    return count, cleared
