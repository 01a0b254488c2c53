"""The documentation pages of the ontology (ontology.html) and of the SHACL shapes
(shapes.html), from the graphs graph/read/graphs.py read and their labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import render_template
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from graph.read.text import (
    fallback_label,
    format_literal,
    local_name,
    pick_literal,
    prefixed,
)

from ..urls import Urls, safe_href
from .shown import PageBase, Shown

# -- the ontology and shapes pages -----------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One class, property or shape in the documentation."""

    anchor: str
    iri: str
    label: str
    comment: str | None
    facts: tuple[tuple[str, tuple[Shown, ...]], ...]
    deprecated: bool = False
    properties: tuple[tuple[str, ...], ...] = ()  # shapes: (path, cardinality, value, message)


@dataclass
class OntologyPage(PageBase):
    """ontology.html: the classes and properties of the ontology."""

    comment: str | None = None
    header: tuple[tuple[str, tuple[Shown, ...]], ...] = ()
    classes: tuple[Term, ...] = ()
    properties: tuple[Term, ...] = ()
    others: tuple[Term, ...] = ()


@dataclass
class ShapesPage(PageBase):
    """shapes.html: one section per node shape."""

    shapes: tuple[Term, ...] = ()


class _GraphLabels:
    """Labels for a documentation page (read by graph/read/graphs.py graph_labels)."""

    def __init__(self, g: Graph, languages: Sequence[str], labels: dict[URIRef, str]):
        self.g = g
        self.languages = languages
        self.labels = labels

    def label(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return self.labels.get(node) or prefixed(str(node)) or fallback_label(str(node))
        if isinstance(node, Literal):
            return format_literal(node)
        return "(anonymous)"

    def text(self, s: Node, *props: URIRef) -> str | None:
        values = [o for p in props for o in self.g.objects(s, p)]
        best = pick_literal(values, self.languages)
        return str(best) if best is not None else None


def _shown_nodes(
    nodes: Iterable[Node], gl: _GraphLabels, urls: Urls, anchors: dict[Node, str]
) -> tuple[Shown, ...]:
    shown = []
    for n in sorted(nodes, key=str):
        if isinstance(n, URIRef):
            href = f"#{anchors[n]}" if n in anchors else safe_href(str(n), urls)
            shown.append(
                Shown(
                    gl.label(n),
                    href,
                    iri=str(n),
                    external=href is not None and href.startswith("http"),
                )
            )
        elif isinstance(n, BNode):
            members = list(gl.g.objects(n, OWL.unionOf)) or list(gl.g.objects(n, SH["or"]))
            shown.append(Shown(gl.label(n) if not members else "one of a list"))
        else:
            shown.append(Shown(gl.label(n)))
    return tuple(shown)


def _shown_facts(
    g: Graph,
    subject: Node,
    labelled: Iterable[tuple[str, URIRef]],
    gl: _GraphLabels,
    urls: Urls,
    anchors: dict[Node, str],
) -> tuple[tuple[str, tuple[Shown, ...]], ...]:
    """(label, shown values) for each labelled property `subject` has in `g`."""
    return tuple(
        (label, _shown_nodes(g.objects(subject, p), gl, urls, anchors))
        for label, p in labelled
        if (subject, p, None) in g
    )


def render_ontology(
    g: Graph,
    ontology_iri: str,
    alts: Sequence[Any],
    urls: Urls,
    languages: Sequence[str],
    labels: dict[URIRef, str],
) -> str:
    gl = _GraphLabels(g, languages, labels)
    head = URIRef(ontology_iri)
    class_types = (OWL.Class, RDFS.Class)
    prop_types = (
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        RDF.Property,
        OWL.SymmetricProperty,
        OWL.FunctionalProperty,
    )
    terms = sorted(
        {
            s
            for s in g.subjects()
            if isinstance(s, URIRef) and s != head and str(s).startswith(ontology_iri + "#")
        },
        key=str,
    )
    anchors: dict[Node, str] = {t: local_name(str(t)) for t in terms}
    facts_of = (
        ("Subclass of", RDFS.subClassOf),
        ("Subproperty of", RDFS.subPropertyOf),
        ("Domain", RDFS.domain),
        ("Range", RDFS.range),
        ("Equivalent to", OWL.equivalentClass),
        ("Equivalent property", OWL.equivalentProperty),
        ("Inverse of", OWL.inverseOf),
        ("Close match", SKOS.closeMatch),
        ("Exact match", SKOS.exactMatch),
        ("See also", RDFS.seeAlso),
        ("Type", RDF.type),
    )
    classes, properties, others = [], [], []
    for t in terms:
        types = set(g.objects(t, RDF.type))
        facts = _shown_facts(g, t, facts_of, gl, urls, anchors)
        subclasses = [s for s in g.subjects(RDFS.subClassOf, t)]
        if subclasses:
            facts += (("Superclass of", _shown_nodes(subclasses, gl, urls, anchors)),)
        term = Term(
            anchors[t],
            str(t),
            gl.label(t),
            gl.text(t, RDFS.comment, SKOS.definition, DCTERMS.description),
            facts,
            (t, OWL.deprecated, Literal(True)) in g,
        )
        if types & set(class_types):
            classes.append(term)
        elif types & set(prop_types):
            properties.append(term)
        else:
            others.append(term)
    header = _shown_facts(
        g,
        head,
        (
            ("Version", OWL.versionIRI),
            ("Version info", OWL.versionInfo),
            ("Licence", DCTERMS.license),
            ("Creator", DCTERMS.creator),
            ("Modified", DCTERMS.modified),
            ("Imports", OWL.imports),
        ),
        gl,
        urls,
        anchors,
    )
    page = OntologyPage(
        title=gl.text(head, DCTERMS.title, RDFS.label) or "Prospectus ontology",
        alternates=alts,
        lang=languages[0] if languages else "en",
        iri=ontology_iri,
        comment=gl.text(head, DCTERMS.description, RDFS.comment),
        header=header,
        classes=tuple(sorted(classes, key=lambda t: t.label.lower())),
        properties=tuple(sorted(properties, key=lambda t: t.label.lower())),
        others=tuple(sorted(others, key=lambda t: t.label.lower())),
    )
    return render_template("ontology.html", page=page)


def _cardinality(g: Graph, ps: Node) -> str:
    lo = next(iter(g.objects(ps, SH.minCount)), None)
    hi = next(iter(g.objects(ps, SH.maxCount)), None)
    if lo is None and hi is None:
        return "any number"
    return f"{lo if lo is not None else 0}…{hi if hi is not None else 'n'}"


def _path_text(g: Graph, path: Node, gl: _GraphLabels) -> str:
    if isinstance(path, URIRef):
        return prefixed(str(path)) or str(path)
    inverse = next(iter(g.objects(path, SH.inversePath)), None)
    if inverse is not None:
        return "^" + _path_text(g, inverse, gl)
    items = list(g.items(path)) if (path, RDF.first, None) in g else []
    if items:
        return "/".join(_path_text(g, i, gl) for i in items)
    return "(complex path)"


def _value_text(g: Graph, ps: Node, gl: _GraphLabels) -> str:
    parts = []
    for p, label in (
        (SH.datatype, "datatype"),
        (SH["class"], "class"),
        (SH.nodeKind, "kind"),
        (SH.node, "shape"),
        (SH.hasValue, "value"),
        (SH.pattern, "pattern"),
        (SH.minInclusive, "≥"),
        (SH.maxInclusive, "≤"),
        (SH.languageIn, "languages"),
    ):
        for o in g.objects(ps, p):
            if (o, RDF.first, None) in g:
                text = ", ".join(gl.label(i) for i in g.items(o))
            else:
                text = gl.label(o) if isinstance(o, URIRef) else str(o)
            parts.append(f"{label} {text}")
    for o in g.objects(ps, SH["in"]):
        parts.append("one of " + ", ".join(gl.label(i) for i in g.items(o)))
    return "; ".join(parts) or "—"


def render_shapes(
    g: Graph, alts: Sequence[Any], urls: Urls, languages: Sequence[str], labels: dict[URIRef, str]
) -> str:
    gl = _GraphLabels(g, languages, labels)
    shapes = []
    node_shapes = sorted({s for s in g.subjects(RDF.type, SH.NodeShape)}, key=str)
    anchors: dict[Node, str] = {s: local_name(str(s)) for s in node_shapes if isinstance(s, URIRef)}
    for s in node_shapes:
        facts = _shown_facts(
            g,
            s,
            (
                ("Target class", SH.targetClass),
                ("Target nodes of", SH.targetSubjectsOf),
                ("Target objects of", SH.targetObjectsOf),
                ("Severity", SH.severity),
                ("Closed", SH.closed),
            ),
            gl,
            urls,
            anchors,
        )
        props = []
        for ps in g.objects(s, SH.property):
            path = next(iter(g.objects(ps, SH.path)), None)
            severity = next(iter(g.objects(ps, SH.severity)), None)
            props.append(
                (
                    _path_text(g, path, gl) if path is not None else "—",
                    _cardinality(g, ps),
                    _value_text(g, ps, gl),
                    gl.text(ps, SH.message, SH.description, SH.name) or "",
                    local_name(str(severity)) if severity is not None else "Violation",
                )
            )
        for sparql in g.objects(s, SH.sparql):
            props.append(
                (
                    "(SPARQL constraint)",
                    "",
                    "",
                    gl.text(sparql, SH.message, RDFS.comment) or "",
                    "Violation",
                )
            )
        shapes.append(
            Term(
                anchors.get(s, str(s)),
                str(s),
                gl.label(s),
                gl.text(s, RDFS.comment, SH.message, SH.description),
                facts,
                properties=tuple(sorted(props)),
            )
        )
    page = ShapesPage(
        title="Prospectus shapes",
        alternates=alts,
        lang=languages[0] if languages else "en",
        iri="https://w3id.org/prospectus/shapes",
        description="The SHACL shapes the published graph is validated against.",
        shapes=tuple(shapes),
    )
    return render_template("shapes.html", page=page)
