"""The ELM export as a product of the build: dumps/elm.ttl, listed with the dumps.

With the official shapes (the context's reference folder, graph/build/reference.py) the
projection is checked against LOQ and EDC and one that does not conform stops the build;
without them it is written unchecked, and the manifest says which (`elm.checked`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ....canonical import canonical_graph, turtle, union_triples
from ....errors import PublishError
from ....formats import EXPORT_FORMATS
from ....iris import ADMS, PRO, PROV, ROV, default_site_url
from ....store.sorted_nquads import SortedNQuads
from ....store.staged import StagedLookup, union_graph
from ....store.terms import to_oxigraph
from ...context import BuildContext
from ...reference import check_elm
from ..dumps import DumpSpec, add_dump, dumps_dir
from ..dumps import serialize as serialize_dump
from .builder import PageUrls, Projection
from .choices import sorted_nodes
from .projection import ProgrammeBuilder

ELM_FILE = "elm.ttl"
PREFIXES = {"adms": str(ADMS), "rov": str(ROV)}
BATCH_SIZE = 500  # programmes projected, checked and written at a time


def serialize(graph: Graph, fmt: str = "turtle") -> bytes:
    """Deterministic bytes (graph/canonical.py): blank nodes canonicalised (RDFC-1.0),
    statements sorted; Turtle with the project's prefixes and ELM's."""
    dataset = canonical_graph(graph)
    if fmt == "turtle":
        return turtle(union_triples(dataset), PREFIXES)
    if fmt not in EXPORT_FORMATS:
        raise PublishError(f"the ELM export is written as {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    return serialize_dump(DumpSpec("elm", fmt, False, ""), dataset)


def write_elm(ctx: BuildContext, batch_size: int = BATCH_SIZE) -> None:
    """Writer: dumps/elm.ttl, its entry in the manifest's dumps, and manifest["elm"]."""
    with SortedNQuads(ctx.nquads_path) as quads_file:
        _write_elm(ctx, StagedLookup(quads_file, ctx.store), batch_size)


def _write_elm(ctx: BuildContext, lookup: StagedLookup, batch_size: int) -> None:
    """The programmes are projected `batch_size` at a time from the staged version, read through
    graph/store/staged.py (never the whole catalogue in rdflib); each batch is checked against
    the official shapes (with the organisations and concepts it uses) and appended to the file
    as Turtle, its blank nodes labelled apart from every other batch's. The organisations,
    the concepts and the export's own node follow the last batch."""
    base_iri = ctx.base_iri
    data = union_graph(lookup)
    builder = ProgrammeBuilder(data, PageUrls(default_site_url(base_iri), base_iri), Graph())
    projection = Projection(Graph())
    programmes = [
        p
        for p in sorted_nodes(data.subjects(RDF.type, PRO.StudyProgramme))
        if isinstance(p, URIRef)
    ]
    path = dumps_dir(ctx) / ELM_FILE
    statements = 0
    with path.open("wb") as out:
        for number, first in enumerate(range(0, len(programmes), batch_size)):
            chunk = programmes[first : first + batch_size]
            lookup.prefetch(chunk)
            builder.start_batch()
            for programme in chunk:
                reason = builder.missing(programme)
                if reason:
                    projection.skipped[programme] = reason
                    continue
                builder.programme(programme)
                projection.programmes.append(programme)
            if ctx.reference_dir is not None:
                checked = builder.out + builder.shared
                concepts, builder.out = builder.out, checked
                builder.describe_concepts()  # those used so far
                builder.out = concepts
                _check(checked, ctx.reference_dir)
            statements += _append(out, builder.out, f"b{number}x", header=number == 0)
        builder.start_batch()
        builder.describe_concepts()
        if projection.programmes:
            builder.add(builder.export, RDF.type, PROV.Entity)
            sources = [*data.subjects(RDF.type, PRO.SourceSegment), *builder.choices.curation()]
            for source in sorted_nodes(sources):
                builder.add(builder.export, PROV.wasDerivedFrom, source)
        last = builder.out + builder.shared
        if ctx.reference_dir is not None and not programmes:
            _check(last, ctx.reference_dir)
        statements += _append(out, last, "z", header=not programmes)
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
        "programmes": [str(p) for p in projection.programmes],
        "skipped": {str(p): why for p, why in projection.skipped.items()},
        "checked": ctx.reference_dir is not None,
    }


def _check(graph: Graph, reference_dir: Path) -> None:
    report = check_elm(graph, reference_dir)
    if report.violations:
        first = "\n\n".join(v.render() for v in report.violations[:5])
        raise PublishError(
            f"the ELM export does not conform to the ELM shapes "
            f"({len(report.violations)} violations):\n{first}"
        )


def _append(out: BinaryIO, graph: Graph, label: str, *, header: bool) -> int:
    """Append `graph` to the export as Turtle, blank nodes canonical then prefixed by
    `label` (each batch's own); the number of statements written."""
    dataset = ox.Dataset(
        ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
        for s, p, o in graph
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)

    def own(term: Any) -> Any:
        return ox.BlankNode(label + term.value) if isinstance(term, ox.BlankNode) else term

    triples = [
        ox.Triple(own(t.subject), t.predicate, own(t.object)) for t in union_triples(dataset)
    ]
    if not triples:
        if header:
            out.write(turtle([], PREFIXES))  # an empty export: the prefixes, as ever
        return 0
    text = turtle(triples, PREFIXES)
    if not header:
        text = b"\n".join(line for line in text.split(b"\n") if not line.startswith(b"@prefix"))
        text = b"\n" + text  # after whatever came before, on a line of its own
    out.write(text if text.endswith(b"\n") else text + b"\n")
    return len(triples)
