"""Source files known to be unchanged by their stat, as git's index knows a clean file.

The parse cache (graph/build/parse.py) is keyed by a file's content, so finding a file's
entry means reading and hashing the file: a rebuild after 1% of 100,000 sources changed read
every one of them, in worker processes whose answers cost more to send back than the reads
themselves. `FileRecord` keeps, next to the cache entries, each file's stat (device, inode,
size, modification and change times in nanoseconds) and the entry its content had: a file
whose stat is the one recorded has that entry, and the build takes it without opening the
file.

A write to a file sets its change time (ctime), and nothing sets it back: `touch -d`,
`cp -p` and `rsync -t` restore the modification time, not the ctime. What a stat cannot
show is a write within the clock's granularity after the stat was taken; as git does with
"racily clean" entries, a file changed less than `RACY` seconds before the record is written
is left out of it, and read again by the next build. A record that cannot be read is an
empty one: every file is read, as without it. So is a record written by another version of
the parser: the cache keys its entries by the parser's code too, and an entry the record
names would be the old parser's.

The record also keeps what the build takes from each recorded file's entry: its sources
without their lines (the entry's first pickle, graph/build/parse.py `read_entry`). A rebuild
then reads one file, in order, instead of the head of every entry: 100,000 small reads at
random places, which waited on the disk (58 s at 100,000 programmes, the page cache cold).
The record is two pickles: its format, the parser's code and each file's stat and entry,
then each file's sources; the second is not read when the first is not this build's. It is
written to a temporary file renamed over it; a build killed while writing leaves that file,
which the next build that writes the record removes.
"""

from __future__ import annotations

import os
import pickle
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from .atomic import atomic_file, remove_left

RECORD = "files.pickle"
RACY = 2.0  # seconds: a file changed this recently is not recorded as clean
FORMAT = 2
ERRORS = (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError)

Stat = tuple[int, int, int, int, int]  # device, inode, size, mtime_ns, ctime_ns
S = TypeVar("S")  # what an entry holds for the build: graph/build/parse.py's ParsedSource


def stat_of(path: Path) -> Stat | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class FileRecord(Generic[S]):
    """The stat, parse cache entry and sources of every file the last build read (module
    doc)."""

    def __init__(self, cache_dir: Path, code: str):
        self.cache_dir, self.path, self.code = cache_dir, cache_dir / RECORD, code
        self._known: dict[str, tuple[Stat, str]] = {}
        self._sources: dict[str, Sequence[S]] = {}
        self._seen: dict[str, tuple[Stat, str, Sequence[S]]] = {}
        self._entries: set[str] | None = None
        try:
            with self.path.open("rb") as fh:
                head = pickle.load(fh)
                if not (isinstance(head, dict) and _mine(head, code)):
                    return
                files, sources = head.get("files"), pickle.load(fh)
        except ERRORS:
            return
        if isinstance(files, dict) and isinstance(sources, dict):
            self._known, self._sources = files, sources

    def __bool__(self) -> bool:
        """Whether the last build recorded any file."""
        return bool(self._known)

    def entry(self, path: Path, stat: Stat | None) -> str | None:
        """The name of `path`'s parse cache entry when its stat is the one recorded."""
        recorded = self._known.get(str(path))
        return recorded[1] if stat is not None and recorded and recorded[0] == stat else None

    def sources(self, path: Path, stat: Stat | None) -> tuple[Path, Sequence[S]] | None:
        """`path`'s entry and its sources as noted, when its stat is the one recorded and the
        entry is still there; None otherwise (the file is to be read)."""
        entry, held = self.entry(path, stat), self._sources.get(str(path))
        if entry is None or held is None:
            return None
        if self._entries is None:  # one listing of the cache, not a stat per entry
            self._entries = set(os.listdir(self.cache_dir))
        if entry not in self._entries:
            return None
        return self.cache_dir / entry, held

    def note(self, path: Path, stat: Stat | None, entry: str, sources: Sequence[S] = ()) -> None:
        """`path`, whose stat was `stat` before it was read, has the entry `entry`, which
        holds `sources` (as the build takes them from it)."""
        if stat is not None:
            self._seen[str(path)] = (stat, entry, sources)

    def save(self) -> None:
        """Record the files noted in this build but the racily clean ones (module doc)."""
        limit = time.time_ns() - int(RACY * 1e9)
        kept = {p: seen for p, seen in self._seen.items() if max(seen[0][3], seen[0][4]) < limit}
        files = {p: (stat, entry) for p, (stat, entry, _) in kept.items()}
        if files == self._known:
            return  # nothing changed: the record (a stat per source file) is not written again
        head = {"format": FORMAT, "code": self.code, "files": files}
        remove_left(self.path)
        try:
            with atomic_file(self.path) as fh:  # streamed: the sources are not pickled whole
                pickle.dump(head, fh, protocol=pickle.HIGHEST_PROTOCOL)
                sources = {p: held for p, (_, _, held) in kept.items()}
                pickle.dump(sources, fh, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError:
            pass  # the next build reads every file, as without a record


def _mine(head: dict[str, Any], code: str) -> bool:
    return (head.get("format"), head.get("code")) == (FORMAT, code)
