"""graph/build/positions.py: when the catalogue order's positions may be validated apart from
the units' data (tests/test_validation_groups.py proves the reports equal when they are)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from graph.build.positions import is_position, position_shapes
from graph.build.sparql_checks import read_shapes, split
from graph.build.union_index import Part, Remembered, UnionIndex

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix pro: <https://w3id.org/prospectus/ontology#> .
@prefix ex: <http://example.org/> .
"""
PROGRAMME = """
ex:Programme a sh:NodeShape ; sh:targetClass pro:StudyProgramme ;
    sh:property ex:position , ex:title .
ex:title a sh:PropertyShape ; sh:path <http://purl.org/dc/terms/title> ; sh:minCount 1 .
"""
POSITION = """
ex:position a sh:PropertyShape ; sh:path pro:listPosition ; sh:maxCount 1 ;
    sh:datatype xsd:integer ; sh:minInclusive 1 ; sh:message "a position"@en .
"""


def shapes(*parts: str) -> Graph:
    return Graph().parse(data=PREFIXES + "".join(parts), format="turtle")


def test_the_project_shapes_read_positions_only_on_their_values() -> None:
    found = position_shapes(split(read_shapes())[0])
    assert found is not None


def test_only_the_shapes_of_positions_and_their_holders_targets_are_kept() -> None:
    expected = shapes("""
ex:Programme a sh:NodeShape ; sh:targetClass pro:StudyProgramme ; sh:property ex:position .
""", POSITION)  # fmt: skip
    found = position_shapes(shapes(PROGRAMME, POSITION))
    assert found is not None and isomorphic(found, expected)


@pytest.mark.parametrize(
    "extra",
    [
        "ex:position sh:minCount 1 .",  # a position must be there: every unit must see it
        "ex:position sh:node ex:Other .",  # reads another shape
        "ex:Offering a sh:NodeShape ; sh:node ex:Programme .",  # the holder reached from elsewhere
        "ex:Offering a sh:NodeShape ; sh:or ( ex:position ) .",
        "ex:other a sh:PropertyShape ; sh:path ( pro:offeringOf pro:listPosition ) .",
        "ex:other a sh:PropertyShape ; sh:path [ sh:inversePath pro:listPosition ] .",
    ],
)
def test_positions_stay_in_every_unit_when_a_shape_reads_them_otherwise(extra: str) -> None:
    assert position_shapes(shapes(PROGRAMME, POSITION, extra)) is None


def test_a_position_is_told_by_its_predicate_in_any_graph() -> None:
    position = "<https://w3id.org/prospectus/ontology#listPosition>"
    assert is_position(f'<http://example.org/p> {position} "1"^^<x> <http://example.org/g> .')
    assert not is_position(f"<http://example.org/p> <http://example.org/q> {position} .")
    assert not is_position(f"{position} <http://example.org/q> <http://example.org/o> .")


def test_the_positions_unit_reads_only_types_and_finds_what_the_whole_descriptions_give(
    tmp_path: Path,
) -> None:
    """UnionIndex.statements_with (what the positions' unit reads) gives, for each node,
    exactly the rdf:type statements of its whole description, other predicates whose IRI
    begins like rdf:type's and blank subjects included."""
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    lines = [
        f"<http://ex.org/p1> <{rdf_type}> <http://ex.org/A> <http://ex.org/g1> .",
        f"<http://ex.org/p1> <{rdf_type}> <http://ex.org/B> <http://ex.org/g1> .",
        f"<http://ex.org/p1> <{rdf_type}Of> <http://ex.org/C> <http://ex.org/g1> .",
        '<http://ex.org/p1> <http://ex.org/title> "t" <http://ex.org/g1> .',
        f"<http://ex.org/p2> <{rdf_type}> <http://ex.org/A> <http://ex.org/g2> .",
        '<http://ex.org/p3> <http://ex.org/title> "only a title" <http://ex.org/g2> .',
        f"_:b1 <{rdf_type}> <http://ex.org/A> <http://ex.org/g2> .",
    ]
    parts = [
        Part.lines("http://ex.org/g1", tuple(lines[:4])),
        Part.lines("http://ex.org/g2", tuple(lines[4:])),
    ]
    union, _changed = UnionIndex.update(tmp_path / "u.sqlite", parts, frozenset(), True, "salt")
    nodes = [
        "<http://ex.org/p1>",
        "<http://ex.org/p2>",
        "<http://ex.org/p3>",
        "_:b1",
        "<http://ex.org/none>",
    ]
    typed = union.statements_with(nodes, rdf_type)
    described = union.describe(nodes)
    expected = {
        node: sorted(t for t, _o in rows if t.split(" ", 2)[1] == f"<{rdf_type}>")
        for node, rows in described.items()
    }
    assert {n: sorted(ts) for n, ts in typed.items()} == {n: ts for n, ts in expected.items() if ts}
    assert len(typed["<http://ex.org/p1>"]) == 2 and "<http://ex.org/p3>" not in typed
    union.close()


def test_a_batch_reads_each_description_once_and_as_the_index_gives_it(tmp_path: Path) -> None:
    """validate.py's batches read the union through `Remembered`: the same descriptions as
    the index gives, and a node asked for again (by another unit) is not read again."""
    lines = [
        "<http://ex.org/p1> <http://ex.org/org> <http://ex.org/o> <http://ex.org/g1> .",
        "<http://ex.org/p2> <http://ex.org/org> <http://ex.org/o> <http://ex.org/g2> .",
        '<http://ex.org/o> <http://ex.org/name> "O" <http://ex.org/g3> .',
    ]
    parts = [Part.lines(f"http://ex.org/g{n}", (line,)) for n, line in enumerate(lines, 1)]
    union, _changed = UnionIndex.update(tmp_path / "u.sqlite", parts, frozenset(), True, "salt")

    class Counted:
        """The index, with the nodes each of its describe calls was asked for."""

        def __init__(self) -> None:
            self.asked: list[list[str]] = []

        def describe(self, nodes: Iterable[str]) -> dict[str, list[tuple[str, str | None]]]:
            self.asked.append(list(nodes))
            return union.describe(self.asked[-1])

        def pointing_at_any(self, nodes: Iterable[str]) -> set[str]:
            return union.pointing_at_any(nodes)

    counted = Counted()
    batch = Remembered(counted)
    for nodes in (["<http://ex.org/p1>", "<http://ex.org/o>"],
                  ["<http://ex.org/p2>", "<http://ex.org/o>", "<http://ex.org/none>"],
                  ["<http://ex.org/none>", "<http://ex.org/o>"]):  # fmt: skip
        assert batch.describe(iter(nodes)) == union.describe(nodes)
    assert counted.asked == [
        ["<http://ex.org/p1>", "<http://ex.org/o>"],
        ["<http://ex.org/p2>", "<http://ex.org/none>"],
    ]
    union.close()
