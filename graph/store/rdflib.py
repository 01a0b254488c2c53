"""The rdflib store, for small graphs: an in-memory rdflib Dataset.

Queries run in executor processes like Oxigraph's (graph/store/query_pool.py), so the timeout
stops pure-Python evaluation as well. The query's dataset is built here, never by rdflib:
FROM / FROM NAMED and the protocol's graph lists select graphs of the Dataset, and nothing is
fetched (rdflib would otherwise dereference an unknown FROM graph). Results are written by
rdflib's serializers; SELECT results are converted to TSV by pyoxigraph.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import rdflib.plugins.sparql as rdflib_sparql
from pyparsing import ParseException
from rdflib import Dataset, Graph, URIRef
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.evaluate import evalQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLResult
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import IdentifiedNode, Node

from ..formats import Format
from . import federation, ordering, results, text_search
from .base import Quad, QuerySyntaxError, QueryTooDeep, StoreError
from .query_pool import Job, LazyPool, Limits, PooledQueries
from .terms import dataset_of, to_rdflib

RECURSION_LIMIT = 50_000


def _context_id(node: Node | Graph | None) -> Node | None:
    if node is None:
        return None
    return node.identifier if isinstance(node, Graph) else node


class RdflibEngine:
    """Evaluates jobs with rdflib's SPARQL engine; runs inside executor processes."""

    def __init__(self, dataset: Dataset, allowlist: Sequence[str] = ()):
        self.dataset = dataset
        self.allowlist = tuple(allowlist)

    def after_fork(self) -> None:
        rdflib_sparql.SPARQL_LOAD_GRAPHS = False  # FROM never reaches the network
        # pyparsing recurses about 40 frames per nested group: the default limit of 1000
        # stops at 24 nested parentheses. Python 3.11 calls between Python functions use
        # little of the C stack, so a far higher limit is safe (measured: 1,000 levels).
        sys.setrecursionlimit(RECURSION_LIMIT)

    def warm(self) -> None:
        for _quad in self.dataset.quads((None, None, None, None)):  # copy-on-write, now
            pass

    def _triples(self, iri: str, fetch: Sequence[str]) -> Iterable[tuple[Node, Node, Node]]:
        if iri in fetch:
            triples = [
                (to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object))
                for t in federation.fetch_graph(iri)
            ]
            return cast(list[tuple[Node, Node, Node]], triples)
        return self.dataset.get_context(URIRef(iri))

    def _dataset_for(
        self, default: Sequence[str], named: Sequence[str], fetch: Sequence[str] = ()
    ) -> Dataset:
        chosen = Dataset()
        for iri in default:
            for triple in self._triples(iri, fetch):
                chosen.default_context.add(triple)
        for iri in named:
            graph = chosen.graph(URIRef(iri))
            for triple in self._triples(iri, fetch):
                graph.add(triple)
        return chosen

    @staticmethod
    def _parse(sparql: str, base_iri: str | None) -> Query:
        try:
            return translateQuery(parseQuery(sparql), base=base_iri)
        except ParseException as exc:
            raise QuerySyntaxError(
                f"{exc.msg} at {exc.lineno}:{exc.col}: {exc.line.strip()}", exc.lineno, exc.col
            ) from None
        except RecursionError:
            raise QueryTooDeep(
                "the query is nested too deeply for the rdflib store's parser; nest fewer "
                "groups, parentheses or brackets inside each other"
            ) from None
        except Exception as exc:  # noqa: BLE001 - rdflib reports some syntax errors this way
            raise QuerySyntaxError(f"{type(exc).__name__}: {exc}") from None

    def _prepare(self, sparql: str, base_iri: str | None) -> Query:
        """The query with ORDER BY made total (graph/store/ordering.py); one the rewrite
        cannot parse is prepared as written, so its syntax error keeps its position."""
        rewritten = ordering.total_order(sparql)
        if rewritten != sparql:
            try:
                return self._parse(rewritten, base_iri)
            except QuerySyntaxError:
                pass
        return self._parse(sparql, base_iri)

    def run(self, job: Job) -> results.Answer:
        query = self._prepare(job.sparql, job.base_iri)
        text_search.refuse(job.sparql, "the rdflib store")
        clause = query.algebra.get("datasetClause") or []
        default, named = job.default_graph_uris, job.named_graph_uris
        fetch: list[str] = []
        if not (default or named) and clause:
            default = tuple(str(d.default) for d in clause if d.get("default"))
            named = tuple(str(d.named) for d in clause if d.get("named"))
            local = {str(c.identifier) for c in self.dataset.contexts()}
            fetch = federation.remote_from_graphs(job.sparql, self.allowlist, local)
        query.algebra["datasetClause"] = None
        if default or named:
            target = self._dataset_for(default, named, fetch)
            rdflib_sparql.SPARQL_DEFAULT_GRAPH_UNION = False
        else:
            target = self.dataset
            rdflib_sparql.SPARQL_DEFAULT_GRAPH_UNION = True
        answer = SPARQLResult(evalQuery(target, query, base=job.base_iri))
        requested = results.format_named(job.fmt)
        if answer.type == "ASK":
            fmt = requested if requested and requested.kind == "results" else results.JSON
            return results.Answer("ask", fmt, results.ask_bytes(bool(answer.askAnswer), fmt))
        if answer.type == "SELECT":
            fmt = requested if requested and requested.kind == "results" else results.JSON
            return self._select(answer, fmt, job.max_rows)
        fmt = requested if requested and requested.kind == "graph" else results.NTRIPLES
        return self._graph(answer.graph, fmt, job.max_rows)

    def _select(self, answer: Result, fmt: Format, max_rows: int | None) -> results.Answer:
        rows: list[Any] = []
        truncated = False
        for row in answer.bindings:
            if max_rows is not None and len(rows) >= max_rows:
                truncated = True
                break
            rows.append(row)
        capped = Result("SELECT")
        capped.vars = answer.vars
        capped.bindings = rows
        body = capped.serialize(format="json") or b""
        tsv = results.convert_results(body, results.JSON, results.TSV)
        body = results.convert_results(tsv, results.TSV, fmt)
        keep = tsv if fmt.name == "csv" else None
        return results.Answer("select", fmt, body, truncated, max_rows, keep)

    def _graph(self, graph: Graph | None, fmt: Format, max_rows: int | None) -> results.Answer:
        triples = list(graph or ())
        truncated = max_rows is not None and len(triples) > max_rows
        if truncated:
            triples = triples[:max_rows]
        if fmt.quads and fmt.name != "jsonld":
            out: Graph = Dataset()
            for triple in triples:
                out.add(triple)
        else:
            out = Graph()
            for triple in triples:
                out.add(triple)
        body = out.serialize(format=fmt.rdflib or "nt", encoding="utf-8")
        return results.Answer("graph", fmt, body, truncated, max_rows)


