"""The generic resource page (resource.html), the page of a named graph, and `render_resource`,
which picks the page of the kind graph/read/expand.py read (programme, organisation, other).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import render_template
from rdflib.namespace import RDF

from graph.read.describe import (
    ResourceDescription,
    Source,
)
from graph.read.graphs import GraphSummary
from graph.read.text import (
    fallback_label,
)

from ..urls import Urls, safe_href
from .organisation import organisation_page
from .programme import programme_page
from .shown import PageBase, PropertyRow, Shower, Shown, inverse_rows, property_rows, used_sources


@dataclass
class ResourcePage(PageBase):
    """resource.html: any resource as a table of properties, inverse links and sources."""

    types: tuple[Shown, ...] = ()
    rows: tuple[PropertyRow, ...] = ()
    inverse: tuple[PropertyRow, ...] = ()
    sources: tuple[Source, ...] = ()
    comment: str | None = None


def resource_page(d: ResourceDescription, urls: Urls, alts: Sequence[Any]) -> ResourcePage:
    shower = Shower(d, urls)
    own = [r for r in property_rows(d, shower) if r.iri != str(RDF.type)]
    return ResourcePage(
        title=d.title,
        alternates=alts,
        lang=d.languages[0] if d.languages else "en",
        iri=str(d.iri),
        types=tuple(shower.node(t) for t in d.types),
        rows=tuple(own),
        inverse=tuple(inverse_rows(d, shower)),
        sources=used_sources(d),
        comment=d.comment(d.iri),
    )


def render_graph(
    summary: GraphSummary, urls: Urls, alts: Sequence[Any], languages: Sequence[str]
) -> str:
    """resource.html for a named graph that is only a graph name: what it holds."""
    iri, names = summary.iri, summary.labels
    shown = tuple(
        Shown(names.get(s) or fallback_label(str(s)), safe_href(str(s), urls), iri=str(s))
        for s in summary.subjects
    )
    name = {"graph/ontology": "The ontology", "graph/vocabularies": "The vocabularies"}.get(
        str(iri).rsplit("/", 2)[-2] + "/" + str(iri).rsplit("/", 1)[-1], fallback_label(str(iri))
    )
    rows = (
        PropertyRow("Statements in this graph", None, "", (Shown(f"{summary.statements:,}"),)),
        PropertyRow("Resources it describes", None, "", shown, count=summary.subject_count),
    )
    page = ResourcePage(
        title=f"{name} (named graph)",
        alternates=alts,
        lang=languages[0] if languages else "en",
        iri=str(iri),
        types=(Shown("Named graph"),),
        rows=rows,
        comment=(
            "This graph of the published dataset holds the ontology; "
            "its documentation is at /ontology."
            if str(iri).endswith("graph/ontology")
            else None
        ),
    )
    return render_template("resource.html", page=page)


# -- rendering -------------------------------------------------------------------------------


def render_resource(
    d: ResourceDescription,
    urls: Urls,
    alts: Sequence[Any],
    today: date,
    page_url: str | None = None,
) -> str:
    """The HTML of a resource page (of the kind graph/read/expand.py read), specific
    template first."""
    kind = d.kind
    if kind == "programme":
        page: PageBase = programme_page(d, urls, alts, today, page_url)
        return render_template(["resource-programme.html", "resource.html"], page=page)
    if kind == "organisation":
        page = organisation_page(d, urls, alts)
        return render_template(["resource-organisation.html", "resource.html"], page=page)
    return render_template("resource.html", page=resource_page(d, urls, alts))
