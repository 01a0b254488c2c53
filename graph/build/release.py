"""What a build reads: the source folders, their files, and the quads they give.

`source_folders()` decides which folders (the bundled sources and the imported ones, or a
folder given with --sources), `read_release()` parses their files in worker processes
(graph/build/parse.py, through a parse cache) and reads the ontology and the vocabularies
(cached too) into a `Release`: one named graph per source, plus the ontology, the
vocabularies and the catalogue order, as N-Quads lines. `Release.lines(base)` streams every
line with the data IRIs moved under `base` (the `base_iri` setting): what
graph/build/publish.py publishes. `rebase()` and `nquads_lines()` do the same for an rdflib
Dataset (the exports read the sources as one).
"""

from __future__ import annotations

import os
import pickle
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from .. import paths
from ..canonical import literals_as_written
from ..iris import DATA_BASE, ONTOLOGY_GRAPH, ORDER_GRAPH, VOCABULARY_GRAPH
from ..settings import Settings
from . import load, order, parse


@dataclass(frozen=True)
class Release:
    """Everything a build has read, before validation: its sources, the ontology and the
    vocabularies (`builtin`) and the catalogue order, each as N-Quads lines under the
    canonical base (graph/iris.py DATA_BASE)."""

    sources: list[parse.ParsedSource]
    builtin: list[parse.ParsedSource]  # the ontology, then the vocabularies
    order_lines: tuple[str, ...]
    files: dict[URIRef, str] = field(default_factory=dict)  # graph IRI -> file (for reports)

    def lines(self, base: str = DATA_BASE) -> Iterator[str]:
        """Every statement, as an N-Quads line with data IRIs under `base`: the sources,
        the ontology, the vocabularies, the order graph (unsorted; no duplicates within a
        graph)."""
        for part in (*self.sources, *self.builtin):
            yield from rebase_lines(parse.lines_of(part), base)
        yield from rebase_lines(self.order_lines, base)

    @cached_property
    def digests(self) -> tuple[str, ...]:
        """parse.content_digest of each source, then of each builtin part, in that order:
        made once, for the validation's union index and the constraints' store record (each
        made them again: 1.8 s at 100,000 programmes)."""
        return tuple(parse.content_digest(p) for p in (*self.sources, *self.builtin))

    @cached_property
    def ontology(self) -> Graph:
        """The ontology as an rdflib graph (pySHACL's ont_graph)."""
        return rdflib_dataset(self.builtin[0].lines).graph(ONTOLOGY_GRAPH)

    @cached_property
    def dataset(self) -> Dataset:
        """Everything as one rdflib Dataset (for the exports and `prospectus validate`; the
        build itself does not hold one)."""
        return rdflib_dataset(self.lines())


def rdflib_dataset(lines: Iterable[str]) -> Dataset:
    dataset = Dataset()
    text = "\n".join(lines)
    if text:
        with literals_as_written():
            dataset.parse(data=text, format="nquads")
    return dataset


_DATA_IRI = re.compile("<" + re.escape(DATA_BASE))


def rebase_line(line: str, base: str) -> str:
    """`line` with every data IRI moved from the canonical base to `base`; the text of a
    literal is left as it is (only the terms before its opening quote and after its
    closing one are IRIs)."""
    first = line.find('"')
    if first < 0:
        return _DATA_IRI.sub("<" + base, line)
    last = line.rfind('"')
    return (
        _DATA_IRI.sub("<" + base, line[:first])
        + line[first:last]
        + _DATA_IRI.sub("<" + base, line[last:])
    )


def rebase_lines(lines: Iterable[str], base: str) -> Iterator[str]:
    if base == DATA_BASE:
        yield from lines
    else:
        for line in lines:
            yield rebase_line(line, base)


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def _relative_all(names: Iterable[str]) -> dict[str, str]:
    """`_relative` of each of `names`, each folder resolved once: a file's resolve() is an
    lstat for every part of its path (20,000 sources in one folder: 1.84 s one by one, 0.58 s
    so, other work running beside; every build, rebuilds included); a file that is itself a
    link is resolved whole, as `_relative` does."""
    root = str(paths.ROOT.resolve()) + os.sep
    folders: dict[str, str] = {}
    found: dict[str, str] = {}
    for name in names:
        if name in found:
            continue  # a file of several graphs
        folder, base = os.path.split(name)
        if base in ("", ".", "..") or os.path.islink(name):
            found[name] = _relative(Path(name))
            continue
        resolved = folders.get(folder)
        if resolved is None:
            resolved = folders[folder] = os.path.realpath(folder or os.curdir)
        full = os.path.join(resolved, base)
        found[name] = full[len(root) :] if full.startswith(root) else str(Path(name))
    return found


def read_builtin(cache_dir: Path | None = None) -> list[parse.ParsedSource]:
    """The ontology and the vocabularies (each one graph), through the parse cache."""
    ontology_files = [paths.ONTOLOGY_FILE]
    vocabularies = sorted(paths.VOCAB_DIR.glob("*.ttl"))
    return [
        _builtin(str(ONTOLOGY_GRAPH), _relative(paths.ONTOLOGY_FILE), ontology_files, cache_dir),
        _builtin(str(VOCABULARY_GRAPH), _relative(paths.VOCAB_DIR), vocabularies, cache_dir),
    ]


def _builtin(
    graph: str, name: str, files: list[Path], cache_dir: Path | None
) -> parse.ParsedSource:
    contents = [(path, path.read_bytes()) for path in files]
    key = parse.cache_key(graph.encode() + b"".join(data for _p, data in contents))
    entry = cache_dir / f"{key}.pickle" if cache_dir is not None else None
    if entry is not None and entry.is_file():
        try:
            cached: parse.ParsedSource = pickle.loads(entry.read_bytes())
            return cached
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError):
            pass
    triples = [
        q.triple
        for path, data in contents
        for q in parse.parse_quads(path, data, ox.RdfFormat.TURTLE)
    ]
    described = parse.describe(name, graph, triples)
    if entry is not None:
        parse.write_atomic(entry, pickle.dumps(described, protocol=pickle.HIGHEST_PROTOCOL))
    return described


def read_release(
    source_files: Sequence[Path] | None = None,
    *,
    cache_dir: Path | None = None,
    workers: int = 1,
) -> Release:
    """Read `source_files` (default: the bundled sources), the ontology and the vocabularies,
    in `workers` processes, through the parse cache in `cache_dir` when given."""
    files = list(source_files) if source_files is not None else load.source_paths()
    sources = parse.parse_all(files, cache_dir, workers)
    builtin = read_builtin(cache_dir)
    relative = _relative_all(s.path for s in sources)
    mapping = {URIRef(s.graph_iri): relative[s.path] for s in sources}
    mapping[ONTOLOGY_GRAPH] = builtin[0].path
    mapping[VOCABULARY_GRAPH] = builtin[1].path
    mapping[ORDER_GRAPH] = ORDER_FILE
    return Release(sources, builtin, order.order_lines([*sources, *builtin]), mapping)


ORDER_FILE = "graph/build/order.py (computed from the sources)"


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
