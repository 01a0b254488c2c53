"""Members in bulk: a batch of programmes described and written as member N-Quads at once.

The change stream's writer (graph/build/writers/ldes.py) plans a version's members in
stream order, then hands them out in batches (`Batch`), to forked worker processes when
the build has several cores. Each process opens one `TermLookup` of the staged version
(graph/store/staged_batch.py: its sorted N-Quads and store, in pyoxigraph terms) and one
`Describer` over it, kept for the next batch, so what every programme mentions (concepts,
organisations, portals, properties: their quads, labels and provenance) is read and worked
out once per process, not once per programme. A batch gives back, in order, each
programme's digest and reads and its member as N-Quads lines, or no lines when the
description is the one its previous member holds. Nothing of the catalogue is kept besides
bounded caches.

`Describer.describe` is `describe_programme` (members.py: the programme page's description
through graph/read/describe.py, so that a member and its page agree) without rdflib: the
same triples, sources and reads, which tests/test_ldes_bulk.py checks programme by programme
on the bundled sources and on synthetic ones. A change to what a programme page describes
(graph/read/describe.py, graph/read/expand.py's programme rule, graph/read/labels.py) is a
change here too.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from ..iris import ACTIVITY_STREAMS as AS
from ..iris import DATA_BASE, PRO
from ..read.describe import MAX_EXPANDED
from ..read.expand import PROGRAMME_TYPES, expand_rule
from ..read.labels import FALLBACK_LABEL_PROPERTIES, LABEL_PROPERTIES, NAME_SAMPLE, _safe_iri
from ..store.staged_batch import TermLookup, open_term_lookup
from .members import Payload, Reads, canonical_texts, digest_of, member_quads


@dataclass(frozen=True)
class Job:
    """One programme to describe: its member's IRI, and the digest of its latest member
    when that member is live (an unchanged description then makes no member)."""

    member: str
    programme: str
    previous: str | None = None


@dataclass(frozen=True)
class Batch:
    """Programmes to describe in one pass over one staged version, and what their members
    say besides the description (the stream, the version's activity and time)."""

    nquads: Path  # the version's sorted N-Quads
    store: Path  # the version's on-disk store
    hidden: tuple[str, ...]  # graphs left out of every description
    base: str
    stream: str
    activity: str
    time: str
    jobs: tuple[Job, ...]


@dataclass(frozen=True)
class Described:
    """One programme described: its digest and reads, and its member's N-Quads (None when
    the description is its previous member's)."""

    digest: str
    reads: Reads
    data: bytes | None


DEFAULT_GRAPH = ox.NamedNode(DATA_BASE + "graph/default")  # what describe.Facts names it
LABELS = frozenset(ox.NamedNode(str(p)) for p in (*LABEL_PROPERTIES, *FALLBACK_LABEL_PROPERTIES))
SEGMENT_OF = ox.NamedNode(str(PRO.segmentOf))
PUBLISHER = ox.NamedNode(str(DCTERMS.publisher))
TITLE = ox.NamedNode(str(DCTERMS.title))
PREF_LABEL = ox.NamedNode(str(SKOS.prefLabel))
TYPE = ox.NamedNode(str(RDF.type))
MAX_DEPTH = 5  # describe_resource's default
# Labels, sources and expansion decisions kept between programmes (each memo is emptied when
# it grows past this). Most sources are one programme's own and never asked for again: at
# 10,000 programmes a worker held 293 MB anonymous with 50,000, 242 MB with 5,000, no slower.
MEMO = 5_000

Node = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def _in_order(values: dict[Node, None]) -> Iterable[Node]:
    """`values` in describe.Facts' order (`_order`); most hold one value."""
    return values if len(values) < 2 else sorted(values, key=_order)


def _order(node: Node) -> tuple[int, str, str]:
    """describe.Facts' order of values (literals by language and text, then nodes)."""
    if isinstance(node, ox.Literal):
        return (0, node.language or "", node.value)
    return (1, "", str(node) if isinstance(node, ox.Triple) else node.value)


class Describer:
    """`describe_programme` (members.py) in pyoxigraph terms over a TermLookup: the same
    payload (triples, sources, reads), with each IRI's labels, each source's provenance and
    each expansion decision worked out once for all the programmes it describes.

    It follows graph/read/describe.py's `describe_resource` with the programme page's rule
    step by step: the programme's quads and those pointing at it; the nodes the rule
    expands (blank nodes always), breadth first to MAX_DEPTH, at most MAX_EXPANDED; the
    label quads of every IRI mentioned; each source graph's own quads, its page's title and
    its publisher's names; and, as reads, every subject those steps look up (the
    predicates too, looked up for owl:FunctionalProperty). tests/test_ldes_bulk.py holds it
    to describe_programme on the bundled sources and on synthetic programmes."""

    def __init__(self, lookup: TermLookup, base: str):
        self.lookup = lookup
        self._rule = expand_rule("programme", base)
        self._wanted: dict[tuple[ox.NamedNode, ox.NamedNode, bool], bool] = {}
        self._predicates: dict[ox.NamedNode, URIRef] = {}  # a few hundred: the vocabulary's
        self._labels: dict[ox.NamedNode, tuple[ox.Triple, ...] | None] = {}
        self._sources: dict[ox.NamedNode, tuple[tuple[ox.Triple, ...], tuple[str, ...]]] = {}

    def _wants(self, node: ox.NamedNode, predicate: ox.NamedNode, inverse: bool) -> bool:
        key = (node, predicate, inverse)
        found = self._wanted.get(key)
        if found is None:
            if len(self._wanted) > MEMO:
                self._wanted.clear()
            iri = self._predicates.get(predicate)
            if iri is None:
                iri = self._predicates[predicate] = URIRef(predicate.value)
            found = self._wanted[key] = self._rule(URIRef(node.value), iri, inverse)
        return found

    def _label_triples(self, iri: ox.NamedNode) -> tuple[ox.Triple, ...] | None:
        """The label quads of `iri` as triples; None for an IRI labels are not read for."""
        if iri in self._labels:
            return self._labels[iri]
        found = None
        if _safe_iri(URIRef(iri.value)):
            found = tuple(
                q.triple
                for q in self.lookup.subject(iri)
                if q.predicate in LABELS and isinstance(q.object, ox.Literal)
            )
        if len(self._labels) > MEMO:
            self._labels.clear()
        self._labels[iri] = found
        return found

    def _source(self, graph: ox.NamedNode) -> tuple[tuple[ox.Triple, ...], tuple[str, ...]]:
        """A source's provenance triples and the subjects read for them."""
        found = self._sources.get(graph)
        if found is not None:
            return found
        own = [q for q in self.lookup.subject(graph) if q.graph_name == graph]
        triples = [q.triple for q in own]
        reads = [str(graph)]

        def first(predicate: ox.NamedNode) -> ox.NamedNode | None:
            iris = [q.object for q in own if q.predicate == predicate]
            named = [o for o in iris if isinstance(o, ox.NamedNode)]
            return min(named, key=lambda o: o.value) if named else None

        page, publisher = first(SEGMENT_OF), first(PUBLISHER)
        if page is not None:
            reads.append(str(page))
            triples += [q.triple for q in self.lookup.values(page, TITLE, graph)]
        if publisher is not None:
            reads.append(str(publisher))
            names = self.lookup.values(publisher, PREF_LABEL, graph)
            names = names or self.lookup.values(publisher, PREF_LABEL)[:NAME_SAMPLE]
            triples += [q.triple for q in names]
        if len(self._sources) > MEMO:
            self._sources.clear()
        found = self._sources[graph] = (tuple(triples), tuple(reads))
        return found

    def prefetch(self, programmes: list[ox.NamedNode], levels: int = 2) -> None:
        """Read the quads of `programmes` and of the nodes pointing at them (offerings), and
        of the nodes those name `levels` links deep (graphs included: fees, deadlines, the
        sources and their pages), in one pass per level (most of what describing them looks
        up), not one by one."""
        self.lookup.prefetch_pointing_at(programmes)
        first: dict[ox.NamedNode | ox.BlankNode, None] = dict.fromkeys(programmes)
        for programme in programmes:
            for q in self.lookup.pointing_at(programme):
                if isinstance(q.subject, ox.NamedNode | ox.BlankNode):
                    first[q.subject] = None
        subjects = list(first)
        for level in range(levels + 1):
            self.lookup.prefetch(subjects)
            if level == levels:
                break
            named = {
                t
                for s in subjects
                for q in self.lookup.subject(s)
                for t in (q.predicate, q.object, q.graph_name)
                if isinstance(t, ox.NamedNode | ox.BlankNode)
            }
            subjects = sorted(named - set(subjects), key=str)

    def describe(self, programme: ox.NamedNode) -> Payload:
        return self.described(programme)[0]

    def described(self, programme: ox.NamedNode) -> tuple[Payload, list[str]]:
        """`describe(programme)`, and its triples' N-Triples texts in the payload's order."""
        root = programme
        out: dict[Node, dict[ox.NamedNode, dict[Node, None]]] = {}
        inverse: dict[ox.NamedNode, dict[Node, None]] = {}
        # What the steps after the expansion need of the quads, gathered as they come (each
        # term read once: a pyoxigraph quad makes a new object for every term asked of it).
        triples: set[ox.Triple] = set()
        mentioned: set[ox.NamedNode] = set()  # every IRI in a quad (the labels to resolve)
        graphs: set[ox.NamedNode] = set()
        predicates: set[ox.NamedNode] = set()  # also read on their own (owl:FunctionalProperty)

        # Every step is idempotent: a quad given twice (pointing at the programme, then
        # among its subject's quads when that is expanded) changes nothing the second time.
        def add(q: ox.Quad) -> None:
            graph = q.graph_name
            graphs.add(graph if isinstance(graph, ox.NamedNode) else DEFAULT_GRAPH)
            s, p, o = q.subject, q.predicate, q.object
            out.setdefault(s, {}).setdefault(p, {})[o] = None
            if o == root:
                inverse.setdefault(p, {})[s] = None
            triples.add(q.triple)
            predicates.add(p)
            mentioned.add(p)
            if isinstance(s, ox.NamedNode):
                mentioned.add(s)
            if isinstance(o, ox.NamedNode):
                mentioned.add(o)

        for q in self.lookup.subject(root):
            add(q)
        for q in self.lookup.pointing_at(root):
            add(q)
        subjects = {str(root)}
        if not triples:
            return Payload((), (), Reads(frozenset(subjects), frozenset(subjects))), []
        # the nodes the programme page expands (describe._expand)
        seen: set[Node] = {root}
        frontier: list[Node] = [root]
        for _depth in range(MAX_DEPTH):
            following: list[Node] = []
            for node in frontier:
                edges = [
                    (p, o, False)
                    for p, objects in list(out.get(node, {}).items())
                    for o in _in_order(objects)
                ]
                if node == root:
                    edges += [
                        (p, s, True) for p, found in list(inverse.items()) for s in _in_order(found)
                    ]
                for p, other, backwards in edges:
                    if other in seen:
                        continue
                    wanted = isinstance(other, ox.BlankNode) or (
                        isinstance(other, ox.NamedNode) and self._wants(other, p, backwards)
                    )
                    if wanted and len(seen) < MAX_EXPANDED:
                        seen.add(other)
                        following.append(other)
                        subjects.add(str(other))
                        for q in self.lookup.subject(other):  # type: ignore[arg-type]
                            add(q)
            frontier = following
            if not frontier:
                break
        # labels of every IRI mentioned (describe._resolve_labels)
        for iri in mentioned:
            labels = self._label_triples(iri)
            if labels is not None:
                subjects.add(str(iri))
                triples.update(labels)
        # the sources (describe._resolve_sources)
        for graph in graphs:
            provenance, looked_up = self._source(graph)
            triples.update(provenance)
            subjects.update(looked_up)
        # the predicates, looked up for owl:FunctionalProperty (describe._resolve_single_valued)
        subjects.update(str(p) for p in predicates)
        sources = tuple(sorted(g.value for g in graphs))
        ordered, texts = canonical_texts(triples)
        reads = Reads(frozenset(subjects), frozenset({str(root)}))
        return Payload(ordered, sources, reads), texts


def programmes(lookup: TermLookup) -> list[URIRef]:
    """members.programmes() of the version `lookup` reads: every programme, sorted."""
    found = {
        s.value for kind in PROGRAMME_TYPES for s in lookup.subjects(TYPE, ox.NamedNode(str(kind)))
    }
    return [URIRef(p) for p in sorted(found)]


_DESCRIBERS: dict[tuple[int, Path, Path, tuple[str, ...], str], Describer] = {}


def _describer(batch: Batch) -> Describer:
    """This process's lookup of the batch's version, opened once (a forked worker opens its
    own: the parent's file handles are not shared across a fork)."""
    key = (os.getpid(), batch.nquads, batch.store, batch.hidden, batch.base)
    found = _DESCRIBERS.get(key)
    if found is None:
        close_lookups()
        lookup = open_term_lookup(batch.nquads, batch.store, batch.hidden)
        found = _DESCRIBERS[key] = Describer(lookup, batch.base)
    return found


def close_lookups() -> None:
    """Close the lookups this process opened (the build calls it when the stream is done)."""
    for key, describer in list(_DESCRIBERS.items()):
        if key[0] == os.getpid():
            describer.lookup.close()
        del _DESCRIBERS[key]


def describe_batch(batch: Batch, describer: Describer | None = None) -> list[Described]:
    """Every job of `batch` described, in order, by `describer` (by default this process's
    describer of the batch's version)."""
    describer = _describer(batch) if describer is None else describer
    describer.prefetch([ox.NamedNode(job.programme) for job in batch.jobs])
    stream, activity = URIRef(batch.stream), URIRef(batch.activity)
    found = []
    for job in batch.jobs:
        payload, texts = describer.described(ox.NamedNode(job.programme))
        digest = digest_of(texts, payload.sources)
        if job.previous == digest:
            found.append(Described(digest, payload.reads, None))
            continue
        star = member_quads(
            URIRef(job.member),
            URIRef(job.programme),
            stream=stream,
            kind=AS.Create if job.previous is None else AS.Update,
            time=batch.time,
            payload=Payload((), payload.sources, payload.reads),
            activity=activity,
        )
        data = _member_lines(job.member, star, payload.triples, texts)
        found.append(Described(digest, payload.reads, data))
    return found


def _member_lines(
    member: str, star: list[ox.Quad], triples: tuple[ox.Triple, ...], texts: list[str]
) -> bytes:
    """`member_bytes` of a member's star and its payload in the graph named `member`
    (members.member_quads), written from the triples' N-Triples text: a quad's text is its
    N-Quads line without the " ." (blank nodes relabelled as member_quads does)."""
    graph = f" <{member}>"
    if "_:" not in "".join(texts):  # no blank node (most members): no term looked at
        lines = [text + graph for text in texts]
    else:
        prefix = "_:m" + hashlib.sha256(member.encode("utf-8")).hexdigest()[:12]
        lines = []
        for t, text in zip(triples, texts, strict=True):
            s, o = t.subject, t.object
            if isinstance(s, ox.BlankNode) or isinstance(o, ox.BlankNode):
                own_s = f"{prefix}{s.value}" if isinstance(s, ox.BlankNode) else str(s)
                own_o = f"{prefix}{o.value}" if isinstance(o, ox.BlankNode) else str(o)
                text = f"{own_s} {t.predicate} {own_o}"
            lines.append(text + graph)
    lines.sort()
    head = sorted(str(q) for q in star)
    return "".join(line + " .\n" for line in (*head, *lines)).encode("utf-8")


def member_bytes(quads: Iterable[ox.Quad]) -> bytes:
    """One member as N-Quads: its star first, then its graph; lines sorted within each."""
    star = sorted((q for q in quads if isinstance(q.graph_name, ox.DefaultGraph)), key=str)
    graph = sorted((q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)), key=str)
    return b"".join(
        ox.serialize(part, format=ox.RdfFormat.N_QUADS) or b"" for part in (star, graph) if part
    )
