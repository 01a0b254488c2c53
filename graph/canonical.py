"""Deterministic RDF: the same statements always give the same bytes, terms as written.

Shared by the build's writers (dumps, change records, the ELM export), the importers'
records (graph/ingest/records.py) and every reader of a published version:

- terms are the ones the sources wrote: literals keep their lexical form ("P24M" stays
  "P24M", "120.0" stays "120.0"). pyoxigraph's in-memory `Dataset` keeps them, a pyoxigraph
  `Store` does not (it gives numbers, dates and durations back in canonical form), and
  rdflib keeps them only inside `literals_as_written()`;
- blank nodes are labelled canonically where a graph is small enough to hold: each source
  when it is read (graph/build/load.py), so the same content gives the same N-Quads lines,
  and the records of the importers and of the ELM export (RDFC-1.0,
  https://www.w3.org/TR/rdf-canon/, `canonical_graph`). A published version's whole dataset
  is never canonicalised as one: at 100,000 programmes it does not fit in memory, and its
  lines are already canonical per source (graph/build/publish.py sorts them on disk);
- lines (N-Triples, N-Quads) and statements (Turtle) are sorted by code point, and Turtle
  carries the project's prefixes in a fixed order;
- gzip files are one or more members, each with mtime 0, no file name and a fixed
  compression level; a dump's members are cut where its content says (`write_gzip_members`),
  so the same content gives the same bytes and a member of unchanged lines can be reused.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zlib
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import BinaryIO, cast

import pyoxigraph as ox
import rdflib
from rdflib import Graph

from .errors import PublishError
from .iris import PREFIXES

GZIP_LEVEL = 9


@contextmanager
def literals_as_written() -> Iterator[None]:
    """Keep every literal's lexical form as written while rdflib parses ("P24M" stays
    "P24M", not "P2Y")."""
    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = saved


def to_bytes(
    items: Iterable[ox.Triple] | Iterable[ox.Quad] | ox.Dataset,
    fmt: ox.RdfFormat,
    prefixes: dict[str, str] | None = None,
) -> bytes:
    """pyoxigraph's serialisation of `items` (its `serialize` gives bytes when given no file)."""
    if prefixes is None:
        return ox.serialize(items, format=fmt) or b""
    return ox.serialize(items, format=fmt, prefixes=prefixes) or b""


