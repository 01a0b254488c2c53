"""A dump of a rebuild made from the previous version's, encoding only the chunks a change
falls in and copying the rest byte for byte.

graph/canonical.py writes a dump of sorted lines in content-defined chunks (`write_chunked`)
and records each chunk's place in the file and the subject its first line has. A chunk never
splits a subject, and where it ends depends only on its own lines (canonical.Cutter): so a
line added or removed changes the chunk holding its subject (the last chunk whose first
subject is not after the line's), and the cut after that chunk can only move further on,
into chunks that follow. This module takes the lines added and removed (sorted), finds
the chunks they fall in by bisection over the first subjects, reads those chunks' lines
back from the previous version's gzip-of-lines file (one gzip member a chunk: the N-Triples
dump for the triple formats, the N-Quads dump for itself), merges the change in and cuts
the result again, going on into the next chunks until a cut falls where a previous chunk
began. Every run of chunks in between is copied from the previous file with
copy_file_range (the kernel copies; Python never sees those lines). The files are the
bytes `write_chunked` writes for the new lines, their chunk indexes too
(tests/test_chunk_patch.py compares them).

`patch_chunked` gives up (returns None, nothing written that the caller keeps) when the
previous files cannot be used: a file or index missing, encoded another way, written before
indexes held subjects, or a chunk read back that does not match its digest.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import heapq
import os
import zlib
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import BinaryIO

from .canonical import ChunkedFile, Cutter, subject_of, write_index


class _Unusable(Exception):
    """The previous files cannot be patched: write the dump in full."""


@dataclass(frozen=True)
class _Previous:
    """The previous version's chunks in file order: their digests, first subjects, and
    (offset, length) in each file."""

    keys: list[str]
    firsts: list[bytes]
    spans: list[list[tuple[int, int]]]  # per file, per chunk

    @classmethod
    def of(cls, files: Sequence[ChunkedFile]) -> _Previous:
        records = [f.recorded() for f in files]
        if not all(r.get("subjects") is not None and r.get("chunks") for r in records):
            raise _Unusable
        keys = sorted(records[0]["chunks"], key=lambda k: records[0]["chunks"][k][0])
        spans = []
        for record in records:
            chunks = record["chunks"]
            if len(chunks) != len(keys):
                raise _Unusable
            try:
                spans.append([(chunks[k][0], chunks[k][1]) for k in keys])
            except KeyError:
                raise _Unusable from None
        subjects = records[0]["subjects"]
        try:
            firsts = [subjects[k].encode() for k in keys]
        except KeyError:
            raise _Unusable from None
        return cls(keys, firsts, spans)


def _line_key(line: bytes) -> bytes:
    return line[:-1]  # lines compare without their break, as sort(1) compares them


class _Output:
    """One file being written: its bytes so far, its chunks (digest -> offset, length)."""

    def __init__(self, file: ChunkedFile, out: BinaryIO, old: BinaryIO):
        self.file, self.out, self.old = file, out, old
        self.at, self.chunks = 0, dict[str, list[int]]()

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[self.out.write(view) or 0 :]
        self.at += len(data)

    def separate(self) -> None:
        if self.chunks:
            self.write(self.file.how.separator)

    def copy(self, start: int, end: int) -> None:
        """The previous file's bytes [start, end), copied by the kernel (through Python
        where the kernel or the file system does not offer copy_file_range)."""
        while start < end:
            done = self._copy_some(start, end - start)
            if done <= 0:
                raise _Unusable  # the previous file is shorter than its index says
            start += done

    def _copy_some(self, start: int, count: int) -> int:
        try:
            done = os.copy_file_range(self.old.fileno(), self.out.fileno(), count, start)
        except OSError as exc:
            if exc.errno not in NO_COPY_RANGE:
                raise
            self.old.seek(start)
            data = self.old.read(min(count, 1 << 24))
            self.write(data)
            return len(data)
        self.at += done
        return done


# copy_file_range's errors that mean "not here" (an old kernel, another file system, a
# file system that does not take it), not that the copy failed
NO_COPY_RANGE = frozenset({errno.ENOSYS, errno.EXDEV, errno.EINVAL, errno.EOPNOTSUPP})


@dataclass(frozen=True)
class Patched:
    """What `patch_chunked` did: the chunks copied, per file, and the lines the files hold
    now less those they held (added lines already there are not counted)."""

    copied: list[int]
    lines: int


def patch_chunked(
    files: Sequence[ChunkedFile], added: Sequence[bytes], gone: Iterable[bytes]
) -> Patched | None:
    """Write each of `files` (the same lines, encoded each its own way; `files[0]` gzip
    members, whose chunks are read back) from its previous version, with the sorted lines
    `added` merged in (those not there already) and the lines `gone` left out (module doc);
    None when the previous files cannot be used."""
    try:
        previous = _Previous.of(files)
    except (_Unusable, OSError, ValueError, TypeError, IndexError):
        return None  # no index, or not one this code wrote
    assert all(f.previous is not None for f in files)
    try:
        return _patch(files, previous, added, gone)
    except _Unusable:
        return None


def _events(
    previous: _Previous, added: Sequence[bytes], gone: Iterable[bytes]
) -> tuple[dict[int, list[bytes]], dict[int, set[bytes]]]:
    """The added and gone lines by the chunk they fall in."""
    adds: dict[int, list[bytes]] = defaultdict(list)
    drops: dict[int, set[bytes]] = defaultdict(set)
    firsts = previous.firsts
    for line in added:
        adds[max(bisect_right(firsts, subject_of(line)) - 1, 0)].append(line)
    for line in gone:
        drops[max(bisect_right(firsts, subject_of(line)) - 1, 0)].add(line)
    return adds, drops


def _patch(
    files: Sequence[ChunkedFile],
    previous: _Previous,
    added: Sequence[bytes],
    gone: Iterable[bytes],
) -> Patched:
    adds, drops = _events(previous, added, gone)
    dirty = sorted(adds.keys() | drops.keys())
    count = len(previous.keys)
    copied = [0 for _ in files]
    subjects: dict[str, str] = {}
    delta = 0
    with ExitStack() as stack:
        outputs = []
        for f in files:
            assert f.previous is not None
            out = stack.enter_context(f.target.open("wb", buffering=0))
            old = stack.enter_context(f.previous[0].open("rb"))
            outputs.append(_Output(f, out, old))
            outputs[-1].write(f.how.head)

        def emit(chunk: bytes) -> None:
            key = hashlib.sha256(chunk).hexdigest()
            subjects[key] = subject_of(chunk).decode()
            for output in outputs:
                output.separate()
                piece = output.file.how.encode(chunk)
                output.chunks[key] = [output.at, len(piece)]
                output.write(piece)

        def lines_of(k: int) -> list[bytes]:
            """Chunk k's lines, with the change that falls in it."""
            nonlocal delta
            offset, length = previous.spans[0][k]
            outputs[0].old.seek(offset)
            try:
                data = gzip.decompress(outputs[0].old.read(length))
            except (OSError, EOFError, zlib.error) as exc:
                raise _Unusable from exc
            if hashlib.sha256(data).hexdigest() != previous.keys[k]:
                raise _Unusable
            lines = data.splitlines(keepends=True)
            held = len(lines)
            if k in drops:
                lines = [line for line in lines if line not in drops[k]]
            if k in adds:
                present = set(lines)
                fresh = sorted({line for line in adds[k] if line not in present}, key=_line_key)
                lines = list(heapq.merge(lines, fresh, key=_line_key))
            delta += len(lines) - held
            return lines

        k, upcoming = 0, 0
        while k < count:
            while upcoming < len(dirty) and dirty[upcoming] < k:
                upcoming += 1
            end = dirty[upcoming] if upcoming < len(dirty) else count
            if k < end:  # chunks k..end-1 unchanged: copied, each file's run in one piece
                for i, output in enumerate(outputs):
                    spans = previous.spans[i]
                    start, stop = spans[k][0], spans[end - 1][0] + spans[end - 1][1]
                    output.separate()
                    base = output.at
                    output.copy(start, stop)
                    for j in range(k, end):
                        output.chunks[previous.keys[j]] = [base + spans[j][0] - start, spans[j][1]]
                    copied[i] += end - k
                for j in range(k, end):
                    subjects[previous.keys[j]] = previous.firsts[j].decode()
                k = end
                continue
            cutter = Cutter()  # a changed chunk: cut again until a cut meets a chunk's start
            while True:
                for chunk in cutter.feed(lines_of(k)):
                    emit(chunk)
                k += 1
                if k == count or cutter.ready():
                    break
            for chunk in cutter.flush():
                emit(chunk)
        for output in outputs:
            how = output.file.how
            output.write(how.tail if output.chunks else how.empty + how.tail)
    for output in outputs:
        write_index(output.file, output.chunks, subjects)
    return Patched(copied, delta)
