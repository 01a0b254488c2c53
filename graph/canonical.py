"""Deterministic RDF: the same statements always give the same bytes, terms as written.

Shared by the build's writers (dumps, change records, the ELM export), the importers'
records (graph/ingest/records.py) and every reader of a published version:

- terms are the ones the sources wrote: literals keep their lexical form ("P24M" stays
  "P24M", "120.0" stays "120.0"). pyoxigraph's in-memory `Dataset` keeps them, a pyoxigraph
  `Store` does not (it gives numbers, dates and durations back in canonical form), and
  rdflib keeps them only inside `literals_as_written()`;
- blank nodes are relabelled with RDF Dataset Canonicalization (RDFC-1.0,
  https://www.w3.org/TR/rdf-canon/), so a re-parsed graph gets the same labels;
- lines (N-Triples, N-Quads) and statements (Turtle) are sorted by code point, and Turtle
  carries the project's prefixes in a fixed order;
- gzip members carry mtime 0 and no file name, at a fixed compression level.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import pyoxigraph as ox
import rdflib
from rdflib import Graph

from .errors import PublishError
from .iris import PREFIXES

GZIP_LEVEL = 9


@contextmanager
def literals_as_written() -> Iterator[None]:
    """Keep every literal's lexical form as written while rdflib parses ("P24M" stays
    "P24M", not "P2Y")."""
    saved = rdflib.NORMALIZE_LITERALS
    rdflib.NORMALIZE_LITERALS = False
    try:
        yield
    finally:
        rdflib.NORMALIZE_LITERALS = saved


def to_bytes(
    items: Iterable[ox.Triple] | Iterable[ox.Quad] | ox.Dataset,
    fmt: ox.RdfFormat,
    prefixes: dict[str, str] | None = None,
) -> bytes:
    """pyoxigraph's serialisation of `items` (its `serialize` gives bytes when given no file)."""
    if prefixes is None:
        return ox.serialize(items, format=fmt) or b""
    return ox.serialize(items, format=fmt, prefixes=prefixes) or b""


def canonical_dataset(nquads: bytes) -> ox.Dataset:
    """Parse N-Quads into an in-memory dataset, terms as written, blank nodes relabelled
    (RDFC-1.0)."""
    try:
        dataset = ox.Dataset(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    except SyntaxError as exc:
        raise PublishError(f"the version's N-Quads do not parse: {exc}") from None
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return dataset


def sorted_lines(data: bytes) -> bytes:
    """Distinct non-empty lines, sorted by code point, each ending in a line break."""
    lines = sorted(set(line for line in data.split(b"\n") if line.strip()))
    return b"".join(line + b"\n" for line in lines)


def union_triples(dataset: ox.Dataset) -> list[ox.Triple]:
    """Every distinct triple of every graph, sorted."""
    unique = {q.triple for q in dataset}
    return sorted(unique, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def turtle(triples: list[ox.Triple], extra_prefixes: dict[str, str] | None = None) -> bytes:
    """Turtle with the project prefixes (in a fixed order) and absolute IRIs.

    No @base: pyoxigraph relativises every IRI against a base, including other hosts'
    (`<//ror.org/…>`) and other paths (`</other/x>`), and even the prefix declarations;
    such references are valid but easy to misread, so data IRIs are written whole (their
    slashes would have to be escaped in prefixed names)."""
    table = {k: v for k, v in PREFIXES.items() if k != "id"}
    table.update(extra_prefixes or {})
    body = to_bytes(triples, ox.RdfFormat.TURTLE, table)
    # The serialiser writes its own header in hash order; ours is sorted.
    lines = body.split(b"\n")
    start = next((i for i, line in enumerate(lines) if not line.startswith(b"@prefix")), len(lines))
    header = [f"@prefix {k}: <{v}> .".encode() for k, v in sorted(table.items())]
    return b"\n".join([*header, *lines[start:]])


def gzip_bytes(data: bytes) -> bytes:
    """gzip with no file name and mtime 0: identical input gives identical bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(
        filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=GZIP_LEVEL
    ) as fh:
        fh.write(data)
    return buffer.getvalue()


def rdflib_graph(triples: Iterable[ox.Triple]) -> Graph:
    """An rdflib graph of `triples`, literals as written."""
    graph = Graph()
    text = to_bytes(list(triples), ox.RdfFormat.N_TRIPLES)
    if text:
        with literals_as_written():
            graph.parse(data=text.decode("utf-8"), format="nt")
    return graph


def oxigraph_triples(graph: Graph) -> list[ox.Triple]:
    """The triples of an rdflib graph as pyoxigraph terms (through N-Triples, which rdflib
    writes term for term; its Turtle writer would turn "80"^^xsd:decimal into 80.0)."""
    return list(ox.parse(graph.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES))


def canonical_graph(graph: Graph) -> ox.Dataset:
    """The triples of an rdflib graph in a dataset whose blank nodes are relabelled (RDFC-1.0)."""
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in oxigraph_triples(graph))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return dataset
