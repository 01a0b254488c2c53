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
