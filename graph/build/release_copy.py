"""The release's lines copied to a file while the union index reads them, for the SPARQL
constraints' store to bulk-load instead of reading every parse cache entry a second time.

A first build reads every source's lines twice: to write the union index (the validation
step) and to load the constraints' store (graph/build/checks_store.py), which copies them to
a file for Oxigraph's bulk loader (sparql_checks.add_lines). At 100,000 programmes the
second read came about 660 s after the first, when the parse cache entries (one file per
source, 5.6 GB) had left the page cache: it took 155 s at a quarter of a core (1.9 GB read
at 12 MB/s, one entry at a time) before the bulk load could start. Copied as the union
index reads them, the lines cost one sequential write there, and the store's load reads one
file.

The copy is what `add_lines` writes to its `through` file: the lines without a blank node
in `path` (bulk_load relabels blank nodes), the others in `blank_path(path)`, added keeping
their labels and appended to `path` once the load is done (`load`), so that the file then
holds every line (publish.LinesFile). `path` appears only when the copy is complete
(`ReleaseCopy.close`): a build stopped in between leaves no copy, and the store is loaded
from the lines as before.

The validation workers read a graph's lines from the copy too, where `add` says they are
(graph/build/readahead.py): the copy is written in the order units are validated, so a
batch's lines are one read of neighbouring bytes instead of one parse cache entry a source.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from .groups import parse_lines
from .publish import CHUNK, write_lines

Span = tuple[int, int]  # a graph's lines in the copy: their offset and length in bytes


def blank_path(path: Path) -> Path:
    """Where the copy at `path` keeps the lines with a blank node until the load."""
    return path.with_name(path.name + ".blank")


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".part")


def remove(path: Path) -> None:
    """The copy at `path`, its blank nodes' lines and a partial copy, gone."""
    for found in (path, blank_path(path), _partial(path)):
        found.unlink(missing_ok=True)


class ReleaseCopy:
    """Writes the lines given to `add` to the copy at `path` (module doc)."""

    def __init__(self, path: Path) -> None:
        remove(path)
        self.path = path
        self._plain: BinaryIO = _partial(path).open("wb", buffering=CHUNK)
        self._written = 0  # bytes written to `path`
        try:
            self._blank: BinaryIO = blank_path(path).open("wb")
        except BaseException:
            self._plain.close()
            raise

    def add(self, lines: Iterable[str]) -> Span | None:
        """One graph's lines (as publish.copying writes them: each non-empty line once,
        ended by one line break). Where they are in `path`, when all of them are there (none
        with a blank node): `lines_in` reads them."""
        plain: list[str] = []
        blank: list[str] = []
        for line in lines:
            line = line.rstrip("\n")
            if line.strip():
                (blank if "_:" in line else plain).append(line)
        start = self._written
        if plain:
            data = ("\n".join(plain) + "\n").encode("utf-8")
            self._plain.write(data)
            self._written += len(data)
        if blank:
            self._blank.write(("\n".join(blank) + "\n").encode("utf-8"))
            return None
        return start, self._written - start

    def close(self) -> None:
        """The copy complete: `path` in place."""
        self._plain.close()
        self._blank.close()
        os.replace(_partial(self.path), self.path)

    def discard(self) -> None:
        """Stop without a copy (the caller failed before every line was added)."""
        self._plain.close()
        self._blank.close()
        remove(self.path)


def lines_in(data: bytes) -> tuple[str, ...]:
    """The lines of a graph whose span of the copy holds `data` (split at line breaks
    only: a literal may hold U+2028, which str.splitlines would split at)."""
    return tuple(data.decode("utf-8").split("\n")[:-1])


def load_file(store: ox.Store, path: Path, blank: Sequence[str]) -> None:
    """Add to `store` the lines without a blank node in the file `path`, in one bulk load
    (Oxigraph parses a file in parallel; it would relabel blank nodes), then the lines with
    one, `blank`, parsed into quads that keep their labels and appended to `path`, which then
    holds every line (sparql_checks.add_lines)."""
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    if blank:
        store.bulk_extend(parse_lines(blank))
        write_lines(blank, path, append=True)


def load(store: ox.Store, path: Path) -> None:
    """Add the complete copy at `path` to `store` (`load_file`, its blank nodes' lines
    read from beside it)."""
    blank = blank_path(path)
    load_file(store, path, blank.read_text(encoding="utf-8").splitlines())
    blank.unlink()
