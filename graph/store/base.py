"""The store contract shared by the Oxigraph, rdflib and remote implementations.

Terms crossing the interface are rdflib terms. Query results serialise themselves into any
result or graph format of graph.formats, so views never know which store they have.

Every implementation answers `query()` under the same rules:

* the default graph is the union of all graphs, unless the caller (the SPARQL protocol's
  default-graph-uri / named-graph-uri) or the query (FROM / FROM NAMED) names a dataset;
  FROM and FROM NAMED name graphs of the store;
* SERVICE clauses are refused before evaluation unless the `service_allowlist` setting names
  the endpoint, and only allowlisted FROM graphs are ever fetched
  (graph/store/federation.py);
* a query runs at most `timeout` seconds (the `query_timeout` setting) and is then stopped,
  raising QueryTimedOut; a result is cut at `max_rows` rows or triples (the `max_rows`
  setting) and says so with `truncated`;
* a malformed query raises QuerySyntaxError with the parser's message and position.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Literal, Protocol

from rdflib import Dataset
from rdflib.term import Node, URIRef

from ..errors import ProspectusError
from ..formats import Format

QueryKind = Literal["select", "ask", "graph"]
Quad = tuple[Node, Node, Node, Node | None]


class StoreError(ProspectusError):
    """The store could not be opened or answered in an unexpected way."""


class QuerySyntaxError(StoreError):
    """The query does not parse; the message is the parser's, with its position."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message, line, column)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        return self.message

    @classmethod
    def from_message(cls, message: str) -> QuerySyntaxError:
        """Parse 'error at 3:7: …' (Oxigraph) or '… (at char 12), (line:1, col:13)' (rdflib)."""
        found = re.search(r"at (\d+):(\d+)", message) or re.search(
            r"line:\s*(\d+),\s*col:\s*(\d+)", message
        )
        if found:
            return cls(message, int(found.group(1)), int(found.group(2)))
        return cls(message)


class QueryTimedOut(StoreError):
    """The query ran longer than the `query_timeout` setting and was stopped."""

    def __init__(self, timeout: float):
        super().__init__(timeout)
        self.timeout = timeout

    def __str__(self) -> str:
        return (
            f"the query ran longer than {self.timeout:g} s and was stopped; the limit is the "
            "`query_timeout` setting. Narrow the query (more specific patterns, LIMIT) "
            "or ask the operator to raise query_timeout."
        )


class QueryQueueTimedOut(QueryTimedOut):
    """Every query process stayed busy with other queries until the deadline."""

    def __init__(self, timeout: float, processes: int):
        super().__init__(timeout)
        self.processes = processes

    def __str__(self) -> str:
        return (
            f"all {self.processes} query processes were busy with other queries for "
            f"{self.timeout:g} s, so this one was not started; the limits are the "
            "`query_processes` and `query_timeout` settings. Try again shortly."
        )


class QueryQueueFull(StoreError):
    """Refused at once: this worker already runs and queues as many heavy queries as it may,
    so that threads stay free for pages and cheap queries (graph/store/lanes.py)."""

    def __init__(self, running: int, waiting: int, retry_after: int):
        super().__init__(running, waiting, retry_after)
        self.running = running
        self.waiting = waiting
        self.retry_after = retry_after

    def __str__(self) -> str:
        return (
            f"the server is busy with other heavy queries ({self.running} running and "
            f"{self.waiting} waiting in this worker process), so this one was not queued; "
            "the limits are the `query_processes` and `query_queue` settings. Try again in "
            f"{self.retry_after} s, or make the query cheaper (a LIMIT, no ORDER BY or "
            "aggregates) so that it runs in the lane kept free for cheap queries."
        )


class QueryMemoryExceeded(StoreError):
    """The query process reached the `query_memory_limit` setting and was stopped."""

    def __init__(self, limit_mb: int):
        super().__init__(limit_mb)
        self.limit_mb = limit_mb

    def __str__(self) -> str:
        return (
            f"the query needed more than {self.limit_mb} MB of memory and was stopped; the "
            "limit is the `query_memory_limit` setting. Narrow the query (fewer solutions to "
            "group, sort or concatenate; a LIMIT) or ask the operator to raise "
            "query_memory_limit."
        )


class QueryCrashed(StoreError):
    """The query process died while evaluating the query (a defect of the engine)."""

    def __init__(self, cause: str, kind: str):
        super().__init__(cause, kind)
        self.cause = cause
        self.kind = kind  # panic, stack, segfault, abort, killed

    def __str__(self) -> str:
        return (
            f"the query process crashed while evaluating this query: {self.cause}. This is a "
            "defect of the query engine, not of the service: it has been counted and logged, "
            "and other queries are not affected. The same query will fail the same way; "
            "rewriting it (fewer nested groups, a simpler ORDER BY or FILTER) may avoid it."
        )


class QueryFailed(StoreError):
    """The store's engine raised an error evaluating a well-formed query (its defect)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return (
            f"the store could not evaluate this query: {self.message}. The query parsed, so "
            "this is a defect of the store's engine; it has been logged."
        )


class QueryTooDeep(StoreError):
    """The query is nested more deeply than the store's parser can follow."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class QueryRefused(StoreError):
    """The query asks for something this service does not do (SERVICE, an update)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UpstreamError(StoreError):
    """Another server this query needed (an allowlisted SERVICE or FROM) failed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class QueryResult(Protocol):
    kind: QueryKind
    truncated: bool  # True when the row cap cut the result
    max_rows: int | None  # the cap that applied

    def serialize(self, fmt: Format) -> bytes: ...


class Store(Protocol):
    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
        max_rows: int | None = None,
        fmt: Format | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Run a SPARQL 1.1 query; the default graph is the union of all named graphs.

        `timeout` and `max_rows` default to the settings; `fmt` is the format the caller
        will ask `serialize()` for, so that the result is produced in it directly;
        `base_iri` resolves the query's relative IRIs (the endpoint's URL).
        """
        ...

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: Node | None = None,
    ) -> Iterator[Quad]: ...

    def describe(self, iri: URIRef) -> Dataset:
        """Every quad with `iri` as subject or object, graph names kept."""
        ...

    def named_graphs(self) -> list[URIRef]: ...

    def triple_count(self) -> int: ...

    def start(self) -> None:
        """Start what answers queries (the executor processes) without waiting for it; called
        in the process that serves, e.g. each WSGI worker after the fork."""
        ...

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until queries can be answered without start-up cost; True when they can."""
        ...

    def close(self) -> None: ...
