"""Lookups over a version being staged, terms as written, without the catalogue in memory.

A writer of the build (graph/build/writers/) reads a version through two files the build
has already written: dataset.nq, sorted, read in place by subject (graph/store/sorted_nquads.py:
literals as the sources wrote them, "P24M" stays "P24M"), and the on-disk pyoxigraph store
(literals canonical, blank nodes relabelled by its bulk loader). `StagedLookup` answers a
pattern from the file whenever the subject is known, and uses the store only to find the
IRI subjects of a pattern that names none (`?s p o`), reading what they say from the file
again; blank-node subjects are found in the file's tail (every `_:` line sorts after every
`<` line), indexed once by object. The answers of the most recent `cache_size` subjects are
kept: describing many programmes looks up the same concepts and organisations again and again.

`StagedLookup` is a Store (graph/store/base.py) for the lookups (`quads`, `describe`), so
graph/read/describe.py can describe a programme through it; `union_graph()` wraps it as a
read-only rdflib Graph of the union of the version's graphs (each triple once), for code
written against rdflib's Graph API (the ELM projection).
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.store import Store as RdflibStore
from rdflib.term import Node

from ..canonical import literals_as_written
from ..formats import Format
from .base import Quad, QueryResult, StoreError
from .sorted_nquads import SortedNQuads
from .terms import dataset_of, to_oxigraph, to_rdflib

PATTERN_CACHE = 1000  # answers to lookups by object kept
TERM_CACHE = 200_000  # rdflib terms kept for reuse (predicates, concepts, graphs recur)
_MISSING: Any = object()


def blank_subjects(quads_file: SortedNQuads, hidden: set[ox.NamedNode]) -> dict[str, list[str]]:
    """Object (N-Quads text) -> the blank-node subjects pointing at it, outside the `hidden`
    graphs, from the file's tail: the blank-node lines sort after every IRI line."""
    index: dict[str, list[str]] = defaultdict(list)
    for q in ox.parse(quads_file.blank_tail(), format=ox.RdfFormat.N_QUADS):
        if q.graph_name not in hidden:
            index[str(q.object)].append(q.subject.value)
    return dict(index)


