"""The ELM export as a product of the build: dumps/elm.ttl, listed with the dumps.

With the official shapes (the context's reference folder, graph/build/reference.py) the
projection is checked against LOQ and EDC and one that does not conform stops the build;
without them it is written unchecked, and the manifest says which (`elm.checked`).
"""

from __future__ import annotations

from rdflib import Graph

from ....canonical import canonical_graph, turtle, union_triples
from ....errors import PublishError
from ....formats import EXPORT_FORMATS
from ....iris import ADMS, ROV, default_site_url
from ...context import BuildContext
from ...reference import check_elm
from ..dumps import DumpSpec, add_dump, dumps_dir
from ..dumps import serialize as serialize_dump
from .builder import PageUrls
from .projection import project

ELM_FILE = "elm.ttl"
PREFIXES = {"adms": str(ADMS), "rov": str(ROV)}


def serialize(graph: Graph, fmt: str = "turtle") -> bytes:
    """Deterministic bytes (graph/canonical.py): blank nodes canonicalised (RDFC-1.0),
    statements sorted; Turtle with the project's prefixes and ELM's."""
    dataset = canonical_graph(graph)
    if fmt == "turtle":
        return turtle(union_triples(dataset), PREFIXES)
    if fmt not in EXPORT_FORMATS:
        raise PublishError(f"the ELM export is written as {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    return serialize_dump(DumpSpec("elm", fmt, False, ""), dataset)


def write_elm(ctx: BuildContext) -> None:
    """Writer: dumps/elm.ttl, its entry in the manifest's dumps, and manifest["elm"]."""
    base_iri = ctx.base_iri
    projection = project(ctx.union, PageUrls(default_site_url(base_iri), base_iri))
    if ctx.reference_dir is not None:
        report = check_elm(projection.graph, ctx.reference_dir)
        if report.violations:
            first = "\n\n".join(v.render() for v in report.violations[:5])
            raise PublishError(
                f"the ELM export does not conform to the ELM shapes "
                f"({len(report.violations)} violations):\n{first}"
            )
    out = dumps_dir(ctx)
    (out / ELM_FILE).write_bytes(serialize(projection.graph))
    add_dump(
        ctx,
        {
            "file": ELM_FILE,
            "format": "turtle",
            "media_type": "text/turtle",
            "compression": None,
            "dataset": "elm",
            "label": "European Learning Model 3 (Turtle)",
            "statements": len(projection.graph),
        },
    )
    ctx.manifest["elm"] = {
        "programmes": [str(p) for p in projection.programmes],
        "skipped": {str(p): why for p, why in projection.skipped.items()},
        "checked": ctx.reference_dir is not None,
    }
