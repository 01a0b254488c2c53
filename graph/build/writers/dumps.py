"""Deterministic dumps of a published version: the same graph always gives the same bytes.

Formats (W3C): N-Triples https://www.w3.org/TR/n-triples/ (canonical form, gzip),
N-Quads https://www.w3.org/TR/n-quads/ (gzip, source graphs kept),
Turtle https://www.w3.org/TR/turtle/ and JSON-LD https://www.w3.org/TR/json-ld11/.

How the bytes are fixed (graph/canonical.py):
- every term is the one the sources wrote: literals keep their lexical form ("P24M" stays
  "P24M", "120.0" stays "120.0"), never the canonical form a store would give them
  (docs/sparql.md lists the forms the SPARQL endpoint returns);
- blank nodes are relabelled with RDF Dataset Canonicalization (RDFC-1.0,
  https://www.w3.org/TR/rdf-canon/), so a re-parsed graph gets the same labels;
- lines (N-Triples, N-Quads) and statements (Turtle, JSON-LD) are sorted by code point;
- gzip members carry mtime 0 and no file name; the compression level is fixed.

The N-Triples and Turtle dumps hold the union of all graphs (what the SPARQL default graph
holds), and so does JSON-LD, so that a reader without dataset support gets the same
statements from every triple format; N-Quads keeps every triple in its named graph.

Each dump is recorded in the version's manifest under "dumps" with its size and SHA-256;
`dumps/SHA256SUMS` lists the same digests in `sha256sum -c` form.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ... import formats
from ...canonical import gzip_bytes, sorted_lines, to_bytes, turtle, union_triples
from ...errors import PublishError
from ...formats import GZIP_MEDIA_TYPE
from ...versions import DUMPS_DIR
from ..context import BuildContext

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


DUMPS: tuple[DumpSpec, ...] = (
    DumpSpec("dataset.nt.gz", "ntriples", True, "N-Triples, gzip (union of all graphs)"),
    DumpSpec(
        "dataset.nq.gz", "nquads", True, "N-Quads, gzip (one named graph per source)", quads=True
    ),
    DumpSpec("dataset.ttl", "turtle", False, "Turtle (union of all graphs)"),
    DumpSpec("dataset.jsonld", "jsonld", False, "JSON-LD (union of all graphs)"),
)


def serialize(spec: DumpSpec, dataset: ox.Dataset) -> bytes:
    """The bytes of one dump (gzipped when the spec says so)."""
    if spec.format_name == "nquads":
        data = sorted_lines(to_bytes(dataset, ox.RdfFormat.N_QUADS))
    elif spec.format_name == "ntriples":
        data = sorted_lines(to_bytes(union_triples(dataset), ox.RdfFormat.N_TRIPLES))
    elif spec.format_name == "turtle":
        data = turtle(union_triples(dataset))
    elif spec.format_name == "jsonld":
        # Plain triples, like every triple format: a JSON-LD reader without dataset support
        # (rdflib.Graph) gets the same statements as from the Turtle; graphs are in N-Quads.
        raw = to_bytes(union_triples(dataset), ox.RdfFormat.JSON_LD)
        # Re-indent for people; key order and list order stay as written (sorted triples).
        data = (json.dumps(json.loads(raw), indent=1, ensure_ascii=False) + "\n").encode()
    else:
        raise PublishError(f"no dump serialiser for format {spec.format_name!r}")
    return gzip_bytes(data) if spec.gzip else data


def file_record(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def dumps_dir(ctx: BuildContext) -> Path:
    """The staged version's dumps/ folder (made on first use)."""
    out = ctx.path / DUMP_DIR
    out.mkdir(exist_ok=True)
    return out


def write_dumps(ctx: BuildContext) -> None:
    """Writer: the four dataset dumps, manifest["dumps"] and SHA256SUMS."""
    dataset = ctx.dataset
    out = dumps_dir(ctx)
    triples = len(union_triples(dataset))
    records = []
    for spec in DUMPS:
        path = out / spec.file
        path.write_bytes(serialize(spec, dataset))
        record = {
            "file": spec.file,
            "format": spec.format_name,
            "media_type": spec.format.media_type,
            "compression": "gzip" if spec.gzip else None,
            "dataset": "graph",
            "label": spec.label,
            "statements": len(dataset) if spec.quads else triples,
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
