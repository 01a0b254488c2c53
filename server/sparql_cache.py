"""The /sparql result cache: answers kept for repeated queries, shared by the WSGI workers.

A published version never changes, so an answer is exact for its key: the version served,
the query text normalised (graph/store/query_text.normalise: runs of whitespace and comments
outside strings and IRIs count as one space), the dataset parameters (default-graph-uri,
named-graph-uri), the result format and the base IRI relative IRIs resolve against. Only
successful answers are kept (an error, a timeout or a refusal is never cached), and only those
of at most 1/ENTRY_FRACTION of the cache. A query whose answer depends on more than the version
is never cached: one calling NOW(), RAND(), UUID() or STRUUID(), and, when the
`service_allowlist` lets queries reach other endpoints, one with SERVICE or FROM. Answers
in HTML (the query page) are not cached. The cache is bounded by `sparql_cache_bytes` (bodies
plus a fixed overhead per entry), least recently used first out, emptied when the version
served changes; 0 turns it off.

Under gunicorn (`prospectus serve`) the workers share their answers: `shared_folder()` makes
a folder on a memory file system (/dev/shm) before the app exists, and each worker keeps
the answers it computed there as one file each (SharedResultCache), which every worker
reads. A worker counts and evicts only the files it wrote, so the folder holds at most
`sparql_cache_bytes` × workers; the folder goes when the server stops. Without gunicorn (the
dev server, apps in tests) the answers stay in the process (ResultCache).

/metrics counts hits and misses and the bytes held (server/metrics.py); a cacheable answer
says `X-Cache: hit` or `X-Cache: miss`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from graph.store import query_text

HEADER = "X-Cache"
EXTENSION = "prospectus.sparql_cache"  # app.extensions keys
FOLDER = "prospectus.sparql_cache_folder"
SHM = Path("/dev/shm")
ENTRY_FRACTION = 16
ENTRY_OVERHEAD = 512  # bytes counted per entry besides its body (key, headers, bookkeeping)
# Functions whose value differs from one evaluation to the next (SPARQL 1.1 §17.4.5, §17.4.2)
VOLATILE = frozenset({"now", "rand", "uuid", "struuid"})


def cacheable(query: str, reaches_out: bool) -> bool:
    """Whether the answer to `query` depends on the version alone: not when it calls
    NOW(), RAND(), UUID() or STRUUID(), nor, when `service_allowlist` lets queries reach
    other endpoints (`reaches_out`), when it has a SERVICE or a FROM clause."""
    if reaches_out and (query_text.has_service(query) or query_text.has_dataset_clause(query)):
        return False
    return not any(
        t.kind == "word" and t.text.lower() in VOLATILE for t in query_text.tokens(query)
    )


@dataclass(frozen=True)
class Key:
    version: str
    query: tuple[str, ...]  # graph/store/query_text.normalise
    default_graph_uris: tuple[str, ...]
    named_graph_uris: tuple[str, ...]
    format: str
    base_iri: str


@dataclass(frozen=True)
class Answer:
    """A successful /sparql answer as sent: body, media type, the row limit that cut it."""

    body: bytes
    mimetype: str
    truncated_at: int | None = None

    def size(self, key: Key) -> int:
        return len(self.body) + sum(len(t) for t in key.query) + ENTRY_OVERHEAD


@dataclass
class Counts:
    hits: int = 0
    misses: int = 0
    bytes: int = 0
    entries: int = 0


class ResultCache:
    """LRU of answers bounded in bytes; thread-safe (a worker's threads share it)."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max(0, max_bytes)
        self._lock = threading.Lock()
        self._entries: OrderedDict[Key, Answer] = OrderedDict()
        self._version: str | None = None
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @property
    def entry_limit(self) -> int:
        return self.max_bytes // ENTRY_FRACTION

    def get(self, key: Key) -> Answer | None:
        """The answer kept for `key` (counted as a hit), or None (counted as a miss)."""
        with self._lock:
            self._follow(key.version)
            answer = self._entries.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: Key, answer: Answer) -> bool:
        """Keep `answer`; False when it is larger than one entry may be."""
        size = answer.size(key)
        if not self.enabled or size > self.entry_limit:
            return False
        with self._lock:
            self._follow(key.version)
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size(key)
            self._entries[key] = answer
            self._bytes += size
            while self._bytes > self.max_bytes and self._entries:
                dropped_key, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.size(dropped_key)
            return True

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def counts(self) -> Counts:
        with self._lock:
            return Counts(self.hits, self.misses, self._bytes, len(self._entries))

    def _follow(self, version: str) -> None:
        """Forget every answer of another version (lock held)."""
        if version != self._version:
            self._entries.clear()
            self._bytes = 0
            self._version = version


