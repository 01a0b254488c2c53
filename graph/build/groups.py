"""The units of validation (one per source, one for the ontology and vocabularies), and the
data each one is validated on.

Validating each source on its own must give exactly the report that validating the union of
all graphs gives (graph/build/validate.py). A source cannot simply be validated on its own
graph: a subject may be described by several sources (the bundled PIONEER programme by
several page segments; in a synthetic catalogue, the curation record states a field of
education for every programme), its values may be described elsewhere, and statements
about it may come from elsewhere. So:

- every subject is OWNED by one unit: the one whose source states most about it (the first
  such, in the order of the sources); a unit reports the results of the focus nodes it owns
  and no others, so that the union's one result is reported once;
- a unit is validated on the union's description (every graph, the order graph included) of
  each node that matters to the constraints of the subjects it owns: the subjects
  themselves, every node they reference (sh:class and sh:node look at a value's types and
  description), and every subject of an incoming statement over a predicate the shapes follow
  backwards (`sh:inversePath`); the validator adds the ontology and the vocabularies.
  That is everything the shapes read about a focus node as long as none of them looks
  further than its values' descriptions: `reach()` measures that on the shapes, and the
  validator validates the union as one unit when they look further.

Every statement a unit's data holds is a statement of the union, and each owned focus node's
data holds everything its constraints read in the union, so the results about it are the
union's (tests/test_validation_groups.py checks this against whole-union pySHACL).

The union's descriptions are read from an SQLite file (graph/build/union_index.py
`UnionIndex`), kept between builds and updated from the graphs that changed: no process holds
the union in memory, and each worker opens the file for itself instead of inheriting it.

(Grouping sources by union-find over shared subjects, the first design, made one group of a
whole synthetic catalogue, whose curation record describes every programme.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from ..canonical import literals_as_written
from ..iris import ORDER_GRAPH
from .parse import ParsedSource, lines_of

# How far from a focus node the data of a unit reaches: its values' descriptions.
SUPPORTED_REACH = 1


@dataclass(frozen=True)
class Group:
    """A unit of validation: parts (indexes into the sources, then builtin) and the focus
    nodes (N-Triples terms) whose results it reports."""

    members: tuple[int, ...]
    owned: frozenset[str]


def group_sources(sources: Sequence[ParsedSource], builtin: Sequence[ParsedSource]) -> list[Group]:
    """One unit per source of `sources` and one for `builtin` (the ontology and the
    vocabularies), each owning the subjects it states most about (module doc); units that
    own nothing are left out."""
    parts = [*sources, *builtin]
    unit = [*range(len(sources)), *([len(sources)] * len(builtin))]
    owner: dict[str, tuple[int, int]] = {}  # subject -> (statements, part)
    for i, part in enumerate(parts):
        for subject, count in part.counts.items():
            best = owner.get(subject)
            if best is None or count > best[0]:
                owner[subject] = (count, i)
    owned: dict[int, set[str]] = {}
    for subject, (_count, i) in owner.items():
        owned.setdefault(unit[i], set()).add(subject)
    owned.setdefault(len(sources), set()).add(f"<{ORDER_GRAPH}>")  # the order graph itself
    members: dict[int, list[int]] = {}
    for i, u in enumerate(unit):  # one pass: a scan of the parts per unit was quadratic
        members.setdefault(u, []).append(i)
    return [Group(tuple(members[u]), frozenset(owned[u])) for u in sorted(owned)]


def one_group(sources: Sequence[ParsedSource], builtin: Sequence[ParsedSource]) -> list[Group]:
    """Everything as one unit (for shapes that look further than `reach()` allows)."""
    parts = [*sources, *builtin]
    subjects = {s for part in parts for s in part.counts} | {f"<{ORDER_GRAPH}>"}
    return [Group(tuple(range(len(parts))), frozenset(subjects))]


INFINITE = 1_000_000
# SHACL parameters whose value is a shape applied to the same node, or a list of them.
SAME_NODE = (SH.node, SH["not"])
SAME_NODE_LISTS = (SH["or"], SH["and"], SH.xone)


def reach(shapes: Graph) -> int:
    """How far from a focus node the core constraints of `shapes` read descriptions: 0 its
    own description, 1 its values' too (and its incoming statements over sh:inversePath);
    INFINITE when they may read anything (a SPARQL constraint, a path of unbounded or
    several steps, a SPARQL target that reads more than the focus node's description)."""
    if (None, SH.sparql, None) in shapes:
        return INFINITE
    # Targets by a node's own statements select the same owned nodes in a unit as in the
    # union; a target by incoming statements or by name might not.
    if (None, SH.targetObjectsOf, None) in shapes or (None, SH.targetNode, None) in shapes:
        return INFINITE
    targets = (SH.targetClass, SH.targetSubjectsOf, SH.target)
    targeted = {s for p in targets for s in shapes.subjects(p, None)}
    for target in shapes.objects(None, SH.target):
        if not _reads_only_this(shapes, target):
            return INFINITE
    return max((_shape_reach(shapes, s, 0, frozenset()) for s in targeted), default=0)


def _members(shapes: Graph, shape: Node) -> list[Node]:
    found: list[Node] = [m for p in SAME_NODE for m in shapes.objects(shape, p)]
    for p in SAME_NODE_LISTS:
        for head in shapes.objects(shape, p):
            found.extend(Collection(shapes, head))  # type: ignore[arg-type]
    return found


def _shape_reach(shapes: Graph, shape: Node, hop: int, seen: frozenset[Node]) -> int:
    """The farthest hop whose description `shape`, applied to a node `hop` hops from the
    focus, reads."""
    if shape in seen:
        return INFINITE
    seen = seen | {shape}
    far = hop
    for member in _members(shapes, shape):
        far = max(far, _shape_reach(shapes, member, hop, seen))
    for prop in shapes.objects(shape, SH.property):
        far = max(far, _property_reach(shapes, prop, hop, seen))
    if (shape, SH.path, None) in shapes:
        far = max(far, _property_reach(shapes, shape, hop, seen))
    return far


def _property_reach(shapes: Graph, prop: Node, hop: int, seen: frozenset[Node]) -> int:
    steps, backwards = _path(shapes, shapes.value(prop, SH.path))
    if steps != 1 or (backwards and hop > 0):
        return INFINITE  # incoming statements are in a unit's data for its own subjects only
    far = hop
    if (prop, SH["class"], None) in shapes:
        far = hop + 1
    values = [m for p in (SH.node, SH.qualifiedValueShape) for m in shapes.objects(prop, p)]
    values += [m for m in _members(shapes, prop) if (prop, SH.node, m) not in shapes]
    for shape in values:
        far = max(far, _shape_reach(shapes, shape, hop + 1, seen | {prop}))
    return far


def _path(shapes: Graph, path: Node | None) -> tuple[int, bool]:
    """(steps of `path`, whether it goes backwards): several steps or an unbounded path
    count as INFINITE steps."""
    if isinstance(path, URIRef):
        return 1, False
    if path is None or not isinstance(path, BNode):
        return INFINITE, False
    inverse = shapes.value(path, SH.inversePath)
    if isinstance(inverse, URIRef):
        return 1, True
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        parts = [_path(shapes, p) for p in Collection(shapes, alternatives)]  # type: ignore[arg-type]
        return max(n for n, _b in parts), any(b for _n, b in parts)
    return INFINITE, False


def _reads_only_this(shapes: Graph, target: Node) -> bool:
    """Whether a SPARQL target reads only statements about ?this (so it selects the same
    nodes in a unit's data as in the union, for the nodes the unit owns)."""
    select = shapes.value(target, SH.select)
    if select is None:
        return False
    prefixes = "".join(
        f"PREFIX {shapes.value(d, SH.prefix)}: <{shapes.value(d, SH.namespace)}>\n"
        for holder in shapes.objects(target, SH.prefixes)
        for d in shapes.objects(holder, SH.declare)
    )
    algebra = prepareQuery(prefixes + str(select)).algebra
    this = Variable("this")

    def only_this(node: object) -> bool:
        if isinstance(node, CompValue):
            if node.name == "BGP" and any(t[0] != this for t in node.get("triples") or []):
                return False
            return all(only_this(v) for v in node.values())
        if isinstance(node, list | tuple):
            return all(only_this(v) for v in node)
        return True

    return only_this(algebra)


class Descriptions(Protocol):
    """The union's descriptions of nodes (graph/build/union_index.py UnionIndex)."""

    def describe(self, nodes: Iterable[str]) -> dict[str, list[tuple[str, str | None]]]: ...

    def pointing_at_any(self, nodes: Iterable[str]) -> set[str]: ...


def triples_of(graph_iri: str, lines: Iterable[str]) -> Iterator[str]:
    """The triples (N-Triples, without the final " .") of N-Quads `lines` of the graph
    `graph_iri`: the build writes a source's line as its triple's text, the graph's name
    and " ." (parse.describe), so the name is cut off, not parsed (the lines of a unit's
    data were most of its parsing). A line in another form is parsed."""
    suffix = f" <{graph_iri}> ."
    cut = len(suffix)
    for line in lines:
        if line.endswith(suffix):
            yield line[:-cut]
        else:
            yield from (str(q.triple) for q in parse_lines([line]))


def parse_lines(lines: Iterable[str], chunk: int = 100_000) -> Iterator[ox.Quad]:
    """The quads of N-Quads `lines`, parsed a chunk at a time (never one string of all)."""
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= chunk:
            yield from ox.parse("\n".join(batch).encode("utf-8"), format=ox.RdfFormat.N_QUADS)
            batch = []
    if batch:
        yield from ox.parse("\n".join(batch).encode("utf-8"), format=ox.RdfFormat.N_QUADS)


def inverse_predicates(shapes: Graph) -> frozenset[str]:
    """The predicates the shapes follow backwards (sh:inversePath)."""
    return frozenset(str(p) for p in shapes.objects(None, SH.inversePath))


def group_data(
    group: Group,
    parts: Sequence[ParsedSource],
    union: Descriptions,
    inverse: frozenset[str],
    leave_out: Callable[[str], bool] | None = None,
    read: set[str] | None = None,
) -> list[str]:
    """The statements (N-Triples, sorted, distinct) `group` is validated on: its members'
    graphs and the union's description of what its owned subjects' constraints read (module
    doc); `inverse`: the predicates the shapes follow backwards; `leave_out`: statements of
    the members that another unit validates (graph/build/positions.py); `read`, when given,
    receives the nodes whose description the data was gathered from."""
    described = union.describe(group.owned)  # a few queries, not one per node
    nodes = set(group.owned)
    nodes.update(o for rows in described.values() for _t, o in rows if o is not None)
    if inverse:
        nodes.update(union.pointing_at_any(group.owned))
    described.update(union.describe(nodes - described.keys()))
    statements = {t for node in nodes for t, _o in described.get(node, ())}
    if read is not None:
        read.update(nodes)
    for i in group.members:
        mine = lines_of(parts[i])
        if leave_out is not None:
            mine = tuple(line for line in mine if not leave_out(line))
        statements.update(f"{t} ." for t in triples_of(parts[i].graph_iri, mine))
    return sorted(statements)


Sized = tuple[int, int]  # (group, statements in its data)


def main_subject(source: ParsedSource) -> str:
    """The subject `source` states most about (the lowest on a tie): a programme's page
    segment, its programme. What sorts sources and units in the order of the union index
    (graph/build/union_index.py), whose rows are ordered by subject: the rows of one
    programme's nodes lie in a region per kind of node (`fee/…`, `offering/…`,
    `programme/…`), each ordered by the programme's own path, so that going through the
    programmes in that order goes through every region in order. The lowest subject would
    not do: it is often the source's own node (`activity/…`, `source/…`), named after its
    file."""
    return min(source.counts, key=lambda subject: (-source.counts[subject], subject), default="")


def in_batches(items: list[Sized], statements: int, key: Callable[[int], str]) -> list[list[Sized]]:
    """The units `items` (numbers of groups) in batches of about `statements` statements of
    data each, in the order `key` (a group's number -> its main subject, `main_subject`) puts
    them: a batch then reads neighbouring pages of the union index and the next batch the
    pages after, instead of pages all over a file that outgrows the page cache (5 GB at
    100,000 programmes)."""
    batches: list[list[Sized]] = [[]]
    size = 0
    for item in sorted(items, key=lambda item: key(item[0])):
        if size >= statements:
            batches.append([])
            size = 0
        batches[-1].append(item)
        size += item[1]
    return [b for b in batches if b]


def _rdflib(term: object) -> Node:
    """A pyoxigraph term as rdflib's, blank node labels and lexical forms kept."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    assert isinstance(term, ox.Literal)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == XSD_STRING else URIRef(datatype))


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def rdflib_triples(lines: Iterable[str]) -> list[tuple[Node, Node, Node]]:
    """The statements of N-Triples or N-Quads `lines` as rdflib triples (graphs dropped), with
    the blank node labels the lines carry (rdflib's own parser would invent new ones)."""
    data = "\n".join(lines).encode("utf-8")
    with literals_as_written():
        return [
            (_rdflib(q.subject), _rdflib(q.predicate), _rdflib(q.object))
            for q in ox.parse(data, format=ox.RdfFormat.N_QUADS)
        ]


def rdflib_graph(lines: Iterable[str]) -> Graph:
    """The union of the statements of `lines` as one rdflib graph (see rdflib_triples)."""
    graph = Graph()
    for triple in rdflib_triples(lines):
        graph.add(triple)
    return graph


def focus_key(reported: str) -> str:
    """A focus node as graph/build/validate.py reports it -> as N-Triples (subject keys)."""
    return reported if reported.startswith("_:") else f"<{reported}>"


def locator(
    parts: Iterable[ParsedSource],
    files: Mapping[str, str],
    order_lines: Iterable[str] = (),
    focus: AbstractSet[str] | None = None,
) -> Callable[[object], str | None]:
    """focus node (rdflib's, or as reported) -> the files whose graphs describe it (`files`:
    graph IRI -> file); the order graph (`order_lines`) describes every programme it ranks.
    `focus`, when given, holds the only nodes asked about (as N-Triples, focus_key): the
    others are not indexed (every subject of 10,000 programmes took 62 MB)."""
    described: dict[str, set[str]] = {}
    for part in parts:
        name = files.get(part.graph_iri)
        if name is not None:
            for subject in part.subjects:
                if focus is None or subject in focus:
                    described.setdefault(subject, set()).add(name)
    order_file = files.get(str(ORDER_GRAPH))
    if order_file is not None:
        for line in order_lines:
            subject = line.split(" ", 1)[0]
            if focus is None or subject in focus:
                described.setdefault(subject, set()).add(order_file)

    def locate(node: object) -> str | None:
        if isinstance(node, BNode):
            key = f"_:{node}"
        elif isinstance(node, URIRef):
            key = f"<{node}>"
        else:
            key = focus_key(str(node))
        return ", ".join(sorted(described.get(key, ()))) or None

    return locate


def data_key(lines: Sequence[str], salt: str) -> str:
    """The validation cache's key of a group's data (`salt`: what else the result depends on)."""
    h = hashlib.sha256(salt.encode("utf-8"))
    for line in lines:
        h.update(b"\n")
        h.update(line.encode("utf-8"))
    return h.hexdigest()


__all__ = [
    "Group",
    "data_key",
    "focus_key",
    "group_data",
    "group_sources",
    "locator",
    "parse_lines",
    "rdflib_graph",
    "rdflib_triples",
    "triples_of",
]
