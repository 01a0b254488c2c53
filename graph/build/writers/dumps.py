"""Deterministic dumps of a published version: the same graph always gives the same bytes.

Formats (W3C): N-Triples https://www.w3.org/TR/n-triples/ (canonical form, gzip),
N-Quads https://www.w3.org/TR/n-quads/ (gzip, source graphs kept),
Turtle https://www.w3.org/TR/turtle/ and JSON-LD https://www.w3.org/TR/json-ld11/.

How the bytes are fixed (graph/canonical.py):
- every term is the one the sources wrote: literals keep their lexical form ("P24M" stays
  "P24M", "120.0" stays "120.0"), never the canonical form a store would give them
  (docs/sparql.md lists the forms the SPARQL endpoint returns);
- blank nodes keep the labels the reading gave them, canonical per source, so the same
  content gives the same lines;
- lines (N-Triples, N-Quads) and statements (Turtle, JSON-LD) are sorted by code point;
- every dump is written in chunks of lines cut where the content says (at a subject
  change): a gzip member each (mtime 0, no file name, a fixed compression level), a run of
  Turtle statements, a run of JSON-LD node objects (graph/canonical.py, write_chunked); after
  a small change the previous version's file is patched: the chunks the changed lines fall
  in are encoded again and the others copied (graph/chunk_patch.py), so the same content
  gives the same bytes either way.

Nothing is held in memory: N-Quads is the version's sorted dataset.nq gzipped; the union of
the graphs is the triples of dataset.nq, in order and each once, as they come
(graph/build/union.py: from scratch in one pass over the sorted lines, after a small change
merged from the previous version's), never written to a file first: they give N-Triples
and, chunk by chunk through pyoxigraph's serialisers, the Turtle and JSON-LD files.

The N-Triples and Turtle dumps hold the union of all graphs (what the SPARQL default graph
holds), and so does JSON-LD, so that a reader without dataset support gets the same
statements from every triple format; N-Quads keeps every triple in its named graph.

Each dump is recorded in the version's manifest under "dumps" with its size and SHA-256;
`dumps/SHA256SUMS` lists the same digests in `sha256sum -c` form.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ... import formats
from ...canonical import (
    Chunked,
    ChunkedFile,
    gzip_bytes,
    gzip_members,
    jsonld_chunks,
    sorted_lines,
    to_bytes,
    turtle,
    turtle_chunks,
    union_triples,
    write_chunked,
)
from ...chunk_patch import Patched, patch_chunked
from ...errors import PublishError
from ...formats import GZIP_MEDIA_TYPE
from ...versions import DUMPS_DIR
from .. import union
from ..context import BuildContext
from ..parse import forked_pool, workers_for

DUMP_DIR = DUMPS_DIR
CHECKSUMS = "SHA256SUMS"


@dataclass(frozen=True)
class DumpSpec:
    """One dump file of a version: its name, format, whether it is gzipped and whether it
    keeps the named graphs (`quads`) or holds their union."""

    file: str
    format_name: str
    gzip: bool
    label: str
    quads: bool = False

    @property
    def format(self) -> formats.Format:
        return formats.BY_NAME[self.format_name]

    @property
    def content_type(self) -> str:
        """The media type the file is served with (gzip files are served as gzip)."""
        return GZIP_MEDIA_TYPE if self.gzip else self.format.media_type


NTRIPLES_FILE = "dataset.nt.gz"
DUMPS: tuple[DumpSpec, ...] = (
    DumpSpec(NTRIPLES_FILE, "ntriples", True, "N-Triples, gzip (union of all graphs)"),
    DumpSpec(
        "dataset.nq.gz", "nquads", True, "N-Quads, gzip (one named graph per source)", quads=True
    ),
    DumpSpec("dataset.ttl", "turtle", False, "Turtle (union of all graphs)"),
    DumpSpec("dataset.jsonld", "jsonld", False, "JSON-LD (union of all graphs)"),
)


def serialize(spec: DumpSpec, dataset: ox.Dataset) -> bytes:
    """The bytes of one dump of a small dataset held in memory (the ELM export in another
    format), gzipped when the spec says so; the version's own dumps are streamed instead
    (write_files)."""
    if spec.format_name == "nquads":
        data = sorted_lines(to_bytes(dataset, ox.RdfFormat.N_QUADS))
    elif spec.format_name == "ntriples":
        data = sorted_lines(to_bytes(union_triples(dataset), ox.RdfFormat.N_TRIPLES))
    elif spec.format_name == "turtle":
        data = turtle(union_triples(dataset))
    elif spec.format_name == "jsonld":
        data = to_bytes(union_triples(dataset), ox.RdfFormat.JSON_LD)
    else:
        raise PublishError(f"no dump serialiser for format {spec.format_name!r}")
    return gzip_bytes(data) if spec.gzip else data


MEMBERS_DIR = "dump-chunks"  # the dumps' chunk indexes, in the version folder
UNION_FILE = "union.nt"  # the sorted union of the graphs, when dataset.nq was not sorted


class _Counted:
    """Lines given a list at a time (graph/build/union.py), one by one, counted."""

    def __init__(self, pieces: Iterable[list[bytes]]):
        self.pieces, self.count = pieces, 0

    def __iter__(self) -> Iterator[bytes]:
        return chain.from_iterable(self._counted())

    def _counted(self) -> Iterator[list[bytes]]:
        for piece in self.pieces:
            self.count += len(piece)
            yield piece


def _union(ctx: BuildContext) -> _Counted:
    """The sorted union of the version's graphs as it comes (graph/build/union.py): from the
    previous version's when it was written the same way (it has a chunk index) and the change
    is small, else from dataset.nq's lines in order (union.NotInOrder when not sorted)."""
    previous = ctx.previous
    if previous is not None:
        old_union = previous.path / DUMP_DIR / NTRIPLES_FILE
        index = previous.path / MEMBERS_DIR / (NTRIPLES_FILE + ".json")
        changed = ctx.changed_lines if old_union.is_file() and index.is_file() else None
        if changed is not None:
            pieces = union.from_previous_lines(changed, old_union, ctx.nquads_path)
            if pieces is not None:
                return _Counted(pieces)
    return _Counted(union.in_order(ctx.nquads_path))


