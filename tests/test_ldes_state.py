"""The change stream's state between versions (graph/ldes/state.py): every programme's latest
member and what its description read, the reads numbered in one table of terms that a
rebuild keeps (its file copied as it was, the new terms appended), so that programmes not
described again are neither turned back into text nor numbered again; and the state files
versions wrote before (formats 1 and 2) still read."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.ldes.log import StreamError, folder
from graph.ldes.members import Numbered, Reads, Terms, Touched
from graph.ldes.state import STATE, Entry, State, read_state, rows, state_files, write_state
from graph.ldes.state import TERMS as TERMS_FILE

TERMS = ["<http://ex.org/a>", "<http://ex.org/b>", "<http://ex.org/c>", "_:x", "_:y"]
terms = st.frozensets(st.sampled_from(TERMS), max_size=4)
reads = st.builds(Reads, terms, terms, st.booleans())
touched = st.builds(Touched, terms, terms, st.booleans())


def _entries(*all_reads: Reads) -> dict[str, Entry]:
    return {
        f"http://ex.org/programme/{n}": Entry(f"http://ex.org/m/{n}", "t", False, 1, f"d{n}", r)
        for n, r in enumerate(all_reads)
    }


def _as_sets(reads: Reads | Numbered) -> tuple[frozenset[str], frozenset[str], bool, bool]:
    plain = reads.as_reads() if isinstance(reads, Numbered) else reads
    return frozenset(plain.subjects), frozenset(plain.objects), plain.unkeyed, reads.blank


@settings(max_examples=200, deadline=None)
@given(all_reads=st.lists(reads, min_size=1, max_size=4), change=touched)
def test_numbered_reads_answer_the_change_test_as_the_reads_do(
    all_reads: list[Reads], change: Touched
) -> None:
    table = Terms()
    for r in all_reads:
        numbered = table.numbered_reads(r)
        assert _as_sets(numbered) == _as_sets(r)
        assert change.may_change(numbered) == change.may_change(r)


def test_the_state_reads_back_and_a_rebuild_keeps_the_numbers(tmp_path: Path) -> None:
    first = _entries(
        Reads(frozenset(TERMS[:2]), frozenset({TERMS[0]})),
        Reads(frozenset({TERMS[1], TERMS[3]}), frozenset(), unkeyed=True),
    )
    first["http://ex.org/programme/gone"] = Entry("http://ex.org/m/gone", "t", True, 2)
    write_state(tmp_path / "v1", State(first))
    state = read_state(tmp_path / "v1")
    assert {p: _as_sets(e.reads) for p, e in state.entries.items()} == {
        p: _as_sets(e.reads) for p, e in first.items()
    }
    assert {
        p: (e.member, e.time, e.deleted, e.page, e.digest) for p, e in state.entries.items()
    } == {p: (e.member, e.time, e.deleted, e.page, e.digest) for p, e in first.items()}
    assert all(isinstance(e.reads, Numbered) for e in state.entries.values())
    # Unchanged, the state writes the same bytes.
    write_state(tmp_path / "v2", state)
    for name in (STATE, TERMS_FILE):
        assert (folder(tmp_path / "v2") / name).read_bytes() == (
            folder(tmp_path / "v1") / name
        ).read_bytes()
    # One programme described again, reading a new term: the others keep their numbers, the
    # table keeps its terms where they were and gains the new one at its end.
    table_before = list(state.terms.table)
    kept = state.entries["http://ex.org/programme/1"].reads
    assert isinstance(kept, Numbered)
    numbers_before = (kept.subjects.tolist(), kept.objects.tolist())
    state.entries["http://ex.org/programme/0"].reads = state.terms.numbered_reads(
        Reads(frozenset({TERMS[0]}), frozenset({"<http://ex.org/new>"}))
    )
    write_state(tmp_path / "v3", state)
    again = read_state(tmp_path / "v3")
    assert again.terms.table[: len(table_before)] == table_before
    assert again.terms.table[len(table_before) :] == ["<http://ex.org/new>"]
    other = again.entries["http://ex.org/programme/1"].reads
    assert isinstance(other, Numbered)
    assert (other.subjects.tolist(), other.objects.tolist()) == numbers_before
    assert _as_sets(again.entries["http://ex.org/programme/0"].reads)[:2] == (
        frozenset({TERMS[0]}),
        frozenset({"<http://ex.org/new>"}),
    )
    # The change test on what was read back, through the table's numbers.
    assert Touched(frozenset(), frozenset({"<http://ex.org/new>"}), False).may_change(
        again.entries["http://ex.org/programme/0"].reads
    )
    assert not Touched(frozenset({"<http://ex.org/new>"}), frozenset(), False).may_change(
        again.entries["http://ex.org/programme/0"].reads
    )


def _format_1(entries: dict[str, Entry]) -> bytes:
    """A state file as versions before 2026-12-03 wrote it (one JSON document)."""
    numbers: dict[str, int] = {}
    programmes = {}
    for programme in sorted(entries):
        e = entries[programme]
        assert isinstance(e.reads, Reads)
        programmes[programme] = {
            "member": e.member, "time": e.time, "deleted": e.deleted, "page": e.page,
            "digest": e.digest, "unkeyed": e.reads.unkeyed,
            "subjects": [numbers.setdefault(t, len(numbers)) for t in sorted(e.reads.subjects)],
            "objects": [numbers.setdefault(t, len(numbers)) for t in sorted(e.reads.objects)],
        }  # fmt: skip
    text = json.dumps({"terms": list(numbers), "programmes": programmes}, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), mtime=0)


def _table(terms_file: bytes) -> list[str]:
    return gzip.decompress(terms_file).decode("utf-8").split("\n")[:-1]


def test_a_table_mostly_of_terms_no_one_reads_is_numbered_afresh() -> None:
    table = Terms([f"<http://ex.org/old/{n}>" for n in range(10)], numbered=4)
    entries = _entries(Reads(frozenset({TERMS[1], TERMS[0]}), frozenset()))
    entries["http://ex.org/programme/0"].reads = table.numbered_reads(
        entries["http://ex.org/programme/0"].reads  # type: ignore[arg-type]
    )
    state_file, terms_file = state_files(entries, table)
    assert json.loads(gzip.decompress(state_file).partition(b"\n")[0])["terms"] == 2
    assert _table(terms_file) == [TERMS[0], TERMS[1]]  # 12 terms > 2 x 4: afresh
    kept = Terms([f"<http://ex.org/old/{n}>" for n in range(10)], numbered=6)
    entries["http://ex.org/programme/0"].reads = kept.numbered_reads(
        Reads(frozenset(), frozenset())
    )
    assert len(_table(state_files(entries, kept)[1])) == 10  # 10 terms <= 2 x 6: kept


def _format_2(entries: dict[str, Entry]) -> bytes:
    """A state file as versions of 2026-12-03 to 2026-12-04 wrote it (format 2: the table in
    the JSON head, the numbers after it)."""
    table = Terms()
    programmes, numbers = rows(entries, table)  # the rows of formats 2 and 3 are alike
    head = {
        "format": 2,
        "terms": table.table,
        "numbered": len(table.table),
        "programmes": programmes,
    }
    text = json.dumps(head, separators=(",", ":")).encode("utf-8") + b"\n" + numbers.tobytes()
    return gzip.compress(text, mtime=0)


@pytest.mark.parametrize("written", [_format_1, _format_2], ids=["format 1", "format 2"])
@settings(max_examples=50, deadline=None)
@given(all_reads=st.lists(reads, min_size=1, max_size=4), change=touched)
def test_a_state_of_an_older_format_reads_as_written(
    tmp_path_factory: pytest.TempPathFactory,
    written: Callable[[dict[str, Entry]], bytes],
    all_reads: list[Reads],
    change: Touched,
) -> None:
    entries = _entries(*all_reads)
    version = tmp_path_factory.mktemp("v")
    folder(version).mkdir()
    (folder(version) / STATE).write_bytes(written(entries))
    state = read_state(version)
    for programme, entry in entries.items():
        read = state.entries[programme].reads
        assert _as_sets(read) == _as_sets(entry.reads)
        assert change.may_change(read) == change.may_change(entry.reads)
    # written again (format 3), it is the state the entries make
    assert state_files(state.entries, state.terms) == state_files(entries)


def test_the_table_is_copied_compressed_and_the_new_terms_follow(tmp_path: Path) -> None:
    """A rebuild writes the table's file as the previous version's bytes, then a gzip member
    of the terms it added: the table is never encoded again."""
    write_state(tmp_path / "v1", State(_entries(Reads(frozenset(TERMS[:3]), frozenset()))))
    before = (folder(tmp_path / "v1") / TERMS_FILE).read_bytes()
    state = read_state(tmp_path / "v1")
    state.entries["http://ex.org/programme/0"].reads = state.terms.numbered_reads(
        Reads(frozenset({TERMS[0], "<http://ex.org/line\nbreak>"}), frozenset({'"quoted"'}))
    )
    write_state(tmp_path / "v2", state)
    after = (folder(tmp_path / "v2") / TERMS_FILE).read_bytes()
    assert after.startswith(before) and len(after) > len(before)
    again = read_state(tmp_path / "v2")
    assert again.terms.table == [*TERMS[:3], "<http://ex.org/line\nbreak>", '"quoted"']
    assert _as_sets(again.entries["http://ex.org/programme/0"].reads)[:2] == (
        frozenset({TERMS[0], "<http://ex.org/line\nbreak>"}),
        frozenset({'"quoted"'}),
    )
    # a table file that does not hold the terms the state names is a stream error
    (folder(tmp_path / "v2") / TERMS_FILE).write_bytes(before)
    with pytest.raises(StreamError, match="cannot read the stream's state"):
        read_state(tmp_path / "v2")


def test_a_cut_state_file_is_a_stream_error_naming_it(tmp_path: Path) -> None:
    write_state(tmp_path, State(_entries(Reads(frozenset(TERMS), frozenset(TERMS)))))
    path = folder(tmp_path) / STATE
    text = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(text[:-4]))  # the last programme's last number gone
    with pytest.raises(StreamError, match="state.json.gz: cannot read the stream's state"):
        read_state(tmp_path)
    path.write_bytes(b"not gzip")
    with pytest.raises(StreamError, match="state.json.gz"):
        read_state(tmp_path)