def canonical_dataset(nquads: bytes) -> ox.Dataset:
    """Parse N-Quads into an in-memory dataset, terms as written, blank nodes relabelled
    (RDFC-1.0)."""
    try:
        dataset = ox.Dataset(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    except SyntaxError as exc:
        raise PublishError(f"the version's N-Quads do not parse: {exc}") from None
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return dataset


def sorted_lines(data: bytes) -> bytes:
    """Distinct non-empty lines, sorted by code point, each ending in a line break."""
    lines = sorted(set(line for line in data.split(b"\n") if line.strip()))
    return b"".join(line + b"\n" for line in lines)


def union_triples(dataset: ox.Dataset) -> list[ox.Triple]:
    """Every distinct triple of every graph, sorted."""
    unique = {q.triple for q in dataset}
    return sorted(unique, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


class _SortedHeader:
    """A binary writer that replaces the serialiser's @prefix lines (written first, in hash
    order) with `header` (sorted) and passes the rest through."""

    def __init__(self, out: BinaryIO, header: bytes) -> None:
        self.out, self.header, self.pending, self.passing = out, header, b"", False

    def write(self, data: bytes) -> int:
        if self.passing:
            return self.out.write(data) or len(data)
        self.pending += bytes(data)
        while not self.passing:
            end = self.pending.find(b"\n")
            undecided = len(self.pending) < 7 and b"@prefix".startswith(self.pending)
            if self.pending.startswith(b"@prefix") or undecided:
                if end < 0:
                    return len(data)  # the rest of this line is still to come
                self.pending = self.pending[end + 1 :]
            else:
                self.finish()
        return len(data)

    def flush(self) -> None:
        self.out.flush()

    def finish(self) -> None:
        if not self.passing:
            self.out.write(self.header + self.pending)
            self.pending, self.passing = b"", True


def write_turtle(
    triples: Iterable[ox.Triple], out: BinaryIO, extra_prefixes: dict[str, str] | None = None
) -> None:
    """Turtle with the project prefixes (in a fixed order) and absolute IRIs, streamed to
    `out` (triples sorted by the caller; the serialiser groups a subject's consecutive
    triples).

    No @base: pyoxigraph relativises every IRI against a base, including other hosts'
    (`<//ror.org/…>`) and other paths (`</other/x>`), and even the prefix declarations;
    such references are valid but easy to misread, so data IRIs are written whole (their
    slashes would have to be escaped in prefixed names)."""
    table = {k: v for k, v in PREFIXES.items() if k != "id"}
    table.update(extra_prefixes or {})
    header = b"".join(f"@prefix {k}: <{v}> .\n".encode() for k, v in sorted(table.items()))
    writer = _SortedHeader(out, header)
    output = cast(BinaryIO, writer)  # pyoxigraph needs only its write()
    ox.serialize(triples, output=output, format=ox.RdfFormat.TURTLE, prefixes=table)
    writer.finish()


def turtle(triples: list[ox.Triple], extra_prefixes: dict[str, str] | None = None) -> bytes:
    """`write_turtle` into bytes."""
    buffer = io.BytesIO()
    write_turtle(triples, buffer, extra_prefixes)
    return buffer.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    """gzip with no file name and mtime 0: identical input gives identical bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(
        filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=GZIP_LEVEL
    ) as fh:
        fh.write(data)
    return buffer.getvalue()


# A gzip member ends after a line whose CRC-32 has its low 12 bits zero (one line in 4,096
# on average, about 1 MB of N-Quads), or once it holds MEMBER_MAX bytes.
MEMBER_MASK = 0xFFF
MEMBER_MAX = 8 << 20


def _chunks(source: Path) -> Iterator[bytes]:
    """The lines of `source` in content-defined chunks (whole lines)."""
    buffer: list[bytes] = []
    size = 0
    with source.open("rb", buffering=1 << 20) as fh:
        for line in fh:
            buffer.append(line)
            size += len(line)
            if zlib.crc32(line) & MEMBER_MASK == 0 or size >= MEMBER_MAX:
                yield b"".join(buffer)
                buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)


def write_gzip_members(
    source: Path, target: Path, index: Path, previous: tuple[Path, Path] | None = None
) -> int:
    """gzip `source` into `target` as one member per content-defined chunk of lines (RFC
    1952 allows members; every reader reads them as one stream), each member with no file
    name and mtime 0, and the members' index (chunk SHA-256 -> offset, length) into `index`.
    A chunk also in `previous` (the previous version's file and index) is copied compressed
    instead of compressed again: the same content gives the same bytes either way. Returns
    the number of members copied."""
    known: dict[str, list[int]] = {}
    if previous is not None and previous[0].is_file() and previous[1].is_file():
        recorded = json.loads(previous[1].read_text(encoding="utf-8"))
        if recorded.get("level") == GZIP_LEVEL and recorded.get("mask") == MEMBER_MASK:
            known = recorded["members"]
    members: dict[str, list[int]] = {}
    copied = 0
    with ExitStack() as files:
        out = files.enter_context(target.open("wb"))
        old = files.enter_context(previous[0].open("rb")) if known and previous else None
        for chunk in _chunks(source):
            key = hashlib.sha256(chunk).hexdigest()
            if key in known and old is not None:
                offset, length = known[key]
                old.seek(offset)
                member = old.read(length)
                copied += 1
            else:
                member = gzip.compress(chunk, compresslevel=GZIP_LEVEL, mtime=0)
            members[key] = [out.tell(), len(member)]
            out.write(member)
        if not members:  # an empty file is still a gzip stream
            out.write(gzip.compress(b"", compresslevel=GZIP_LEVEL, mtime=0))
    record = {"level": GZIP_LEVEL, "mask": MEMBER_MASK, "members": members}
    index.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
    return copied


def rdflib_graph(triples: Iterable[ox.Triple]) -> Graph:
    """An rdflib graph of `triples`, literals as written."""
    graph = Graph()
    text = to_bytes(list(triples), ox.RdfFormat.N_TRIPLES)
    if text:
        with literals_as_written():
            graph.parse(data=text.decode("utf-8"), format="nt")
    return graph


def oxigraph_triples(graph: Graph) -> list[ox.Triple]:
    """The triples of an rdflib graph as pyoxigraph terms (through N-Triples, which rdflib
    writes term for term; its Turtle writer would turn "80"^^xsd:decimal into 80.0)."""
    return list(ox.parse(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES))


def canonical_graph(graph: Graph) -> ox.Dataset:
    """The triples of an rdflib graph in a dataset whose blank nodes are relabelled (RDFC-1.0)."""
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in oxigraph_triples(graph))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return dataset
