"""`prospectus serve --data FILE…`: serve RDF files as they are, without building the graph.

Each file's format comes from its extension (graph/formats.py `for_file`: .owl and .xml read
as RDF/XML, .json as JSON-LD).
Quad formats (TriG, N-Quads, JSON-LD) keep their graph names; the triples of a triple format
(Turtle, N-Triples, RDF/XML) go into a named graph called after the file (its file: URI),
so that every triple sits in a named graph and the union default graph holds them all.
A file that does not parse stops the server with its name, line and the parser's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, URIRef

from ..errors import SourceSyntaxError
from ..formats import Format, file_extensions, for_file
from .base import Store, StoreError
from .query_pool import Limits


def file_format(path: Path) -> Format:
    fmt = for_file(path.name)
    if fmt is None:
        known = ", ".join(file_extensions())
        raise StoreError(
            f"{path}: cannot tell the RDF format from the extension; use one of {known}"
        )
    return fmt


def graph_name(path: Path) -> str:
    return path.resolve().as_uri()


def load_oxigraph(paths: Sequence[Path]) -> ox.Store:
    store = ox.Store()
    for path in paths:
        fmt = file_format(path)
        options: dict = {"base_iri": graph_name(path)}
        if not fmt.quads:
            options["to_graph"] = ox.NamedNode(graph_name(path))
        try:
            store.load(path=str(path), format=getattr(ox.RdfFormat, fmt.oxigraph or ""), **options)
        except SyntaxError as exc:
            raise SourceSyntaxError(path, exc.lineno, exc.msg) from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot read: {exc}") from exc
    return store


def load_rdflib(paths: Sequence[Path]) -> Dataset:
    dataset = Dataset()
    for path in paths:
        fmt = file_format(path)
        try:
            if fmt.quads:
                dataset.parse(path, format=fmt.rdflib, publicID=graph_name(path))
            else:
                dataset.graph(URIRef(graph_name(path))).parse(
                    path, format=fmt.rdflib, publicID=graph_name(path)
                )
        except OSError as exc:
            raise StoreError(f"{path}: cannot read: {exc}") from exc
        except Exception as exc:  # noqa: BLE001 - rdflib parsers raise many kinds
            line = getattr(exc, "lineno", None) or getattr(exc, "line", None)
            raise SourceSyntaxError(
                path, line if isinstance(line, int) else None, str(exc)
            ) from None
    return dataset


def open_files(paths: Sequence[Path], settings) -> Store:  # noqa: ANN001 - graph.settings
    """A store over the given files, with the implementation the `store` setting names."""
    limits = Limits.from_settings(settings)
    if settings.store == "rdflib":
        from .rdflib import RdflibStore

        return RdflibStore(load_rdflib(paths), limits)
    if settings.store == "remote":
        raise StoreError(
            "--data serves files with the oxigraph or rdflib store, but the "
            "`store` setting is remote; drop --data or set store=oxigraph"
        )
    from .oxigraph import OxigraphStore

    return OxigraphStore(load_oxigraph(paths), limits)


def parse_files(paths: Sequence[Path]) -> None:
    """Parse every file once (streaming, nothing kept) so that `serve --data` stops at
    start-up, with file and line, instead of failing on the first request."""
    for path in paths:
        fmt = file_format(path)
        try:
            for _quad in ox.parse(
                path=str(path),
                format=getattr(ox.RdfFormat, fmt.oxigraph or ""),
                base_iri=graph_name(path),
            ):
                pass
        except SyntaxError as exc:
            raise SourceSyntaxError(path, exc.lineno, exc.msg) from None
        except OSError as exc:
            raise StoreError(f"{path}: cannot read: {exc}") from exc