def _chunked_file(ctx: BuildContext, spec: DumpSpec, how: Chunked) -> ChunkedFile:
    """Where one dump goes, its chunk index (in the version's dump-chunks/ folder) and the
    previous version's file and index to reuse chunks from (graph/canonical.py)."""
    index_dir = ctx.path / MEMBERS_DIR
    index_dir.mkdir(exist_ok=True)
    previous = None
    if ctx.previous is not None:
        old = ctx.previous.path / DUMP_DIR / spec.file
        previous = (old, ctx.previous.path / MEMBERS_DIR / (spec.file + ".json"))
    return ChunkedFile(dumps_dir(ctx) / spec.file, index_dir / (spec.file + ".json"), how, previous)


ENCODINGS: dict[str, Callable[[], Chunked]] = {
    "nquads": gzip_members,
    "ntriples": gzip_members,
    "turtle": turtle_chunks,
    # Plain triples, like every triple format: a JSON-LD reader without dataset support
    # (rdflib.Graph) gets the same statements as from the Turtle; graphs are in N-Quads.
    "jsonld": jsonld_chunks,
}


def write_files(ctx: BuildContext) -> int:
    """The dumps of DUMPS: N-Quads from the version's dataset.nq, the triple formats from
    the sorted union of the graphs as it comes (returns its triples), never written to a
    file first but when dataset.nq is not sorted (`union.from_scratch` sorts it into
    UNION_FILE). After a small change, each is the previous version's file with the chunks
    the change falls in encoded again and the rest copied (graph/chunk_patch.py), when the
    previous files allow it. The N-Quads are written in a thread while the triple formats
    are written (in one pass over the union). Unless the change is small, the chunks are
    encoded in the build's worker processes (forked): pyoxigraph's Turtle and JSON-LD
    serialisers hold the GIL. Each file is the same as when written alone, in one process."""
    for spec in DUMPS:
        if spec.format_name not in ENCODINGS:
            raise PublishError(f"no dump serialiser for format {spec.format_name!r}")
    # the gzip of lines first in each stream: a patch reads its chunks back
    quads = sorted((s for s in DUMPS if s.quads), key=lambda s: not s.gzip)
    triples = sorted((s for s in DUMPS if not s.quads), key=lambda s: not s.gzip)
    processes = workers_for(ctx.workers)
    parallel = processes > 1 and ctx.changed_lines is None
    with forked_pool(processes) if parallel else nullcontext() as pool:
        if pool is not None:
            pool.submit(int).result()  # forked now, before the N-Quads' thread starts

        def write(source: Path | Iterable[bytes], specs: list[DumpSpec]) -> None:
            if specs:
                write_chunked(source, _files(ctx, specs), pool, ahead=4 * processes)

        def write_quads() -> None:
            if _patch_quads(ctx, quads) is None:
                write(ctx.nquads_path, quads)

        with ThreadPoolExecutor(max_workers=1) as threads:
            quads_done = threads.submit(write_quads)
            count = _patch_triples(ctx, triples)
            if count is None:
                lines = _union(ctx)
                try:
                    write(lines, triples)
                    count = lines.count
                except union.NotInOrder:
                    union_file = ctx.path / UNION_FILE
                    try:
                        count = union.from_scratch(ctx.nquads_path, union_file, ctx.path)
                        write(union_file, triples)
                    finally:
                        union_file.unlink(missing_ok=True)
            quads_done.result()
    return count


