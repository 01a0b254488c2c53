"""Members in bulk: a batch of programmes described and written as member N-Quads at once.

The change stream's writer (graph/build/writers/ldes.py) plans a version's members in
stream order, then hands them out in batches (`Batch`), to forked worker processes when
the build has several cores. Each process opens one `TermLookup` of the staged version
(graph/store/staged_batch.py: its sorted N-Quads and store, terms as N-Quads text) and one
`Describer` over it, kept for the next batch, so what every programme mentions (concepts,
organisations, portals, properties: their quads, labels and provenance) is read and worked
out once per process, not once per programme. A batch gives back, in order, each
programme's digest and reads and its member as N-Quads lines, or no lines when the
description is the one its previous member holds. Nothing of the catalogue is kept besides
bounded caches.

`Describer.describe` is `describe_programme` (members.py: the programme page's description
through graph/read/describe.py, so that a member and its page agree) without rdflib, on
terms as text (no pyoxigraph term is made for a quad read): the same triples, sources and
reads, which tests/test_ldes_bulk.py checks programme by programme on the bundled sources
and on synthetic ones. A change to what a programme page describes (graph/read/describe.py,
graph/read/expand.py's programme rule, graph/read/labels.py) is a change here too.
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
from ..store.sorted_nquads import TextQuad
from ..store.staged_batch import TermLookup, is_iri, is_node, open_term_lookup
from .members import Payload, Reads, canonical_lines, digest_of, member_quads


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


DEFAULT_GRAPH = f"<{DATA_BASE}graph/default>"  # what describe.Facts names it
LABELS = frozenset(f"<{p}>" for p in (*LABEL_PROPERTIES, *FALLBACK_LABEL_PROPERTIES))
SEGMENT_OF = f"<{PRO.segmentOf}>"
PUBLISHER = f"<{DCTERMS.publisher}>"
TITLE = f"<{DCTERMS.title}>"
PREF_LABEL = f"<{SKOS.prefLabel}>"
TYPE = ox.NamedNode(str(RDF.type))
MAX_DEPTH = 5  # describe_resource's default
# Labels, sources and expansion decisions kept between programmes (each memo is emptied when
# it grows past this). Most sources are one programme's own and never asked for again: at
# 10,000 programmes a worker held 293 MB anonymous with 50,000, 242 MB with 5,000, no slower.
MEMO = 5_000


def _in_order(values: dict[str, None]) -> Iterable[str]:
    """`values` (terms as N-Quads text) in describe.Facts' order (`_order`); most hold one."""
    return values if len(values) < 2 else sorted(values, key=_order)


def _order(term: str) -> tuple[int, str]:
    """describe.Facts' order of values (literals first, then nodes by their value), for
    the nodes to expand: literals are never expanded, so their order among themselves (by
    language and text there) does not matter here."""
    if term[0] == '"':
        return (0, term)
    if term[0] == "_":
        return (1, term[2:])  # a blank node's label
    return (1, term[1:-1] if is_iri(term) else term)  # an IRI's value; a triple term's text


def _value(iri: str) -> str:
    """An IRI's value (its N-Quads text without the brackets: canonical, no escapes)."""
    return iri[1:-1]


