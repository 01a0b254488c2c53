"""A published version's dataset.nq read in place: its quads by subject, terms as written.

A version's N-Quads (graph/build/publish.py) are canonical: distinct lines sorted by byte
(code point) order, so every quad of one subject sits in one run of lines, IRIs (`<`) before
blank nodes (`_:`). `SortedNQuads` finds a subject's run through a sparse index: the subject
of the first line starting in each block of `BLOCK` bytes (69,149 entries for the 4.5 GB of
100,000 programmes), read with a small read per block. The index is kept beside the file
(`index_bytes`, dataset.nq.index) where the file is written, while its pages are still in the
page cache: made again in each process that looked the file up, it took 5-7 s of each change
stream worker and of the statistics in a 1% rebuild at 100,000 programmes (10.1 s with nothing
cached, 0.34-1.1 s with the file cached). A lookup bisects the index in memory and reads the
one or two blocks that can hold the run, so a writer reads one
programme's description as the sources wrote it (a `Store` gives typed literals back in
canonical form, "P24M" as "P2Y") without holding the catalogue in memory. `quads()` streams
the whole file; `subject_runs` streams it one subject at a time as written (each line's
terms taken by one pattern, not parsed into pyoxigraph objects: the statistics' pass), and
`quads_with_predicates` parses only the lines with the predicates asked for (the search
index's).

The file is read with pread, not memory-mapped: the pages read stay in the kernel's page
cache as any file read's do, but none is mapped into the process. A mapped file stayed in
the resident set of every process that looked it up: the change stream's and the ELM
export's processes, which describe every programme, held 4 GB of it between them at 100,000
programmes.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path
from typing import cast

import pyoxigraph as ox

Subject = ox.NamedNode | ox.BlankNode
BLOCK = 1 << 16  # bytes of file per index entry
READ = 1 << 12  # bytes read at a time while finding a line's start or subject
RUN = 1 << 14  # bytes read at a time along a subject's run of lines
PARSE_BATCH = 5000  # lines given to pyoxigraph at once by quads_with_predicates


def _key(subject: Subject | str) -> bytes:
    """How a line of `subject` (a term, or its N-Quads text) starts: its N-Quads term and
    the space after it."""
    return (str(subject) + " ").encode("utf-8")


INDEX_FORMAT = b"prospectus-sorted-nquads-index-1"


def index_path(path: Path) -> Path:
    """Where the sparse index of the file at `path` is kept (`SortedNQuads.index_bytes`)."""
    return path.with_name(path.name + ".index")


def _read_index(path: Path, size: int) -> tuple[list[int], list[bytes]] | None:
    """The sparse index kept at `path` for a file of `size` bytes, or None when there is
    none, or one for another size or BLOCK (then it is made again from the file)."""
    try:
        with path.open("rb") as fh:
            header, body = fh.readline(), fh.read()
    except OSError:
        return None
    if header != b"%s %d %d\n" % (INDEX_FORMAT, size, BLOCK):
        return None
    offsets, keys = [], []
    for line in body.splitlines():
        offset, _, key = line.partition(b" ")
        offsets.append(int(offset))
        keys.append(key)  # the subject and the space after it, as _subject_at read it
    return offsets, keys


def _first_in(data: bytes, key: bytes) -> int:
    """The offset in `data` (whole lines) of the first line not sorting before `key`, by
    binary search on lines as look(1) does."""
    lo, hi = 0, len(data)
    while lo < hi:
        mid = (lo + hi) // 2
        start = data.rfind(b"\n", 0, mid) + 1
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if data[start:end] < key:
            lo = end + 1
        else:
            hi = start
    return lo


class SortedNQuads:
    """Lookups by subject in a sorted N-Quads file (opened read-only, read with pread).

    A subject term holds no space, so a line sorts before `key` (a subject and a space)
    exactly when its own subject and space do: the index keeps those, not whole lines."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDONLY)
        self._size = os.fstat(self._fd).st_size
        self._offsets: list[int] | None = None  # line starts, one per block at most
        self._keys: list[bytes] = []  # the subject (and space) of the line at each offset

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> SortedNQuads:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _read(self, pos: int, size: int) -> bytes:
        return os.pread(self._fd, size, pos)

    def _find(self, needle: bytes, pos: int, chunk: int = READ) -> int:
        """The offset of the first `needle` at or after `pos` (the file's size when none)."""
        at = pos
        while at < self._size:
            data = self._read(at, chunk)
            found = data.find(needle)
            if found >= 0:
                return at + found
            at += len(data)
        return self._size

    def _next_line_start(self, pos: int) -> int:
        """The first line start at or after `pos` (the file's size when there is none): a
        line starts at pos when the byte before it ends a line."""
        return 0 if pos == 0 else min(self._find(b"\n", pos - 1) + 1, self._size)

    def _subject_at(self, start: int) -> bytes:
        """The subject term and the space after it of the line starting at `start`."""
        return self._read(start, min(self._find(b" ", start) + 1, self._size) - start)

    def _index(self) -> tuple[list[int], list[bytes]]:
        if self._offsets is None:
            stored = _read_index(index_path(self.path), self._size)
            if stored is not None:
                self._offsets, self._keys = stored
                return stored
            offsets: list[int] = []
            for block in range(0, self._size, BLOCK):
                start = self._next_line_start(block)
                if start < self._size and (not offsets or start > offsets[-1]):
                    offsets.append(start)
                    self._keys.append(self._subject_at(start))
            self._offsets = offsets
        return self._offsets, self._keys

    def _first_at_or_after(self, key: bytes) -> int:
        """The offset of the first line not sorting before `key`."""
        offsets, keys = self._index()
        i = bisect.bisect_left(keys, key)  # keys[:i] < key <= keys[i:]
        if i == 0:
            return 0  # offsets[0] is 0 (the file's first line)
        pos = offsets[i - 1]  # the answer is after this line, at offsets[i] at the latest
        end = offsets[i] if i < len(offsets) else self._size
        return pos + _first_in(self._read(pos, end - pos), key)

    def index_bytes(self) -> bytes | None:
        """The sparse index as `index_path` keeps it (read back when made for this file's
        size and BLOCK), or None when a key holds a line break (a line without a space: not
        N-Quads; its readers make the index themselves). Written whole where the file is made
        (graph/build/publish.py `keep_index`), while its pages are cached (module doc)."""
        offsets, keys = self._index()
        if any(b"\n" in key for key in keys):
            return None
        pairs = zip(offsets, keys, strict=True)
        head = b"%s %d %d\n" % (INDEX_FORMAT, self._size, BLOCK)
        return head + b"".join(b"%d %s\n" % (offset, key) for offset, key in pairs)

    def lines(self, subject: Subject | str) -> list[bytes]:
        """The N-Quads lines whose subject is `subject` (a term or its N-Quads text), in file
        order."""
        if not self._size:
            return []
        key = _key(subject)
        pos = self._first_at_or_after(key)
        found: list[bytes] = []
        while pos < self._size:
            data = self._read(pos, RUN)
            start = 0
            while True:
                stop = data.find(b"\n", start)
                if stop < 0:
                    break  # the line goes on past this read: read from its start
                if not data.startswith(key, start):
                    return found
                found.append(data[start:stop])
                start = stop + 1
            if start == 0:  # one line longer than a read
                stop = self._find(b"\n", pos, RUN)
                line = self._read(pos, stop - pos)
                if not line.startswith(key):
                    return found
                found.append(line)
                start = stop + 1 - pos
            pos += start
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
        if not self._size:
            return b""
        pos = self._first_at_or_after(b"_:")
        return self._read(pos, self._size - pos)

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad of the file, in file order (streamed)."""
        with self.path.open("rb") as fh:
            yield from ox.parse(fh, format=ox.RdfFormat.N_QUADS)


# One line of N-Quads as pyoxigraph writes it (canonical N-Quads: IRIs and
# blank node labels without spaces, literals with their quotes and backslashes escaped):
# subject, predicate, object and graph (None for the default graph), each as written.
_NODE = rb"<[^>]*>|_:[^ ]+"
_LITERAL = rb'"[^"\\]*(?:\\.[^"\\]*)*"(?:@[A-Za-z0-9-]+|\^\^<[^>]*>)?'
_LINE = re.compile(rb"(%s) (<[^>]*>) (%s|%s)(?: (%s))? \.\n?" % (_NODE, _NODE, _LITERAL, _NODE))
Terms = tuple[bytes, bytes, bytes, bytes | None]


# The same pattern over text (graph/store/staged_batch.py reads lines as text).
_TEXT_LINE = re.compile(_LINE.pattern.decode("ascii"))
# A quad as text: subject, predicate, object, graph (None: the default graph) as written,
# and the triple's N-Triples text (the line up to its object).
TextQuad = tuple[str, str, str, str | None, str]


def _written(term: object) -> str:
    """A term as an N-Quads line writes it: str() of a pyoxigraph Triple gives its three
    terms bare (as `line_terms` gives them), where a line holds a triple term within
    `<<( … )>>` (not to be taken for an IRI)."""
    return f"<<( {term} )>>" if isinstance(term, ox.Triple) else str(term)


def text_quads(lines: Iterable[str]) -> Iterator[TextQuad]:
    """The quads of N-Quads `lines` (as pyoxigraph writes them) as text, taken by the line
    pattern; pyoxigraph reads the rare line the pattern does not take (a triple term)."""
    match = _TEXT_LINE.fullmatch
    for line in lines:
        found = match(line)
        if found is not None:
            s, p, o, g = found.groups()
            yield s, p, o, g, line[: found.end(3)]
        else:
            for q in ox.parse(line, format=ox.RdfFormat.N_QUADS):
                graph = None if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name)
                yield str(q.subject), str(q.predicate), _written(q.object), graph, str(q.triple)


def line_terms(line: bytes) -> Terms:
    """A line's subject, predicate, object and graph as written; pyoxigraph reads the rare
    line the pattern does not take (a triple term)."""
    found = _LINE.fullmatch(line)
    return cast(Terms, found.groups()) if found is not None else _parsed_terms(line)


def _parsed_terms(line: bytes) -> Terms:
    """A line's terms as pyoxigraph reads and writes them."""
    quad = next(iter(ox.parse(line, format=ox.RdfFormat.N_QUADS)))
    graph = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name
    return (
        str(quad.subject).encode(),
        str(quad.predicate).encode(),
        str(quad.object).encode(),
        None if graph is None else str(graph).encode(),
    )


