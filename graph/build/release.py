"""What a build reads: the source folders, their files, and the dataset they assemble into.

`source_folders()` decides which folders (the bundled sources and the imported ones, or a
folder given with --sources), `read_release()` reads them with the ontology and the
vocabularies into one rdflib Dataset (one named graph per source, plus the catalogue order),
`rebase()` moves the data IRIs under the `base_iri` setting and `nquads_lines()` gives what
graph/build/publish.py publishes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from .. import paths
from ..iris import DATA_BASE, ONTOLOGY_GRAPH, ORDER_GRAPH, VOCABULARY_GRAPH
from ..settings import Settings
from . import load, order, progress


@dataclass(frozen=True)
class Release:
    """Everything a build has read, before validation."""

    dataset: Dataset
    ontology: Graph
    files: dict[URIRef, str]  # source graph IRI -> file path (for reports)


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def read_release(source_files: Sequence[Path] | None = None) -> Release:
    files = list(source_files) if source_files is not None else load.source_paths()
    sources = load.read_sources(progress.each(files, "reading sources", unit="files"))
    ontology = load.read_ontology()
    vocabularies = load.read_vocabularies()
    dataset = load.assemble(sources, ontology, vocabularies)
    order.add_order(dataset)
    mapping = {s.graph_iri: _relative(s.path) for s in sources}
    mapping[ONTOLOGY_GRAPH] = _relative(paths.ONTOLOGY_FILE)
    mapping[VOCABULARY_GRAPH] = _relative(paths.VOCAB_DIR)
    mapping[ORDER_GRAPH] = "graph/build/order.py (computed from the sources)"
    return Release(dataset, ontology, mapping)


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
