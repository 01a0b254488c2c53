"""Whole graphs read as documents: a named graph of the store, the ontology, the shapes, and
the labels their pages show; and whether an IRI names anything at all.

The ontology and a named graph come from the store; the shapes are the file the build
validates with (shapes/prospectus-shapes.ttl), parsed once per change of the file.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from .. import paths
from ..errors import ProspectusError
from ..iris import ONTOLOGY_GRAPH
from ..store.base import Store
from .labels import LABEL_PROPERTIES, label_quads, labels
from .text import pick_literal

SHAPES_IRI = URIRef("https://w3id.org/prospectus/shapes")
GRAPH_SUBJECTS_SHOWN = 200  # resources a named graph's page lists (it gives the count)


class NoShapes(ProspectusError):
    """This installation ships no shapes file."""


def exists(store: Store, iri: URIRef) -> bool:
    """Whether `iri` is a subject or object of a statement, or names a graph."""
    return (
        any(True for _ in store.quads(iri, None, None, None))
        or any(True for _ in store.quads(None, None, iri, None))
        or is_graph(store, iri)
    )


def is_graph(store: Store, iri: URIRef) -> bool:
    """Whether `iri` names a graph of the store (id:graph/ontology, id:source/…)."""
    return iri in set(store.named_graphs())


def named_graph_of(store: Store, iri: URIRef) -> Dataset:
    """The content of one named graph, in a dataset that keeps its name."""
    ds = Dataset()
    g = ds.graph(iri)
    for s, p, o, _g in store.quads(None, None, None, iri):
        g.add((s, p, o))
    return ds


def ontology(store: Store) -> Dataset:
    """The ontology graph as published (empty when the store holds none)."""
    return named_graph_of(store, ONTOLOGY_GRAPH)


_SHAPES_CACHE: dict[str, tuple[float, Graph]] = {}


def shapes(path: Path = paths.SHAPES_FILE) -> Graph:
    """The SHACL shapes shipped with the project, parsed once per change of the file."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        raise NoShapes("No shapes are shipped with this installation.") from None
    cached = _SHAPES_CACHE.get(str(path))
    if cached is None or cached[0] != mtime:
        g = Graph()
        g.parse(path, format="turtle")
        cached = (mtime, g)
        _SHAPES_CACHE[str(path)] = cached
    return cached[1]


@dataclass(frozen=True)
class GraphSummary:
    """What the page of a named graph (that is nothing but a graph name) shows."""

    iri: URIRef
    statements: int
    subjects: tuple[URIRef, ...]  # the first GRAPH_SUBJECTS_SHOWN, by IRI
    subject_count: int
    labels: dict[URIRef, str] = field(default_factory=dict)


def summarise_graph(store: Store, g: Graph, languages: Sequence[str]) -> GraphSummary:
    """The size of named graph `g`, the resources it describes and their labels."""
    subjects = sorted({s for s in g.subjects() if isinstance(s, URIRef)}, key=str)
    shown = subjects[:GRAPH_SUBJECTS_SHOWN]
    assert isinstance(g.identifier, URIRef)
    return GraphSummary(
        g.identifier, len(g), tuple(shown), len(subjects), labels(store, shown, languages)
    )


def graph_labels(store: Store, g: Graph, languages: Sequence[str]) -> dict[URIRef, str]:
    """One label per IRI that `g` mentions: from `g` itself, else from the store (for the
    ontology's and the shapes' documentation pages)."""
    iris = {t for triple in g for t in triple if isinstance(t, URIRef)}
    pool: dict[URIRef, list[Node]] = defaultdict(list)
    for s, p, o, _g in label_quads(store, iris):
        if p in LABEL_PROPERTIES and isinstance(s, URIRef):
            pool[s].append(o)
    found: dict[URIRef, str] = {}
    for s in iris:
        own = [o for p in LABEL_PROPERTIES for o in g.objects(s, p)]
        best = pick_literal(own or pool.get(s, []), languages)
        if best is not None:
            found[s] = str(best)
    return found
