"""The SPARQL 1.1 Protocol query operation, without Flask: request parts in, a frozen
QueryRequest (or a typed error) out.

Specification: SPARQL 1.1 Protocol, https://www.w3.org/TR/sparql11-protocol/ — §2.1 the
query operation, with its three forms told apart by method and Content-Type
(§2.1.1 query via GET, §2.1.2 via URL-encoded POST, §2.1.3 via POST directly), the
dataset parameters default-graph-uri / named-graph-uri (§2.1.4), and the failure responses
(§2.1.5: 400 for a malformed query or request). The service is read-only: the update
operation (§2.2) is refused. Service description: SPARQL 1.1 Service Description,
https://www.w3.org/TR/sparql11-service-description/.

Rules applied here, in order:

* GET carries everything in the query string; POST must be
  `application/x-www-form-urlencoded` (parameters in the body; dataset parameters may also
  be in the URL, as the W3C tests send them) or `application/sparql-query` (the body is the
  query, UTF-8 only, parameters in the URL). Any other Content-Type is 415.
* exactly one `query`; an `update` (any form, or application/sparql-update) is refused with
  403 because the service is read-only.
* the query is at most `max_query_length` characters (413 names the setting) and nests at
  most `max_query_depth` levels of `{ } ( ) [ ]` (400 names the setting and the position:
  parsers recurse once per level, and pyoxigraph's crashed at a few thousand).
* graph IRIs must be absolute IRIs; `format` is an explicit output format (conneg).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

from graph.formats import Kind, by_media_type, by_request_name
from graph.store import query_text
from graph.store.stats import stats

from .errors import ProtocolError, QueryTooLarge

SPEC = "https://www.w3.org/TR/sparql11-protocol/"
QUERY_OPERATION = SPEC + "#query-operation"
UPDATE_OPERATION = SPEC + "#update-operation"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")


class UnsupportedMediaType(ProtocolError):
    status = 415
    title = "Unsupported media type"


class ReadOnly(ProtocolError):
    """SPARQL Update on this read-only service."""

    status = 403
    title = "Read-only service"


@dataclass(frozen=True)
class QueryRequest:
    """One SPARQL protocol query operation."""

    query: str
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()  # explicit `format` parameters, as sent
    form: query_text.Form = "unknown"  # select, ask, construct, describe

    @property
    def kind(self) -> str:
        """The result kind: 'results' for SELECT/ASK, 'graph' for CONSTRUCT/DESCRIBE."""
        return "graph" if self.form in ("construct", "describe") else "results"

    @property
    def format(self) -> str | None:
        """The explicit output format, as a graph.formats name (or the value as sent)."""
        return resolve_format(self.formats, self.kind)


def _media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        return "", {}
    head, *params = content_type.split(";")
    options = {}
    for param in params:
        name, _, value = param.partition("=")
        options[name.strip().lower()] = value.strip().strip('"')
    return head.strip().lower(), options


def _decode(body: bytes, charset: str | None, what: str) -> str:
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            f"{what} must be encoded in UTF-8, not {charset} (SPARQL 1.1 Protocol §2.1.3)",
            help_url=SPEC + "#query-via-post-direct",
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            f"{what} is not valid UTF-8 (byte {exc.start})", help_url=QUERY_OPERATION
        ) from None


def _form_pairs(body: bytes) -> list[tuple[str, str]]:
    try:
        text = body.decode("ascii")
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(
            f"the form body is not valid URL-encoded UTF-8: {exc}",
            help_url=SPEC + "#query-via-post-urlencoded",
        ) from None


def _only(pairs: Sequence[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in pairs if k == name]
    if len(values) > 1:
        raise ProtocolError(
            f"the request has {len(values)} '{name}' parameters; the protocol allows exactly one",
            help_url=QUERY_OPERATION,
        )
    return values[0] if values else None


def _graphs(pairs: Iterable[tuple[str, str]], name: str) -> tuple[str, ...]:
    out = []
    for key, value in pairs:
        if key != name:
            continue
        value = value.strip()
        if not _IRI.match(value):
            raise ProtocolError(
                f"{name} {value!r} is not an absolute IRI", help_url=SPEC + "#dataset"
            )
        if value not in out:
            out.append(value)
    return tuple(out)


def parse_request(
    method: str,
    content_type: str | None,
    args: Sequence[tuple[str, str]],
    body: bytes,
    *,
    max_query_length: int,
    max_query_depth: int = 0,
) -> QueryRequest | None:
    """The query operation in a request, or None for a GET without `query` (the service
    description / query page). Raises ProtocolError (400), UnsupportedMediaType (415),
    ReadOnly (403) or QueryTooLarge (413). `max_query_depth` 0 means no depth limit."""
    method = method.upper()
    media_type, params = _media_type(content_type)
    pairs = list(args)
    if method == "GET":
        pass
    elif method == "POST":
        if media_type == FORM:
            _decode(body, params.get("charset"), "the form body")
            pairs += _form_pairs(body)
        elif media_type == DIRECT:
            if any(k in ("query", "update") for k, _ in pairs):
                raise ProtocolError(
                    "a POST of application/sparql-query carries the query in its body; do not "
                    "also send a 'query' parameter",
                    help_url=SPEC + "#query-via-post-direct",
                )
            text = _decode(body, params.get("charset"), "the query")
            pairs.append(("query", text))
        elif media_type == UPDATE:
            raise ReadOnly(
                "this SPARQL service is read-only: SPARQL Update is not accepted",
                help_url=UPDATE_OPERATION,
            )
        elif not media_type:
            raise UnsupportedMediaType(
                "a POST must say what it carries: Content-Type "
                f"{FORM} (query=… in the body) or {DIRECT} (the query as the body)",
                help_url=QUERY_OPERATION,
            )
        else:
            raise UnsupportedMediaType(
                f"POST bodies of type {media_type} are not a SPARQL query; use {FORM} or {DIRECT}",
                help_url=QUERY_OPERATION,
            )
    else:
        raise ProtocolError(
            f"the SPARQL protocol uses GET or POST, not {method}",
            status=405,
            help_url=QUERY_OPERATION,
        )
    if any(k in ("update", "using-graph-uri", "using-named-graph-uri") for k, _ in pairs):
        raise ReadOnly(
            "this SPARQL service is read-only: SPARQL Update is not accepted",
            help_url=UPDATE_OPERATION,
        )
    query = _only(pairs, "query")
    formats = tuple(v for k, v in pairs if k == "format" and v)
    if query is None:
        if method == "POST":
            raise ProtocolError("the request has no 'query' parameter", help_url=QUERY_OPERATION)
        return None
    if len(query) > max_query_length:
        raise QueryTooLarge(
            f"the query is {len(query)} characters long; the limit is {max_query_length} "
            "(the `max_query_length` setting)"
        )
    if not query.strip():
        raise ProtocolError("the 'query' parameter is empty", help_url=QUERY_OPERATION)
    deep = query_text.too_deep(query, max_query_depth)
    if deep is not None:
        stats().add("refused_depth")
        raise ProtocolError(
            f"the query nests more than {max_query_depth} levels deep (groups {{ }}, "
            "parentheses, brackets or ! in a row): level "
            f"{deep.depth} is reached at line {deep.line}, column {deep.column}; the limit is "
            "the `max_query_depth` setting. Flatten the query (fewer nested groups or "
            "parentheses).",
            help_url="https://www.w3.org/TR/sparql11-query/#grammar",
        )
    form = query_text.query_form(query)
    if form == "update":
        raise ReadOnly(
            "this SPARQL service is read-only: SPARQL Update is not accepted, "
            "and an update is not a query",
            help_url=UPDATE_OPERATION,
        )
    return QueryRequest(
        query=query,
        default_graph_uris=_graphs(pairs, "default-graph-uri"),
        named_graph_uris=_graphs(pairs, "named-graph-uri"),
        formats=formats,
        form=form,
    )


def resolve_format(values: Sequence[str], kind: str) -> str | None:
    """The first `format` value that names a format for this kind of result (by one of its
    names in graph/formats.py, which SPARQL clients send: SPARQLWrapper sends a short name
    and a media type, and "xml" and "json" mean RDF/XML and JSON-LD for a CONSTRUCT, or by
    media type); the first value as sent when none does (conneg then answers 406)."""
    of: Kind = "graph" if kind == "graph" else "results"
    for value in values:
        key = value.strip().lower()
        fmt = by_request_name(key, of, "page") or by_media_type(key, of, "page")
        if fmt is not None:
            return fmt.name
    return values[0] if values else None
