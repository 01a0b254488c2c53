"""A staged version's lookups in pyoxigraph terms, for describing many resources in one pass.

`StagedLookup` (graph/store/staged.py) answers the Store protocol in rdflib terms, converting
every quad it reads and comparing terms in Python: right for one page, the bulk of the cost
when the change stream describes every programme of a catalogue. `TermLookup` answers the
same lookups from the same two files (the version's sorted N-Quads, terms as written, and
its on-disk store to find subjects by object) with the same quads in the same order, as
pyoxigraph terms (hashed and compared natively): a subject's quads, by predicate and graph
from an index of the subject, and the quads pointing at a node. The answers of the most
recent `cache_size` subjects and objects are kept, so the concepts, organisations, portals
and properties every programme mentions are read once per batch of programmes, not once
per programme. Quads of `hidden` graphs are left out of every answer, as StagedLookup does.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

from .sorted_nquads import SortedNQuads
from .staged import blank_subjects

PREFETCH = 1000  # subjects read in one parse when many are asked at once
Subject = ox.NamedNode | ox.BlankNode
Graph = ox.NamedNode | ox.BlankNode | ox.DefaultGraph


class _Quads:
    """One subject's quads, and (made when first asked) by predicate and (predicate, graph)."""

    __slots__ = ("_by_graph", "_by_predicate", "all")

    def __init__(self, quads: tuple[ox.Quad, ...]):
        self.all = quads
        self._by_predicate: dict[ox.NamedNode, list[ox.Quad]] | None = None
        self._by_graph: dict[tuple[ox.NamedNode, Graph], list[ox.Quad]] | None = None

    def of(self, predicate: ox.NamedNode, graph: Graph | None = None) -> list[ox.Quad]:
        if graph is not None:
            if self._by_graph is None:
                self._by_graph = defaultdict(list)
                for q in self.all:
                    self._by_graph[(q.predicate, q.graph_name)].append(q)
            return self._by_graph.get((predicate, graph), [])
        if self._by_predicate is None:
            self._by_predicate = defaultdict(list)
            for q in self.all:
                self._by_predicate[q.predicate].append(q)
        return self._by_predicate.get(predicate, [])


