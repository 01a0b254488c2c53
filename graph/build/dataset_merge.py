"""A rebuild's dataset.nq made from the previous version's instead of every line again.

A version's dataset.nq holds the distinct lines of the release sorted by byte order
(graph/build/publish.py), every line in a named graph. When the build's SPARQL constraints'
store was brought up to date from a few changed graphs (graph/build/checks_store.py), and
the previous version holds exactly the lines that store's record held before (its manifest's
LINES_RECORD, at the default base_iri), the new dataset.nq is the previous one without the
lines of the changed graphs, with their new lines merged in: one read and one write of the
file, no line of an unchanged source read from the parse cache, no sort of the whole.

The lines that differ between the two versions fall out of the same pass (the old lines of
the changed graphs against their new lines); they are written where
graph/store/nquads_diff.py `changed_lines` keeps them, so that the writers need no walk of
both files. The result is byte for byte what writing and sorting every line gives
(tests/test_dataset_merge.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import BinaryIO

from ..store.nquads_diff import BUFFER, CHANGED_FILES, SMALL_CHANGE
from ..versions import DATASET_FILE, Version
from .checks_store import DIFF_GRAPHS, Made, lines_by_graph
from .release import Release
from .union import line_key, merge

# The manifest key of the constraints' store record a version's lines equal (checks_store
# record_digest), written at the default base_iri only.
LINES_RECORD = "lines_record"


def _graph(line: bytes) -> bytes:
    """The graph term of an N-Quads line that ends "<graph> .\\n"."""
    return line[line.rfind(b" <", 0, len(line) - 3) + 1 : -3]


class _Without:
    """`old` read a chunk of lines at a time (union.merge's reading) without the lines of
    `graphs`, which are kept in `found`."""

    def __init__(self, old: BinaryIO, graphs: set[bytes]):
        self.old, self.graphs, self.found = old, graphs, set[bytes]()

    def readlines(self, hint: int) -> list[bytes]:
        while chunk := self.old.readlines(hint):
            if not chunk[-1].endswith(b"\n"):
                chunk[-1] += b"\n"
            kept = []
            for line in chunk:
                if _graph(line) in self.graphs:
                    self.found.add(line)
                else:
                    kept.append(line)
            if kept:
                return kept
        return []


class _Digest:
    """A binary file that also digests and counts what is written to it."""

    def __init__(self, out: BinaryIO):
        self.out, self.sha256, self.lines = out, hashlib.sha256(), 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.lines += data.count(b"\n")
        return self.out.write(data)


def merge_dataset(
    old: Path,
    staging: Path,
    graphs: Iterable[str],
    lines: Mapping[str, Iterable[str]],
) -> tuple[str, int]:
    """Write `staging`/dataset.nq: the sorted N-Quads of `old` without the lines of
    `graphs`, with `lines` (graph -> its new lines; a graph gone has none) merged in, and the
    lines that changed as `changed_lines` writes them; (SHA-256, number of lines) of the
    file."""
    wanted = {f"<{graph}>".encode() for graph in graphs}
    new = {
        (line.rstrip("\n") + "\n").encode()
        for held in lines.values()
        for line in held
        if line.strip()  # as publish writes lines: blank ones left out
    }
    with (
        old.open("rb", buffering=BUFFER) as before,
        (staging / DATASET_FILE).open("wb", buffering=BUFFER) as out,
    ):
        without, digest = _Without(before, wanted), _Digest(out)
        merge(without, sorted(new, key=line_key), set(), digest)
    _write_changed(staging, new - without.found, without.found - new, digest.lines)
    return digest.sha256.hexdigest(), digest.lines


def _write_changed(staging: Path, added: set[bytes], removed: set[bytes], quads: int) -> None:
    plus, minus, too_many = (staging / name for name in CHANGED_FILES)
    if len(added) + len(removed) > int(SMALL_CHANGE * quads):
        too_many.touch()
        return
    pairs: list[tuple[Path, set[bytes]]] = [(plus, added), (minus, removed)]
    for path, found in pairs:
        ordered: list[bytes] = sorted(found, key=line_key)
        with path.open("wb") as fh:
            fh.writelines(ordered)


Merger = Callable[[Version, Path], tuple[str, int] | None]


def merger(made: Made, release: Release) -> Merger | None:
    """What makes a rebuild's dataset.nq from the previous version's (publish.publish's
    `merge`), given how the constraints' store was made for `release` at the default
    base_iri: None unless it was brought up to date from at most DIFF_GRAPHS graphs. The new
    lines of those graphs are read now, while the release is held."""
    if made.how != "incremental" or made.before is None or len(made.graphs) > DIFF_GRAPHS:
        return None
    graphs, lines, before = made.graphs, lines_by_graph(release, made.graphs), made.before

    def from_previous(previous: Version, staging: Path) -> tuple[str, int] | None:
        try:
            if previous.manifest.get(LINES_RECORD) != before:
                return None  # it holds other lines than the store's record before this build
            return merge_dataset(previous.path / DATASET_FILE, staging, graphs, lines)
        finally:
            lines.clear()  # not held through the writers

    return from_previous
