"""The ELM export as a product of the build: dumps/elm.ttl, listed with the dumps.

With the official shapes (the context's reference folder, graph/build/reference.py) the
projection is checked against LOQ and EDC and one that does not conform stops the build;
without them it is written unchecked, and the manifest says which (`elm.checked`).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ....canonical import canonical_graph, turtle, union_triples
from ....errors import PublishError
from ....formats import EXPORT_FORMATS
from ....iris import PRO, PROV, default_site_url
from ....store.sorted_nquads import SortedNQuads
from ....store.staged import StagedLookup, union_graph
from ....store.staged_batch import iri_subjects
from ...context import BuildContext
from ...parse import in_parallel, workers_for
from ..dumps import DumpSpec, add_dump, dumps_dir
from ..dumps import serialize as serialize_dump
from .builder import PageUrls
from .choices import sorted_nodes
from .parts import (
    PARTS_FILE,
    PREFIXES,
    Previous,
    Recording,
    changed_keys,
    check,
    code_digest,
    forget_projectors,
    project_batch,
    read_previous,
    turtle_of,
    write_index,
)
from .projection import ProgrammeBuilder

ELM_FILE = "elm.ttl"
TYPE, PROGRAMME = ox.NamedNode(str(RDF.type)), ox.NamedNode(str(PRO.StudyProgramme))
BATCH_SIZE = 500  # programmes projected and checked at a time (at most)


def serialize(graph: Graph, fmt: str = "turtle") -> bytes:
    """Deterministic bytes (graph/canonical.py): blank nodes canonicalised (RDFC-1.0),
    statements sorted; Turtle with the project's prefixes and ELM's."""
    dataset = canonical_graph(graph)
    if fmt == "turtle":
        return turtle(union_triples(dataset), PREFIXES)
    if fmt not in EXPORT_FORMATS:
        raise PublishError(f"the ELM export is written as {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    return serialize_dump(DumpSpec("elm", fmt, False, ""), dataset)


def write_elm(ctx: BuildContext, batch_size: int = BATCH_SIZE, workers: int = 0) -> None:
    """Writer: dumps/elm.ttl, its entry in the manifest's dumps, manifest["elm"], and the
    index a rebuild reuses the programmes' parts from (parts.py, elm-parts.json). The
    programmes are projected in `workers` processes (0: the build's, ctx.workers)."""
    with SortedNQuads(ctx.nquads_path) as quads_file:
        try:
            _write_elm(ctx, Recording(quads_file, ctx.store), batch_size, workers)
        finally:
            forget_projectors()


def _write_elm(ctx: BuildContext, lookup: Recording, batch_size: int, workers: int) -> None:
    """Each programme's part (parts.py) is copied from the previous version when nothing it
    read changed, else projected from the staged version, read through graph/store/staged.py
    (never the whole catalogue in rdflib), `batch_size` programmes to a job, the jobs in
    worker processes; each job is checked against the official shapes (with the
    organisations and concepts it uses). The parts are written in programme order, each
    with its own blank-node labels; the organisations, the concepts and the export's own
    node follow the last one."""
    base_iri = ctx.base_iri
    # found in the store by one query (graph/store/staged_batch.py), as text: at 30,000
    # programmes 0.2 s, where StagedLookup.subjects_for (a quad, then a URIRef, a key
    # recorded and the file's blank-node tail read) took 0.9 s
    programmes = iri_subjects(ctx.store, TYPE, PROGRAMME)
    path = dumps_dir(ctx) / ELM_FILE
    header = {
        "code": code_digest(),
        "base_iri": base_iri,
        "checked": ctx.reference_dir is not None,
    }
    previous = _previous(ctx, header)
    reused = {p: part for p in programmes if previous and (part := previous.reusable(p))}
    todo = [p for p in programmes if p not in reused]
    processes = workers_for(workers or ctx.workers)
    size = max(1, min(batch_size, -(-len(todo) // (4 * processes))))
    ctx.store  # noqa: B018 - loaded on disk before the workers open it
    reference = str(ctx.reference_dir) if ctx.reference_dir is not None else None
    jobs = [
        (str(ctx.path), base_iri, reference, todo[first : first + size])
        for first in range(0, len(todo), size)
    ]
    projected = (
        part
        for parts in in_parallel(project_batch, jobs, processes, "ELM export", "batches", 1)
        for part in parts
    )
    exported: list[str] = []
    skipped: dict[str, str] = {}
    organisations: set[str] = set()
    concepts: set[str] = set()
    names: dict[str, int] = {}
    statements = 0
    with path.open("wb") as out, ExitStack() as stack:
        before = stack.enter_context(previous.export.open("rb")) if previous else None
        out.write(turtle([], PREFIXES))

        def records() -> Iterator[list[Any]]:
            nonlocal statements
            for programme in programmes:
                part = reused.get(programme)
                if part is not None and previous is not None:
                    part.text = previous.text(programme, before)
                else:
                    part = next(projected)
                    assert part.programme == programme
                if part.skipped is not None:
                    skipped[programme] = part.skipped
                else:
                    exported.append(programme)
                organisations.update(part.organisations)
                concepts.update(part.concepts)
                statements += part.statements
                record = part.record(out.tell(), names)
                out.write(part.text)
                yield record

        def closing() -> dict[str, Any]:
            """The organisations, the concepts and the export's own node, written after the
            parts: the previous export's when made for the same organisations and concepts
            and nothing it read changed (`Previous.closing_text`), else made again; its
            record in the index says where it is, what it was made for and what it read."""
            nonlocal statements
            inputs = _closing_inputs(organisations, concepts, bool(exported))
            found = previous.closing_text(inputs, before) if previous and before else None
            if found is not None:
                text, count, keys = found
            else:
                lookup.read = set()
                text, count = _closing(lookup, base_iri, organisations, concepts, bool(exported))
                keys = base64.b64encode(lookup.keys()).decode("ascii")
                if ctx.reference_dir is not None and not programmes:
                    last = Graph()
                    last.parse(data=turtle([], PREFIXES) + text, format="turtle")
                    check(last, ctx.reference_dir)
            at = out.tell()
            out.write(text)
            statements += count
            return {"at": at, "length": len(text), "statements": count, "inputs": inputs,
                    "keys": keys, "reused": found is not None}  # fmt: skip

        header_reused = {**header, "reused": len(reused)}
        write_index(ctx.path / PARTS_FILE, header_reused, records(), names, closing)
    add_dump(
        ctx,
        {
            "file": ELM_FILE,
            "format": "turtle",
            "media_type": "text/turtle",
            "compression": None,
            "dataset": "elm",
            "label": "European Learning Model 3 (Turtle)",
            "statements": statements,
        },
    )
    ctx.manifest["elm"] = {
        "programmes": exported,
        "skipped": skipped,
        "checked": ctx.reference_dir is not None,
    }


def _previous(ctx: BuildContext, header: dict[str, Any]) -> Previous | None:
    """The previous version's parts, when a small change (its N-Quads lines) separates it
    from this one and they were made as this build makes them."""
    if ctx.previous is None:
        return None
    changed = ctx.changed_lines
    if changed is None:
        return None
    return read_previous(
        ctx.previous.path, ctx.previous.path / "dumps" / ELM_FILE, header, changed_keys(changed)
    )


def _closing_inputs(organisations: set[str], concepts: set[str], any_exported: bool) -> str:
    """What the closing is made from besides what it reads: a digest."""
    given = json.dumps([sorted(organisations), sorted(concepts), any_exported])
    return hashlib.sha256(given.encode("utf-8")).hexdigest()


def _closing(
    lookup: StagedLookup,
    base_iri: str,
    organisations: set[str],
    concepts: set[str],
    any_exported: bool,
) -> tuple[bytes, int]:
    """The organisations, the concepts and the export's own node, as Turtle."""
    data = union_graph(lookup)
    builder = ProgrammeBuilder(data, PageUrls(default_site_url(base_iri), base_iri))
    for org in sorted(organisations):
        builder.organisation(URIRef(org))
    builder.concepts |= {URIRef(c) for c in concepts}
    builder.describe_concepts()
    if any_exported:
        builder.add(builder.export, RDF.type, PROV.Entity)
        # the sources found in the store, not read one by one
        segments = lookup.subjects_for(RDF.type, PRO.SourceSegment)
        sources = [*segments, *builder.choices.curation()]
        for source in sorted_nodes(sources):
            builder.add(builder.export, PROV.wasDerivedFrom, source)
    return turtle_of(builder.out, "z")
