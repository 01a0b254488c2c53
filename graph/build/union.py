"""The union of a version's graphs as sorted N-Triples, for the triple dumps.

From scratch: every quad of dataset.nq as a triple (pyoxigraph's N-Triples, one line per
triple), sorted by `sort -u` on disk (graph/build/publish.py). After a small change: the
previous version's union (its dataset.nt.gz, read as a stream) merged with the triples of
the added lines, without the triples of the removed lines that no graph of the new version
states any more (looked up by subject in the new dataset.nq, graph/store/sorted_nquads.py).
Both give the same lines; the merge reads and writes the union once instead of sorting it.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from ..store.sorted_nquads import SortedNQuads
from .publish import digest_and_count, sort_unique


def from_scratch(nquads: Path, target: Path, temp_dir: Path) -> int:
    """The distinct triples of every graph of `nquads`, N-Triples sorted by code point, into
    `target`; returns their number."""
    unsorted = temp_dir / (target.name + ".unsorted")
    quads = ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    ox.serialize((q.triple for q in quads), output=str(unsorted), format=ox.RdfFormat.N_TRIPLES)
    sort_unique(unsorted, target, temp_dir)
    unsorted.unlink()
    return digest_and_count(target)[1]


def _line(triple: ox.Triple) -> bytes:
    return ox.serialize([triple], format=ox.RdfFormat.N_TRIPLES) or b""


def _triples(path: Path) -> set[ox.Triple]:
    with path.open("rb") as fh:
        return {q.triple for q in ox.parse(fh, format=ox.RdfFormat.N_QUADS)}


def _merge(old: Iterator[bytes], added: list[bytes], gone: set[bytes]) -> Iterator[bytes]:
    """The sorted lines of `old` without `gone`, with the sorted `added` merged in once."""
    pending = iter(added)
    extra = next(pending, None)
    for line in old:
        if not line.endswith(b"\n"):
            line += b"\n"
        while extra is not None and extra[:-1] < line[:-1]:
            yield extra
            extra = next(pending, None)
        if extra == line:
            extra = next(pending, None)
        if line not in gone:
            yield line
    while extra is not None:
        yield extra
        extra = next(pending, None)


def from_previous(
    changed: tuple[Path, Path], previous_union_gz: Path, nquads: Path, target: Path
) -> int | None:
    """The union of `nquads` into `target` from the previous version's (gzipped) and the
    lines that changed (added, removed; graph/store/nquads_diff.py, changed_lines); its
    number of triples, or None (nothing written) when a removed triple's subject is a
    quoted triple."""
    added, removed = _triples(changed[0]), _triples(changed[1])
    kept: set[ox.Triple] = set()
    with SortedNQuads(nquads) as new:
        for t in removed - added:
            subject = t.subject
            if not isinstance(subject, ox.NamedNode | ox.BlankNode):
                return None  # a quoted triple as subject: no lookup by subject
            if any(q.triple == t for q in new.describe(subject)):
                kept.add(t)  # another graph still states it
    gone = {_line(t) for t in removed - added - kept}
    additions = sorted({_line(t) for t in added}, key=lambda line: line[:-1])
    count = 0
    with gzip.open(previous_union_gz, "rb") as old, target.open("wb") as out:
        for line in _merge(old, additions, gone):
            out.write(line)
            count += 1
    return count