def _key_text(key: Key) -> str:
    return json.dumps(
        [
            key.version,
            list(key.query),
            list(key.default_graph_uris),
            list(key.named_graph_uris),
            key.format,
            key.base_iri,
        ],
        ensure_ascii=True,
    )


class SharedResultCache(ResultCache):
    """Answers as files in a folder shared by the workers of one server: each file holds its
    key (checked on reading), the media type, the row limit that cut it, and the body;
    written to a temporary name and renamed, so a reader sees a whole file or none. The
    bound, the LRU order and the version apply to the files this process wrote."""

    def __init__(self, folder: Path, max_bytes: int):
        super().__init__(max_bytes)
        self.folder = folder
        self._mine: OrderedDict[str, int] = OrderedDict()  # file name -> bytes counted

    def get(self, key: Key) -> Answer | None:
        text = _key_text(key)
        name = hashlib.sha256(text.encode()).hexdigest()
        with self._lock:
            self._follow(key.version)
        answer = None
        try:
            data = (self.folder / name).read_bytes()
        except OSError:
            data = b""
        head, _, rest = data.partition(b"\n")
        meta, _, body = rest.partition(b"\n")
        if data and head.decode("ascii", "replace") == text:
            try:
                fields = json.loads(meta)
                answer = Answer(body, str(fields["mimetype"]), fields["truncated_at"])
            except (ValueError, KeyError, TypeError):
                answer = None
        with self._lock:
            if answer is None:
                self.misses += 1
            else:
                self.hits += 1
                if name in self._mine:
                    self._mine.move_to_end(name)
        return answer

    def put(self, key: Key, answer: Answer) -> bool:
        size = answer.size(key)
        if not self.enabled or size > self.entry_limit:
            return False
        text = _key_text(key)
        name = hashlib.sha256(text.encode()).hexdigest()
        meta = json.dumps({"mimetype": answer.mimetype, "truncated_at": answer.truncated_at})
        partial = self.folder / f".{name}.{os.getpid()}.{threading.get_ident()}"
        try:
            with open(partial, "wb") as out:
                out.write(text.encode("ascii") + b"\n" + meta.encode("ascii") + b"\n")
                out.write(answer.body)
            os.replace(partial, self.folder / name)
        except OSError:
            partial.unlink(missing_ok=True)
            return False
        with self._lock:
            self._follow(key.version)
            self._bytes -= self._mine.pop(name, 0)
            self._mine[name] = size
            self._bytes += size
            while self._bytes > self.max_bytes and self._mine:
                dropped, dropped_size = self._mine.popitem(last=False)
                self._bytes -= dropped_size
                (self.folder / dropped).unlink(missing_ok=True)
        return True

    def clear(self) -> None:
        with self._lock:
            self._drop_mine()

    def counts(self) -> Counts:
        with self._lock:
            return Counts(self.hits, self.misses, self._bytes, len(self._mine))

    def _follow(self, version: str) -> None:
        if version != self._version:
            self._drop_mine()
            self._version = version

    def _drop_mine(self) -> None:
        for name in self._mine:
            (self.folder / name).unlink(missing_ok=True)
        self._mine.clear()
        self._bytes = 0


def make(max_bytes: int, folder: Path | None) -> ResultCache:
    """The cache of this process: shared through `folder` when there is one."""
    if folder is not None and max_bytes > 0:
        return SharedResultCache(folder, max_bytes)
    return ResultCache(max_bytes)


@contextmanager
def shared_folder() -> Iterator[Path]:
    """A fresh folder for one server run's shared answers (on /dev/shm when it exists),
    removed afterwards."""
    base = SHM if SHM.is_dir() and os.access(SHM, os.W_OK) else None
    path = Path(tempfile.mkdtemp(prefix="prospectus-sparql-cache-", dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
