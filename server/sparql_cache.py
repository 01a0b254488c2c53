"""The /sparql result cache: answers kept per WSGI worker process for repeated queries.

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
served changes; 0 turns it off. Each worker has its own: a query repeated on another worker
misses once there.

/metrics counts hits and misses and the bytes held (server/metrics.py); a cacheable answer
says `X-Cache: hit` or `X-Cache: miss`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from graph.store import query_text

HEADER = "X-Cache"
EXTENSION = "prospectus.sparql_cache"  # app.extensions key
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
