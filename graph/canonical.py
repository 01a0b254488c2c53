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
  compression level;
- a dump is written in chunks cut where its content says (`write_chunked`): a gzip member,
  a run of Turtle statements or JSON-LD node objects each, so the same content gives the
  same bytes and a chunk of unchanged lines can be copied from the previous version.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib import Graph

from . import compression
from .errors import PublishError
from .iris import PREFIXES

# 6, not 9: 2.7 times faster for files 4.6% larger (bench/results/gzip-levels-2026-11-30.md);
# zlib-ng's (graph/compression.py) since 2026-12-04: twice zlib's speed for the same size.
GZIP_LEVEL = 6


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
    """Every distinct triple of every graph, sorted (by subject, predicate, then object)."""
    return [t for _text, t in union_triples_written(dataset)]


def union_triples_written(dataset: ox.Dataset) -> list[tuple[str, ox.Triple]]:
    """`union_triples`, each with its N-Triples text."""
    return sorted_written({q.triple for q in dataset})


def sorted_written(triples: Iterable[ox.Triple]) -> list[tuple[str, ox.Triple]]:
    """Distinct `triples` with their N-Triples texts, sorted by the text: by subject,
    predicate and object, one text a triple where the terms took three. A subject or a
    predicate (an IRI or a blank node, the only subjects pyoxigraph's RDF 1.2 has) holds no
    space, and where one is the start of another (`_:b1`, `_:b10`) the space after it sorts
    before any character that continues a term, as the shorter term sorts first on its own.
    (Distinct triples have distinct texts: no two triples are ever compared.)"""
    return sorted((str(t), t) for t in triples)


def turtle(triples: list[ox.Triple], extra_prefixes: dict[str, str] | None = None) -> bytes:
    """Turtle with the project prefixes (in a fixed order) and absolute IRIs.

    No @base: pyoxigraph relativises every IRI against a base, including other hosts'
    (`<//ror.org/…>`) and other paths (`</other/x>`), and even the prefix declarations;
    such references are valid but easy to misread, so data IRIs are written whole (their
    slashes would have to be escaped in prefixed names)."""
    table, header = _turtle_prefixes(extra_prefixes)
    return header + _without_prefixes(to_bytes(triples, ox.RdfFormat.TURTLE, table))


def _without_prefixes(body: bytes) -> bytes:
    """The serialiser's output without its @prefix lines (written in hash order; ours are
    sorted)."""
    lines = body.split(b"\n")
    start = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix")), len(lines))
    return b"\n".join(lines[start:])


def gzip_bytes(data: bytes) -> bytes:
    """gzip with no file name and mtime 0: identical input gives identical bytes."""
    return compression.gzip_bytes(data, GZIP_LEVEL)


# A chunk of a dump ends after a line whose CRC-32 has its low 10 bits zero (one line in
# 1,024 on average, about 256 KB of N-Quads) or once it holds CHUNK_MAX bytes, and then only
# where the next line has another subject, so that a subject's statements stay together.
# 10 bits, not 12 (1 MB), since 2026-12-04: a rebuild encodes again every chunk a change falls
# in (graph/chunk_patch.py), and 1% of 30,000 programmes' titles changed fell in a fifth of
# the 1 MB chunks; the dumps' rebuild took 5.54 and 6.82 s instead of 10.31 and 9.41 (two
# alternating rounds), for gzip files 5% larger (each member starts its compression afresh;
# 9 bits: 4.2 s, 11% larger). The first build's dumps: 30.33 and 37.73 s against 31.89 and
# 27.66, which two rounds do not settle (bench/README.md, the run of 2026-12-04 10:30).
CHUNK_MASK = 0x3FF
CHUNK_MAX = 8 << 20


def subject_of(line: bytes) -> bytes:
    return line.split(b" ", 1)[0]


