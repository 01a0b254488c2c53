"""The catalogue order as a unit of validation of its own.

The build computes each programme's place in the catalogue (`pro:listPosition`,
graph/build/order.py) from every title. A changed title moves every programme between its old
and its new place, so with each position in the data of its programme's unit
(graph/build/groups.py), changing the titles of 1% of the programmes changed the data, hence
the cache key, of a large share of the units, and a rebuild validated them again.

So the positions form a unit of their own: the other units' data leaves them out, and the
shapes that read a position are applied to the positions, with the programmes' types (their
targets) and the ontology. Each result about a position is then found by that unit instead of
the programme's, and no other result changes, as long as no shape needs a position to be
there (`sh:minCount`) or reads it other than as the values of a property shape of a node
shape with plain targets: `position_shapes` checks that on the shapes and returns None
otherwise, and the positions then stay in every unit's data as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal
from rdflib.namespace import SH
from rdflib.term import Node

from ..iris import PRO

POSITION = PRO.listPosition
_POSITION = f"<{POSITION}>"
_TYPE = f"<{RDF.type}>"
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def is_position(line: str) -> bool:
    """Whether an N-Quads or N-Triples line states a position (in any graph: a source may
    state one too, and the shapes must see it beside the order's)."""
    parts = line.split(" ", 2)
    return len(parts) == 3 and parts[1] == _POSITION


def _described(shapes: Graph, node: Node, into: Graph) -> None:
    """`node`'s statements into `into`, with those of the blank nodes they lead to."""
    for p, o in shapes.predicate_objects(node):
        into.add((node, p, o))
        if isinstance(o, BNode):
            _described(shapes, o, into)


# What a property shape over positions may say for the positions to be validated apart: it
# reads nothing but the position values themselves (no shape of another node, no other path).
ON_VALUES = frozenset(
    {
        RDF.type, SH.path, SH.minCount, SH.maxCount, SH.datatype, SH.nodeKind, SH.minInclusive,
        SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH.minLength, SH.maxLength, SH.pattern,
        SH.flags, SH.languageIn, SH.uniqueLang, SH["in"], SH.hasValue, SH.severity, SH.message,
        SH.name, SH.description, SH.order, SH.group,
    }
)  # fmt: skip


def _reached_only_as_property(shapes: Graph, node: Node) -> bool:
    """Whether `node` is named in the shapes only as the object of sh:property (a shape
    named elsewhere, by sh:node, sh:or, …, would read positions for another focus node)."""
    return all(predicate == SH.property for _s, predicate in shapes.subject_predicates(node))


def position_shapes(shapes: Graph) -> Graph | None:
    """The shapes that read a position: each node shape with a property shape whose path is
    pro:listPosition, reduced to its targets and those property shapes; None when a shape
    reads positions in another way (module doc)."""
    found = Graph()
    for subject, predicate in shapes.subject_predicates(POSITION):
        minimum = (int(n) for n in shapes.objects(subject, SH.minCount) if isinstance(n, Literal))
        if (
            predicate != SH.path
            or any(n > 0 for n in minimum)
            or any(p not in ON_VALUES for p in shapes.predicates(subject))
        ):
            return None
        holders = list(shapes.subjects(SH.property, subject))
        if not holders or any(shapes.value(h, SH.target) is not None for h in holders):
            return None
        if not all(_reached_only_as_property(shapes, n) for n in (subject, *holders)):
            return None
        _described(shapes, subject, found)
        for holder in holders:
            found.add((holder, RDF.type, SH.NodeShape))
            found.add((holder, SH.property, subject))
            for target in TARGETS:
                for value in shapes.objects(holder, target):
                    found.add((holder, target, value))
    return found if len(found) else None


def position_unit(
    positions: Iterable[str], about: Callable[[str], list[tuple[str, str | None]]]
) -> tuple[list[str], frozenset[str]]:
    """The positions' unit: its data (N-Triples statements: `positions`, N-Quads lines, and
    the types of their subjects, `about` giving a node's statements) and the subjects it
    reports on."""
    data: set[str] = set()
    owned: set[str] = set()
    for quad in ox.parse("\n".join(positions).encode(), format=ox.RdfFormat.N_QUADS):
        subject = str(quad.subject)
        owned.add(subject)
        data.add(f"{quad.triple} .")
        data.update(t for t, _o in about(subject) if t.split(" ", 2)[1] == _TYPE)
    return sorted(data), frozenset(owned)


def set_apart(lines: Iterable[str], positions: list[str]) -> Iterator[str]:
    """`lines` without the positions, which are appended to `positions`."""
    for line in lines:
        if is_position(line):
            positions.append(line)
        else:
            yield line
