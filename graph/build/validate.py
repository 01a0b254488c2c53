"""SHACL validation (https://www.w3.org/TR/shacl/) with pySHACL, reported per source file.

`shacl()` is the one place the project calls pySHACL: the build validates with the project's
shapes (`validate`, `validate_release`, `validate_files`), and the ELM and DCAT-AP exports
are checked with it against the official shapes (graph/build/reference.py).

A Violation stops publishing; Warnings and Infos are reported and published.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyshacl import validate as shacl_validate
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from .. import paths
from ..errors import ProspectusError, ValidationFailed, Violation
from . import load, progress, sparql_checks
from .load import parse_into
from .release import Release


class ShapesError(ProspectusError):
    """The shapes graph itself is broken (exit 2)."""


SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


def read_shapes(path: Path = paths.SHAPES_FILE) -> Graph:
    graph = Graph()
    parse_into(graph, path)
    return graph


@dataclass
class Report:
    results: list[Violation] = field(default_factory=list)

    @property
    def violations(self) -> list[Violation]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[Violation]:
        return [r for r in self.results if r.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def raise_for_violations(self) -> None:
        if self.violations:
            raise ValidationFailed(self.results)


def _short(node: Node | None) -> str | None:
    if node is None:
        return None
    return node.n3() if not isinstance(node, URIRef) else str(node)


def _locator(dataset: Dataset, files: dict[URIRef, str]) -> Callable[[Node], str | None]:
    """focus node -> the source file(s) in which it is described (indexed once: looking
    through every graph for every result was quadratic in a catalogue's size)."""
    described: dict[Node, set[str]] = {}
    for g in dataset.graphs():
        name = files.get(URIRef(g.identifier))
        if name is not None:
            for subject in set(g.subjects()):
                described.setdefault(subject, set()).add(name)
    return lambda focus: ", ".join(sorted(described.get(focus, ()))) or None


def union(dataset: Dataset) -> Graph:
    graph = Graph()
    for ctx in dataset.graphs():
        for triple in ctx:
            graph.add(triple)
    return graph


def shacl(
    data: Graph,
    shapes: Graph,
    *,
    ontology: Graph | None = None,
    advanced: bool = False,
    locate: Callable[[Node], str | None] | None = None,
) -> Report:
    """Validate `data` against `shapes` with pySHACL: the project's one call of pySHACL, for
    the project's shapes (`validate`) and the official ones the exports are checked against
    (graph/build/reference.py). `advanced` enables SHACL-AF (the project's shapes use it);
    `locate` names the source file of a focus node. Results are sorted: the same data gives
    the same report."""
    _conforms, report_graph, _text = shacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=advanced,
        allow_warnings=True,
        abort_on_first=False,
    )
    if not isinstance(report_graph, Graph):  # pyshacl's ValidationFailure: the shapes are broken
        raise ShapesError(f"the shapes could not be applied: {report_graph}")
    results = []
    # Only the report's own results: nested sh:detail results of sh:node/sh:qualified
    # constraints are not separate problems.
    top_level = [
        r
        for report in report_graph.subjects(RDF.type, SH.ValidationReport)
        for r in report_graph.objects(report, SH.result)
    ]
    for result in top_level:
        severity = report_graph.value(result, SH.resultSeverity)
        focus = report_graph.value(result, SH.focusNode)
        messages = sorted(str(m) for m in report_graph.objects(result, SH.resultMessage))
        results.append(
            Violation(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus_node=_short(focus) or "?",
                path=_short(report_graph.value(result, SH.resultPath)),
                value=_short(report_graph.value(result, SH.value)),
                message=" / ".join(messages) or "(the shape has no sh:message)",
                source_shape=_short(report_graph.value(result, SH.sourceShape)) or "?",
                source_file=locate(focus) if locate is not None and focus is not None else None,
            )
        )
    results.sort(key=_order)
    return Report(results)


def _order(r: Violation) -> tuple[int, str, str, str, str]:
    """Reports are sorted: the same data gives the same report."""
    return (SEVERITY_ORDER.get(r.severity, 9), r.source_file or "", r.focus_node, r.path or "",
            r.message)  # fmt: skip


def validate(
    dataset: Dataset,
    shapes: Graph,
    ontology: Graph | None = None,
    files: dict[URIRef, str] | None = None,
    extra: Iterable[Graph] = (),
) -> Report:
    """Validate the union of `dataset`'s graphs (plus `extra`) against the project's shapes,
    each result located in the source file(s) `files` names for its graphs."""
    data = union(dataset)
    for g in extra:
        for triple in g:
            data.add(triple)
    return shacl(
        data,
        shapes,
        ontology=ontology,
        advanced=True,
        locate=_locator(dataset, files or {}),
    )


def validate_release(release: Release, shapes: Graph | None = None) -> Report:
    """The project's shapes over what a build read (graph/build/release.py): the SPARQL-based
    constraints in Oxigraph over the whole dataset, once (graph/build/sparql_checks.py), the
    others with pySHACL."""
    local, checks = sparql_checks.split(shapes or read_shapes())
    progress.note(f"validating {len(release.files)} graphs with pySHACL (core constraints)")
    report = validate(release.dataset, local, release.ontology, release.files)
    store = sparql_checks.store_of(release.dataset)
    files = {str(graph): name for graph, name in release.files.items()}
    steps = progress.each(checks, "SPARQL constraints", unit="constraints")
    return Report(sorted(report.results + sparql_checks.run(steps, store, files), key=_order))


def validate_files(files: Sequence[Path], shapes: Graph | None = None) -> Report:
    """Validate arbitrary files (Turtle, TriG, JSON-LD, …) with the bundled vocabularies, as
    `prospectus validate FILES` does.

    TriG and N-Quads keep their named graphs; any other file forms one graph.
    """
    dataset = Dataset()
    names: dict[URIRef, str] = {}
    for path in files:
        for graph in load.read_any(path).graphs():
            if len(graph) == 0:
                continue
            target = dataset.graph(graph.identifier)
            for triple in graph:
                target.add(triple)
            names[URIRef(graph.identifier)] = str(path)
    return validate(
        dataset,
        shapes or read_shapes(),
        load.read_ontology(),
        names,
        extra=[load.read_vocabularies()],
    )