def subject_runs(path: Path) -> Iterator[tuple[bytes, list[bytes], list[Terms]]]:
    """The lines of a sorted N-Quads file one subject at a time (a sorted file keeps a
    subject's lines together): the subject as written, its lines without " .\n", and their
    terms."""
    subject: bytes | None = None
    lines: list[bytes] = []
    terms: list[Terms] = []
    with path.open("rb") as fh:
        for line in fh:
            found = _LINE.fullmatch(line)  # line_terms, without a call per line
            parts = cast(Terms, found.groups()) if found is not None else _parsed_terms(line)
            if parts[0] != subject:
                if subject is not None:
                    yield subject, lines, terms
                subject, lines, terms = parts[0], [], []
            lines.append(line[:-3] if line[-1] == 10 else line[:-2])  # without " .\n"
            terms.append(parts)
    if subject is not None:
        yield subject, lines, terms


def quads_with_predicates(path: Path, predicates: Collection[str]) -> Iterator[ox.Quad]:
    """The quads of an N-Quads file as pyoxigraph writes it whose predicate is one of
    `predicates`, streamed: a line's predicate is found as written (its subject holds no
    space), and only the lines wanted are parsed, a batch at a time."""
    wanted = {f"<{p}>".encode() for p in predicates}
    batch: list[bytes] = []
    with path.open("rb") as fh:
        for line in fh:
            start = line.find(b" ") + 1
            if line[start : line.find(b" ", start)] in wanted:
                batch.append(line if line.endswith(b"\n") else line + b"\n")
                if len(batch) >= PARSE_BATCH:
                    yield from ox.parse(b"".join(batch), format=ox.RdfFormat.N_QUADS)
                    batch.clear()
    if batch:
        yield from ox.parse(b"".join(batch), format=ox.RdfFormat.N_QUADS)


def triple_lines(lines: list[bytes]) -> list[bytes]:
    """The N-Triples line of each of N-Quads `lines` (as pyoxigraph writes them), in order:
    the line up to its object, then " .". pyoxigraph writes a line the pattern does not
    take (a triple term)."""
    found = []
    for line in lines:
        terms = _LINE.fullmatch(line)
        if terms is not None:
            found.append(line[: terms.end(3)] + b" .\n")
        else:
            for quad in ox.parse(line, format=ox.RdfFormat.N_QUADS):
                found.append(ox.serialize([quad.triple], format=ox.RdfFormat.N_TRIPLES) or b"")
    return found
