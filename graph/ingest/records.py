"""One imported record -> one source graph with its provenance -> one Turtle file.

Provenance (docs/model.md, "Provenance of an imported record"), in the manner of a seed
page segment: the record's graph is named by a `pro:ImportedRecord`, which
`prov:wasDerivedFrom` a `pro:RecordCapture` (the bytes as fetched: `pro:retrievedFrom`,
`prov:generatedAtTime`, `pro:sha256`, `dct:format`) and `prov:wasGeneratedBy` an import
activity associated with the importer agent.

Writing is idempotent and incremental (`write`): a record whose file would only differ in
its fetch time keeps its file byte for byte; a changed record replaces its file; a record of
the same scope that is no longer in the source is retired (its file removed); a record
refused now keeps its previously imported file. Files are written atomically (rename).

Before anything is written, the records are validated together with the project's shapes
(`check`); a record with a violation is refused, named by its URL and the source field the
violated property maps from.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from .. import iris
from ..build.validate import Report
from ..canonical import turtle
from ..iris import PRO, PROV
from .client import Fetched
from .report import ImportReport, Refusal

FILE_SUFFIX = ".ttl"
AGENT_LABEL = "Prospectus importer"


class Unmappable(Exception):
    """Raised while mapping a record: `field` of the source cannot be mapped."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Record:
    """The facts mapped from one outside record, and where they came from."""

    fmt: str  # slug of the format: ooapi, elm, schemaorg
    scope: str  # slug of the source (institution, document, page)
    parts: tuple[str, ...]  # slugs naming the record within the scope
    url: str  # the record's URL
    identifier: str  # its identifier in the source
    label: str  # what the record is, in words
    retrieved_from: str  # the URL whose answer held the bytes
    media_type: str
    digest: str  # SHA-256 of the record's bytes
    fetched: datetime
    facts: Graph
    publisher: URIRef | None = None
    fields: Mapping[URIRef, str] = field(default_factory=dict)  # property -> source field

    @property
    def source(self) -> URIRef:
        return iris.imported_record(self.fmt, self.scope, *self.parts)

    @property
    def capture(self) -> URIRef:
        return iris.record_capture(self.fmt, self.scope, *self.parts)

    @property
    def activity(self) -> URIRef:
        return iris.import_activity(self.fmt, self.scope, *self.parts)

    @property
    def file_name(self) -> str:
        return file_name(self.source)

    def field_of(self, prop: str | None) -> str:
        if prop is None:
            return "(record)"
        return self.fields.get(URIRef(prop)) or _prefixed(prop)


def of_document(
    fetched: Fetched,
    fmt: str,
    scope: str,
    parts: tuple[str, ...],
    *,
    identifier: str,
    label: str,
    digest: str,
    facts: Graph,
    fields: Mapping[URIRef, str],
) -> Record:
    """A record mapped from one item of a fetched document (an ELM file, a web page): the
    document is what was retrieved, its URL the record's."""
    return Record(
        fmt=fmt,
        scope=scope,
        parts=parts,
        url=fetched.url,
        identifier=identifier,
        label=label,
        retrieved_from=fetched.url,
        media_type=fetched.media_type,
        digest=digest,
        fetched=fetched.fetched,
        facts=facts,
        fields=fields,
    )


def refuse(
    report: ImportReport,
    refused_files: list[str],
    url: str,
    identifier: str,
    exc: Unmappable,
    parts: tuple[str, ...] | None,
) -> None:
    """Name a record that could not be mapped in the report (its URL, identifier and source
    field) and, when its source IRI's `parts` are known, keep its previously imported file."""
    report.refused.append(Refusal(url, identifier, exc.field, exc.message))
    if parts is not None:
        refused_files.append(file_name(iris.imported_record(*parts)))


