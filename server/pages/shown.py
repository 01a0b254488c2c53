"""What every page model is made of: Shown (a value as a page shows it: text, checked link,
language, sources), the Shower that makes them from one description, PageBase and the
property rows of the generic table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from graph.read.describe import (
    ResourceDescription,
    Source,
    Value,
)
from graph.read.text import (
    format_literal,
    prefixed,
)

from ..urls import Urls, safe_href

# -- shown values ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One value as a reader sees it."""

    text: str
    href: str | None = None
    lang: str | None = None
    external: bool = False
    sources: tuple[Source, ...] = ()
    stale: bool = False  # every source is a page more than two years old
    note: str | None = None  # e.g. "expected", "passed"
    datatype: str | None = None
    iri: str | None = None
    concluded: bool = False  # only the curation graph states it: the editors' conclusion


def curators_concluded(sources: Sequence[Source]) -> bool:
    """True when every source of a value is the curation graph (no page states it)."""
    return bool(sources) and all(s.kind == "curation" for s in sources)


class Shower:
    """Turns nodes and values of one description into Shown values."""

    def __init__(self, d: ResourceDescription, urls: Urls):
        self.d = d
        self.urls = urls

    def sources(self, graphs: Iterable[URIRef]) -> tuple[Source, ...]:
        found = [self.d.sources[g] for g in sorted(set(graphs)) if g in self.d.sources]
        return tuple(found)

    def node_graphs(self, node: Node) -> set[URIRef]:
        graphs: set[URIRef] = set()
        for p in self.d.facts.predicates(node):
            if p == RDF.type:
                continue
            for v in self.d.facts.values(node, p):
                graphs.update(v.sources)
        return graphs

    def value(self, value: Value, note: str | None = None, text: str | None = None) -> Shown:
        shown = self.node(value.node, text=text, note=note)
        sources = self.sources(value.sources)
        stale = bool(sources) and all(s.stale for s in sources)
        return Shown(
            shown.text,
            shown.href,
            shown.lang,
            shown.external,
            sources,
            stale,
            note,
            shown.datatype,
            shown.iri,
            curators_concluded(sources),
        )

    def node(
        self,
        node: Node,
        *,
        text: str | None = None,
        note: str | None = None,
        graphs: Iterable[URIRef] = (),
    ) -> Shown:
        sources = self.sources(graphs)
        stale = bool(sources) and all(s.stale for s in sources)
        if isinstance(node, Literal):
            datatype = prefixed(str(node.datatype)) if node.datatype else None
            return Shown(
                text or format_literal(node),
                lang=node.language,
                sources=sources,
                stale=stale,
                note=note,
                datatype=datatype,
                concluded=curators_concluded(sources),
            )
        if isinstance(node, URIRef):
            href = safe_href(str(node), self.urls)
            return Shown(
                text or self.d.label(node),
                href,
                self.d.label_language(node),
                href is not None and not self.urls.is_local(str(node)),
                sources,
                stale,
                note,
                iri=str(node),
                concluded=curators_concluded(sources),
            )
        return Shown(
            text or self.d.label(node),
            sources=sources,
            stale=stale,
            note=note,
            concluded=curators_concluded(sources),
        )

    def built(
        self, text: str, node: Node, note: str | None = None, lang: str | None = None
    ) -> Shown:
        """A sentence built from a node's facts, sourced from the node's graphs."""
        sources = self.sources(self.node_graphs(node))
        stale = bool(sources) and all(s.stale for s in sources)
        return Shown(
            text, None, lang, False, sources, stale, note, concluded=curators_concluded(sources)
        )


# -- the generic page ------------------------------------------------------------------------


@dataclass(frozen=True)
class PropertyRow:
    """One property of the resource and its values."""

    label: str
    href: str | None
    iri: str
    values: tuple[Shown, ...]
    conflict: bool = False
    stated_differently: bool = False
    count: int | None = None  # inverse rows: how many point here


@dataclass
class PageBase:
    """What base.html needs: title, the document's alternates, the reader's language."""

    title: str
    alternates: Sequence[Any]
    lang: str = "en"
    description: str | None = None
    iri: str | None = None


def _row(
    d: ResourceDescription, shower: Shower, predicate: URIRef, values: Iterable[Value], **flags: Any
) -> PropertyRow:
    """The row of one property: its label, link and IRI, the values shown, and `flags`
    (conflict, stated_differently, count)."""
    return PropertyRow(
        d.label(predicate),
        safe_href(str(predicate), shower.urls),
        str(predicate),
        tuple(shower.value(v) for v in values),
        **flags,
    )


def property_rows(
    d: ResourceDescription, shower: Shower, subject: Node | None = None, skip: Iterable[URIRef] = ()
) -> list[PropertyRow]:
    skip = set(skip)
    return [
        _row(
            d,
            shower,
            st.predicate,
            st.values,
            conflict=st.conflict,
            stated_differently=st.stated_differently,
        )
        for st in d.statements(subject)
        if st.predicate not in skip
    ]


def inverse_rows(d: ResourceDescription, shower: Shower) -> list[PropertyRow]:
    return [
        _row(d, shower, group.predicate, group.subjects, count=group.count) for group in d.inverse()
    ]


def used_sources(d: ResourceDescription) -> tuple[Source, ...]:
    order = {"segment": 0, "curation": 1, "graph": 2, "vocabularies": 3, "ontology": 4}
    return tuple(sorted(d.sources.values(), key=lambda s: (order.get(s.kind, 9), s.label)))
