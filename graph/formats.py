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
    names: tuple[str, ...] = ()  # other short names a request's `format` may use (clients')


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
        names=("ttl", "n3"),
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
        names=("json", "json-ld"),  # for graphs, SPARQL clients ask for JSON-LD as "json"
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
        names=("xml", "rdf", "rdf+xml"),  # for graphs, "xml" means RDF/XML
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
        names=("nt", "n-triples"),
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
        names=("nq", "n-quads"),
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
        names=("srj",),
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
        names=("srx",),
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


def by_request_name(name: str, *kinds: Kind) -> Format | None:
    """The format a `format` request parameter names, by its name or one of its other names
    ('ttl', 'xml', …), among `kinds` (all when empty)."""
    name = name.strip().lower()
    candidates = of_kind(*kinds) if kinds else FORMATS
    return next((f for f in candidates if f.name == name or name in f.names), None)


def for_path(path: str) -> Format | None:
    """The format a file name's extension names ('x.ttl' -> Turtle), else None."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return BY_EXTENSION.get(suffix)


# Other file extensions read as a graph format (`prospectus validate FILES`, `serve --data`).
FILE_ALIASES: dict[str, str] = {"json": "jsonld", "owl": "rdfxml", "xml": "rdfxml"}


def for_file(path: str) -> Format | None:
    """The graph format an RDF file's extension names ('x.ttl' -> Turtle, 'x.owl' -> RDF/XML),
    else None."""
    suffix = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    fmt = BY_EXTENSION.get(suffix) or BY_NAME.get(FILE_ALIASES.get(suffix, ""))
    return fmt if fmt is not None and fmt.kind == "graph" else None


def file_extensions() -> list[str]:
    """Every extension `for_file` knows, with its dot, sorted."""
    graph = {f".{f.extension}" for f in FORMATS if f.kind == "graph"}
    return sorted(graph | {f".{ext}" for ext in FILE_ALIASES})


# What `prospectus export` writes (the ELM export and the dataset description).
EXPORT_FORMATS: tuple[str, ...] = ("turtle", "jsonld", "ntriples")
