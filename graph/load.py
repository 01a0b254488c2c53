"""Reading the ontology, vocabularies and source files into one rdflib Dataset.

Each source file (Turtle) describes exactly one `pro:SourceSegment`, `pro:CurationRecord` or
`pro:ImportedRecord` (written by `prospectus import`, graph/ingest/);
its triples are loaded into the named graph of that node's IRI. Files given to
`prospectus validate` may also be TriG (named graphs kept) or JSON-LD.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import rdflib
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF
from rdflib.plugins.parsers.notation3 import BadSyntax

from . import paths
from .errors import SourceStructureError, SourceSyntaxError
from .iris import ONTOLOGY_IRI, PRO, named_graph

ONTOLOGY_GRAPH = named_graph("ontology")
VOCABULARY_GRAPH = named_graph("vocabularies")
SOURCE_CLASSES = (PRO.SourceSegment, PRO.CurationRecord, PRO.ImportedRecord)

_FORMATS = {
    ".ttl": "turtle",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".nt": "nt",
    ".nq": "nquads",
    ".rdf": "xml",
    ".owl": "xml",
}


@dataclass(frozen=True)
class SourceFile:
    path: Path
    graph_iri: URIRef
    graph: Graph


def rdf_format(path: Path) -> str:
    try:
        return _FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(_FORMATS))
        raise SourceStructureError(path, f"unknown file type {path.suffix!r} ({known})") from None


@contextmanager
def literals_as_written() -> Iterator[None]:
    """Keep every literal's lexical form as written ("P24M" stays "P24M", not "P2Y")."""
    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = saved


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


def read_source(path: Path) -> SourceFile:
    graph = Graph()
    parse_into(graph, path, "turtle")
    heads = {s for cls in SOURCE_CLASSES for s in graph.subjects(RDF.type, cls)}
    if len(heads) != 1:
        found = ", ".join(sorted(str(h) for h in heads)) or "none"
        raise SourceStructureError(
            path,
            "a source file describes exactly one pro:SourceSegment, pro:CurationRecord or "
            f"pro:ImportedRecord (the name of its graph); found {found}",
        )
    head = heads.pop()
    if isinstance(head, BNode):
        raise SourceStructureError(path, "the source node must have an IRI, not a blank node")
    return SourceFile(path, URIRef(head), graph)


def source_paths(directory: Path = paths.SOURCES_DIR) -> list[Path]:
    return sorted(directory.glob("*.ttl"))


def read_sources(files: Iterable[Path]) -> list[SourceFile]:
    sources = [read_source(p) for p in files]
    seen: dict[URIRef, Path] = {}
    for s in sources:
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
    "ONTOLOGY_GRAPH",
    "ONTOLOGY_IRI",
    "VOCABULARY_GRAPH",
    "SourceFile",
    "assemble",
    "parse_into",
    "read_any",
    "read_ontology",
    "read_source",
    "read_sources",
    "read_vocabularies",
    "source_paths",
]
