"""Deterministic dumps of a published version: the same graph always gives the same bytes.

Formats (W3C): N-Triples https://www.w3.org/TR/n-triples/ (canonical form, gzip),
N-Quads https://www.w3.org/TR/n-quads/ (gzip, source graphs kept),
Turtle https://www.w3.org/TR/turtle/ and JSON-LD https://www.w3.org/TR/json-ld11/.

How the bytes are fixed:
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

import gzip
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ... import formats
from ...errors import PublishError
from ...iris import DATA_BASE, PREFIXES
from ..load import ONTOLOGY_GRAPH, VOCABULARY_GRAPH

DUMP_DIR = "dumps"
CHECKSUMS = "SHA256SUMS"
GZIP_LEVEL = 9
GZIP_MEDIA_TYPE = "application/gzip"


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
CANONICAL = "dataset.nq.gz"  # the dump the other writers read back


def _gzip(data: bytes) -> bytes:
    """gzip with no file name and mtime 0: identical input gives identical bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(
        filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=GZIP_LEVEL
    ) as fh:
        fh.write(data)
    return buffer.getvalue()


def canonical_dataset(nquads: bytes) -> ox.Dataset:
    """Parse a version's N-Quads and relabel blank nodes (RDFC-1.0), terms as written.

    The quads are parsed into an in-memory `pyoxigraph.Dataset`, never a `Store`: a store
    keeps literals of XSD numeric, boolean, date and duration types as values and gives them
    back in canonical form ("P24M"^^xsd:duration -> "P2Y"), which is not what the sources say.
    """
    try:
        dataset = ox.Dataset(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    except SyntaxError as exc:
        raise PublishError(f"the version's N-Quads do not parse: {exc}") from None
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return dataset


def read_version(version_dir: Path) -> ox.Dataset:
    """The canonical dataset of a (published or staged) version."""
    dump = version_dir / DUMP_DIR / CANONICAL
    if dump.is_file():
        return ox.Dataset(ox.parse(gzip.decompress(dump.read_bytes()), format=ox.RdfFormat.N_QUADS))
    return canonical_dataset((version_dir / "dataset.nq").read_bytes())


def sorted_lines(data: bytes) -> bytes:
    lines = sorted(set(line for line in data.split(b"\n") if line.strip()))
    return b"".join(line + b"\n" for line in lines)


def union_triples(dataset: ox.Dataset) -> list[ox.Triple]:
    """Every distinct triple of every graph, sorted."""
    unique = {q.triple for q in dataset}
    return sorted(unique, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def turtle(triples: list[ox.Triple], extra_prefixes: dict[str, str] | None = None) -> bytes:
    """Turtle with the project prefixes (in a fixed order) and absolute IRIs.

    No @base: pyoxigraph relativises every IRI against a base, including other hosts'
    (`<//ror.org/…>`) and other paths (`</other/x>`), and even the prefix declarations;
    such references are valid but easy to misread, so data IRIs are written whole (their
    slashes would have to be escaped in prefixed names)."""
    table = {k: v for k, v in PREFIXES.items() if k != "id"}
    table.update(extra_prefixes or {})
    body = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=table) or b""
    # The serialiser writes its own header in hash order; ours is sorted.
    lines = body.split(b"\n")
    start = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix")), len(lines))
    header = [f"@prefix {k}: <{v}> .".encode() for k, v in sorted(table.items())]
    return b"\n".join([*header, *lines[start:]])


def base_of(dataset: ox.Dataset) -> str:
    """The data base IRI a version was published under (read off its graph names)."""
    names = {q.graph_name.value for q in dataset if isinstance(q.graph_name, ox.NamedNode)}
    for fixed in (ONTOLOGY_GRAPH, VOCABULARY_GRAPH):
        suffix = str(fixed)[len(DATA_BASE) :]
        for name in sorted(names):
            if name.endswith("/" + suffix):
                return name[: -len(suffix)]
    for name in sorted(names):
        if "/source/" in name:
            return name[: name.rfind("source/")]
    return DATA_BASE


def serialize(spec: DumpSpec, dataset: ox.Dataset) -> bytes:
    """The bytes of one dump (before gzip)."""
    if spec.format_name == "nquads":
        data = sorted_lines(ox.serialize(dataset, format=ox.RdfFormat.N_QUADS) or b"")
    elif spec.format_name == "ntriples":
        data = sorted_lines(
            ox.serialize(union_triples(dataset), format=ox.RdfFormat.N_TRIPLES) or b""
        )
    elif spec.format_name == "turtle":
        data = turtle(union_triples(dataset))
    elif spec.format_name == "jsonld":
        # Plain triples, like every triple format: a JSON-LD reader without dataset support
        # (rdflib.Graph) gets the same statements as from the Turtle; graphs are in N-Quads.
        raw = ox.serialize(union_triples(dataset), format=ox.RdfFormat.JSON_LD) or b""
        # Re-indent for people; key order and list order stay as written (sorted triples).
        data = (json.dumps(json.loads(raw), indent=1, ensure_ascii=False) + "\n").encode()
    else:
        raise PublishError(f"no dump serialiser for format {spec.format_name!r}")
    return _gzip(data) if spec.gzip else data


def file_record(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    return {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def write_dumps(staging: Path, manifest: dict[str, Any], previous: Any = None) -> None:
    """Writer (graph.build.publish.Writer): the four dataset dumps and SHA256SUMS."""
    dataset = canonical_dataset((staging / "dataset.nq").read_bytes())
    base_iri = base_of(dataset)
    out = staging / DUMP_DIR
    out.mkdir(exist_ok=True)
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
    manifest["dumps"] = records
    manifest["base_iri"] = base_iri
    write_checksums(staging, manifest)


def add_dump(staging: Path, manifest: dict[str, Any], record: dict[str, Any]) -> None:
    """Register one more file of `dumps/` (e.g. the ELM export) with its size and SHA-256."""
    path = staging / DUMP_DIR / record["file"]
    manifest.setdefault("dumps", []).append({**record, **file_record(path)})
    write_checksums(staging, manifest)


def write_checksums(staging: Path, manifest: dict[str, Any]) -> None:
    lines = sorted(f"{d['sha256']}  {d['file']}\n" for d in manifest.get("dumps", []))
    (staging / DUMP_DIR / CHECKSUMS).write_text("".join(lines), encoding="ascii")


def spec_for(file: str) -> DumpSpec | None:
    return next((s for s in DUMPS if s.file == file), None)
