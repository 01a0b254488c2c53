"""A lookup-only store over an in-memory pyoxigraph Dataset: terms exactly as written.

The build describes resources for its own products (the change stream, graph/ldes/) from the
version it is staging. A pyoxigraph `Store` would give literals of XSD numeric, duration and
date types back in canonical form ("P24M"^^xsd:duration -> "P2Y"); a `Dataset` keeps the
sources' lexical forms, like the dumps (graph/dump.py). This store answers the lookups of the
Store protocol (`quads`, `describe`, `named_graphs`, `triple_count`) from the Dataset's
indexes; it runs no SPARQL. The Dataset must not change while the store is in use: the
answers to the most recent `cache_size` lookups are kept (describing many resources looks
up the same ontology terms, concepts and organisations again and again).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, cast

import pyoxigraph as ox
from rdflib import Dataset, URIRef
from rdflib.term import Node

from ..canonical import literals_as_written
from ..formats import Format
from .base import Quad, QueryResult, StoreError
from .terms import dataset_of, to_oxigraph, to_rdflib


class DatasetStore:
    """The Store protocol's lookups over a pyoxigraph Dataset (graph None: any graph)."""

    def __init__(self, dataset: ox.Dataset, cache_size: int = 20000):
        self._dataset = dataset
        self._cache: OrderedDict[tuple, tuple[Quad, ...]] = OrderedDict()
        self._cache_size = cache_size

    @classmethod
    def of_quads(cls, quads: Iterable[ox.Quad]) -> DatasetStore:
        return cls(ox.Dataset(quads))

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
        raise StoreError("this store answers lookups only (quads, describe), not SPARQL")

    def _candidates(self, pattern: tuple[Any, Any, Any, Any]) -> Iterable[ox.Quad]:
        s, p, o, g = pattern
        if s is not None:
            return self._dataset.quads_for_subject(s)
        if o is not None:
            return self._dataset.quads_for_object(o)
        if g is not None:
            return self._dataset.quads_for_graph_name(g)
        if p is not None:
            return self._dataset.quads_for_predicate(p)
        return iter(self._dataset)

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: Node | None = None,
    ) -> Iterator[Quad]:
        key = (subject, predicate, obj, graph)
        found = self._cache.get(key)
        if found is None:
            found = tuple(self._lookup(subject, predicate, obj, graph))
            self._cache[key] = found
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return iter(found)

    def _lookup(
        self, subject: Node | None, predicate: Node | None, obj: Node | None, graph: Node | None
    ) -> Iterator[Quad]:
        try:
            pattern = (
                None if subject is None else to_oxigraph(subject),
                None if predicate is None else to_oxigraph(predicate),
                None if obj is None else to_oxigraph(obj),
                None if graph is None else to_oxigraph(graph),
            )
        except (TypeError, ValueError):
            return  # a term a Dataset cannot hold matches nothing
        s, p, o, g = pattern
        with literals_as_written():
            for quad in self._candidates(pattern):
                if (
                    (s is not None and quad.subject != s)
                    or (p is not None and quad.predicate != p)
                    or (o is not None and quad.object != o)
                    or (g is not None and quad.graph_name != g)
                ):
                    continue
                yield cast(
                    Quad,
                    (
                        to_rdflib(quad.subject),
                        to_rdflib(quad.predicate),
                        to_rdflib(quad.object),
                        to_rdflib(quad.graph_name),
                    ),
                )

    def describe(self, iri: URIRef) -> Dataset:
        return dataset_of((*self.quads(iri, None, None, None), *self.quads(None, None, iri, None)))

    def named_graphs(self) -> list[URIRef]:
        names = {
            q.graph_name.value for q in self._dataset if isinstance(q.graph_name, ox.NamedNode)
        }
        return sorted(URIRef(n) for n in names)

    def triple_count(self) -> int:
        return len(self._dataset)

    def start(self) -> None:
        return None

    def wait_ready(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None:
        return None
