"""The remote store: an existing triple store (Virtuoso, Fuseki, GraphDB, QLever, Oxigraph
server) reached over the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/)
through SPARQLWrapper; the app itself stays stateless.

* Queries go as URL-encoded POSTs with default-graph-uri / named-graph-uri, and ask the remote
  for the negotiated format (CSV is fetched as TSV, which keeps term types, and converted;
  ASK is fetched as JSON). The remote must expose the union of its graphs as its default
  graph (Virtuoso and GraphDB do; Fuseki: `tdb2:unionDefaultGraph true`; Oxigraph:
  `--union-default-graph`).
* The timeout is a deadline on the whole exchange (connect, wait, read); at the deadline the
  connection is dropped and QueryTimedOut raised. The remote may keep working until its own
  limit: configure one there too.
* The row cap is applied here: a longer result is parsed and cut (pyoxigraph), and says so.
* ORDER BY is rewritten into a total order before it is sent (graph/store/ordering.py), and
  heavy queries (graph/store/lanes.py) hold at most all threads of a worker but one.
* Lookups (`quads`, `describe`) are SELECT queries over `GRAPH ?g`.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import cast

import pyoxigraph as ox
from rdflib import BNode, Dataset, URIRef
from rdflib.term import Node
from SPARQLWrapper import POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from ..formats import BY_NAME, Format, by_media_type
from . import federation, lanes, ordering, query_text, results, text_search
from .base import Quad, QueryQueueFull, QuerySyntaxError, QueryTimedOut, StoreError
from .query_pool import Limits
from .stats import stats
from .terms import dataset_of, term_from_json

CHUNK = 64 * 1024


class RemoteStore:
    """The Store protocol over a remote SPARQL 1.1 query endpoint."""

    def __init__(self, endpoint: str, limits: Limits):
        if not endpoint:
            raise StoreError(
                "the `store` setting is remote but `remote_endpoint` is empty: "
                "set it to the URL of the SPARQL query endpoint"
            )
        self.endpoint = endpoint
        self.limits = limits
        self._lock = threading.Lock()
        self._heavy = 0
        stats()

    # -- the protocol exchange ---------------------------------------------------------------

    def _fetch(
        self,
        sparql: str,
        accept: str,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        timeout: float | None = None,
    ) -> tuple[bytes, str]:
        client = SPARQLWrapper(self.endpoint)
        client.setOnlyConneg(True)
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setQuery(sparql)
        for iri in default_graph_uris:
            client.addDefaultGraph(iri)
        for iri in named_graph_uris:
            client.addNamedGraph(iri)
        client.addCustomHttpHeader("Accept", accept)
        deadline = None if timeout is None else time.monotonic() + timeout
        if timeout is not None:
            client.timeout = timeout  # type: ignore[assignment]  # setTimeout() truncates to int
        try:
            response = client.query().response
            chunks = []
            while True:
                if deadline is not None and time.monotonic() > deadline:
                    raise TimeoutError
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
            content_type = response.headers.get("Content-Type", "")
        except QueryBadFormed as exc:
            raise QuerySyntaxError.from_message(_message(exc)) from None
        except TimeoutError:
            raise QueryTimedOut(timeout or 0.0) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise QueryTimedOut(timeout or 0.0) from None
            raise StoreError(f"the remote SPARQL endpoint {self.endpoint} failed: {exc}") from None
        except SPARQLWrapperException as exc:
            raise StoreError(
                f"the remote SPARQL endpoint {self.endpoint} failed: {_message(exc)}"
            ) from None
        except OSError as exc:
            raise StoreError(f"the remote SPARQL endpoint {self.endpoint} failed: {exc}") from None
        return b"".join(chunks), content_type

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
    ) -> results.Answer:
        federation.check(sparql, self.limits.service_allowlist)
        text_search.refuse(sparql, "a remote SPARQL store")
        args = (default_graph_uris, named_graph_uris, timeout, max_rows, fmt, base_iri)
        with self._admitted(lanes.classify(sparql)):
            rewritten = ordering.total_order(sparql)
            if rewritten != sparql:
                try:
                    return self._query(rewritten, *args)
                except QuerySyntaxError:
                    pass  # the remote's own message, for the query as written, below
            return self._query(sparql, *args)

    @contextmanager
    def _admitted(self, lane: lanes.Lane) -> Iterator[None]:
        """Heavy queries hold at most all threads of the worker but one, so that pages and
        cheap queries always find a thread; one more is refused at once."""
        if lane == "cheap":
            yield
            return
        bound = max(1, self.limits.threads - 1)
        with self._lock:
            if self._heavy >= bound:
                stats().add("refused_busy")
                raise QueryQueueFull(self._heavy, 0, max(1, int((self.limits.timeout or 10) / 2)))
            self._heavy += 1
        stats().add("running_heavy")
        try:
            yield
        finally:
            with self._lock:
                self._heavy -= 1
            stats().add("running_heavy", -1)

    def _query(
        self,
        sparql: str,
        default_graph_uris: Sequence[str],
        named_graph_uris: Sequence[str],
        timeout: float | None,
        max_rows: int | None,
        fmt: Format | None,
        base_iri: str | None,
    ) -> results.Answer:
        form = query_text.query_form(sparql)
        cap = self.limits.max_rows if max_rows is None else max_rows
        limit = self.limits.timeout if timeout is None else timeout
        if base_iri and query_text.has_relative_iri(sparql):
            sparql = f"BASE <{base_iri}> {sparql}"  # same line: error positions stay close
        if not (default_graph_uris or named_graph_uris):
            # FROM / FROM NAMED as protocol parameters: the same dataset (the protocol's
            # wins anyway), and remotes that serve a union default graph honour them.
            default_graph_uris, named_graph_uris = query_text.dataset_clause(sparql)
        graph_form = form in ("construct", "describe")
        if fmt is None or (fmt.kind == "graph") != graph_form:
            fmt = results.default_format("graph" if graph_form else "select")
        if form == "ask":
            body, _type = self._fetch(
                sparql, results.JSON.media_type, default_graph_uris, named_graph_uris, limit
            )
            value = results.parse_ask(body, results.JSON)
            return results.Answer("ask", fmt, results.ask_bytes(value, fmt))
        if graph_form:
            return self._graph(sparql, fmt, cap, limit, default_graph_uris, named_graph_uris)
        return self._select(sparql, fmt, cap, limit, default_graph_uris, named_graph_uris)

    def _select(
        self,
        sparql: str,
        fmt: Format,
        cap: int | None,
        limit: float | None,
        default: Sequence[str],
        named: Sequence[str],
    ) -> results.Answer:
        ask_for = results.TSV if fmt.name == "csv" else fmt
        body, content_type = self._fetch(sparql, ask_for.media_type, default, named, limit)
        got = by_media_type(content_type, "results") or ask_for
        if got.name == "csv":
            raise StoreError(
                f"the remote endpoint {self.endpoint} answered CSV when asked "
                f"for {ask_for.media_type}"
            )
        parsed = ox.parse_query_results(body, results.results_format(got))
        if isinstance(parsed, ox.QueryBoolean):
            return results.Answer("ask", fmt, results.ask_bytes(bool(parsed), fmt))
        tsv, truncated = results.capped_tsv(parsed, cap)
        if not truncated and got == fmt:
            return results.Answer("select", fmt, body, False, cap)
        out = results.convert_results(tsv, results.TSV, fmt)
        return results.Answer(
            "select", fmt, out, truncated, cap, tsv if fmt.name == "csv" else None
        )

    def _graph(
        self,
        sparql: str,
        fmt: Format,
        cap: int | None,
        limit: float | None,
        default: Sequence[str],
        named: Sequence[str],
    ) -> results.Answer:
        body, content_type = self._fetch(sparql, fmt.media_type, default, named, limit)
        got = by_media_type(content_type, "graph") or fmt
        triples = [
            q.triple
            for q in islice(
                ox.parse(body, results.rdf_format(got)), None if cap is None else cap + 1
            )
        ]
        truncated = cap is not None and len(triples) > cap
        if not truncated and got == fmt:
            return results.Answer("graph", fmt, body, False, cap)
        out = results.serialize_triples(triples[:cap] if truncated else triples, fmt)
        return results.Answer("graph", fmt, out, truncated, cap)

    # -- lookups -----------------------------------------------------------------------------

    def _select_rows(self, sparql: str) -> list[dict[str, Node]]:
        body, _type = self._fetch(sparql, BY_NAME["json"].media_type, timeout=self.limits.timeout)
        data = json.loads(body)
        return [
            {name: term_from_json(cell) for name, cell in row.items()}
            for row in data.get("results", {}).get("bindings", [])
        ]

    def quads(
        self,
        subject: Node | None = None,
        predicate: Node | None = None,
        obj: Node | None = None,
        graph: Node | None = None,
    ) -> Iterator[Quad]:
        terms = []
        for name, node in (("s", subject), ("p", predicate), ("o", obj), ("g", graph)):
            if node is None or isinstance(node, BNode):
                terms.append(f"?{name}")
            else:
                terms.append(node.n3())
        s, p, o, g = terms
        rows = self._select_rows(f"SELECT * WHERE {{ GRAPH {g} {{ {s} {p} {o} }} }}")
        for row in rows:
            quad = (
                row.get("s", subject),
                row.get("p", predicate),
                row.get("o", obj),
                row.get("g", graph),
            )
            yield cast(Quad, quad)

    def describe(self, iri: URIRef) -> Dataset:
        return dataset_of((*self.quads(iri, None, None, None), *self.quads(None, None, iri, None)))

    def named_graphs(self) -> list[URIRef]:
        rows = self._select_rows("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(URIRef(str(row["g"])) for row in rows if isinstance(row.get("g"), URIRef))

    def triple_count(self) -> int:
        rows = self._select_rows("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        return int(str(rows[0]["n"])) if rows else 0

    def start(self) -> None:
        return None  # nothing runs here: the remote store evaluates

    def wait_ready(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None:
        return None


def _message(exc: SPARQLWrapperException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, bytes):
        return response.decode("utf-8", "replace").strip()
    return str(exc)
