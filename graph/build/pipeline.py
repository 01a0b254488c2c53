"""The build: parse -> assemble -> validate -> publish. One function per step.

`build()` publishes atomically (graph/build/publish.py): a failed or interrupted build leaves the
previously published version in place and serving.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from . import load, order, publish, reference
from .. import paths
from ..iris import DATA_BASE
from ..settings import Settings
from ..store.oxigraph import create_on_disk
from .validate import Report, read_shapes, validate


@dataclass(frozen=True)
class Release:
    """Everything a build has read, before validation."""

    dataset: Dataset
    ontology: Graph
    files: dict[URIRef, str]  # source graph IRI -> file path (for reports)


@dataclass(frozen=True)
class BuildResult:
    version: publish.Version
    published: bool  # False when the content equals the current version
    report: Report


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def read_release(source_files: Sequence[Path] | None = None) -> Release:
    files = list(source_files) if source_files is not None else load.source_paths()
    sources = load.read_sources(files)
    ontology = load.read_ontology()
    vocabularies = load.read_vocabularies()
    dataset = load.assemble(sources, ontology, vocabularies)
    order.add_order(dataset)
    mapping = {s.graph_iri: _relative(s.path) for s in sources}
    mapping[load.ONTOLOGY_GRAPH] = _relative(paths.ONTOLOGY_FILE)
    mapping[load.VOCABULARY_GRAPH] = _relative(paths.VOCAB_DIR)
    mapping[order.ORDER_GRAPH] = "graph/build/order.py (computed from the sources)"
    return Release(dataset, ontology, mapping)


def check(release: Release, shapes: Graph | None = None) -> Report:
    return validate(release.dataset, shapes or read_shapes(), release.ontology, release.files)


def check_files(files: Sequence[Path], shapes: Graph | None = None) -> Report:
    """Validate arbitrary files (Turtle, TriG, JSON-LD, …) with the bundled vocabularies.

    TriG and N-Quads keep their named graphs; any other file forms one graph.
    """
    dataset = Dataset()
    names: dict[URIRef, str] = {}
    for path in files:
        for ctx in load.read_any(path).graphs():
            if len(ctx) == 0:
                continue
            target = dataset.graph(ctx.identifier)
            for triple in ctx:
                target.add(triple)
            names[URIRef(ctx.identifier)] = str(path)
    return validate(
        dataset,
        shapes or read_shapes(),
        load.read_ontology(),
        names,
        extra=[load.read_vocabularies()],
    )


def rebase(dataset: Dataset, base: str) -> Dataset:
    """Move every data IRI from the canonical base to `base` (the `base_iri` setting)."""
    if base == DATA_BASE:
        return dataset

    def move_iri(iri: URIRef) -> URIRef:
        return URIRef(base + str(iri)[len(DATA_BASE) :]) if iri.startswith(DATA_BASE) else iri

    def move(term: Node) -> Node:
        return move_iri(term) if isinstance(term, URIRef) else term

    moved = Dataset()
    for s, p, o, g in dataset.quads():
        name = g.identifier if isinstance(g, Graph) else g
        target = moved.graph(move_iri(name) if isinstance(name, URIRef) else name)
        target.add((move(s), move(p), move(o)))
    return moved


def nquads_lines(dataset: Dataset) -> list[str]:
    text = dataset.serialize(format="nquads")
    return [line for line in text.splitlines() if line.strip()]


def default_writers(reference_dir: Path | None = None) -> list[publish.Writer]:
    """What a version holds besides its store: dumps, dataset description, change record,
    ELM export (checked against the official shapes in `reference_dir` when given)."""
    from .writers import changes, dumps, elm
    from ..read import dataset_description

    return [
        dumps.write_dumps,
        dataset_description.write_statistics,
        changes.write_changes,
        elm.elm_writer(reference_dir),
    ]


def source_folders(settings: Settings, sources_dir: Path | None = None) -> list[load.SourceFolder]:
    """The folders a build reads, scanned (load.scan_sources refuses a folder with nothing to
    build or with files it will not read): exactly `sources_dir` when given, else the bundled
    sources and the imported ones (the `import_dir` setting; a missing or empty import folder
    adds nothing)."""
    if sources_dir is not None:
        return [load.scan_sources(sources_dir)]
    folders = [load.scan_sources(paths.SOURCES_DIR)]
    imports = settings.import_path
    if imports.is_dir() and any(imports.iterdir()):
        folders.append(load.scan_sources(imports))
    return folders


def default_sources(settings: Settings) -> list[Path]:
    """What `prospectus build` publishes without --sources (see source_folders)."""
    return [path for folder in source_folders(settings) for path in folder.files]


def build(
    settings: Settings,
    *,
    source_files: Sequence[Path] | None = None,
    writers: Sequence[publish.Writer] | None = None,
) -> BuildResult:
    release = read_release(default_sources(settings) if source_files is None else source_files)
    report = check(release)
    report.raise_for_violations()
    dataset = rebase(release.dataset, settings.base_iri)
    version, published = publish.publish(
        settings.data_path,
        nquads_lines(dataset),
        writers=(
            default_writers(reference.folder(settings.reference_shapes_dir))
            if writers is None
            else writers
        ),
        store_loader=create_on_disk,
        retain=settings.retain_versions,
    )
    return BuildResult(version, published, report)