class StagedLookup:
    """The Store protocol's lookups over a staged version's sorted N-Quads and its store;
    the quads of `hidden` graphs are left out of every answer."""

    def __init__(
        self,
        quads_file: SortedNQuads,
        store: ox.Store,
        *,
        hidden: Iterable[str] = (),
        cache_size: int = 20000,
    ):
        self._file = quads_file
        self._store = store
        self._hidden = {ox.NamedNode(g) for g in hidden}
        self._cache: OrderedDict[Node, tuple[Quad, ...]] = OrderedDict()
        self._cache_size = cache_size
        self._blank_index: dict[str, list[str]] | None = None
        self._found: OrderedDict[tuple[Node | None, Node | None], tuple[Quad, ...]] = (
            OrderedDict()
        )  # the answers of the most recent lookups by object (or predicate)
        self._terms: dict[Any, Node | None] = {}  # the rdflib term of each pyoxigraph term read

    # what one subject says -------------------------------------------------------------
    def subject_quads(self, subject: Node) -> tuple[Quad, ...]:
        """Every quad of `subject` (outside the hidden graphs), as rdflib terms as written."""
        found = self._cache.get(subject)
        if found is not None:
            self._cache.move_to_end(subject)
            return found
        found = self._read([subject])[subject]
        self._remember(subject, found)
        return found

    def prefetch(self, subjects: Iterable[Node]) -> None:
        """Read the quads of `subjects` into the cache in one parse (a batch's lookups)."""
        todo = [s for s in dict.fromkeys(subjects) if s not in self._cache]
        for subject, found in self._read(todo).items():
            self._remember(subject, found)

    def _remember(self, subject: Node, found: tuple[Quad, ...]) -> None:
        self._cache[subject] = found
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _read(self, subjects: Sequence[Node]) -> dict[Node, tuple[Quad, ...]]:
        lines: list[bytes] = []
        for subject in subjects:
            try:
                term = to_oxigraph(subject)
            except (TypeError, ValueError):
                continue
            if isinstance(term, ox.NamedNode | ox.BlankNode):
                lines += self._file.lines(term)
        result: dict[Node, list[Quad]] = {s: [] for s in subjects}
        if not lines:
            return {s: () for s in subjects}
        if len(self._terms) > TERM_CACHE:
            self._terms.clear()
        terms = self._terms
        with literals_as_written():
            for q in ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_QUADS):
                if q.graph_name in self._hidden:
                    continue
                converted = []
                for term in (q.subject, q.predicate, q.object, q.graph_name):
                    found = terms.get(term, _MISSING)
                    if found is _MISSING:
                        found = terms[term] = to_rdflib(term)
                    converted.append(found)
                quad = cast(Quad, tuple(converted))
                result.setdefault(quad[0], []).append(quad)
        return {s: tuple(qs) for s, qs in result.items()}

    # finding subjects ------------------------------------------------------------------
    def _blank_subjects(self) -> dict[str, list[str]]:
        """Object (N-Quads text) -> the blank-node subjects pointing at it, from the file's
        tail: the blank-node lines sort after every IRI line."""
        if self._blank_index is None:
            self._blank_index = blank_subjects(self._file, self._hidden)
        return self._blank_index

    def subjects_for(self, predicate: Node | None, obj: Node | None) -> list[Node]:
        """The subjects of quads matching `? predicate obj` (None: any), each once."""
        found: dict[Node, None] = {}
        try:
            p = None if predicate is None else to_oxigraph(predicate)
            o = None if obj is None else to_oxigraph(obj)
        except (TypeError, ValueError):
            return []
        if o is None:
            for q in self._file.quads():
                if (p is None or q.predicate == p) and q.graph_name not in self._hidden:
                    found.setdefault(cast(Node, to_rdflib(q.subject)), None)
            return list(found)
        for q in self._store.quads_for_pattern(None, p, o, None):  # type: ignore[arg-type]
            if isinstance(q.subject, ox.NamedNode):
                found.setdefault(URIRef(q.subject.value), None)
        for label in self._blank_subjects().get(str(o), ()):
            found.setdefault(BNode(label), None)
        return list(found)

    # the Store protocol ----------------------------------------------------------------
    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: Node | None = None,
    ) -> Iterator[Quad]:
        if subject is not None:
            found: Iterable[Quad] = self.subject_quads(subject)
        else:
            found = self._by_object(predicate, obj)
        for quad in found:
            if (
                (predicate is None or quad[1] == predicate)
                and (obj is None or quad[2] == obj)
                and (graph is None or quad[3] == graph)
            ):
                yield quad

    def _by_object(self, predicate: Node | None, obj: Node | None) -> tuple[Quad, ...]:
        """The quads matching `? predicate obj`, remembered: describing each programme looks
        up what points at the same organisations and concepts again."""
        key = (predicate, obj)
        found = self._found.get(key)
        if found is not None:
            self._found.move_to_end(key)
            return found
        found = tuple(
            quad
            for s in self.subjects_for(predicate, obj)
            for quad in self.subject_quads(s)
            if (predicate is None or quad[1] == predicate) and (obj is None or quad[2] == obj)
        )
        if obj is not None:  # a predicate alone is a scan, asked once
            self._found[key] = found
            if len(self._found) > PATTERN_CACHE:
                self._found.popitem(last=False)
        return found

    def describe(self, iri: URIRef) -> Dataset:
        return dataset_of((*self.quads(iri, None, None, None), *self.quads(None, None, iri, None)))

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
        max_rows: int | None = None,
        fmt: Format | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        raise StoreError("this store answers lookups only (quads, describe), not SPARQL")

    def named_graphs(self) -> list[URIRef]:
        return sorted(
            URIRef(g.value)
            for g in self._store.named_graphs()
            if isinstance(g, ox.NamedNode) and g not in self._hidden
        )

    def triple_count(self) -> int:
        return len(self._store)

    def start(self) -> None:
        return None

    def wait_ready(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None:
        return None


class _UnionStore(RdflibStore):
    """rdflib's Store interface over a StagedLookup: the union of its graphs, read-only."""

    def __init__(self, lookup: StagedLookup):
        super().__init__()
        self.lookup = lookup

    def triples(  # type: ignore[override]
        self, triple_pattern: tuple[Any, Any, Any], context: Any = None
    ) -> Iterator[tuple[tuple[Node, Node, Node], Iterator[Any]]]:
        s, p, o = triple_pattern
        seen: set[tuple[Node, Node, Node]] = set()
        for quad in self.lookup.quads(s, p, o, None):
            triple = (quad[0], quad[1], quad[2])
            if triple not in seen:
                seen.add(triple)
                yield triple, iter(())

    def __len__(self, context: Any = None) -> int:
        return self.lookup.triple_count()

    def add(self, *args: Any, **kwargs: Any) -> None:
        raise StoreError("a staged version is read-only")

    def remove(self, *args: Any, **kwargs: Any) -> None:
        raise StoreError("a staged version is read-only")


def union_graph(lookup: StagedLookup) -> Graph:
    """A read-only rdflib Graph of the union of the version's graphs, answered by `lookup`."""
    return Graph(store=_UnionStore(lookup))