class Cutter:
    """Where `_chunks` cuts, line by line, resumable: `feed` gives the chunks completed by
    the lines given, `ready` says whether a line of another subject would start a new chunk
    (nothing held, or a cut due), `flush` gives what is held as the last chunk. A chunk ends
    once a line's CRC-32 has the low bits of CHUNK_MASK zero or it holds CHUNK_MAX bytes,
    and then only where the next line has another subject: where a chunk ends depends on its
    own lines alone (graph/chunk_patch.py relies on it)."""

    def __init__(self) -> None:
        self.buffer: list[bytes] = []
        self.size, self.cut = 0, False

    def feed(self, lines: Iterable[bytes]) -> Iterator[bytes]:
        buffer, size, cut = self.buffer, self.size, self.cut
        for line in lines:
            if cut and subject_of(line) != subject_of(buffer[-1]):
                self.buffer = []
                yield b"".join(buffer)
                buffer, size, cut = self.buffer, 0, False
            buffer.append(line)
            size += len(line)
            cut = cut or zlib.crc32(line) & CHUNK_MASK == 0 or size >= CHUNK_MAX
        self.size, self.cut = size, cut

    def ready(self) -> bool:
        return not self.buffer or self.cut

    def flush(self) -> Iterator[bytes]:
        if self.buffer:
            yield b"".join(self.buffer)
        self.buffer, self.size, self.cut = [], 0, False


def _chunks(lines: Iterable[bytes]) -> Iterator[bytes]:
    """`lines` (sorted N-Triples or N-Quads, each ending in a line break) in content-defined
    chunks."""
    cutter = Cutter()
    yield from cutter.feed(lines)
    yield from cutter.flush()


def _lines_of(source: Path | Iterable[bytes], stack: ExitStack) -> Iterable[bytes]:
    if isinstance(source, Path):
        return stack.enter_context(source.open("rb", buffering=1 << 20))
    return source


@dataclass(frozen=True)
class Chunked:
    """How a dump is written chunk by chunk: `encode` turns a chunk of sorted lines into its
    bytes in the file; the file is `head`, the encoded chunks joined by `separator` (or
    `empty` when there is none), then `tail`. `kind` names the encoding in the chunk index:
    chunks of another kind (another level, serialiser version) are never reused."""

    kind: str
    encode: Callable[[bytes], bytes]
    head: bytes = b""
    separator: bytes = b""
    tail: bytes = b""
    empty: bytes = b""


def gzip_members() -> Chunked:
    """gzip, one member per chunk (RFC 1952 allows members; every reader reads them as one
    stream), each with no file name and mtime 0."""
    kind = f"gzip-{compression.LIBRARY}-{GZIP_LEVEL}"
    return Chunked(kind, gzip_bytes, empty=gzip_bytes(b""))


def _turtle_prefixes(extra: dict[str, str] | None = None) -> tuple[dict[str, str], bytes]:
    table = {k: v for k, v in PREFIXES.items() if k != "id"}
    table.update(extra or {})
    header = b"".join(f"@prefix {k}: <{v}> .\n".encode() for k, v in sorted(table.items()))
    return table, header


def turtle_chunks() -> Chunked:
    """Turtle of sorted N-Triples: the sorted prefix header, then each chunk's statements
    (pyoxigraph's serialiser, its own header dropped)."""
    table, header = _turtle_prefixes()
    encode = partial(_turtle_statements, table)
    return Chunked(f"turtle-pyoxigraph-{ox.__version__}", encode, head=header)


def _turtle_statements(table: dict[str, str], chunk: bytes) -> bytes:
    triples = ox.parse(chunk, format=ox.RdfFormat.N_TRIPLES)
    return _without_prefixes(to_bytes(triples, ox.RdfFormat.TURTLE, table))


def jsonld_chunks() -> Chunked:
    """JSON-LD (expanded, one node object per subject) of sorted N-Triples: one array, each
    chunk's node objects in it."""
    return Chunked(f"jsonld-pyoxigraph-{ox.__version__}", _jsonld_nodes, b"[", b",", b"]\n")


def _jsonld_nodes(chunk: bytes) -> bytes:
    array = to_bytes(ox.parse(chunk, format=ox.RdfFormat.N_TRIPLES), ox.RdfFormat.JSON_LD)
    return array.strip()[1:-1]


@dataclass(frozen=True)
class ChunkedFile:
    """One file `write_chunked` writes: where, its chunk index, how its chunks are encoded,
    and the previous version's file and index to copy unchanged chunks from."""

    target: Path
    index: Path
    how: Chunked
    previous: tuple[Path, Path] | None = None

    def known(self) -> dict[str, list[int]]:
        """The previous file's chunks (SHA-256 -> offset, length) when encoded the same way."""
        return dict(self.recorded().get("chunks", {}))

    def recorded(self) -> dict[str, Any]:
        """The previous file's chunk index when encoded the same way (else empty): "chunks"
        (SHA-256 -> offset, length) and "subjects" (SHA-256 -> the subject of its first
        line, N-Triples; in indexes written since 2026-12-04)."""
        if self.previous is None or not all(p.is_file() for p in self.previous):
            return {}
        recorded: dict[str, Any] = json.loads(self.previous[1].read_text(encoding="utf-8"))
        if recorded.get("kind") != self.how.kind or recorded.get("mask") != CHUNK_MASK:
            return {}
        return recorded


