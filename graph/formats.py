"""The one registry of formats: media type, rdflib / pyoxigraph names, file extension, kind.

Graph formats serialise RDF graphs or datasets (CONSTRUCT/DESCRIBE results, resource
descriptions, dumps); result formats serialise SELECT/ASK results
(https://www.w3.org/TR/sparql11-results-json/, -xml, -csv-tsv).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["graph", "results", "page"]


@dataclass(frozen=True)
class Format:
    name: str  # short name, also the value of the `format` request parameter
    media_type: str
    extension: str  # without the dot
    kind: Kind
    rdflib: str | None  # rdflib serializer / parser name
    oxigraph: str | None  # pyoxigraph RdfFormat / QueryResultsFormat attribute name
    quads: bool = False  # can carry named graphs
    aliases: tuple[str, ...] = ()  # other media types accepted in requests
    label: str = ""


FORMATS: tuple[Format, ...] = (
    Format(
        "html",
        "text/html",
        "html",
        "page",
        None,
        None,
        aliases=("application/xhtml+xml",),
        label="HTML",
    ),
    Format(
        "turtle",
        "text/turtle",
        "ttl",
        "graph",
        "turtle",
        "TURTLE",
        aliases=("application/x-turtle",),
        label="Turtle",
    ),
    Format(
        "jsonld",
        "application/ld+json",
        "jsonld",
        "graph",
        "json-ld",
        "JSON_LD",
        quads=True,
        label="JSON-LD",
    ),
    Format(
        "rdfxml",
        "application/rdf+xml",
        "rdf",
        "graph",
        "xml",
        "RDF_XML",
        aliases=("application/xml",),
        label="RDF/XML",
    ),
    Format(
        "ntriples",
        "application/n-triples",
        "nt",
        "graph",
        "nt",
        "N_TRIPLES",
        aliases=("text/plain",),
        label="N-Triples",
    ),
    Format(
        "nquads",
        "application/n-quads",
        "nq",
        "graph",
        "nquads",
        "N_QUADS",
        quads=True,
        aliases=("text/x-nquads",),
        label="N-Quads",
    ),
    Format("trig", "application/trig", "trig", "graph", "trig", "TRIG", quads=True, label="TriG"),
    Format(
        "json",
        "application/sparql-results+json",
        "srj",
        "results",
        "json",
        "JSON",
        aliases=("application/json",),
        label="SPARQL JSON results",
    ),
    Format(
        "xml",
        "application/sparql-results+xml",
        "srx",
        "results",
        "xml",
        "XML",
        aliases=("application/xml", "text/xml"),
        label="SPARQL XML results",
    ),
    Format("csv", "text/csv", "csv", "results", "csv", "CSV", label="SPARQL CSV results"),
    Format(
        "tsv",
        "text/tab-separated-values",
        "tsv",
        "results",
        "tsv",
        "TSV",
        label="SPARQL TSV results",
    ),
)

BY_NAME = {f.name: f for f in FORMATS}
# gzip files (the compressed dumps) are served as themselves, never with Content-Encoding.
GZIP_MEDIA_TYPE = "application/gzip"
BY_EXTENSION = {f.extension: f for f in FORMATS}


def of_kind(*kinds: Kind) -> tuple[Format, ...]:
    return tuple(f for f in FORMATS if f.kind in kinds)


def by_media_type(media_type: str, *kinds: Kind) -> Format | None:
    """The format whose media type (or alias) is `media_type`, among `kinds` (all when empty)."""
    media_type = media_type.split(";", 1)[0].strip().lower()
    candidates = of_kind(*kinds) if kinds else FORMATS
    for f in candidates:
        if f.media_type == media_type:
            return f
    for f in candidates:
        if media_type in f.aliases:
            return f
    return None


def for_path(path: str) -> Format | None:
    """The format a file name's extension names ('x.ttl' -> Turtle), else None."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return BY_EXTENSION.get(suffix)
