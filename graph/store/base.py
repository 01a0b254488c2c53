"""The store contract shared by the Oxigraph, rdflib and remote implementations.

Terms crossing the interface are rdflib terms. Query results serialise themselves into any
result or graph format of graph.formats, so views never know which store they have.
"""

from __future__ import annotations

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


class QueryResult(Protocol):
    kind: QueryKind
    truncated: bool  # True when the row cap cut the result

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
    ) -> QueryResult:
        """Run a SPARQL 1.1 query; the default graph is the union of all named graphs."""
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

    def close(self) -> None: ...
