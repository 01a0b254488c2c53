"""Query results as bytes: the row cap, and conversion between formats, all in pyoxigraph.

SPARQL 1.1 Query Results formats: JSON (https://www.w3.org/TR/sparql11-results-json/),
XML (https://www.w3.org/TR/rdf-sparql-XMLres/), CSV and TSV
(https://www.w3.org/TR/sparql11-results-csv-tsv/). Graph results use the RDF formats of
graph.formats.

The row cap works on TSV, where every solution is exactly one line (line breaks inside
literals are escaped): the native serializer writes into `LineCap`, which stops it as soon
as one row more than the cap has been written, so a huge result is never produced in full.
The capped TSV is then parsed and written in the requested format, natively.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any, cast

import pyoxigraph as ox

from ..formats import BY_NAME, Format
from .base import QueryKind, StoreError

TSV = BY_NAME["tsv"]
JSON = BY_NAME["json"]
NTRIPLES = BY_NAME["ntriples"]


def format_named(name: str | None) -> Format | None:
    return BY_NAME.get(name) if name else None


def results_format(fmt: Format) -> ox.QueryResultsFormat:
    return getattr(ox.QueryResultsFormat, fmt.oxigraph or "")


def rdf_format(fmt: Format) -> ox.RdfFormat:
    return getattr(ox.RdfFormat, fmt.oxigraph or "")


class _Enough(Exception):
    """Raised inside LineCap.write to stop a serializer once the cap is passed."""


class LineCap:
    """A binary sink that keeps `limit` lines and notes whether more were offered."""

    def __init__(self, limit: int):
        self.limit = limit
        self.chunks: list[bytes] = []
        self.lines = 0
        self.overflow = False

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.lines += data.count(b"\n")
        if self.lines > self.limit:
            self.overflow = True
            raise _Enough
        return len(data)

    def flush(self) -> None:
        return None

    def value(self) -> bytes:
        data = b"".join(self.chunks)
        if self.lines > self.limit:
            cut = -1
            for _ in range(self.limit):
                cut = data.index(b"\n", cut + 1)
            data = data[: cut + 1]
        return data


def capped_tsv(solutions: ox.QuerySolutions, max_rows: int | None) -> tuple[bytes, bool]:
    """Serialise solutions as TSV, at most `max_rows` rows; (tsv, truncated)."""
    if max_rows is None:
        return solutions.serialize(format=ox.QueryResultsFormat.TSV) or b"", False
    sink = LineCap(max_rows + 1)  # the header line, then the rows
    try:
        solutions.serialize(cast(IO[bytes], sink), format=ox.QueryResultsFormat.TSV)
    except _Enough:
        pass
    except OSError:
        if not sink.overflow:
            raise
    if not sink.overflow and sink.lines == 0:
        # Zero variables and zero rows still need the (empty) header line.
        return b"\n", False
    return sink.value(), sink.overflow


def convert_results(body: bytes, source: Format, target: Format) -> bytes:
    """Re-serialise SELECT results from one results format to another."""
    if source == target:
        return body
    if source.name == "csv":
        raise StoreError("CSV results cannot be converted (CSV loses term types)")
    parsed = ox.parse_query_results(body, results_format(source))
    if isinstance(parsed, ox.QueryBoolean):
        return ask_bytes(bool(parsed), target)
    return parsed.serialize(format=results_format(target)) or b""


def ask_bytes(value: bool, fmt: Format) -> bytes:
    """An ASK result in JSON, XML, CSV or TSV."""
    if fmt.name == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt.name == "xml":
        return (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
        ).encode()
    if fmt.name in ("csv", "tsv"):
        return b"true\n" if value else b"false\n"
    raise StoreError(f"an ASK result cannot be written as {fmt.label or fmt.name}")


def parse_ask(body: bytes, fmt: Format) -> bool:
    if fmt.name in ("csv", "tsv"):
        return body.strip().lower() == b"true"
    parsed = ox.parse_query_results(body, results_format(fmt))
    if not isinstance(parsed, ox.QueryBoolean):
        raise StoreError("expected a boolean result")
    return bool(parsed)


def serialize_triples(triples: Iterable[ox.Triple], fmt: Format) -> bytes:
    """CONSTRUCT/DESCRIBE triples in any graph format (quad formats put them in the default
    graph)."""
    items: Iterable[Any]
    if fmt.quads and fmt.name != "jsonld":
        items = (ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    else:
        items = triples
    return ox.serialize(items, format=rdf_format(fmt)) or b""


def convert_graph(body: bytes, source: Format, target: Format) -> bytes:
    if source == target:
        return body
    triples = [q.triple for q in ox.parse(body, rdf_format(source))]
    return serialize_triples(triples, target)


@dataclass
class Answer:
    """A query result already serialised in one format; converts on demand."""

    kind: QueryKind
    fmt: Format
    body: bytes
    truncated: bool = False
    max_rows: int | None = None
    tsv: bytes | None = None  # SELECT results kept as TSV when `fmt` is lossy (CSV)

    def serialize(self, fmt: Format) -> bytes:
        if fmt == self.fmt:
            return self.body
        if self.tsv is not None:
            return convert_results(self.tsv, TSV, fmt)
        if self.kind == "graph":
            if fmt.kind != "graph":
                raise StoreError(f"a CONSTRUCT/DESCRIBE result cannot be written as {fmt.name}")
            return convert_graph(self.body, self.fmt, fmt)
        if fmt.kind != "results":
            raise StoreError(f"a SELECT/ASK result cannot be written as {fmt.name}")
        if self.kind == "ask":
            return ask_bytes(parse_ask(self.body, self.fmt), fmt)
        return convert_results(self.body, self.fmt, fmt)


def default_format(kind: QueryKind) -> Format:
    return NTRIPLES if kind == "graph" else JSON
