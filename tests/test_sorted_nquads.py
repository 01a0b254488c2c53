"""graph/store/sorted_nquads.py: a subject's quads found in a sorted N-Quads file."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from graph.store.sorted_nquads import SortedNQuads

EX = "http://example.org/"


def _write(path: Path, quads: list[ox.Quad]) -> None:
    text = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    lines = sorted({line for line in text.split(b"\n") if line})
    path.write_bytes(b"".join(line + b"\n" for line in lines))


def test_each_subject_gives_back_exactly_its_quads_as_written(tmp_path: Path) -> None:
    g1, g2 = ox.NamedNode(EX + "g1"), ox.NamedNode(EX + "g2")
    duration = ox.NamedNode("http://www.w3.org/2001/XMLSchema#duration")
    quads = []
    for i in range(300):
        s = ox.NamedNode(f"{EX}s{i}")
        quads.append(ox.Quad(s, ox.NamedNode(EX + "p"), ox.Literal(f"v{i}"), g1))
        quads.append(ox.Quad(s, ox.NamedNode(EX + "d"), ox.Literal("P24M", datatype=duration), g2))
    # A subject whose IRI extends another's must not be read as part of it.
    quads.append(ox.Quad(ox.NamedNode(EX + "s1x"), ox.NamedNode(EX + "p"), ox.Literal("x"), g1))
    b = ox.BlankNode("b1")
    quads.append(ox.Quad(ox.NamedNode(EX + "s7"), ox.NamedNode(EX + "q"), b, g1))
    quads.append(ox.Quad(b, ox.NamedNode(EX + "r"), ox.Literal("inner"), g1))
    path = tmp_path / "dataset.nq"
    _write(path, quads)
    with SortedNQuads(path) as index:
        for subject in {q.subject for q in quads}:
            assert set(index.describe(subject)) == {q for q in quads if q.subject == subject}
        assert index.describe(ox.NamedNode(EX + "absent")) == []
        assert index.describe(ox.NamedNode("http://zzz.example/")) == []
        s1 = index.describe(ox.NamedNode(EX + "s1"))
        assert {str(q.object) for q in s1} == {'"v1"', f'"P24M"^^<{duration.value}>'}
        assert ox.Quad(b, ox.NamedNode(EX + "r"), ox.Literal("inner"), g1) in index.closure(
            [ox.NamedNode(EX + "s7")]
        )
        assert set(index.quads()) == set(quads)


def test_an_empty_file_has_no_subjects(tmp_path: Path) -> None:
    path = tmp_path / "dataset.nq"
    path.write_bytes(b"")
    with SortedNQuads(path) as index:
        assert index.describe(ox.NamedNode(EX + "s")) == []
        assert list(index.quads()) == []
