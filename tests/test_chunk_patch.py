"""A dump patched from the previous version's (graph/chunk_patch.py) is, byte for byte and
index for index, the dump written afresh from the new lines (graph/canonical.py,
write_chunked): for changes inside chunks, at their edges, that make a new cut, remove a
chunk's first subject, empty a chunk, or fall before the first and after the last line."""

from __future__ import annotations

import errno
import json
import random
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from graph import canonical, chunk_patch
from graph.canonical import (
    Chunked,
    ChunkedFile,
    gzip_members,
    jsonld_chunks,
    subject_of,
    turtle_chunks,
    write_chunked,
)
from graph.chunk_patch import patch_chunked

HOWS: tuple[Callable[[], Chunked], ...] = (gzip_members, turtle_chunks, jsonld_chunks)


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of about 8 lines (and at most 2,000 bytes), so that a few hundred lines make
    many of them."""
    monkeypatch.setattr(canonical, "CHUNK_MASK", 0x7)
    monkeypatch.setattr(canonical, "CHUNK_MAX", 2_000)


def _line(subject: int, n: int, value: str = "v") -> bytes:
    return (
        f'<http://example.org/s{subject:04d}> <http://example.org/p{n}> "{value}{n}" .\n'.encode()
    )


def _lines(subjects: range, per: int = 3) -> list[bytes]:
    return sorted({_line(s, n) for s in subjects for n in range(per)}, key=lambda x: x[:-1])


def _files(folder: Path, previous: Path | None = None) -> list[ChunkedFile]:
    folder.mkdir()
    return [
        ChunkedFile(
            folder / f"{i}.out",
            folder / f"{i}.json",
            how(),
            (previous / f"{i}.out", previous / f"{i}.json") if previous else None,
        )
        for i, how in enumerate(HOWS)
    ]


def _written(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _patched_equals_fresh(tmp_path: Path, before: list[bytes], after: list[bytes]) -> list[int]:
    """Write `before`, then `after` both ways; assert the files and indexes are the same;
    the chunks the patch copied, per file."""
    write_chunked(before, _files(tmp_path / "old"))
    write_chunked(after, _files(tmp_path / "fresh"))
    old, new = set(before), set(after)
    added = sorted(new - old, key=lambda x: x[:-1])
    patched = patch_chunked(_files(tmp_path / "patched", tmp_path / "old"), added, old - new)
    assert patched is not None
    assert _written(tmp_path / "patched") == _written(tmp_path / "fresh")
    assert patched.lines == len(after) - len(before)
    return patched.copied


def _cutting(subject: int) -> bytes:
    """A line of `subject` whose CRC-32 ends a chunk (with the tests' mask)."""
    n = 100
    while zlib.crc32(_line(subject, n)) & canonical.CHUNK_MASK:
        n += 1
    return _line(subject, n)


def test_a_few_changed_lines_copy_the_other_chunks(tmp_path: Path) -> None:
    before = _lines(range(300))
    after = sorted(
        {*before, _line(40, 7), _line(150, 1, "w")} - {_line(150, 1), _line(260, 0)},
        key=lambda x: x[:-1],
    )
    copied = _patched_equals_fresh(tmp_path, before, after)
    chunks = len(json.loads((tmp_path / "fresh" / "0.json").read_text())["chunks"])
    assert copied[0] == copied[1] == copied[2] and chunks - 8 <= copied[0] < chunks


@pytest.mark.parametrize(
    "change",
    [
        "new cut",
        "first subject gone",
        "chunk emptied",
        "before the first",
        "after the last",
        "new subject between chunks",
        "everything gone",
        "nothing changed",
    ],
)
def test_changes_at_the_edges_of_chunks(tmp_path: Path, change: str) -> None:
    before = _lines(range(200))
    old = set(before)
    write_chunked(before, _files(tmp_path / "probe"))
    index = json.loads((tmp_path / "probe" / "0.json").read_text())
    firsts = sorted(index["subjects"].values())
    middle = firsts[len(firsts) // 2].encode()  # the first subject of a chunk mid-file
    if change == "new cut":
        new = old | {_cutting(57)}
    elif change == "first subject gone":
        new = {line for line in old if subject_of(line) != middle}
    elif change == "chunk emptied":
        nxt = firsts[len(firsts) // 2 + 1].encode()
        new = {line for line in old if not middle <= subject_of(line) < nxt}
    elif change == "before the first":
        new = old | {b'<http://example.org/a> <http://example.org/p> "x" .\n'}
    elif change == "after the last":
        new = old | {b'<http://example.org/z> <http://example.org/p> "x" .\n'}
    elif change == "new subject between chunks":  # after the chunk's last, before `middle`
        before_middle = int(middle[-5:-1]) - 1
        new = old | {f'<http://example.org/s{before_middle:04d}a> <p:p> "x" .\n'.encode()}
    elif change == "everything gone":
        new = set()
    else:
        new = old
    after = sorted(new, key=lambda x: x[:-1])
    _patched_equals_fresh(tmp_path, before, after)


@pytest.mark.parametrize("seed", range(6))
def test_random_changes(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    before = _lines(range(0, 400, 2))
    new = set(before)
    for _ in range(rng.randint(1, 40)):
        subject = rng.randrange(0, 402)
        if rng.random() < 0.5:
            new.add(_line(subject, rng.randrange(6), rng.choice("vwxyz")))
        elif rng.random() < 0.5:
            new -= {line for line in new if line.startswith(_line(subject, 0)[:26])}
        else:
            new -= {line for line in new if rng.random() < 0.01}
    _patched_equals_fresh(tmp_path, before, sorted(new, key=lambda x: x[:-1]))


def test_previous_indexes_without_subjects_are_not_patched(tmp_path: Path) -> None:
    before = _lines(range(50))
    write_chunked(before, _files(tmp_path / "old"))
    for index in (tmp_path / "old").glob("*.json"):
        record = json.loads(index.read_text())
        del record["subjects"]
        index.write_text(json.dumps(record))
    assert patch_chunked(_files(tmp_path / "new", tmp_path / "old"), [_line(3, 9)], set()) is None


def test_a_previous_file_shorter_than_its_index_says_is_not_patched(tmp_path: Path) -> None:
    before = _lines(range(50))
    write_chunked(before, _files(tmp_path / "old"))
    old = tmp_path / "old" / "0.out"
    old.write_bytes(old.read_bytes()[: old.stat().st_size // 3])
    assert patch_chunked(_files(tmp_path / "new", tmp_path / "old"), [_line(25, 9)], set()) is None


def test_without_copy_file_range_the_runs_are_copied_through_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the kernel or the file system does not offer copy_file_range, the same bytes;
    an error that is not "not offered" (the disk full) is not taken for one."""

    def not_here(*_args: object) -> int:
        raise OSError(errno.EXDEV, "cross-device")

    monkeypatch.setattr(chunk_patch.os, "copy_file_range", not_here)
    before = _lines(range(300))
    after = sorted({*before, _line(120, 9)}, key=lambda x: x[:-1])
    copied = _patched_equals_fresh(tmp_path, before, after)
    assert copied[0] > 0

    def full(*_args: object) -> int:
        raise OSError(errno.ENOSPC, "no space left on device")

    monkeypatch.setattr(chunk_patch.os, "copy_file_range", full)
    with pytest.raises(OSError, match="no space"):
        patch_chunked(_files(tmp_path / "again", tmp_path / "old"), [_line(120, 9)], set())
