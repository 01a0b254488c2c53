"""Members of the change stream: one immutable version of one programme.

A member's payload is the programme's description as its page shows it (graph/read/describe.py
with the programme page's expansion rule, graph/read/expand.py): its own triples and the
triples pointing at it,
the nodes it owns (offerings, deadlines, fees, requirements, components…), the labels of
every IRI it mentions and the provenance of its sources, as triples in the member's named
graph (https://w3id.org/ldes/specification, "Emitting members": a client takes the
member's star pattern and the named graph named after the member). The catalogue order
(`id:graph/order`, `pro:listPosition`) is left out: it is a position in a listing, not a
fact about the programme, and one new programme would move every programme after it.

Which programmes changed is decided from the version's change record
(graph/build/writers/changes.py),
without describing every programme again. `describe()` is a function of the quads its
lookups return, and every lookup is keyed by a subject (`quads(s, …)`) or, for the
programme itself, by an object (`describe(iri)` reads the triples pointing at it). The
stream keeps, per programme, the terms its last description looked up (its *reads*). When
no triple added or removed by a version has one of those terms as subject (or the programme
as object), every lookup returns what it returned before, so the description is the same:
only the programmes whose reads were touched are described again, and a member is emitted
only when the description's digest differs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF
from rdflib.term import Node

from ..canonical import literals_as_written, sorted_written
from ..read.describe import describe_resource
from ..read.expand import PROGRAMME_TYPES, expand_rule
from ..store.base import Quad, QueryResult, Store
from ..store.terms import to_oxigraph


def term_key(node: Node) -> str:
    """A term as text, for the reads kept between versions (`<iri>`, `_:label`)."""
    return node.n3()


@dataclass
class RecordingStore:
    """A Store that notes the terms every lookup is keyed by, then asks `inner`."""

    inner: Store
    subjects: set[str] = field(default_factory=set)
    objects: set[str] = field(default_factory=set)
    unkeyed: bool = False  # a lookup by neither subject nor object: anything may matter

    def query(self, sparql: str, **kwargs: object) -> QueryResult:
        self.unkeyed = True
        return self.inner.query(sparql, **kwargs)  # type: ignore[arg-type]

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: Node | None = None,
    ) -> Iterator[Quad]:
        if subject is not None:
            self.subjects.add(term_key(subject))
        elif obj is not None:
            self.objects.add(term_key(obj))
        else:
            self.unkeyed = True
        return self.inner.quads(subject, predicate, obj, graph)

    def describe(self, iri: URIRef) -> Dataset:
        self.subjects.add(term_key(iri))
        self.objects.add(term_key(iri))
        return self.inner.describe(iri)

    def named_graphs(self) -> list[URIRef]:
        self.unkeyed = True
        return self.inner.named_graphs()

    def triple_count(self) -> int:
        return self.inner.triple_count()

    def start(self) -> None:
        return None

    def wait_ready(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None:
        return None


@dataclass(frozen=True)
class Reads:
    """The terms one description looked up: by subject, by object, or everything. A
    description makes them as sets; the build keeps them for every programme of the
    catalogue as sorted tuples of shared strings (`compact`)."""

    subjects: frozenset[str] | tuple[str, ...]
    objects: frozenset[str] | tuple[str, ...]
    unkeyed: bool = False

    def compact(self, shared: dict[str, str]) -> Reads:
        """These reads as sorted tuples of the strings of `shared` (a term seen before is
        the same string object): the state of 10,000 programmes held 15.6 KB a programme
        as frozensets, 8.0 KB so (docs/build.md)."""
        subjects = tuple(shared.setdefault(t, t) for t in sorted(self.subjects))
        objects = tuple(shared.setdefault(t, t) for t in sorted(self.objects))
        return Reads(subjects, objects, self.unkeyed)

    @property
    def blank(self) -> bool:
        return any(t.startswith("_:") for t in (*self.subjects, *self.objects))


@dataclass(frozen=True)
class Payload:
    """What a (non-deletion) member says about its programme."""

    triples: tuple[ox.Triple, ...]  # the description, blank nodes in canonical form
    sources: tuple[str, ...]  # the named graphs its facts are stated in
    reads: Reads

    @property
    def digest(self) -> str:
        return digest_of(sorted(str(t) for t in self.triples), self.sources)


def digest_of(texts: Sequence[str], sources: Sequence[str]) -> str:
    """A description's digest from its triples as N-Triples text (sorted) and its sources."""
    text = "\n".join([*texts, "sources:", *sorted(sources)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _canonical(triples: set[ox.Triple]) -> tuple[ox.Triple, ...]:
    return canonical_texts(triples)[0]


def canonical_texts(triples: set[ox.Triple]) -> tuple[tuple[ox.Triple, ...], list[str]]:
    """`triples`, blank nodes in canonical form, sorted by their N-Triples text; and those
    texts (each made once: the sort's key, a member's lines and its digest)."""
    ordered = sorted_written(triples)
    texts = [text for text, _t in ordered]
    # A blank node's text holds "_:"; most descriptions have none, and no term is looked at.
    if "_:" in "".join(texts) and any(
        isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples
    ):
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        ordered = sorted_written(q.triple for q in dataset)
        texts = [text for text, _t in ordered]
    return tuple(t for _text, t in ordered), texts


def describe_programme(store: Store, programme: URIRef, *, base: str, as_of: date) -> Payload:
    """The payload of a member for `programme`: its description, read through `store`."""
    recorder = RecordingStore(store)
    with literals_as_written():
        description = describe_resource(
            recorder,
            programme,
            as_of=as_of,
            expand=expand_rule("programme", base),  # the programme page's rule
            languages=("en",),
        )
        # What ResourceDescription.dataset() holds, without building an rdflib Dataset.
        quads = (*description.facts.quads, *description.label_quads, *description.provenance_quads)
        distinct = {(s, p, o) for s, p, o, _g in quads}  # one triple stated in many graphs
        triples = {
            ox.Triple(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
            for s, p, o in distinct
        }
    sources = sorted(str(g) for g in description.facts.graphs())
    reads = Reads(frozenset(recorder.subjects), frozenset(recorder.objects), recorder.unkeyed)
    return Payload(_canonical(triples), tuple(sources), reads)


@dataclass(frozen=True)
class Touched:
    """What a version's change record touched: subjects, objects, and any blank node."""

    subjects: frozenset[str]
    objects: frozenset[str]
    blank: bool

    @classmethod
    def of(
        cls, changes: dict[str, tuple[set[tuple], set[tuple]]], hidden: Sequence[str] = ()
    ) -> Touched:
        """From graph.changes.read_changes(); the changes of `hidden` graphs are ignored."""
        subjects: set[str] = set()
        objects: set[str] = set()
        for graph, (added, removed) in changes.items():
            if graph in hidden:
                continue
            for s, _p, o in (*added, *removed):
                subjects.add(term_key(s))
                if not isinstance(o, Literal):
                    objects.add(term_key(o))
        blank = any(t.startswith("_:") for t in (*subjects, *objects))
        return cls(frozenset(subjects), frozenset(objects), blank)

    def may_change(self, reads: Reads) -> bool:
        """Could a description that made these reads differ after these changes?"""
        if reads.unkeyed or (self.blank and reads.blank):
            return True
        return not (
            self.subjects.isdisjoint(reads.subjects) and self.objects.isdisjoint(reads.objects)
        )


def programmes(store: Store) -> list[URIRef]:
    """Every programme of a version (typed pro:StudyProgramme in any graph), sorted."""
    found: set[URIRef] = set()
    for kind in PROGRAMME_TYPES:
        found.update(
            s for s, _p, _o, _g in store.quads(None, RDF.type, kind, None) if isinstance(s, URIRef)
        )
    return sorted(found)


def member_quads(
    member: URIRef,
    programme: URIRef,
    *,
    stream: URIRef,
    kind: URIRef,
    time: str,
    payload: Payload | None,
    activity: URIRef | None = None,
) -> list[ox.Quad]:
    """The quads of one member: its star in the default graph (type, version-of, time,
    sources), `stream tree:member member`, and the payload in the graph named `member`.
    A deletion (payload None) has only its type, version-of and time."""
    from ..iris import PROV, TREE

    m = ox.NamedNode(str(member))
    default = ox.DefaultGraph()
    quads = [
        ox.Quad(ox.NamedNode(str(stream)), ox.NamedNode(str(TREE.member)), m, default),
        ox.Quad(m, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(kind)), default),
        ox.Quad(m, ox.NamedNode(str(DCTERMS.isVersionOf)), ox.NamedNode(str(programme)), default),
        ox.Quad(
            m,
            ox.NamedNode(str(PROV.generatedAtTime)),
            ox.Literal(time, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")),
            default,
        ),
    ]
    if payload is None:
        return quads
    if activity is not None:
        quads.append(
            ox.Quad(m, ox.NamedNode(str(PROV.wasGeneratedBy)), ox.NamedNode(str(activity)), default)
        )
    for source in payload.sources:
        quads.append(
            ox.Quad(m, ox.NamedNode(str(PROV.wasDerivedFrom)), ox.NamedNode(source), default)
        )
    # Blank node labels are scoped to the page document: make them the member's own.
    prefix = "m" + hashlib.sha256(str(member).encode("utf-8")).hexdigest()[:12]

    def own(
        term: ox.NamedNode | ox.BlankNode | ox.Literal,
    ) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        return ox.BlankNode(f"{prefix}{term.value}") if isinstance(term, ox.BlankNode) else term

    for t in payload.triples:
        quads.append(ox.Quad(own(t.subject), t.predicate, own(t.object), m))  # type: ignore[arg-type]
    return quads