class TermLookup:
    """A staged version's quads by subject and by object, in pyoxigraph terms as written."""

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
        self._hidden_ends = tuple(f" {g} .".encode() for g in self._hidden)  # a line's end
        self._subjects: OrderedDict[Subject, _Quads] = OrderedDict()
        self._objects: OrderedDict[Subject, tuple[ox.Quad, ...]] = OrderedDict()
        self._cache_size = cache_size
        self._blank_index: dict[str, list[str]] | None = None

    def close(self) -> None:
        """Close the N-Quads file (the store closes when it is let go)."""
        self._file.close()

    # by subject ------------------------------------------------------------------------
    def _entry(self, subject: Subject) -> _Quads:
        found = self._subjects.get(subject)
        if found is not None:
            self._subjects.move_to_end(subject)
            return found
        self.prefetch([subject])
        return self._subjects[subject]

    def subject(self, subject: Subject) -> tuple[ox.Quad, ...]:
        """Every quad of `subject`, in file order."""
        return self._entry(subject).all

    def values(
        self, subject: Subject, predicate: ox.NamedNode, graph: Graph | None = None
    ) -> list[ox.Quad]:
        """The quads of `subject` with `predicate` (in `graph`, when given), in file order."""
        return self._entry(subject).of(predicate, graph)

    def prefetch(self, subjects: Iterable[Subject]) -> None:
        """Read the quads of `subjects` into the cache in one parse."""
        todo = [s for s in dict.fromkeys(subjects) if s not in self._subjects]
        if not todo:
            return
        lines: list[bytes] = []
        for s in todo:
            lines += self._file.lines(s)
        found: dict[Subject, list[ox.Quad]] = {s: [] for s in todo}
        # Only a line ending as a hidden graph's lines end can be in it: the build writes
        # the lines of the graphs it hides itself (the catalogue order, graph/build/order.py),
        # as N-Quads with the graph IRI whole. When every such line is in it (as in a build,
        # where no statement is in the default graph), they are left out before the parse
        # and no other quad's graph is looked at (a quad's graph_name makes a term each time
        # it is asked: 7% of the change stream's time at 20,000 programmes).
        check = False
        if self._hidden:
            ends = self._hidden_ends
            maybe = [line for line in lines if line.endswith(ends)]
            if maybe and all(
                q.graph_name in self._hidden
                for q in ox.parse(b"\n".join(maybe), format=ox.RdfFormat.N_QUADS)
            ):
                lines = [line for line in lines if not line.endswith(ends)]
            else:
                check = bool(maybe)
        if lines:
            for q in ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_QUADS):
                if not check or q.graph_name not in self._hidden:
                    found[q.subject].append(q)  # type: ignore[index]
        for s, quads in found.items():
            self._subjects[s] = _Quads(tuple(quads))
        while len(self._subjects) > self._cache_size:
            self._subjects.popitem(last=False)

    def _each(self, subjects: list[Subject]) -> Iterator[tuple[ox.Quad, ...]]:
        """The quads of each of `subjects`, read PREFETCH subjects at a time."""
        for start in range(0, len(subjects), PREFETCH):
            chunk = subjects[start : start + PREFETCH]
            self.prefetch(chunk)
            for s in chunk:
                yield self.subject(s)

    # by object -------------------------------------------------------------------------
    def subjects(self, predicate: ox.NamedNode, obj: ox.NamedNode) -> list[ox.NamedNode]:
        """The IRI subjects of quads `? predicate obj` outside the hidden graphs (from the
        store: no quad is read from the file), each once, sorted."""
        found = {
            q.subject
            for q in self._store.quads_for_pattern(None, predicate, obj, None)
            if isinstance(q.subject, ox.NamedNode) and q.graph_name not in self._hidden
        }
        return sorted(found, key=lambda s: s.value)  # type: ignore[union-attr]

    def _blank_subjects(self) -> dict[str, list[str]]:
        """Object (N-Quads text) -> the blank-node subjects pointing at it (the file's tail)."""
        if self._blank_index is None:
            self._blank_index = blank_subjects(self._file, self._hidden)
        return self._blank_index

    def pointing_at(self, obj: Subject) -> tuple[ox.Quad, ...]:
        """Every quad whose object is `obj`: its IRI subjects found through the store, its
        blank-node subjects in the file's tail, the quads read from the file."""
        found = self._objects.get(obj)
        if found is not None:
            self._objects.move_to_end(obj)
            return found
        subjects = self._subjects_of(obj)
        return self._keep(obj, tuple(q for s in self._each(subjects) for q in s if q.object == obj))

    def prefetch_pointing_at(self, objects: Iterable[Subject]) -> None:
        """Read the quads pointing at each of `objects` into the cache (`pointing_at`), the
        quads of all their subjects in one parse."""
        todo = {o: self._subjects_of(o) for o in dict.fromkeys(objects) if o not in self._objects}
        self.prefetch(s for subjects in todo.values() for s in subjects)
        for obj, subjects in todo.items():
            self._keep(obj, tuple(q for s in subjects for q in self.subject(s) if q.object == obj))

    def _subjects_of(self, obj: Subject) -> list[Subject]:
        """The subjects of the quads whose object is `obj`: its IRI subjects found through
        the store, its blank-node subjects in the file's tail."""
        subjects: dict[Subject, None] = {}
        for q in self._store.quads_for_pattern(None, None, obj, None):
            if isinstance(q.subject, ox.NamedNode):
                subjects.setdefault(q.subject, None)
        for label in self._blank_subjects().get(str(obj), ()):
            subjects.setdefault(ox.BlankNode(label), None)
        return list(subjects)

    def _keep(self, obj: Subject, found: tuple[ox.Quad, ...]) -> tuple[ox.Quad, ...]:
        self._objects[obj] = found
        if len(self._objects) > self._cache_size:
            self._objects.popitem(last=False)
        return found


def open_term_lookup(nquads: Path, store: Path, hidden: Iterable[str] = ()) -> TermLookup:
    """A TermLookup of the staged version whose sorted N-Quads and on-disk store are at
    `nquads` and `store`, opened by this process (read-only)."""
    return TermLookup(SortedNQuads(nquads), ox.Store.read_only(str(store)), hidden=hidden)
