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
"""

from __future__ import annotations

import os
import pickle
import time
from pathlib import Path

from .atomic import write_atomic

RECORD = "files.pickle"
RACY = 2.0  # seconds: a file changed this recently is not recorded as clean
FORMAT = 1

Stat = tuple[int, int, int, int, int]  # device, inode, size, mtime_ns, ctime_ns


def stat_of(path: Path) -> Stat | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class FileRecord:
    """The stat and parse cache entry of every file the last build read (module doc)."""

    def __init__(self, cache_dir: Path, code: str):
        self.path, self.code = cache_dir / RECORD, code
        self._known: dict[str, tuple[Stat, str]] = {}
        self._seen: dict[str, tuple[Stat, str]] = {}
        try:
            record = pickle.loads(self.path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
            return
        files = record.get("files") if isinstance(record, dict) else None
        if isinstance(files, dict) and (record.get("format"), record.get("code")) == (FORMAT, code):
            self._known = files

    def __bool__(self) -> bool:
        """Whether the last build recorded any file."""
        return bool(self._known)

    def entry(self, path: Path, stat: Stat | None) -> str | None:
        """The name of `path`'s parse cache entry when its stat is the one recorded."""
        recorded = self._known.get(str(path))
        return recorded[1] if stat is not None and recorded and recorded[0] == stat else None

    def note(self, path: Path, stat: Stat | None, entry: str) -> None:
        """`path`, whose stat was `stat` before it was read, has the entry `entry`."""
        if stat is not None:
            self._seen[str(path)] = (stat, entry)

    def save(self) -> None:
        """Record the files noted in this build but the racily clean ones (module doc)."""
        limit = time.time_ns() - int(RACY * 1e9)
        files = {p: (s, e) for p, (s, e) in self._seen.items() if max(s[3], s[4]) < limit}
        if files == self._known:
            return  # nothing changed: the record (a stat per source file) is not written again
        record = {"format": FORMAT, "code": self.code, "files": files}
        data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            write_atomic(self.path, data)
        except OSError:
            pass  # the next build reads every file, as without a record
