"""graph/store/sorted_nquads.py: a subject's quads found in a sorted N-Quads file."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from graph.build.publish import keep_index
from graph.store import sorted_nquads
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


def _mapped_kb(path: Path) -> int:
    """Resident kB of this process's mappings of `path` (/proc/self/smaps)."""
    total, ours = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5:  # a mapping's header line
            ours = len(fields) >= 6 and fields[-1] == str(path)
        elif ours and fields[0] == "Rss:":
            total += int(fields[1])
    return total


@pytest.mark.parametrize(("block", "read"), [(64, 7), (200, 16), (1 << 16, 1 << 12)])
def test_runs_across_blocks_and_lines_longer_than_a_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int, read: int
) -> None:
    """Small blocks and reads put every boundary somewhere awkward: inside a subject,
    inside a line longer than several blocks, inside a run; each lookup still gives exactly
    its subject's lines, and subjects sorting between, before and after the file's give none."""
    monkeypatch.setattr(sorted_nquads, "BLOCK", block)
    monkeypatch.setattr(sorted_nquads, "READ", read)
    monkeypatch.setattr(sorted_nquads, "RUN", read * 3)
    g = ox.NamedNode(EX + "g")
    quads = []
    for i in range(0, 120, 2):
        s = ox.NamedNode(f"{EX}s{i:03}")
        for j in range(i % 7):
            quads.append(ox.Quad(s, ox.NamedNode(f"{EX}p{j}"), ox.Literal("v" * (i * j)), g))
        b = ox.BlankNode(f"b{i:03}")
        quads.append(ox.Quad(s, ox.NamedNode(EX + "q"), b, g))
        quads.append(ox.Quad(b, ox.NamedNode(EX + "r"), ox.Literal("w" * (i * 5)), g))
    path = tmp_path / "dataset.nq"
    _write(path, quads)
    text = path.read_bytes()
    with SortedNQuads(path) as index:
        for i in range(-1, 122):
            for subject in (ox.NamedNode(f"{EX}s{i:03}"), ox.BlankNode(f"b{i:03}")):
                expected = [q for q in quads if q.subject == subject]
                assert sorted(index.describe(subject), key=str) == sorted(expected, key=str)
        assert index.describe(ox.NamedNode("http://a.example/")) == []
        assert index.describe(ox.BlankNode("zzz")) == []
        assert index.blank_tail() == text[text.index(b"\n_:") + 1 :]
    assert _mapped_kb(path) == 0


def test_the_file_is_read_not_mapped(tmp_path: Path) -> None:
    """Looking up every subject leaves none of the file in the process's resident set (it
    was memory-mapped: a writer describing every programme ended up with all of it)."""
    g = ox.NamedNode(EX + "g")
    quads = [
        ox.Quad(ox.NamedNode(f"{EX}s{i:05}"), ox.NamedNode(EX + "p"), ox.Literal("x" * 900), g)
        for i in range(5_000)
    ]
    path = tmp_path / "dataset.nq"
    _write(path, quads)
    with SortedNQuads(path) as index:
        for quad in quads:
            assert index.describe(quad.subject) == [quad]
        assert _mapped_kb(path) == 0


@pytest.mark.parametrize("block", [64, 1 << 16])
def test_the_index_kept_beside_the_file_gives_the_same_lookups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """`keep_index` keeps the index the file's readers would make; a reader takes it
    instead of reading the file a block at a time, unless it was made for another size of
    the file or another BLOCK."""
    monkeypatch.setattr(sorted_nquads, "BLOCK", block)
    g = ox.NamedNode(EX + "g")
    quads = [
        ox.Quad(ox.NamedNode(f"{EX}s{i:03}"), ox.NamedNode(EX + "p"), ox.Literal("v" * i), g)
        for i in range(80)
    ]
    quads += [ox.Quad(ox.BlankNode(f"b{i}"), ox.NamedNode(EX + "r"), ox.Literal("w"), g)
              for i in range(5)]  # fmt: skip
    path = tmp_path / "dataset.nq"
    _write(path, quads)
    with SortedNQuads(path) as made:
        expected = made._index()  # made from the file: nothing kept yet
    keep_index(path)
    assert sorted_nquads.index_path(path).is_file()

    def unread(self: SortedNQuads, start: int) -> bytes:
        raise AssertionError("the index was made again from the file")

    with monkeypatch.context() as patched:
        patched.setattr(SortedNQuads, "_subject_at", unread)
        with SortedNQuads(path) as kept:
            assert kept._index() == expected
            for q in quads:
                assert kept.describe(q.subject) == [q]
            assert kept.describe(ox.NamedNode(EX + "absent")) == []

    size, made, subject_at = path.stat().st_size, [], SortedNQuads._subject_at
    monkeypatch.setattr(SortedNQuads, "_subject_at", lambda self, start: made.append(start)
                        or subject_at(self, start))  # fmt: skip
    with path.open("ab") as fh:  # the file changed: the index kept is for another size
        fh.write(f'_:zz <{EX}r> "x" <{EX}g> .\n'.encode())
    with SortedNQuads(path) as changed:
        assert changed.describe(ox.BlankNode("zz")) != [] and made
    made.clear()
    path.write_bytes(path.read_bytes()[:size])
    monkeypatch.setattr(sorted_nquads, "BLOCK", block * 2)  # an index of other blocks
    with SortedNQuads(path) as other:
        assert other.describe(quads[-1].subject) == [quads[-1]] and made
