"""The change stream's memory between versions: `ldes/state.json.gz` and its table of terms
`ldes/state-terms.gz` in each version.

Per programme: its latest member (IRI, time, deleted or not, page), the digest of its
description and the terms that description looked up (members.Reads), which decide whether
the next version describes it again (members.Touched.may_change). Never served.

A first build writes it for every programme; a rebuild after a small change describes a few
of them and keeps the others as they were. So the terms are numbered in one table kept from
version to version (members.Terms): a programme not described again keeps the numbers it
was read with, never turned back into text nor numbered again, and the change test asks the
table once for the numbers of the terms touched. Reading and writing the state then cost a
decompression and the programmes' short records, not a string for every term every
programme read (at 20,000 programmes, 0.8 s to read and 0.6 s to write it as numbers,
against 1.3-1.5 and 2.6-2.8 s as text, once each in every rebuild, on the build's critical
path: docs/build.md).
The table only grows; when it holds more than COMPACT_AFTER times the terms it held when
last numbered afresh (terms no programme reads any more), the next write numbers it afresh.

The table is a file of its own, `ldes/state-terms.gz`: one term a line (a term is an IRI's
or blank node's N-Triples text; one holding a line break, never seen, is written as a JSON
string), as gzip members one after the other. A rebuild reads it (the table is needed for
the change test and to number the reads of the programmes described again), then writes it
as the bytes it read, followed by one gzip member of the terms it added: the table is never
encoded or compressed again (at 30,000 programmes, 643,000 terms, 71 MB of text; writing
the state took 0.86-1.0 s of CPU with the table in the JSON head, 0.20-0.33 s so, and
reading it 0.62-1.1 s, 0.57-0.61 s so; bench in the commit that made format 3).

The state file, gzip (mtime 0) of: one line of JSON, {"format": 3, "terms": t, "numbered":
n, "programmes": [[programme, member, time, deleted, page, digest, unkeyed, blank,
subjects, objects], ...]} (`t` how many terms the table holds; programmes sorted; `subjects`
and `objects` how many numbers each has), then the numbers, unsigned 32-bit little-endian,
each programme's subjects then its objects, in the programmes' order. Versions built on
2026-12-03 and 2026-12-04 wrote format 2: the same with the table in the head ("terms":
[...]), no table file. Versions built before wrote one JSON document (format 1: {"terms":
[...], "programmes": {programme: {..., "subjects": [n, ...], "objects": [n, ...]}}}); both
are read as they are, their terms becoming the table (written whole in the next version's
table file).
"""

from __future__ import annotations

import gzip
import json
import sys
import zlib
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..build.heap import no_collection
from ..compression import gzip_bytes
from .log import StreamError, folder
from .members import Numbered, Reads, Terms

STATE = "state.json.gz"
TERMS = "state-terms.gz"  # the table of terms (format 3), beside the state
FORMAT = 3
COMPACT_AFTER = 2
# 6 took 0.9 s more at 20,000 programmes for a file a quarter smaller (zlib's levels); zlib-ng's
# level 2 is faster than zlib's 1 for a file no larger (graph/compression.py)
GZIP_LEVEL = 2


@dataclass
class Entry:
    """The latest member of one programme, and what its description looked up."""

    member: str
    time: str
    deleted: bool
    page: int
    digest: str | None = None
    reads: Reads | Numbered = field(default_factory=lambda: Reads(frozenset(), frozenset()))


@dataclass
class State:
    """Every programme's entry, and the table their reads are numbered in."""

    entries: dict[str, Entry] = field(default_factory=dict)
    terms: Terms = field(default_factory=Terms)