def _files(ctx: BuildContext, specs: list[DumpSpec]) -> list[ChunkedFile]:
    return [_chunked_file(ctx, s, ENCODINGS[s.format_name]()) for s in specs]


def _patch_quads(ctx: BuildContext, specs: list[DumpSpec]) -> Patched | None:
    """The N-Quads dump patched from the previous version's with the lines that changed."""
    changed = ctx.changed_lines
    if changed is None or ctx.previous is None:
        return None
    added = changed[0].read_bytes().splitlines(keepends=True)
    gone = set(changed[1].read_bytes().splitlines(keepends=True))
    return patch_chunked(_files(ctx, specs), added, gone)


def _patch_triples(ctx: BuildContext, specs: list[DumpSpec]) -> int | None:
    """The triple dumps patched from the previous version's with the union's lines that
    changed (graph/build/union.py, changed_triples); their number of triples, or None when
    they could not be patched."""
    changed, previous = ctx.changed_lines, ctx.previous
    if changed is None or previous is None:
        return None
    before = next(
        (
            d.get("statements")
            for d in previous.manifest.get("dumps", [])
            if d.get("file") == NTRIPLES_FILE
        ),
        None,
    )
    if not isinstance(before, int):
        return None
    found = union.changed_triples(changed, ctx.nquads_path)
    patched = None if found is None else patch_chunked(_files(ctx, specs), *found)
    return None if patched is None else before + patched.lines


def file_record(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def dumps_dir(ctx: BuildContext) -> Path:
    """The staged version's dumps/ folder (made on first use)."""
    out = ctx.path / DUMP_DIR
    out.mkdir(exist_ok=True)
    return out


def write_dumps(ctx: BuildContext) -> None:
    """Writer: the four dataset dumps, manifest["dumps"] and SHA256SUMS."""
    out = dumps_dir(ctx)
    triples = write_files(ctx)
    records = []
    for spec in DUMPS:
        path = out / spec.file
        record = {
            "file": spec.file,
            "format": spec.format_name,
            "media_type": spec.format.media_type,
            "compression": "gzip" if spec.gzip else None,
            "dataset": "graph",
            "label": spec.label,
            "statements": ctx.manifest["quads"] if spec.quads else triples,
            **file_record(path),
        }
        records.append(record)
    ctx.manifest["dumps"] = records
    write_checksums(ctx)


def add_dump(ctx: BuildContext, record: dict[str, Any]) -> None:
    """Register one more file of `dumps/` (e.g. the ELM export) with its size and SHA-256."""
    path = ctx.path / DUMP_DIR / record["file"]
    ctx.manifest.setdefault("dumps", []).append({**record, **file_record(path)})
    write_checksums(ctx)


def write_checksums(ctx: BuildContext) -> None:
    lines = sorted(f"{d['sha256']}  {d['file']}\n" for d in ctx.manifest.get("dumps", []))
    (ctx.path / DUMP_DIR / CHECKSUMS).write_text("".join(lines), encoding="ascii")


def spec_for(file: str) -> DumpSpec | None:
    return next((s for s in DUMPS if s.file == file), None)
