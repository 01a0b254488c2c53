"""The description of one resource, as the pages and the RDF representations show it.

A description holds (docs/pages.md):

- the resource's own triples and the triples pointing at it (inverse links), each value
  with the named graphs (sources) it is stated in;
- optionally the outgoing triples of nodes the resource owns (an offering's deadline, a
  programme's credit points), chosen by an `expand` rule, and of every blank node reached;
- one label for every IRI it mentions, in the reader's language with a fallback
  (rdfs:label, skos:prefLabel, dct:title and schema:name are normalised into one label);
- the provenance of every source graph involved: the page segment, the page, the portal
  (dct:publisher) and the page's own date (dct:modified), flagged when older than two years.

Everything goes through the Store protocol (graph.store.base); nothing here knows Flask.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from ..iris import DATA_BASE, ELM, ONTOLOGY_GRAPH, PREFIXES, PRO, SCHEMA, VOCABULARY_GRAPH
from ..store.base import Quad, Store
from .labels import FALLBACK_LABEL_PROPERTIES, LABEL_PROPERTIES, label_quads, publisher_names
from .text import FALLBACK_LANGUAGE, fallback_label, format_literal, literal_date, pick_literal

DESCRIPTION_PROPERTIES: tuple[URIRef, ...] = (
    DCTERMS.description,
    RDFS.comment,
    SKOS.definition,
    SCHEMA.description,
)
STALE_AFTER_DAYS = 2 * 365 + 1  # "older than two years"
INVERSE_SHOWN = 50  # inverse subjects listed per property; the count is always given
MAX_EXPANDED = 400  # nodes an expansion may fetch, a guard against runaway rules

# Properties that hold one value per subject: different values from different sources are
# a conflict (shown side by side). owl:FunctionalProperty declarations in the ontology add
# to this list.
SINGLE_VALUED: frozenset[URIRef] = frozenset(
    {
        DCTERMS.title,
        PRO.acronym,
        ELM.duration,
        RDF.value,
        PRO.date,
        PRO.startDate,
        PRO.startMonth,
        PRO.amount,
        PRO.currency,
        PRO.billingPeriod,
        PRO.typicalGroupSize,
        ELM.learningSchedule,
        ELM.EQFLevel,
        PRO.minimumOverallScore,
        PRO.minimumComponentScore,
        PRO.minimumGrade,
        PRO.sequenceIndex,
        PRO.degreeAbbreviation,
        PRO.hostedBy,
    }
)

Expand = Callable[[URIRef, URIRef, bool], bool]
"""expand(node, predicate, inverse) -> fetch the node's outgoing triples too?"""


# -- values and sources ----------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """One object (or, for inverse links, subject) with the graphs that state it."""

    node: Node
    sources: tuple[URIRef, ...]


@dataclass(frozen=True)
class Statement:
    """All values of one property of the resource."""

    predicate: URIRef
    values: tuple[Value, ...]
    conflict: bool  # a single-valued property with values that differ between sources

    @property
    def stated_differently(self) -> bool:
        """Several forms of one value (P24M and P2Y) from different sources, no conflict."""
        return not self.conflict and len(self.values) > 1 and self.predicate in SINGLE_VALUED


@dataclass(frozen=True)
class InverseGroup:
    """Resources that point at this one through `predicate` (first INVERSE_SHOWN of count)."""

    predicate: URIRef
    count: int
    subjects: tuple[Value, ...]


@dataclass(frozen=True)
class Source:
    """A named graph: a page segment, the curation record, the ontology or vocabularies."""

    iri: URIRef
    label: str
    kind: str  # "segment", "curation", "ontology", "vocabularies" or "graph"
    page: URIRef | None = None
    page_title: str | None = None
    publisher: URIRef | None = None
    publisher_label: str | None = None
    modified: Literal | None = None  # the page's own "last updated"
    stale: bool = False  # modified more than two years before the reference date

    @property
    def date_text(self) -> str | None:
        return format_literal(self.modified) if self.modified is not None else None


@dataclass(frozen=True)
class Linked:
    """What a page needs to know about a resource that points at this one, read for the page
    (graph/read/expand.py) and not part of the description's RDF."""

    types: frozenset[Node] = frozenset()
    owners: tuple[Node, ...] = ()  # the programmes a hosted component or a grant belongs to