class RdflibStore(PooledQueries):
    """The Store protocol over an in-memory rdflib Dataset whose default graph is the union."""

    def __init__(self, dataset: Dataset, limits: Limits):
        dataset.default_union = True
        self.dataset = dataset
        self.limits = limits
        self._pool = LazyPool(RdflibEngine(dataset, limits.service_allowlist), limits)

    @classmethod
    def open_published(cls, version_dir: Path, *, limits: Limits) -> RdflibStore:
        dataset = Dataset()
        path = version_dir / "dataset.nq"
        try:
            dataset.parse(path, format="nquads")
        except (OSError, SyntaxError) as exc:
            raise StoreError(f"could not load {path} into rdflib: {exc}") from exc
        return cls(dataset, limits)

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: Node | None = None,
    ) -> Iterator[Quad]:
        default_id = self.dataset.default_context.identifier
        context = (
            None
            if graph is None
            else self.dataset.get_context(cast(IdentifiedNode, _context_id(graph)))
        )
        for s, p, o, g in self.dataset.quads((subject, predicate, obj, context)):
            name = _context_id(g)
            yield s, p, o, (None if name == default_id else name)

    def describe(self, iri: URIRef) -> Dataset:
        return dataset_of((*self.quads(iri, None, None, None), *self.quads(None, None, iri, None)))

    def named_graphs(self) -> list[URIRef]:
        default_id = self.dataset.default_context.identifier
        return sorted(
            URIRef(str(c.identifier))
            for c in self.dataset.contexts()
            if c.identifier != default_id and isinstance(c.identifier, URIRef)
        )

    def triple_count(self) -> int:
        return sum(len(c) for c in self.dataset.contexts())

    def close(self) -> None:
        self._pool.close()
