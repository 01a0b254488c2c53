"""Reading the ontology, vocabularies and source files into one rdflib Dataset.

A sources folder (graph/sources/, or `prospectus build --sources DIR`) holds, flat:

- Turtle files (`*.ttl`): each describes exactly one `pro:SourceSegment`,
  `pro:CurationRecord` or `pro:ImportedRecord` (written by `prospectus import`,
  graph/ingest/), and its triples are loaded into the named graph of that node's IRI;
- TriG and N-Quads files (`*.trig`, `*.nq`): one source per named graph, each graph named
  by the one source node it describes; no triple outside a
  named graph.

Documentation (`*.md`, `*.txt`) and hidden files are not read, and the build names them.
Anything else (another RDF syntax, a compressed file, a sub-folder) stops the build, as does
a folder with no source file: nothing is skipped in silence. Files given to
`prospectus validate` may also be JSON-LD or any graph format of graph/formats.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF
from rdflib.plugins.parsers.notation3 import BadSyntax

from .. import formats, paths
from ..canonical import literals_as_written
from ..errors import SourceStructureError, SourceSyntaxError
from ..iris import ONTOLOGY_GRAPH, ORDER_GRAPH, PRO, VOCABULARY_GRAPH

SOURCE_CLASSES = (PRO.SourceSegment, PRO.CurationRecord, PRO.ImportedRecord)

# The file kinds a sources folder holds, and the documentation it may carry beside them.
SOURCE_FORMATS: dict[str, formats.Format] = {
    f".{f.extension}": f for f in (formats.BY_NAME[n] for n in ("turtle", "trig", "nquads"))
}
NOTE_SUFFIXES = (".md", ".txt")
SOURCE_KINDS = (
    "Turtle files (*.ttl, one source each) and TriG or N-Quads files (*.trig, *.nq, one "
    "source per named graph)"
)


@dataclass(frozen=True)
class SourceFile:
    path: Path
    graph_iri: URIRef
    graph: Graph


@dataclass(frozen=True)
class SourceFolder:
    """What a sources folder holds: the files the build reads and those it leaves alone."""

    path: Path
    files: list[Path]
    not_read: list[Path]  # documentation and hidden files, named in the build's output


def rdf_format(path: Path) -> str:
    """The rdflib parser of an RDF file, by its extension (graph/formats.py `for_file`)."""
    fmt = formats.for_file(path.name)
    if fmt is None or fmt.rdflib is None:
        known = ", ".join(formats.file_extensions())
        raise SourceStructureError(path, f"unknown file type {path.suffix!r} ({known})")
    return fmt.rdflib


def parse_into(target: Graph | Dataset, path: Path, fmt: str | None = None) -> None:
    """Parse `path` into `target`, turning every parser failure into SourceSyntaxError.

    Literals keep their lexical form: sources are facts as stated.
    """
    fmt = fmt or rdf_format(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceStructureError(path, f"cannot read the file: {exc.strerror or exc}") from None
    try:
        with literals_as_written():
            target.parse(data=data, format=fmt, publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        raise SourceSyntaxError(path, exc.lines + 1, exc._why or "bad syntax") from None
    except json.JSONDecodeError as exc:
        raise SourceSyntaxError(path, exc.lineno, exc.msg) from None
    except UnicodeDecodeError as exc:
        raise SourceSyntaxError(path, None, f"not UTF-8 ({exc.reason})") from None
    except Exception as exc:  # rdflib's other parsers raise assorted types
        line = getattr(exc, "lineno", None) or getattr(exc, "line", None)
        raise SourceSyntaxError(path, line if isinstance(line, int) else None, str(exc)) from None


def _head(graph: Graph, path: Path, what: str) -> URIRef:
    """The one pro:SourceSegment or pro:CurationRecord `graph` describes (its graph's name)."""
    heads = {s for cls in SOURCE_CLASSES for s in graph.subjects(RDF.type, cls)}
    if len(heads) != 1:
        found = ", ".join(sorted(str(h) for h in heads)) or "none"
        raise SourceStructureError(
            path,
            f"{what} describes exactly one pro:SourceSegment, pro:CurationRecord or "
            f"pro:ImportedRecord (the name of its graph); found {found}",
        )
    head = heads.pop()
    if not isinstance(head, URIRef):
        raise SourceStructureError(path, "the source node must have an IRI, not a blank node")
    return head


def read_source(path: Path) -> SourceFile:
    """A Turtle source file: one source, loaded into the graph named by its source node."""
    graph = Graph()
    parse_into(graph, path, "turtle")
    return SourceFile(path, _head(graph, path, "a source file"), graph)


def read_source_graphs(path: Path) -> list[SourceFile]:
    """A TriG or N-Quads source file: one source per named graph, each graph named by the
    source node it describes, and no triple outside a named graph."""
    dataset = Dataset()
    parse_into(dataset, path, SOURCE_FORMATS[path.suffix.lower()].rdflib)
    sources = []
    for ctx in sorted(dataset.graphs(), key=lambda g: str(g.identifier)):
        if len(ctx) == 0:
            continue
        if ctx.identifier == DATASET_DEFAULT_GRAPH_ID:
            raise SourceStructureError(
                path,
                f"{len(ctx)} triple(s) outside a named graph; in a TriG or N-Quads source "
                "every triple is in the named graph of the source it belongs to",
            )
        name = ctx.identifier
        if isinstance(name, BNode):
            raise SourceStructureError(path, "a graph is named by a blank node, not an IRI")
        graph = Graph()
        for triple in ctx:
            graph.add(triple)
        head = _head(graph, path, f"graph <{name}>")
        if head != name:
            raise SourceStructureError(
                path,
                f"graph <{name}> describes the source <{head}>; a source's graph is named "
                "by its pro:SourceSegment or pro:CurationRecord",
            )
        sources.append(SourceFile(path, URIRef(str(name)), graph))
    if not sources:
        raise SourceStructureError(path, "holds no named graph, so no source")
    return sources


def read_source_file(path: Path) -> list[SourceFile]:
    """The sources one file of a sources folder holds."""
    kind = SOURCE_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise SourceStructureError(path, f"not a source file; sources are {SOURCE_KINDS}")
    return [read_source(path)] if kind.name == "turtle" else read_source_graphs(path)


def scan_sources(directory: Path = paths.SOURCES_DIR) -> SourceFolder:
    """Sort a sources folder's entries into files to read and files not to read, or refuse
    the folder (SourceStructureError naming it and what it holds): when it is missing, holds
    something the build will not read (another RDF syntax, a sub-folder, …), or holds no
    source file."""
    if not directory.is_dir():
        what = "is not a folder" if directory.exists() else "does not exist"
        raise SourceStructureError(directory, f"the sources folder {what}")
    files: list[Path] = []
    not_read: list[Path] = []
    refused: list[str] = []
    for entry in sorted(directory.iterdir()):
        if entry.name.startswith("."):
            not_read.append(entry)
        elif entry.is_dir():
            refused.append(f"{entry.name}/ (a folder; sources are not read from sub-folders)")
        elif entry.suffix.lower() in SOURCE_FORMATS:
            files.append(entry)
        elif entry.suffix.lower() in NOTE_SUFFIXES:
            not_read.append(entry)
        else:
            fmt = formats.for_path(entry.name)
            kind = fmt.label if fmt is not None and fmt.kind == "graph" else None
            why = f"{kind} is not a source file kind" if kind else "not a source file kind"
            refused.append(f"{entry.name} ({why})")
    if refused:
        raise SourceStructureError(
            directory,
            f"will not build from this folder, it holds {len(refused)} file(s) the build does "
            f"not read: {'; '.join(refused)}. A sources folder holds {SOURCE_KINDS}, and "
            "may hold documentation (*.md, *.txt); move anything else out of it",
        )
    if not files:
        found = ", ".join(p.name for p in not_read) or "nothing"
        raise SourceStructureError(
            directory,
            f"no source file to build from (found: {found}); a sources folder holds "
            f"{SOURCE_KINDS}. Nothing was published",
        )
    return SourceFolder(directory, files, not_read)


def source_paths(directory: Path = paths.SOURCES_DIR) -> list[Path]:
    return scan_sources(directory).files


RESERVED_GRAPHS = frozenset({ONTOLOGY_GRAPH, VOCABULARY_GRAPH, ORDER_GRAPH})


def read_sources(files: Iterable[Path]) -> list[SourceFile]:
    sources = [s for p in files for s in read_source_file(p)]
    seen: dict[URIRef, Path] = {}
    for s in sources:
        if s.graph_iri in RESERVED_GRAPHS:
            raise SourceStructureError(
                s.path, f"graph {s.graph_iri} is the build's own, not a source's"
            )
        if s.graph_iri in seen:
            raise SourceStructureError(
                s.path, f"graph {s.graph_iri} is also declared by {seen[s.graph_iri]}"
            )
        seen[s.graph_iri] = s.path
    return sources


def read_ontology() -> Graph:
    graph = Graph()
    parse_into(graph, paths.ONTOLOGY_FILE)
    return graph


def read_vocabularies(directory: Path = paths.VOCAB_DIR) -> Graph:
    graph = Graph()
    for path in sorted(directory.glob("*.ttl")):
        parse_into(graph, path)
    return graph


def stable_blank_nodes(graph: Graph) -> Graph:
    """Relabel blank nodes canonically (OWL lists in the ontology), so that the same graph
    always serialises to the same bytes."""
    if not any(isinstance(t, BNode) for triple in graph for t in triple):
        return graph
    return to_canonical_graph(graph)


def assemble(sources: Sequence[SourceFile], ontology: Graph, vocabularies: Graph) -> Dataset:
    """The dataset to publish: one named graph per source, plus ontology and vocabularies."""
    dataset = Dataset()
    parts = [(ONTOLOGY_GRAPH, ontology), (VOCABULARY_GRAPH, vocabularies)]
    parts += [(source.graph_iri, source.graph) for source in sources]
    for iri, graph in parts:
        target = dataset.graph(iri)
        for triple in stable_blank_nodes(graph):
            target.add(triple)
    return dataset


def read_any(path: Path) -> Dataset:
    """A file given on the command line: TriG/N-Quads keep their graphs; others form one."""
    dataset = Dataset()
    fmt = rdf_format(path)
    if fmt in {"trig", "nquads"}:
        parse_into(dataset, path, fmt)
    else:
        parse_into(dataset.graph(URIRef(path.resolve().as_uri())), path, fmt)
    return dataset


__all__ = [
    "SOURCE_FORMATS",
    "SourceFile",
    "SourceFolder",
    "assemble",
    "parse_into",
    "read_any",
    "read_ontology",
    "read_source",
    "read_source_file",
    "read_source_graphs",
    "read_sources",
    "read_vocabularies",
    "scan_sources",
    "source_paths",
]
