"""The federation policy: this server makes no outbound request on a client's behalf.

SPARQL 1.1 Federated Query (https://www.w3.org/TR/sparql11-federated-query/) lets a query
send parts of itself to other endpoints with SERVICE. Every store checks the query text
before evaluation: a SERVICE clause is refused unless the `service_allowlist` setting names
its endpoint exactly. The check is lexical (graph/store/query_text.py: strings, IRIs and
comments skipped, codepoint escapes applied), so it runs before any parser or evaluator
could open a connection. An endpoint given by a variable (`SERVICE ?x`) is always refused:
it could only be checked during evaluation.

FROM and FROM NAMED name graphs of the store; an unknown name is an empty graph and is not
looked up on the Web. Only a FROM graph whose IRI the allowlist names, and that the store
does not hold, is fetched (`fetch_graph`: one GET, RDF content negotiation, a size cap) — by
the executor process running the query, so the query timeout bounds the fetch too.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Sequence

import pyoxigraph as ox

from ..formats import BY_NAME, by_media_type, for_path
from . import query_text
from .base import QueryRefused, UpstreamError

MAX_FETCH_BYTES = 20 * 1024 * 1024
FETCH_ACCEPT = (
    "text/turtle, application/n-triples;q=0.9, application/rdf+xml;q=0.8, "
    "application/ld+json;q=0.7, application/trig;q=0.6, application/n-quads;q=0.6"
)

SETTING = "service_allowlist"


def check(text: str, allowlist: Sequence[str]) -> None:
    """Raise QueryRefused when a SERVICE clause names an endpoint not in `allowlist`."""
    if not query_text.has_service(text):
        return
    if not allowlist:
        raise QueryRefused(
            "SERVICE is not allowed here: this server sends no request to other endpoints on "
            f"a client's behalf, and the `{SETTING}` setting names none. Query the other "
            "endpoint yourself, or ask the operator to add it to service_allowlist."
        )
    base, prefixes = query_text.prologue(text)
    allowed = set(allowlist)
    for target in query_text.service_targets(text):
        endpoint = query_text.resolve(target, base, prefixes)
        if endpoint is None:
            raise QueryRefused(
                f"SERVICE {target} is refused: only endpoints written as IRIs can be checked "
                f"against the `{SETTING}` setting."
            )
        if endpoint not in allowed:
            raise QueryRefused(
                f"SERVICE <{endpoint}> is refused: the `{SETTING}` setting does not name it "
                f"(allowed: {', '.join(sorted(allowed))})."
            )


def remote_from_graphs(text: str, allowlist: Sequence[str], local: set[str]) -> list[str]:
    """The FROM / FROM NAMED graphs of a query to fetch: allowlisted and not held locally."""
    if not allowlist:
        return []
    default, named = query_text.dataset_clause(text)
    allowed = set(allowlist)
    return [iri for iri in dict.fromkeys(default + named) if iri in allowed and iri not in local]


def fetch_graph(iri: str, timeout: float = 60.0) -> list[ox.Triple]:
    """GET an allowlisted graph document and parse it (graph names in it are dropped)."""
    request = urllib.request.Request(
        iri, headers={"Accept": FETCH_ACCEPT, "User-Agent": "prospectus"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            body = response.read(MAX_FETCH_BYTES + 1)
            content_type = response.headers.get("Content-Type", "")
    except (urllib.error.URLError, OSError) as exc:
        raise UpstreamError(f"FROM <{iri}> could not be fetched: {exc}") from None
    if len(body) > MAX_FETCH_BYTES:
        raise UpstreamError(f"FROM <{iri}> is larger than {MAX_FETCH_BYTES} bytes")
    fmt = by_media_type(content_type, "graph") or for_path(iri.split("?", 1)[0])
    if fmt is None or fmt.kind != "graph":
        fmt = BY_NAME["turtle"]
    try:
        return [
            quad.triple
            for quad in ox.parse(body, getattr(ox.RdfFormat, fmt.oxigraph or ""), base_iri=iri)
        ]
    except SyntaxError as exc:
        raise UpstreamError(f"FROM <{iri}> is not valid {fmt.label}: {exc}") from None