class Describer:
    """`describe_programme` (members.py) over a TermLookup, terms as N-Quads text: the same
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
        self._wanted: dict[tuple[str, str, bool], bool] = {}
        self._predicates: dict[str, URIRef] = {}  # a few hundred: the vocabulary's
        self._labels: dict[str, tuple[str, ...] | None] = {}
        self._sources: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def _wants(self, node: str, predicate: str, inverse: bool) -> bool:
        key = (node, predicate, inverse)
        found = self._wanted.get(key)
        if found is None:
            if len(self._wanted) > MEMO:
                self._wanted.clear()
            iri = self._predicates.get(predicate)
            if iri is None:
                iri = self._predicates[predicate] = URIRef(_value(predicate))
            found = self._wanted[key] = self._rule(URIRef(_value(node)), iri, inverse)
        return found

    def _label_triples(self, iri: str) -> tuple[str, ...] | None:
        """The label triples of `iri` (as text); None for an IRI labels are not read for."""
        if iri in self._labels:
            return self._labels[iri]
        found = None
        if _safe_iri(URIRef(_value(iri))):
            found = tuple(
                q[4] for q in self.lookup.subject(iri) if q[1] in LABELS and q[2][0] == '"'
            )
        if len(self._labels) > MEMO:
            self._labels.clear()
        self._labels[iri] = found
        return found

    def _source(self, graph: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """A source's provenance triples (as text) and the subjects read for them."""
        found = self._sources.get(graph)
        if found is not None:
            return found
        own = [q for q in self.lookup.subject(graph) if q[3] == graph]
        triples = [q[4] for q in own]
        reads = [graph]

        def first(predicate: str) -> str | None:
            named = [q[2] for q in own if q[1] == predicate and is_iri(q[2])]
            return min(named, key=_value) if named else None

        page, publisher = first(SEGMENT_OF), first(PUBLISHER)
        if page is not None:
            reads.append(page)
            triples += [q[4] for q in self.lookup.values(page, TITLE, graph)]
        if publisher is not None:
            reads.append(publisher)
            names = self.lookup.values(publisher, PREF_LABEL, graph)
            names = names or self.lookup.values(publisher, PREF_LABEL)[:NAME_SAMPLE]
            triples += [q[4] for q in names]
        if len(self._sources) > MEMO:
            self._sources.clear()
        found = self._sources[graph] = (tuple(triples), tuple(reads))
        return found

    def prefetch(self, programmes: list[str], levels: int = 2) -> None:
        """Read the quads of `programmes` (IRIs as text) and of the nodes pointing at them
        (offerings), and of the nodes those name `levels` links deep (graphs included: fees,
        deadlines, the sources and their pages), a level at a time (most of what describing
        them looks up), not one by one."""
        self.lookup.prefetch_pointing_at(programmes)
        first: dict[str, None] = dict.fromkeys(programmes)
        for programme in programmes:
            for q in self.lookup.pointing_at(programme):
                first[q[0]] = None
        subjects = list(first)
        for level in range(levels + 1):
            self.lookup.prefetch(subjects)
            if level == levels:
                break
            named = {
                t
                for s in subjects
                for q in self.lookup.subject(s)
                for t in (q[1], q[2], q[3])
                if is_node(t)
            }
            subjects = sorted(named - set(subjects))

    def describe(self, programme: str) -> Payload:
        """The payload of `programme` (an IRI as text), its triples as pyoxigraph terms."""
        payload, texts = self.described(programme)
        data = "".join(f"{text} .\n" for text in texts)
        triples = tuple(q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
        return Payload(triples, payload.sources, payload.reads)

    def described(self, programme: str) -> tuple[Payload, list[str]]:
        """The payload of `programme` (an IRI as text) without its triples, and their
        N-Triples texts (blank nodes in canonical form) in the payload's order."""
        root = programme
        out: dict[str, dict[str, dict[str, None]]] = {}
        inverse: dict[str, dict[str, None]] = {}
        # What the steps after the expansion need of the quads, gathered as they come.
        triples: set[str] = set()
        mentioned: set[str] = set()  # every IRI in a quad (the labels to resolve)
        graphs: set[str] = set()
        predicates: set[str] = set()  # also read on their own (owl:FunctionalProperty)

        # Every step is idempotent: a quad given twice (pointing at the programme, then
        # among its subject's quads when that is expanded) changes nothing the second time.
        def add(q: TextQuad) -> None:
            s, p, o, graph, text = q
            graphs.add(graph if graph is not None and graph[0] == "<" else DEFAULT_GRAPH)
            out.setdefault(s, {}).setdefault(p, {})[o] = None
            if o == root:
                inverse.setdefault(p, {})[s] = None
            triples.add(text)
            predicates.add(p)
            mentioned.add(p)
            if s[0] == "<":
                mentioned.add(s)
            if o[0] == "<" and o[1] != "<":
                mentioned.add(o)

        for q in self.lookup.subject(root):
            add(q)
        for q in self.lookup.pointing_at(root):
            add(q)
        subjects = {root}
        if not triples:
            return Payload((), (), Reads(frozenset(subjects), frozenset(subjects))), []
        # the nodes the programme page expands (describe._expand)
        seen: set[str] = {root}
        frontier: list[str] = [root]
        for _depth in range(MAX_DEPTH):
            following: list[str] = []
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
                    wanted = other[0] == "_" or (is_iri(other) and self._wants(other, p, backwards))
                    if wanted and len(seen) < MAX_EXPANDED:
                        seen.add(other)
                        following.append(other)
                        subjects.add(other)
                        for q in self.lookup.subject(other):
                            add(q)
            frontier = following
            if not frontier:
                break
        # labels of every IRI mentioned (describe._resolve_labels)
        for iri in mentioned:
            labels = self._label_triples(iri)
            if labels is not None:
                subjects.add(iri)
                triples.update(labels)
        # the sources (describe._resolve_sources)
        for graph in graphs:
            provenance, looked_up = self._source(graph)
            triples.update(provenance)
            subjects.update(looked_up)
        # the predicates, looked up for owl:FunctionalProperty (describe._resolve_single_valued)
        subjects.update(predicates)
        sources = tuple(sorted(_value(g) for g in graphs))
        texts = canonical_lines(triples)
        reads = Reads(frozenset(subjects), frozenset({root}))
        return Payload((), sources, reads), texts


def programmes(lookup: TermLookup) -> list[str]:
    """members.programmes() of the version `lookup` reads, as text: every programme's IRI,
    sorted (no rdflib term made: at 30,000 programmes URIRef's checks took 0.36 s)."""
    kinds = [ox.NamedNode(str(kind)) for kind in sorted(PROGRAMME_TYPES)]
    if len(kinds) == 1:
        return lookup.subjects(TYPE, kinds[0])
    return sorted({p for kind in kinds for p in lookup.subjects(TYPE, kind)})


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
    describer.prefetch([f"<{job.programme}>" for job in batch.jobs])
    stream, activity = URIRef(batch.stream), URIRef(batch.activity)
    found = []
    for job in batch.jobs:
        payload, texts = describer.described(f"<{job.programme}>")
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
            payload=payload,
            activity=activity,
        )
        data = _member_lines(job.member, star, texts)
        found.append(Described(digest, payload.reads, data))
    return found


def _member_lines(member: str, star: list[ox.Quad], texts: list[str]) -> bytes:
    """`member_bytes` of a member's star and its payload in the graph named `member`
    (members.member_quads), written from the triples' N-Triples text: a quad's text is its
    triple's followed by the graph (blank nodes relabelled as member_quads does)."""
    graph = f" <{member}>"
    if "_:" not in "".join(texts):  # no blank node (most members): no term looked at
        lines = [text + graph for text in texts]
    else:
        prefix = "_:m" + hashlib.sha256(member.encode("utf-8")).hexdigest()[:12]
        lines = []
        for text in texts:
            s, p, o = text.split(" ", 2)  # a subject and a predicate hold no space
            if s[0] == "_" or o[0] == "_":
                own_s = prefix + s[2:] if s[0] == "_" else s
                own_o = prefix + o[2:] if o[0] == "_" else o
                text = f"{own_s} {p} {own_o}"
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
