"""The default store: embedded Oxigraph (pyoxigraph), on disk or loaded into memory.

Lookups (`quads`, `describe`) run in the web worker: they are bounded index scans. SPARQL
queries run in executor processes (graph/store/query_pool.py) and come back serialised by
pyoxigraph's own writers (QuerySolutions/QueryTriples serialisation, graph/store/results.py).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox
from rdflib import Dataset
from rdflib.term import Node, URIRef

from . import federation, ordering, query_text, results, text_search
from .base import Quad, QuerySyntaxError, StoreError
from .query_pool import Job, LazyPool, Limits, PooledQueries
from .terms import dataset_of, graph_to_oxigraph, to_oxigraph, to_rdflib

log = logging.getLogger(__name__)


def create_on_disk(nquads: Path, store_dir: Path) -> None:
    """Build the on-disk store of a version being published from its N-Quads file."""
    try:
        store = ox.Store(str(store_dir))
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        store.optimize()
        store.flush()
        del store
    except OSError as exc:
        raise StoreError(f"could not write the Oxigraph store in {store_dir}: {exc}") from exc


def checkpoint(source: Path, store_dir: Path) -> None:
    """Make the store of a version being published as a RocksDB checkpoint of the store in
    `source` (`Store.backup` from a read-only handle; on the same file system its immutable
    files are hard-linked, not copied, and later writes to `source` leave it as it is)."""
    try:
        ox.Store.read_only(str(source)).backup(str(store_dir))
    except OSError as exc:
        raise StoreError(
            f"could not copy the Oxigraph store {source} to {store_dir}: {exc}"
        ) from exc


def update_on_disk(
    previous_store: Path, store_dir: Path, added: Path, removed: Path, cleared: Iterable[str] = ()
) -> None:
    """Make the store of a version being published from the previous version's: a RocksDB
    checkpoint of it (`Store.backup`, taken from a read-only handle, so servers may keep
    reading it; on the same file system its immutable files are hard-linked, not copied),
    then the quads of `removed` taken out, the named graphs `cleared` emptied and the quads
    of `added` loaded (both N-Quads). The previous store is never written to.

    A store gives loaded blank nodes new identifiers, so a quad with a blank node cannot be
    found again by its label: the caller clears a graph whose change involves blank nodes
    and adds all its quads again."""
    checkpoint(previous_store, store_dir)
    try:
        store = ox.Store(str(store_dir))
        with removed.open("rb") as fh:
            for quad in ox.parse(fh, format=ox.RdfFormat.N_QUADS):
                store.remove(quad)
        for graph in cleared:
            store.clear_graph(ox.NamedNode(graph))
        store.bulk_load(path=str(added), format=ox.RdfFormat.N_QUADS)
        store.flush()
        del store
    except OSError as exc:
        raise StoreError(f"could not write the Oxigraph store in {store_dir}: {exc}") from exc


def open_store(version_dir: Path, *, in_memory: bool) -> ox.Store:
    """Open a published version: a read-only view of its disk store, or a copy in memory."""
    if in_memory:
        store = ox.Store()
        store.bulk_load(path=str(version_dir / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
        return store
    try:
        return ox.Store.read_only(str(version_dir / "store"))
    except OSError as exc:
        raise StoreError(f"could not open the Oxigraph store in {version_dir}: {exc}") from exc


def _graph_node(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(iri)
    except ValueError as exc:
        raise QuerySyntaxError(f"graph IRI <{iri}> is not a valid IRI: {exc}") from exc


class OxigraphEngine:
    """Evaluates jobs with pyoxigraph; runs inside executor processes."""

    def __init__(
        self,
        store: ox.Store,
        disk_path: Path | None = None,
        allowlist: Sequence[str] = (),
        search_index: Path | None = None,
    ):
        self.store = store
        self.disk_path = disk_path
        self.allowlist = tuple(allowlist)
        self.search_index = search_index  # graph/store/text_search.py

    def _with_fetched_graphs(self, job: Job) -> ox.Store | None:
        """A one-query store holding the query's FROM graphs, when an allowlisted one has to
        be fetched (local graphs are copied in; only FROM queries with the allowlist)."""
        if job.default_graph_uris or job.named_graph_uris or not self.allowlist:
            return None
        default, named = query_text.dataset_clause(job.sparql)
        local = {
            iri
            for iri in dict.fromkeys(default + named)
            if any(True for _ in self.store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))
        }
        fetch = federation.remote_from_graphs(job.sparql, self.allowlist, local)
        if not fetch:
            return None
        temporary = ox.Store()
        for iri in dict.fromkeys(default + named):
            graph = ox.NamedNode(iri)
            if iri in fetch:
                temporary.extend(
                    ox.Quad(t.subject, t.predicate, t.object, graph)
                    for t in federation.fetch_graph(iri)
                )
            else:
                temporary.extend(self.store.quads_for_pattern(None, None, None, graph))
        return temporary

    def after_fork(self) -> None:
        if self.disk_path is not None:  # a RocksDB handle is not shared across a fork
            self.store = ox.Store.read_only(str(self.disk_path))

    def warm(self) -> None:
        # Counting walks every quad of a memory store, which makes this executor's
        # copy-on-write copy now (measured: the cheapest walk that copies it all).
        # A disk store is shared through the OS page cache and needs nothing.
        if self.disk_path is None:
            len(self.store)

    @staticmethod
    def _evaluate(store: ox.Store, sparql: str, options: dict) -> Any:
        """Evaluate with ORDER BY made total (graph/store/ordering.py); a query the rewrite
        cannot parse is evaluated as written, so its syntax error keeps its position."""
        rewritten = ordering.total_order(sparql)
        if rewritten != sparql:
            try:
                return store.query(rewritten, **options)
            except SyntaxError:
                pass
        try:
            return store.query(sparql, **options)
        except SyntaxError as exc:
            raise QuerySyntaxError.from_message(str(exc)) from None

    def run(self, job: Job) -> results.Answer:
        options: dict = {"base_iri": job.base_iri}
        if job.default_graph_uris or job.named_graph_uris:
            options["default_graph"] = [_graph_node(g) for g in job.default_graph_uris]
            options["named_graphs"] = [_graph_node(g) for g in job.named_graph_uris]
        elif not query_text.has_dataset_clause(job.sparql):
            options["use_default_graph_as_union"] = True
        options.update(text_search.query_options(job.sparql, self.search_index, "this store"))
        store = self._with_fetched_graphs(job) or self.store
        answer = self._evaluate(store, job.sparql, options)
        requested = results.format_named(job.fmt)
        if isinstance(answer, ox.QueryBoolean):
            fmt = requested if requested and requested.kind == "results" else results.JSON
            return results.Answer("ask", fmt, results.ask_bytes(bool(answer), fmt))
        if isinstance(answer, ox.QuerySolutions):
            fmt = requested if requested and requested.kind == "results" else results.JSON
            tsv, truncated = results.capped_tsv(answer, job.max_rows)
            body = results.convert_results(tsv, results.TSV, fmt)
            keep = tsv if fmt.name == "csv" else None
            return results.Answer("select", fmt, body, truncated, job.max_rows, keep)
        fmt = requested if requested and requested.kind == "graph" else results.NTRIPLES
        limit = None if job.max_rows is None else job.max_rows + 1
        triples = list(islice(answer, limit))
        truncated = job.max_rows is not None and len(triples) > job.max_rows
        if truncated:
            triples = triples[: job.max_rows]
        body = results.serialize_triples(triples, fmt)
        return results.Answer("graph", fmt, body, truncated, job.max_rows)


class OxigraphStore(PooledQueries):
    """The Store protocol over a pyoxigraph Store (in memory or read-only on disk)."""

    def __init__(
        self,
        store: ox.Store,
        limits: Limits,
        disk_path: Path | None = None,
        search_index: Path | None = None,
    ):
        self._store = store
        self._disk_path = disk_path
        self._opened_in = os.getpid()
        self._reopen_lock = threading.Lock()
        self.limits = limits
        engine = OxigraphEngine(store, disk_path, limits.service_allowlist, search_index)
        self._pool = LazyPool(engine, limits)

    @classmethod
    def open_published(
        cls,
        version_dir: Path,
        *,
        in_memory: bool,
        limits: Limits,
    ) -> OxigraphStore:
        if not in_memory and not (version_dir / "store").is_dir():
            # published without its on-disk store (a writer-only publish, as in tests)
            log.warning("%s has no store/ folder: dataset.nq is loaded into memory", version_dir)
            in_memory = True
        store = open_store(version_dir, in_memory=in_memory)
        disk_path = None if in_memory else version_dir / "store"
        return cls(store, limits, disk_path, version_dir / text_search.INDEX_FILE)

    def _reader(self) -> ox.Store:
        """The store for lookups in this process. A disk store opened in gunicorn's master is
        opened again, read-only, in each worker the first time it reads: a RocksDB handle is
        not meant to cross a fork (the executors do the same, OxigraphEngine.after_fork),
        and the pages stay shared through the OS page cache."""
        if self._disk_path is None or self._opened_in == os.getpid():
            return self._store
        with self._reopen_lock:
            if self._opened_in != os.getpid():
                self._store = open_store(self._disk_path.parent, in_memory=False)
                self._opened_in = os.getpid()
        return self._store

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: Node | None = None,
    ) -> Iterator[Quad]:
        try:
            pattern: tuple[Any, Any, Any, Any] = (
                None if subject is None else to_oxigraph(subject),
                None if predicate is None else to_oxigraph(predicate),
                None if obj is None else to_oxigraph(obj),
                graph_to_oxigraph(graph),
            )
        except (TypeError, ValueError):
            return  # a term Oxigraph cannot hold (e.g. an invalid IRI) matches nothing
        for quad in self._reader().quads_for_pattern(*pattern):
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
        return sorted(
            URIRef(g.value) for g in self._reader().named_graphs() if isinstance(g, ox.NamedNode)
        )

    def triple_count(self) -> int:
        return len(self._reader())

    def close(self) -> None:
        self._pool.close()
