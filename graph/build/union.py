"""The union of a version's graphs as sorted N-Triples, for the triple dumps.

From scratch: every line of dataset.nq as its triple's line (the graph left out), in the
file's order, which is the triples' order, each triple once (`from_scratch`); `sort -u` on
disk (graph/build/publish.py) only for a file that is not sorted. After a small change: the
previous version's union (its dataset.nt.gz, read as a stream) merged with the triples of
the added lines, without the triples of the removed lines that no graph of the new version
states any more (looked up by subject in the new dataset.nq, graph/store/sorted_nquads.py).
Both give the same lines; the merge reads and writes the union once instead of sorting it.

The dumps take the lines as they come (`in_order`, `from_previous_lines`: lists of lines, in
order), never written to a file first; `from_scratch` writes them to one, sorted when the
file's lines were not.
"""

from __future__ import annotations

import gzip
import io
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from ..store.sorted_nquads import SortedNQuads, triple_lines
from .publish import digest_and_count, sort_unique


class NotInOrder(Exception):  # noqa: N818 - a signal to sort, not an error
    """A triple of dataset.nq came before the one given last: the file is not sorted."""


def from_scratch(nquads: Path, target: Path, temp_dir: Path) -> int:
    """The distinct triples of every graph of `nquads`, N-Triples sorted by code point, into
    `target`; returns their number. Sorted lines give them in order (`in_order`); a file
    whose triples do not come out in order is sorted by `sort -u`."""
    try:
        return write_lines(in_order(nquads), target)
    except NotInOrder:
        pass
    unsorted = temp_dir / (target.name + ".unsorted")
    quads = ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    ox.serialize((q.triple for q in quads), output=str(unsorted), format=ox.RdfFormat.N_TRIPLES)
    sort_unique(unsorted, target, temp_dir)
    unsorted.unlink()
    return digest_and_count(target)[1]


def write_lines(pieces: Iterable[list[bytes]], target: Path) -> int:
    """`pieces` (lists of lines) into `target`; the number of lines."""
    count = 0
    with target.open("wb") as out:
        for piece in pieces:
            out.write(b"".join(piece))
            count += len(piece)
    return count


def in_order(nquads: Path) -> Iterator[list[bytes]]:
    """The distinct triples of sorted `nquads`, N-Triples in order, a list of lines at a time.
    dataset.nq's lines are sorted, and a quad's line is its triple's line with the graph put
    in before " .": a space follows every term in both, and a space sorts before any
    character that continues a term, so the triples come out in order, a triple's lines next
    to each other, and each is given once. Raises NotInOrder (after giving the lines before
    it) when a triple comes before the one given last: the file was not sorted."""
    last = b""
    with nquads.open("rb") as source:
        while lines := source.readlines(CHUNK):
            fresh = []
            for line in triple_lines(lines):
                if line != last:
                    if line_key(line) < line_key(last):
                        raise NotInOrder(f"{nquads}: {line!r} after {last!r}")
                    fresh.append(line)
                    last = line
            yield fresh


def _line(triple: ox.Triple) -> bytes:
    return ox.serialize([triple], format=ox.RdfFormat.N_TRIPLES) or b""


def _triples(path: Path) -> set[ox.Triple]:
    with path.open("rb") as fh:
        return {q.triple for q in ox.parse(fh, format=ox.RdfFormat.N_QUADS)}


def line_key(line: bytes) -> bytes:
    return line[:-1]  # lines compare without their break, as sort(1) compares them


# The previous union is read this many bytes of lines at a time.
CHUNK = 1 << 20


class Lines(Protocol):
    def readlines(self, hint: int, /) -> list[bytes]: ...


class Writes(Protocol):
    def write(self, data: bytes, /) -> int: ...


def merge(old: Lines, added: list[bytes], gone: set[bytes], out: Writes) -> int:
    """The sorted lines of `old` without `gone`, with the sorted `added` merged in once, into
    `out` (`merged`); their number."""
    count = 0
    for piece in merged(old, added, gone):
        out.write(b"".join(piece))
        count += len(piece)
    return count


def merged(old: Lines, added: list[bytes], gone: set[bytes]) -> Iterator[list[bytes]]:
    """The sorted lines of `old` without `gone`, with the sorted `added` merged in once, a
    list of lines at a time. A chunk of lines is cut where an added line goes in or a gone
    line leaves (found by bisection) and given in pieces: Python touches the changed lines,
    not every line of the union."""
    events = [*((line, True) for line in added), *((line, False) for line in gone)]
    events.sort(key=lambda event: line_key(event[0]))
    upcoming = 0
    while chunk := old.readlines(CHUNK):
        if not chunk[-1].endswith(b"\n"):
            chunk[-1] += b"\n"
        last = line_key(chunk[-1])
        here = bisect_right(events, last, lo=upcoming, key=lambda event: line_key(event[0]))
        pos = 0
        for line, is_added in events[upcoming:here]:
            at = bisect_left(chunk, line_key(line), lo=pos, key=line_key)
            if at > pos:
                yield chunk[pos:at]
            pos = at
            present = at < len(chunk) and chunk[at] == line
            if is_added and not present:
                yield [line]
            elif not is_added and present:
                pos = at + 1  # the gone line is left out
        yield chunk[pos:]
        upcoming = here
    tail = [line for line, is_added in events[upcoming:] if is_added]
    if tail:
        yield tail


def from_previous_lines(
    changed: tuple[Path, Path], previous_union_gz: Path, nquads: Path
) -> Iterator[list[bytes]] | None:
    """The union of `nquads` from the previous version's (gzipped) and the lines that changed
    (added, removed; graph/store/nquads_diff.py, changed_lines), a list of lines at a time
    (the previous union read as they are asked for); None when a removed triple's subject is
    a quoted triple."""
    found = changed_triples(changed, nquads)
    return None if found is None else _merged_gz(previous_union_gz, *found)


def changed_triples(
    changed: tuple[Path, Path], nquads: Path
) -> tuple[list[bytes], set[bytes]] | None:
    """The union's lines that the change may add (sorted; some may be there already, stated
    by another graph) and those it removes (no graph of `nquads` states them any more), from
    the quads that changed (added, removed; graph/store/nquads_diff.py, changed_lines); None
    when a removed triple's subject is a quoted triple."""
    added, removed = _triples(changed[0]), _triples(changed[1])
    kept: set[ox.Triple] = set()
    with SortedNQuads(nquads) as new:
        for t in removed - added:
            subject = t.subject
            if not isinstance(subject, ox.NamedNode | ox.BlankNode):
                return None  # a quoted triple as subject: no lookup by subject
            if any(q.triple == t for q in new.describe(subject)):
                kept.add(t)  # another graph still states it
    gone = {_line(t) for t in removed - added - kept}
    return sorted({_line(t) for t in added}, key=line_key), gone


def _merged_gz(path: Path, added: list[bytes], gone: set[bytes]) -> Iterator[list[bytes]]:
    # GzipFile's own readlines calls its Python readline once a line; a buffered reader over
    # it reads the lines in C (10k: 1.34 -> 0.69 s to read the union, medians of 2)
    with gzip.open(path, "rb") as gz, io.BufferedReader(gz, CHUNK) as old:
        yield from merged(old, added, gone)