def read_state(version_dir: Path) -> State:
    """The state a version's stream left (an empty one when it has none)."""
    path = folder(version_dir) / STATE
    try:
        text = gzip.decompress(path.read_bytes())
    except FileNotFoundError:
        return State()
    except (OSError, EOFError, zlib.error) as exc:
        raise StreamError(f"{path}: cannot read the stream's state: {exc}") from None
    head, _, numbers = text.partition(b"\n")
    try:
        with no_collection():
            data = json.loads(head)
            if data.get("format") == FORMAT:
                return _from_numbers(data, numbers, _read_terms(folder(version_dir), data))
            if data.get("format") == 2:
                return _from_numbers(data, numbers, Terms(data["terms"], data["numbered"]))
            return _from_format_1(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise StreamError(f"{path}: cannot read the stream's state: {exc}") from None


def _read_terms(stream_dir: Path, data: dict[str, Any]) -> Terms:
    """The table of a state of format 3: its TERMS file, one term a line, kept compressed as
    it is for the next version to copy (`_terms_bytes`)."""
    path = stream_dir / TERMS
    try:
        stored = path.read_bytes()
        text = gzip.decompress(stored)
    except (OSError, EOFError, zlib.error) as exc:
        raise StreamError(f"{path}: cannot read the stream's terms: {exc}") from None
    table = text.decode("utf-8").split("\n")[:-1]
    if text.startswith(b'"') or b'\n"' in text:  # a term holding a line break (never seen)
        table = [json.loads(t) if t.startswith('"') else t for t in table]
    if len(table) != data["terms"]:
        raise ValueError(f"{path}: {len(table)} terms, the state names {data['terms']}")
    terms = Terms(table, data["numbered"])
    terms.stored = (stored, len(table))
    return terms


def _from_numbers(data: dict[str, Any], blob: bytes, terms: Terms) -> State:
    numbers = array("I")
    numbers.frombytes(blob)
    if sys.byteorder == "big":
        numbers.byteswap()
    entries, at = {}, 0
    for programme, member, time, deleted, page, digest, unkeyed, blank, s, o in data["programmes"]:
        subjects, objects = numbers[at : at + s], numbers[at + s : at + s + o]
        at += s + o
        reads = Numbered(subjects, objects, unkeyed, blank, terms)
        entries[programme] = Entry(member, time, deleted, page, digest, reads)
    if at != len(numbers):
        raise ValueError(f"the programmes name {at} numbers, the file holds {len(numbers)}")
    return State(entries, terms)


def _from_format_1(data: dict[str, Any]) -> State:
    table: list[str] = data["terms"]
    terms = Terms(table, len(table))
    blank = frozenset(n for n, term in enumerate(table) if term.startswith("_:"))
    entries = {}
    for programme, e in data["programmes"].items():
        subjects, objects = array("I", e["subjects"]), array("I", e["objects"])
        marked = not (blank.isdisjoint(subjects) and blank.isdisjoint(objects))
        reads = Numbered(subjects, objects, e["unkeyed"], marked, terms)
        entries[programme] = Entry(
            e["member"], e["time"], e["deleted"], e["page"], e["digest"], reads
        )
    return State(entries, terms)


def state_files(entries: dict[str, Entry], terms: Terms | None = None) -> tuple[bytes, bytes]:
    """The state file (STATE) and the table's (TERMS) of `entries`, their reads numbered in
    `terms` (the table the reads read from the previous version are numbered in) unless it
    has grown past COMPACT_AFTER times its size when last numbered afresh: then, and
    without `terms`, in a table numbered afresh (programmes in order, each one's terms
    sorted)."""
    if terms is None or (
        terms.numbered is not None and len(terms.table) > COMPACT_AFTER * max(terms.numbered, 1)
    ):
        terms = Terms()
    with no_collection():
        programmes, numbers = rows(entries, terms)
        numbered = len(terms.table) if terms.numbered is None else terms.numbered
        head = {
            "format": FORMAT,
            "terms": len(terms.table),
            "numbered": numbered,
            "programmes": programmes,
        }
        if sys.byteorder == "big":
            numbers.byteswap()
        text = json.dumps(head, separators=(",", ":")).encode("utf-8") + b"\n" + numbers.tobytes()
    return gzip_bytes(text, GZIP_LEVEL), _terms_bytes(terms)


def rows(entries: dict[str, Entry], terms: Terms) -> tuple[list[list[Any]], array[int]]:
    """The state's programmes (sorted) as rows, and their reads numbered in `terms`: each
    programme's subjects then its objects (what formats 2 and 3 write alike)."""
    programmes, numbers = [], array("I")
    for programme in sorted(entries):
        e = entries[programme]
        reads = e.reads
        if not isinstance(reads, Numbered) or reads.terms is not terms:
            reads = terms.numbered_reads(reads if isinstance(reads, Reads) else reads.as_reads())
        numbers.extend(reads.subjects)
        numbers.extend(reads.objects)
        programmes.append([
            programme, e.member, e.time, e.deleted, e.page, e.digest,
            reads.unkeyed, reads.blank, len(reads.subjects), len(reads.objects),
        ])  # fmt: skip
    return programmes, numbers


def _terms_bytes(terms: Terms) -> bytes:
    """The TERMS file of `terms`: the previous version's file as it was (gzip members follow
    one another) then the terms added since, when the table is the one read from it; else
    the whole table. A term is a line (as JSON, in the case it held a line break)."""
    stored, count = terms.stored if terms.stored is not None else (b"", 0)
    added = terms.table[count:]
    text = "".join(f"{t}\n" for t in added)
    if text.count("\n") != len(added) or text.startswith('"') or '\n"' in text:
        text = "".join(f"{_line(t)}\n" for t in added)
    return stored + (gzip_bytes(text.encode("utf-8"), GZIP_LEVEL) if added or not stored else b"")


def _line(term: str) -> str:
    return json.dumps(term) if "\n" in term or term.startswith('"') else term


def state_bytes(entries: dict[str, Entry], terms: Terms | None = None) -> bytes:
    """The state file (STATE) of `entries`: `state_files`' first."""
    return state_files(entries, terms)[0]


def write_state(staging: Path, state: State) -> None:
    stream_dir = folder(staging)
    stream_dir.mkdir(parents=True, exist_ok=True)
    state_file, terms_file = state_files(state.entries, state.terms)
    (stream_dir / TERMS).write_bytes(terms_file)
    (stream_dir / STATE).write_bytes(state_file)
