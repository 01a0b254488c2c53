"""Where each graph went in a union index written afresh, and reading it in ahead of the
validation batches that need it (`posix_fadvise(POSIX_FADV_WILLNEED)`).

A first build validates the units in the order the union index was written
(graph/build/union_index.py): a batch reads its members' lines and its nodes' rows, which
went to the disk minutes before, one after another. Pages of files that no process maps can
be gone from the page cache by then: the machines the benchmark ran on page out file pages
unused for a minute (the guest kernel's DAMON, bench/README.md), and at 100,000 programmes
the two workers waited on the disk for most of the validation (0.85 cores busy, 4.8 GB read
one page at a time: a source's parse cache entry, SQLite's pages of the index).

So the index's writer records, for every graph, where its lines went in the release copy
(graph/build/release_copy.py, written in the same order) and which of the index's pages were
allocated while its rows went in (`Placed`); rows go after those written before them in
each region of the tables, so a graph's rows lie in those pages or in the few before. A
worker then reads its batch's lines from the copy in one read per run of neighbouring spans
(`read_members`) instead of one parse cache entry per source, and the build asks the kernel
for the copy's span and the index's pages of the batches a few places ahead of the one whose
results just came back (`Ahead`), so that the disk reads them in large requests while the
workers validate.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import PublishError
from .parse import ParsedSource
from .release_copy import Span, lines_in

__all__ = ["AHEAD", "Ahead", "Layout", "Placed", "Span", "advise", "held", "read_members", "spans"]

AHEAD = 4  # batches advised ahead of the one whose results came back
BEFORE = 8 << 20  # bytes of the index advised before a batch's first page (rows sit behind)
AFTER = 1 << 20  # and after its last
MOST = 64 << 20  # bytes of each file advised for one batch, at most
GAP = 1 << 20  # spans of the copy closer than this are read in one read


@dataclass(frozen=True)
class Placed:
    """Where a graph went: its lines' span of the release copy (None: not all of them are
    there, or there is no copy) and the index's pages allocated while its rows went in,
    `first` to `end` (page numbers from 1, end excluded)."""

    span: Span | None
    first: int
    end: int


@dataclass
class Layout:
    """Where every graph of a union index written afresh went (module doc)."""

    index: Path
    page_size: int
    copy: Path | None = None
    parts: dict[str, Placed] | None = None

    def windows(self, names: Sequence[str]) -> list[tuple[Path, int, int]]:
        """(file, offset, length) to read in ahead for a batch of the graphs `names`: the
        copy from the first of their spans to the end of the last, and the index's pages
        allocated while their rows went in, with BEFORE and AFTER bytes around; each at most
        MOST bytes (a batch whose graphs went far apart is advised from its first)."""
        placed = [where for n in names if (where := (self.parts or {}).get(n))]
        if not placed:
            return []
        windows: list[tuple[Path, int, int]] = []
        spans = [p.span for p in placed if p.span is not None]
        if self.copy is not None and spans:
            start = min(offset for offset, _n in spans)
            end = max(offset + n for offset, n in spans)
            windows.append((self.copy, start, min(end - start, MOST)))
        start = max(0, (min(p.first for p in placed) - 1) * self.page_size - BEFORE)
        end = (max(p.end for p in placed) - 1) * self.page_size + AFTER
        windows.append((self.index, start, min(end - start, MOST)))
        return windows


def spans(layout: Layout | None, names: Sequence[str]) -> list[Span | None]:
    """The copy's spans of the graphs `names` (None for those not placed in it)."""
    placed = layout.parts or {} if layout is not None and layout.copy is not None else {}
    return [where.span if (where := placed.get(n)) else None for n in names]


def advise(windows: Sequence[tuple[Path, int, int]]) -> None:
    """Ask the kernel to read `windows` into the page cache (it does so in the background);
    a file that cannot be opened is left alone (the reads will say what is wrong)."""
    if not hasattr(os, "posix_fadvise"):
        return
    for path, offset, length in windows:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, offset, length, os.POSIX_FADV_WILLNEED)
        finally:
            os.close(fd)


class Ahead:
    """Advises the windows of the batches (each a list of graph names) AHEAD places ahead
    of the one whose results came back: the first AHEAD when made, then after batch k's
    results came back (`done(k)`) the batch AHEAD places after it."""

    def __init__(self, layout: Layout | None, batches: Sequence[Sequence[str]]) -> None:
        self.layout = layout
        self.batches = batches
        self._advised = 0  # batches advised so far
        self._advise_to(AHEAD)

    def _advise_to(self, end: int) -> None:
        if self.layout is None:
            return
        while self._advised < min(end, len(self.batches)):
            advise(self.layout.windows(self.batches[self._advised]))
            self._advised += 1

    def done(self, k: int) -> None:
        self._advise_to(k + 1 + AHEAD)


def read_members(copy: Path, spans: Sequence[Span | None]) -> list[tuple[str, ...] | None]:
    """In a worker: the lines of each graph whose span of the `copy` is given (None for the
    others), read in one read per run of spans less than GAP apart, in the file's order."""
    found: list[tuple[str, ...] | None] = [None] * len(spans)
    placed = sorted((span, i) for i, span in enumerate(spans) if span is not None)
    if not placed:
        return found
    with copy.open("rb") as fh:
        k = 0
        while k < len(placed):
            run = [placed[k]]
            while k + len(run) < len(placed):
                (offset, _n), _i = placed[k + len(run)]
                (last, n), _j = run[-1]
                if offset - (last + n) >= GAP:
                    break
                run.append(placed[k + len(run)])
            start = run[0][0][0]
            end = max(o + n for (o, n), _i in run)
            fh.seek(start)
            data = fh.read(end - start)
            if len(data) < end - start:  # the copy is the build's, complete when renamed in
                raise PublishError(
                    f"{copy} ends at byte {start + len(data):,}, before the lines the "
                    f"validation reads from it (up to byte {end:,}): something changed it "
                    "while the build ran; build again"
                )
            for (offset, n), i in run:
                found[i] = lines_in(data[offset - start : offset - start + n])
            k += len(run)
    return found


def held(
    jobs: Sequence[tuple[Sequence[ParsedSource], Sequence[Span | None]]], copy: Path | None
) -> list[list[ParsedSource]]:
    """In a worker: the members of each job (its sources and their spans of the `copy`),
    those placed in the copy holding their lines read from it (`read_members`, in one read
    per run of neighbouring spans for the whole batch); the others as they are."""
    spans = [span for _parts, found in jobs for span in found]
    lines = iter(read_members(copy, spans) if copy is not None else [None] * len(spans))
    return [
        [p if (mine := next(lines)) is None else replace(p, lines=mine, stored=None) for p in parts]
        for parts, _spans in jobs
    ]