class Facts:
    """Quads indexed both ways, with graph names kept."""

    def __init__(self) -> None:
        self._out: dict[Node, dict[URIRef, dict[Node, set[URIRef]]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        self._in: dict[Node, dict[URIRef, dict[Node, set[URIRef]]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        self.quads: set[Quad] = set()

    def add(self, quad: Quad) -> None:
        s, p, o, g = quad
        graph = g if isinstance(g, URIRef) else URIRef(DATA_BASE + "graph/default")
        quad = (s, p, o, graph)
        if quad in self.quads:
            return
        self.quads.add(quad)
        assert isinstance(p, URIRef)
        self._out[s][p].setdefault(o, set()).add(graph)
        self._in[o][p].setdefault(s, set()).add(graph)

    def has_subject(self, node: Node) -> bool:
        return node in self._out

    def predicates(self, s: Node) -> list[URIRef]:
        return list(self._out.get(s, {}))

    def inverse_predicates(self, o: Node) -> list[URIRef]:
        return list(self._in.get(o, {}))

    def values(self, s: Node, p: URIRef) -> list[Value]:
        found = self._out.get(s, {}).get(p, {})
        return sorted((Value(o, tuple(sorted(g))) for o, g in found.items()), key=_value_key)

    def value(self, s: Node, p: URIRef) -> Value | None:
        values = self.values(s, p)
        return values[0] if values else None

    def nodes(self, s: Node, p: URIRef) -> list[Node]:
        return [v.node for v in self.values(s, p)]

    def subjects(self, p: URIRef, o: Node) -> list[Value]:
        found = self._in.get(o, {}).get(p, {})
        return sorted((Value(s, tuple(sorted(g))) for s, g in found.items()), key=_value_key)

    def types(self, s: Node) -> set[Node]:
        return set(self._out.get(s, {}).get(RDF.type, {}))

    def graphs(self) -> set[URIRef]:
        return {q[3] for q in self.quads if isinstance(q[3], URIRef)}

    def mentioned_iris(self) -> set[URIRef]:
        found: set[URIRef] = set()
        for s, p, o, _g in self.quads:
            for term in (s, p, o):
                if isinstance(term, URIRef):
                    found.add(term)
        return found


def _value_key(v: Value) -> tuple:
    node = v.node
    if isinstance(node, Literal):
        return (0, node.language or "", str(node))
    return (1, str(node))


# -- the description -------------------------------------------------------------------------


@dataclass
class ResourceDescription:
    """What one page or RDF document about `iri` shows."""

    iri: URIRef
    languages: tuple[str, ...]
    as_of: date
    facts: Facts
    labels: dict[URIRef, Literal] = field(default_factory=dict)
    comments: dict[URIRef, Literal] = field(default_factory=dict)
    sources: dict[URIRef, Source] = field(default_factory=dict)
    single_valued: frozenset[URIRef] = SINGLE_VALUED
    label_quads: set[Quad] = field(default_factory=set)
    provenance_quads: set[Quad] = field(default_factory=set)
    kind: str = "resource"  # the kind of page (graph/read/expand.py)
    linked: dict[Node, Linked] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return bool(self.facts.quads)

    @property
    def types(self) -> list[URIRef]:
        found = [t for t in self.facts.types(self.iri) if isinstance(t, URIRef)]
        return sorted(found, key=lambda t: self.label(t).lower())

    def label(self, node: Node) -> str:
        if isinstance(node, Literal):
            return format_literal(node)
        if isinstance(node, URIRef):
            lit = self.labels.get(node)
            return str(lit) if lit is not None else fallback_label(str(node))
        return "(unnamed node)"

    def label_language(self, node: Node) -> str | None:
        lit = self.labels.get(node) if isinstance(node, URIRef) else None
        return lit.language if lit is not None else None

    def comment(self, node: Node) -> str | None:
        lit = self.comments.get(node) if isinstance(node, URIRef) else None
        return str(lit) if lit is not None else None

    @property
    def title(self) -> str:
        if self.iri in self.labels:
            return self.label(self.iri)
        kinds = ", ".join(self.label(t) for t in self.types)
        tail = fallback_label(str(self.iri))
        return f"{kinds}: {tail}" if kinds else tail

    def statements(self, subject: Node | None = None) -> list[Statement]:
        subject = self.iri if subject is None else subject
        found = []
        for p in self.facts.predicates(subject):
            values = self.facts.values(subject, p)
            found.append(Statement(p, tuple(values), self._conflicting(p, values)))
        order = {p: i for i, p in enumerate((RDF.type, *LABEL_PROPERTIES, *DESCRIPTION_PROPERTIES))}
        return sorted(
            found,
            key=lambda st: (order.get(st.predicate, len(order)), self.label(st.predicate).lower()),
        )

    def inverse(self, obj: Node | None = None) -> list[InverseGroup]:
        obj = self.iri if obj is None else obj
        groups = []
        for p in self.facts.inverse_predicates(obj):
            subjects = sorted(self.facts.subjects(p, obj), key=lambda v: self.label(v.node).lower())
            groups.append(InverseGroup(p, len(subjects), tuple(subjects[:INVERSE_SHOWN])))
        return sorted(groups, key=lambda gr: self.label(gr.predicate).lower())

    def text(self, subject: Node, predicate: URIRef) -> Value | None:
        """The value of a text property in the reader's language (for titles, descriptions)."""
        values = self.facts.values(subject, predicate)
        best = pick_literal([v.node for v in values], self.languages)
        if best is None:
            return values[0] if values else None
        return next(v for v in values if v.node == best)

    def texts(self, subject: Node, predicate: URIRef) -> list[Value]:
        """Every value in the reader's best available language (all sources kept)."""
        values = self.facts.values(subject, predicate)
        best = pick_literal([v.node for v in values], self.languages)
        if best is None or not isinstance(best, Literal):
            return values
        lang = best.language
        return [v for v in values if not isinstance(v.node, Literal) or v.node.language == lang]

    def _conflicting(self, predicate: URIRef, values: Sequence[Value]) -> bool:
        if predicate not in self.single_valued or len(values) < 2:
            return False
        if predicate in (DCTERMS.title,):
            by_lang: dict[str, set] = defaultdict(set)
            for v in values:
                if isinstance(v.node, Literal):
                    by_lang[v.node.language or ""].add(str(v.node))
            return any(len(forms) > 1 for forms in by_lang.values())
        return len({comparable(v.node) for v in values}) > 1

    def conflict(self, subject: Node, predicate: URIRef) -> bool:
        return self._conflicting(predicate, self.facts.values(subject, predicate))

    def is_stale(self, value: Value) -> bool:
        """Every source of the value is a page more than two years old."""
        known = [self.sources[g] for g in value.sources if g in self.sources]
        return bool(known) and all(s.stale for s in known)

    def dataset(self) -> Dataset:
        """The RDF representation: facts, labels of linked IRIs and source provenance."""
        ds = Dataset()
        for s, p, o, g in (*self.facts.quads, *self.label_quads, *self.provenance_quads):
            ds.graph(g if isinstance(g, URIRef) else None).add((s, p, o))
        for prefix, ns in PREFIXES.items():
            ds.bind(prefix, ns, replace=True)
        return ds


def comparable(node: Node) -> object:
    """A value for equality across lexical forms: P24M == P2Y, 120 == 120.0."""
    if isinstance(node, Literal):
        if node.datatype in (
            XSD.decimal,
            XSD.integer,
            XSD.double,
            XSD.float,
            XSD.positiveInteger,
            XSD.nonNegativeInteger,
            XSD.int,
        ):
            try:
                return Decimal(str(node))
            except InvalidOperation:
                return str(node)
        py = node.toPython()
        if node.datatype == XSD.duration and hasattr(py, "years"):
            return ("duration", py.years * 12 + py.months, py.tdelta)
        return (str(node), node.datatype, (node.language or "").lower())
    return node


def describe_resource(
    store: Store,
    iri: URIRef,
    *,
    languages: Sequence[str] = (FALLBACK_LANGUAGE,),
    as_of: date,
    expand: Expand | None = None,
    max_depth: int = 5,
) -> ResourceDescription:
    """Describe `iri`: its facts (expanded by `expand`), labels and sources. `as_of` is the
    day the description is read on (a graph.clock.Clock's today): sources older than two
    years by then are stale."""
    facts = Facts()
    for quad in store.describe(iri):
        facts.add(quad)
    description = ResourceDescription(iri, tuple(languages), as_of, facts)
    if not facts.quads:
        return description
    _expand(store, facts, iri, expand, max_depth)
    _resolve_labels(store, description)
    _resolve_sources(store, description)
    _resolve_single_valued(store, description)
    return description


def _expand(
    store: Store, facts: Facts, root: URIRef, expand: Expand | None, max_depth: int
) -> None:
    seen: set[Node] = {root}
    frontier: list[Node] = [root]
    for _depth in range(max_depth):
        following: list[Node] = []
        for node in frontier:
            out = [(p, o, False) for p in facts.predicates(node) for o in facts.nodes(node, p)]
            if node == root:
                out += [
                    (p, v.node, True)
                    for p in facts.inverse_predicates(node)
                    for v in facts.subjects(p, node)
                ]
            for p, other, inverse in out:
                if other in seen:
                    continue
                wanted = isinstance(other, BNode) or (
                    expand is not None and isinstance(other, URIRef) and expand(other, p, inverse)
                )
                if wanted and len(seen) < MAX_EXPANDED:
                    seen.add(other)
                    following.append(other)
                    for quad in store.quads(other, None, None, None):
                        facts.add(quad)
        frontier = following
        if not frontier:
            break


def _resolve_labels(store: Store, d: ResourceDescription) -> None:
    iris = d.facts.mentioned_iris()
    by_iri: dict[URIRef, dict[URIRef, list[Literal]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o, g in label_quads(store, iris):
        if isinstance(s, URIRef) and isinstance(o, Literal) and isinstance(p, URIRef):
            by_iri[s][p].append(o)
            if (s, p, o, g) not in d.facts.quads and p != RDFS.comment and p != SKOS.definition:
                d.label_quads.add((s, p, o, g))
    for iri, props in by_iri.items():
        for p in (*LABEL_PROPERTIES, *FALLBACK_LABEL_PROPERTIES):
            best = pick_literal(props.get(p, []), d.languages)
            if best is not None:
                d.labels[iri] = best
                break
        comment = pick_literal(
            props.get(RDFS.comment, []) + props.get(SKOS.definition, []), d.languages
        )
        if comment is not None:
            d.comments[iri] = comment


def _resolve_sources(store: Store, d: ResourceDescription) -> None:
    graphs = d.facts.graphs()
    for g in graphs:
        quads = list(store.quads(g, None, None, g))
        facts = Facts()
        for q in quads:
            facts.add(q)
        page = _first_iri(facts.nodes(g, PRO.segmentOf))
        publisher = _first_iri(facts.nodes(g, DCTERMS.publisher))
        provenance = set(quads)
        page_title = publisher_label = None
        if page is not None:
            page_quads = list(store.quads(page, DCTERMS.title, None, g))
            provenance.update(page_quads)
            page_title = _pick_str([q[2] for q in page_quads], d.languages)
        if publisher is not None:
            pub_quads = publisher_names(store, publisher, g)
            provenance.update(pub_quads)
            publisher_label = _pick_str([q[2] for q in pub_quads], d.languages)
        modified = next(
            (o for o in facts.nodes(g, DCTERMS.modified) if isinstance(o, Literal)), None
        )
        types = facts.types(g)
        kind = (
            "segment"
            if PRO.SourceSegment in types
            else "curation"
            if PRO.CurationRecord in types
            else "ontology"
            if g == ONTOLOGY_GRAPH
            else "vocabularies"
            if g == VOCABULARY_GRAPH
            else "graph"
        )
        label = (
            _pick_str(facts.nodes(g, RDFS.label), d.languages)
            or {
                "ontology": "Prospectus ontology",
                "vocabularies": "Vocabularies shipped with the graph",
            }.get(kind)
            or fallback_label(str(g))
        )
        stale = False
        when = literal_date(modified) if modified is not None else None
        if when is not None:
            stale = (d.as_of - when).days > STALE_AFTER_DAYS
        d.sources[g] = Source(
            g, label, kind, page, page_title, publisher, publisher_label, modified, stale
        )
        d.provenance_quads.update(q for q in provenance if q not in d.facts.quads)
        if page is not None and page_title:
            d.labels.setdefault(page, Literal(page_title))
        if publisher is not None and publisher_label:
            d.labels.setdefault(publisher, Literal(publisher_label))


def _resolve_single_valued(store: Store, d: ResourceDescription) -> None:
    predicates = {q[1] for q in d.facts.quads if isinstance(q[1], URIRef)}
    functional = {
        p
        for p in predicates
        if any(True for _ in store.quads(p, RDF.type, OWL.FunctionalProperty, None))
    }
    if functional:
        d.single_valued = SINGLE_VALUED | frozenset(functional)


def _first_iri(nodes: Iterable[Node]) -> URIRef | None:
    return min((n for n in nodes if isinstance(n, URIRef)), default=None)


def _pick_str(nodes: Iterable[Node], languages: Sequence[str]) -> str | None:
    lit = pick_literal(nodes, languages)
    return str(lit) if lit is not None else None
