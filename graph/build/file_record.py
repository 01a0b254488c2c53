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

A rebuild after a small change does not write the record again: it writes what changed since
the record was last written whole (`DELTA`: the files whose stat or entry changed, and those
gone, as None), which the next build reads after the record. Writing the record whole
pickles every file's sources again: 4.7 s at 100,000 programmes (docs/build.md), 2.05 s at
20,000 against 0.07 s for the delta of 1% of the files (medians of three, other work running
beside), on the build's critical path. The record names itself with a token written into
it; a delta names the record it follows and is ignored after another record (a build killed
between writing the record whole and removing the delta leaves a delta that follows no
record). Once the delta holds more than DELTA_SHARE of the files, the record is written
whole again.
"""

from __future__ import annotations

import os
import pickle
import secrets
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from .atomic import atomic_file, remove_left
from .heap import no_collection

RECORD = "files.pickle"
DELTA = "files-delta.pickle"  # what changed since RECORD was written whole (module doc)
DELTA_SHARE = 0.1  # a delta of more files than this share of them: the record written whole
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
        self.delta_path = cache_dir / DELTA
        self._known: dict[str, tuple[Stat, str]] = {}
        self._sources: dict[str, Sequence[S]] = {}
        self._seen: dict[str, tuple[Stat, str, Sequence[S]]] = {}
        self._entries: set[str] | None = None
        self._token: str | None = None  # the record's, which a delta names
        self._delta: set[str] = set()  # the files the delta read names
        try:
            with self.path.open("rb") as fh, no_collection():
                head = pickle.load(fh)
                if not (isinstance(head, dict) and _mine(head, code)):
                    return
                files, sources = head.get("files"), pickle.load(fh)
        except ERRORS:
            return
        if isinstance(files, dict) and isinstance(sources, dict):
            self._known, self._sources = files, sources
            self._token = head.get("token")
            self._read_delta()

    def _read_delta(self) -> None:
        """Apply the delta that follows this record, if any (module doc)."""
        try:
            with self.delta_path.open("rb") as fh, no_collection():
                head = pickle.load(fh)
                if not (
                    isinstance(head, dict)
                    and _mine(head, self.code)
                    and self._token is not None
                    and head.get("record") == self._token
                ):
                    return
                files, sources = head.get("files"), pickle.load(fh)
        except ERRORS:
            return
        if not (isinstance(files, dict) and isinstance(sources, dict)):
            return
        for path, recorded in files.items():
            if recorded is None or path not in sources:  # gone (or racily clean)
                self._known.pop(path, None)
                self._sources.pop(path, None)
            else:
                self._known[path], self._sources[path] = recorded, sources[path]
        self._delta = set(files)

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
        """Record the files noted in this build but the racily clean ones (module doc): what
        changed since the record was written whole, or the record whole."""
        limit = time.time_ns() - int(RACY * 1e9)
        kept = {p: seen for p, seen in self._seen.items() if max(seen[0][3], seen[0][4]) < limit}
        files = {p: (stat, entry) for p, (stat, entry, _) in kept.items()}
        if files == self._known:
            return  # nothing changed: the record (a stat per source file) is not written again
        changed = {p for p, recorded in files.items() if self._known.get(p) != recorded}
        delta = self._delta | changed | (self._known.keys() - files.keys())
        try:
            if self._token is not None and len(delta) <= DELTA_SHARE * max(len(files), 1):
                self._write(
                    self.delta_path,
                    {"record": self._token, "files": {p: files.get(p) for p in delta}},
                    {p: kept[p][2] for p in delta if p in kept},
                )
                return
            self._write(self.path, {"token": secrets.token_hex(8), "files": files},
                        {p: held for p, (_, _, held) in kept.items()})  # fmt: skip
            self.delta_path.unlink(missing_ok=True)  # it followed the record replaced
        except OSError:
            pass  # the next build reads every file, as without a record

    def _write(self, path: Path, head: dict[str, Any], sources: dict[str, Sequence[S]]) -> None:
        remove_left(path)
        with atomic_file(path) as fh:  # streamed: the sources are not pickled whole
            pickle.dump({"format": FORMAT, "code": self.code, **head}, fh, pickle.HIGHEST_PROTOCOL)
            pickle.dump(sources, fh, protocol=pickle.HIGHEST_PROTOCOL)


def _mine(head: dict[str, Any], code: str) -> bool:
    return (head.get("format"), head.get("code")) == (FORMAT, code)
