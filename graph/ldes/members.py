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
from array import array
from collections.abc import Iterable, Iterator, Sequence
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
    """The terms one description looked up: by subject, by object, or everything, as a
    description makes them (sets). The build keeps them for every programme of the
    catalogue as numbers into one table of terms (`Terms.numbered_reads`)."""

    subjects: frozenset[str] | tuple[str, ...]
    objects: frozenset[str] | tuple[str, ...]
    unkeyed: bool = False

    @property
    def blank(self) -> bool:
        return any(t.startswith("_:") for t in (*self.subjects, *self.objects))


class Terms:
    """The table of terms the stream's state numbers its reads by (graph/ldes/state.py): a
    term's number is its position, and a term keeps its number from version to version
    (the table only grows), so a programme not described again keeps its numbers as read.
    `numbered` is the table's length when it was last numbered afresh (None: not yet)."""

    def __init__(self, table: list[str] | None = None, numbered: int | None = None):
        self.table = [] if table is None else table
        self.numbered = numbered
        self._index: dict[str, int] | None = None
        # the compressed file (graph/ldes/state.py, TERMS) the table's first terms were read
        # from, and how many: written again as it is, with the terms added after it
        self.stored: tuple[bytes, int] | None = None

    def index(self) -> dict[str, int]:
        """term -> its number (made when first asked: a rebuild asks it once)."""
        if self._index is None:
            self._index = {term: n for n, term in enumerate(self.table)}
        return self._index

    def numbers(self, terms: Iterable[str]) -> array[int]:
        """The numbers of `terms`, in their order; a term not in the table is added."""
        index, table = self.index(), self.table
        found = array("I")
        for term in terms:
            n = index.get(term)
            if n is None:
                n = index[term] = len(table)
                table.append(term)
            found.append(n)
        return found

    def numbered_reads(self, reads: Reads) -> Numbered:
        """`reads` as numbers into this table (each kind's terms sorted)."""
        return Numbered(
            self.numbers(sorted(reads.subjects)),
            self.numbers(sorted(reads.objects)),
            reads.unkeyed,
            reads.blank,
            self,
        )


@dataclass(frozen=True)
class Numbered:
    """Reads as numbers into a table of terms (`Terms`): what the build keeps of every
    programme's reads between versions, 4 bytes a term read (at 10,000 programmes, sorted
    tuples of shared strings took 8.0 KB a programme, frozensets of their own strings 15.6
    KB: docs/build.md)."""

    subjects: array[int]
    objects: array[int]
    unkeyed: bool
    blank: bool
    terms: Terms = field(compare=False, repr=False)

    def as_reads(self) -> Reads:
        """These reads as terms."""
        table = self.terms.table
        return Reads(
            tuple(table[n] for n in self.subjects),
            tuple(table[n] for n in self.objects),
            self.unkeyed,
        )


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


def canonical_lines(texts: set[str]) -> list[str]:
    """`canonical_texts` of triples given as their N-Triples texts (pyoxigraph's canonical
    N-Triples, as a version's lines hold them): sorted, blank nodes in canonical form."""
    ordered = sorted(texts)
    blank = any(
        s[0] == "_" or o[0] == "_"
        for s, _p, o in (text.split(" ", 2) for text in ordered if "_:" in text)
    )
    if not blank:
        return ordered
    data = "".join(f"{text} .\n" for text in ordered)
    return canonical_texts({q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)})[1]


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
    _numbered: dict[int, tuple[Terms, int, frozenset[int], frozenset[int]]] = field(
        default_factory=dict, compare=False, repr=False
    )

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

    def may_change(self, reads: Reads | Numbered) -> bool:
        """Could a description that made these reads differ after these changes?"""
        if reads.unkeyed or (self.blank and reads.blank):
            return True
        subjects: frozenset[str] | frozenset[int] = self.subjects
        objects: frozenset[str] | frozenset[int] = self.objects
        if isinstance(reads, Numbered):
            subjects, objects = self._numbers(reads.terms)
        return not (subjects.isdisjoint(reads.subjects) and objects.isdisjoint(reads.objects))

    def _numbers(self, terms: Terms) -> tuple[frozenset[int], frozenset[int]]:
        """The numbers in `terms` of the subjects and objects touched (a term not in the
        table is in no reads numbered in it), worked out again only when the table grew."""
        found = self._numbered.get(id(terms))
        if found is None or found[0] is not terms or found[1] != len(terms.table):
            index = terms.index()
            found = self._numbered[id(terms)] = (
                terms,
                len(terms.table),
                frozenset(index[t] for t in self.subjects if t in index),
                frozenset(index[t] for t in self.objects if t in index),
            )
        return found[2], found[3]


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