Encoded = Future[list[bytes]] | list[bytes] | None  # a chunk's pieces: coming, made or none


def _encode(encoders: tuple[Callable[[bytes], bytes], ...], chunk: bytes) -> list[bytes]:
    return [encode(chunk) for encode in encoders]


def write_chunked(
    source: Path | Iterable[bytes],
    files: Sequence[ChunkedFile],
    pool: Executor | None = None,
    ahead: int = 8,
) -> list[int]:
    """Write `source` (sorted lines: a file, or the lines themselves as they come) into each
    of `files` chunk by chunk (one pass over the source), and each file's chunk index (chunk
    SHA-256 -> offset, length in the file). A chunk also in the file's previous version is
    copied from it instead of encoded again: the same content gives the same bytes either
    way. With a `pool` (processes: pyoxigraph's serialisers hold the GIL), chunks are
    encoded there, at most `ahead` beyond the one written, and written in order. Returns
    the chunks copied, per file."""
    known = [f.known() for f in files]
    chunks: list[dict[str, list[int]]] = [{} for _ in files]
    subjects: dict[str, str] = {}
    copied = [0 for _ in files]
    with ExitStack() as stack:
        outs = [stack.enter_context(f.target.open("wb")) for f in files]
        olds = [
            stack.enter_context(f.previous[0].open("rb")) if k and f.previous else None
            for f, k in zip(files, known, strict=True)
        ]
        for f, out in zip(files, outs, strict=True):
            out.write(f.how.head)

        def write(key: str, reused: list[bool], encoded: Encoded) -> None:
            pieces = iter(encoded.result() if isinstance(encoded, Future) else encoded or ())
            for i, f in enumerate(files):
                old = olds[i]
                if reused[i] and old is not None:
                    offset, length = known[i][key]
                    old.seek(offset)
                    piece = old.read(length)
                    copied[i] += 1
                else:
                    piece = next(pieces)
                if chunks[i]:
                    outs[i].write(f.how.separator)
                chunks[i][key] = [outs[i].tell(), len(piece)]
                outs[i].write(piece)

        pending: deque[tuple[str, list[bool], Encoded]] = deque()
        try:
            for chunk in _chunks(_lines_of(source, stack)):
                key = hashlib.sha256(chunk).hexdigest()
                subjects[key] = subject_of(chunk).decode()
                reused = [key in k and old is not None for k, old in zip(known, olds, strict=True)]
                encoders = tuple(f.how.encode for f, r in zip(files, reused, strict=True) if not r)
                encoded: Encoded = None
                if encoders and pool is not None:
                    encoded = pool.submit(_encode, encoders, chunk)
                elif encoders:
                    encoded = _encode(encoders, chunk)
                pending.append((key, reused, encoded))
                while len(pending) > ahead or (pending and pool is None):
                    write(*pending.popleft())
            while pending:
                write(*pending.popleft())
        finally:
            for _, _, waiting in pending:
                if isinstance(waiting, Future):
                    waiting.cancel()
        for f, out, found in zip(files, outs, chunks, strict=True):
            if not found:
                out.write(f.how.empty)
            out.write(f.how.tail)
    for f, found in zip(files, chunks, strict=True):
        write_index(f, found, subjects)
    return copied


def write_index(file: ChunkedFile, chunks: dict[str, list[int]], subjects: dict[str, str]) -> None:
    """`file`'s chunk index: its encoding, the cut rule, each chunk's place in the file and
    the subject its lines start with."""
    record = {"kind": file.how.kind, "mask": CHUNK_MASK, "chunks": chunks, "subjects": subjects}
    file.index.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")


def write_gzip_members(
    source: Path, target: Path, index: Path, previous: tuple[Path, Path] | None = None
) -> int:
    """gzip `source` (sorted lines) into `target`, one member per chunk (`write_chunked`);
    returns the members copied from `previous`."""
    return write_chunked(source, [ChunkedFile(target, index, gzip_members(), previous)])[0]


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