def _prefixed(iri: str) -> str:
    for prefix, namespace in sorted(iris.PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(namespace) and prefix != "id":
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def file_name(source: URIRef) -> str:
    """id:source/ooapi/leiden/program/{id} -> 'ooapi.leiden.program.{id}.ttl'."""
    local = iris.local_path(str(source)) or ""
    return local.removeprefix("source/").replace("/", ".") + FILE_SUFFIX


def scope_prefix(fmt: str, scope: str) -> str:
    """The file-name prefix of every record of one import scope."""
    return f"{fmt}.{scope}."


def provenance(record: Record, fetched: datetime) -> Graph:
    g = Graph()
    when = Literal(fetched.strftime("%Y-%m-%dT%H:%M:%SZ"), datatype=XSD.dateTime, normalize=False)
    agent = iris.agent(iris.IMPORTER_AGENT)
    src, cap, act = record.source, record.capture, record.activity
    g.add((src, RDF.type, PRO.ImportedRecord))
    g.add((src, RDFS.label, Literal(record.label, lang="en")))
    g.add((src, PRO.recordUrl, Literal(record.url, datatype=XSD.anyURI)))
    g.add((src, DCTERMS.identifier, Literal(record.identifier)))
    g.add((src, PROV.wasDerivedFrom, cap))
    g.add((src, PROV.wasGeneratedBy, act))
    if record.publisher is not None:
        g.add((src, DCTERMS.publisher, record.publisher))
    g.add((cap, RDF.type, PRO.RecordCapture))
    g.add((cap, PRO.retrievedFrom, Literal(record.retrieved_from, datatype=XSD.anyURI)))
    g.add((cap, PRO.sha256, Literal(record.digest)))
    g.add((cap, DCTERMS.format, Literal(record.media_type)))
    g.add((cap, PROV.generatedAtTime, when))
    g.add((act, RDF.type, PROV.Activity))
    g.add((act, PROV.used, cap))
    g.add((act, PROV.wasAssociatedWith, agent))
    g.add((act, PROV.endedAtTime, when))
    g.add((agent, RDF.type, PROV.SoftwareAgent))
    g.add((agent, RDFS.label, Literal(AGENT_LABEL, lang="en")))
    return g


def graph_of(record: Record, fetched: datetime | None = None) -> Graph:
    """The record's facts, each node they describe derived from the record (its per-fact
    provenance: a record has no lines, the record is where the facts come from), plus the
    record's own provenance."""
    g = Graph()
    g += record.facts
    for node in set(record.facts.subjects()):
        if isinstance(node, URIRef) and iris.is_data_iri(str(node)):
            g.add((node, PROV.wasDerivedFrom, record.source))
    g += provenance(record, fetched or record.fetched)
    return g


def render(record: Record, fetched: datetime) -> bytes:
    """The record's file: deterministic Turtle, data IRIs relative to the canonical base."""
    text = graph_of(record, fetched).serialize(format="nt", encoding="utf-8")
    triples = sorted(
        (q.triple for q in ox.parse(text, format=ox.RdfFormat.N_TRIPLES)),
        key=lambda t: (str(t.subject), str(t.predicate), str(t.object)),
    )
    head = (
        f"# {record.label}\n"
        f"# Imported by `prospectus import {record.fmt}` from {record.url}\n"
        "# Written by the importer: a re-import replaces it; do not edit.\n"
    )
    return head.encode("utf-8") + turtle(triples) + b"\n"


def fetched_time(path: Path) -> datetime | None:
    """When the record in `path` was fetched (its capture's prov:generatedAtTime)."""
    g = Graph()
    try:
        g.parse(path, format="turtle")
    except Exception:  # noqa: BLE001 - an unreadable old file is simply rewritten
        return None
    for capture in g.subjects(RDF.type, PRO.RecordCapture):
        for value in g.objects(capture, PROV.generatedAtTime):
            try:
                return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            except ValueError:
                return None
    return None


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".import-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(
    records: Sequence[Record],
    into: Path,
    prefix: str,
    report: ImportReport,
    refused_files: Iterable[str] = (),
) -> None:
    """Write `records` into `into`; retire files of the same scope that are not among them."""
    into.mkdir(parents=True, exist_ok=True)
    existing = {p.name for p in into.glob(prefix + "*" + FILE_SUFFIX)}
    written: set[str] = set()
    for record in sorted(records, key=lambda r: r.file_name):
        path = into / record.file_name
        written.add(record.file_name)
        if path.is_file():
            before = fetched_time(path)
            if before is not None and render(record, before) == path.read_bytes():
                report.unchanged.append(record.file_name)
                continue
            report.changed.append(record.file_name)
        else:
            report.new.append(record.file_name)
        _write_atomically(path, render(record, record.fetched))
    keep = set(refused_files) & existing
    report.kept.extend(sorted(keep - written))
    for name in sorted(existing - written - keep):
        (into / name).unlink()
        report.retired.append(name)


def check(records: list[Record], rounds: int = 4) -> tuple[list[Record], list[Refusal], Report]:
    """Validate the records together against the project's shapes; refuse those in violation.

    A refused record may leave others dangling (an offering whose programme was refused), so
    the check repeats on what is left until nothing more is refused.
    """
    from ..build.load import read_ontology, read_vocabularies
    from ..build.validate import read_shapes, validate

    shapes, ontology, vocabularies = read_shapes(), read_ontology(), read_vocabularies()
    accepted = list(records)
    refusals: list[Refusal] = []
    report = Report()
    for _ in range(rounds):
        dataset = Dataset()
        by_source = {r.source: r for r in accepted}
        for record in accepted:
            target = dataset.graph(record.source)
            for triple in graph_of(record):
                target.add(triple)
        files = {source: str(source) for source in by_source}
        report = validate(dataset, shapes, ontology, files, extra=[vocabularies])
        bad: dict[URIRef, list] = {}
        for result in report.violations:
            for name in (result.source_file or "").split(", "):
                if URIRef(name) in by_source:
                    bad.setdefault(URIRef(name), []).append(result)
        if not bad:
            break
        for source, results in bad.items():
            record = by_source[source]
            result = results[0]
            value = f" (value {result.value})" if result.value else ""
            refusals.append(
                Refusal(record.url, record.identifier, record.field_of(result.path),
                        result.message + value)
            )  # fmt: skip
        accepted = [r for r in accepted if r.source not in bad]
    return accepted, refusals, report


def finish(
    report: ImportReport,
    records: list[Record],
    refused_files: Iterable[str],
    into: Path,
    prefix: str,
) -> ImportReport:
    """Check the mapped records against the shapes, then write the accepted ones.

    `report.refused` already holds the records refused while mapping; their files (and those
    of records refused by the shapes) are kept as previously imported, not retired.
    """
    accepted, refusals, shape_report = check(records)
    report.refused.extend(refusals)
    accepted_sources = {r.source for r in accepted}
    refused = set(refused_files) | {
        r.file_name for r in records if r.source not in accepted_sources
    }
    for warning in shape_report.warnings:
        report.notes.append(f"warning on {warning.focus_node}: {warning.message}")
    write(accepted, into, prefix, report, refused)
    return report
