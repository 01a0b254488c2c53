"""A published version's dataset.nq read in place: its quads by subject, terms as written.

A version's N-Quads (graph/build/publish.py) are canonical: distinct lines sorted by byte
(code point) order, so every quad of one subject sits in one run of lines, IRIs (`<`) before
blank nodes (`_:`). `SortedNQuads` finds a subject's run by binary search over the memory-
mapped file, like look(1) does, so a writer can read one programme's description as the
sources wrote it (a `Store` gives typed literals back in canonical form, "P24M" as "P2Y")
without holding the catalogue in memory. `quads()` streams the whole file.
"""

from __future__ import annotations

import mmap
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

Subject = ox.NamedNode | ox.BlankNode


def _key(subject: Subject) -> bytes:
    """How a line of `subject` starts: its N-Quads term and the space after it."""
    return (str(subject) + " ").encode("utf-8")


class SortedNQuads:
    """Lookups by subject in a sorted N-Quads file (opened read-only, memory-mapped)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = path.open("rb")
        size = path.stat().st_size
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) if size else None

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
        self._file.close()

    def __enter__(self) -> SortedNQuads:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _line_start(self, pos: int) -> int:
        """The offset of the line holding byte `pos`."""
        assert self._map is not None
        return self._map.rfind(b"\n", 0, pos) + 1

    def _first_at_or_after(self, key: bytes) -> int:
        """The offset of the first line not sorting before `key` (binary search on lines)."""
        m = self._map
        assert m is not None
        lo, hi = 0, len(m)
        while lo < hi:
            mid = (lo + hi) // 2
            start = self._line_start(mid)
            end = m.find(b"\n", start)
            end = len(m) if end < 0 else end
            if m[start:end] < key:
                lo = end + 1
            else:
                hi = start
        return lo

    def lines(self, subject: Subject) -> list[bytes]:
        """The N-Quads lines whose subject is `subject`, in file order."""
        if self._map is None:
            return []
        key = _key(subject)
        m = self._map
        pos = self._first_at_or_after(key)
        found = []
        while pos < len(m) and m[pos : pos + len(key)] == key:
            end = m.find(b"\n", pos)
            end = len(m) if end < 0 else end
            found.append(m[pos:end])
            pos = end + 1
        return found

    def describe(self, subject: Subject) -> list[ox.Quad]:
        """Every quad whose subject is `subject`, terms as written."""
        data = b"\n".join(self.lines(subject))
        return list(ox.parse(data, format=ox.RdfFormat.N_QUADS)) if data else []

    def closure(self, subjects: Iterable[Subject]) -> list[ox.Quad]:
        """The quads of `subjects` and, recursively, of the blank nodes they reach (each
        subject's concise bounded description, over every graph)."""
        seen: set[Subject] = set()
        todo = list(subjects)
        quads: list[ox.Quad] = []
        while todo:
            subject = todo.pop()
            if subject in seen:
                continue
            seen.add(subject)
            for quad in self.describe(subject):
                quads.append(quad)
                if isinstance(quad.object, ox.BlankNode) and quad.object not in seen:
                    todo.append(quad.object)
        return quads

    def blank_tail(self) -> bytes:
        """The lines whose subject is a blank node: the file's tail (`_:` sorts after `<`)."""
        if self._map is None:
            return b""
        return self._map[self._first_at_or_after(b"_:") :]

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad of the file, in file order (streamed)."""
        with self.path.open("rb") as fh:
            yield from ox.parse(fh, format=ox.RdfFormat.N_QUADS)
