"""The change stream in the dataset description (DCAT-AP and VoID, graph/metadata.py).

The TREE discovery specification ("Selecting a search tree via DCAT Distribution"): a
`dcat:Dataset` whose `dct:type` is `ldes:EventStream` has a `dcat:distribution` whose
`dcat:downloadURL` is the stream's root node; that distribution is an `ldes:EventSource`
(a view made for replication, "Linked Data Event Streams"). So:

    <catalog> dcat:dataset <stream> .
    <stream> a dcat:Dataset, void:Dataset ; dct:type ldes:EventStream ;
        dct:source <dataset> ; prov:wasDerivedFrom <dataset> ;
        void:rootResource </ldes> ; dcat:distribution <stream/distribution> .
    <stream/distribution> a dcat:Distribution, ldes:EventSource ;
        dcat:accessURL </ldes> ; dcat:downloadURL </ldes> ; dcat:mediaType <…/trig> .

The stream is derived from the dataset (its history), not a part of it: no `void:subset`.

Only a version built with the stream (its manifest has an `ldes` entry) describes it.
"""

from __future__ import annotations

from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from ..iris import DCAT, LDES, PROV, TREE, VOID, ldes_distribution, ldes_stream

TITLE = "Prospectus: versions of study programmes (change stream)"
DESCRIPTION = (
    "A Linked Data Event Stream (LDES) of the study programmes: one immutable member per "
    "programme that a published version adds, changes or retires, with the programme's "
    "description and its sources. Follow it with an LDES client to stay in sync without "
    "downloading the dumps again."
)


def describe_stream(
    g: Graph,
    manifest: dict[str, Any],
    *,
    base_iri: str,
    catalog: URIRef,
    dataset: URIRef,
    root_url: URIRef,
    common: dict[URIRef, Any],
    media_type: URIRef,
) -> URIRef | None:
    """Add the stream of the version described by `manifest` to the description `g`: its
    dataset in `catalog`, derived from `dataset`, with one distribution whose download URL
    is the root node `root_url`. `common` holds the properties every dataset of the
    catalogue has (publisher, licence, contact point). None when the version has no stream."""
    summary = manifest.get("ldes")
    if not summary:
        return None
    stream = ldes_stream(base_iri)
    distribution = ldes_distribution(base_iri)
    g.add((catalog, DCAT.dataset, stream))
    g.add((stream, RDF.type, DCAT.Dataset))
    g.add((stream, RDF.type, VOID.Dataset))
    g.add((stream, DCTERMS.title, Literal(TITLE, lang="en")))
    g.add((stream, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((stream, DCTERMS.type, LDES.EventStream))
    g.add((LDES.EventStream, RDF.type, SKOS.Concept))
    g.add((LDES.EventStream, SKOS.prefLabel, Literal("Linked Data Event Stream", lang="en")))
    g.add((stream, DCTERMS.source, dataset))
    g.add((stream, PROV.wasDerivedFrom, dataset))
    g.add((stream, VOID.rootResource, root_url))
    g.add((stream, DCAT.version, Literal(manifest["version"])))
    g.add((stream, DCTERMS.modified, Literal(manifest["created"], datatype=XSD.dateTime)))
    for predicate, value in common.items():
        g.add((stream, predicate, value))
    g.add((stream, DCAT.distribution, distribution))
    g.add((distribution, RDF.type, DCAT.Distribution))
    g.add((distribution, RDF.type, LDES.EventSource))
    g.add((distribution, DCTERMS.title, Literal("The change stream's root node", lang="en")))
    g.add((distribution, DCAT.accessURL, root_url))
    g.add((distribution, DCAT.downloadURL, root_url))
    g.add((distribution, TREE.rootNode, root_url))
    g.add((distribution, DCAT.mediaType, media_type))
    if DCTERMS.license in common:
        g.add((distribution, DCTERMS.license, common[DCTERMS.license]))
    return stream
