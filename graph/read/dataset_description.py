"""The dataset description: VoID and DCAT-AP 3, made from the manifests of the published versions.

- VoID, https://www.w3.org/TR/void/ : counts, class and property partitions, one subset
  per named graph, dumps, SPARQL endpoint, vocabularies, example resources, URI space.
- DCAT 3, https://www.w3.org/TR/vocab-dcat-3/ , in the DCAT-AP 3.0.1 profile,
  https://semiceu.github.io/DCAT-AP/releases/3.0.1/ : catalogue, dataset, one distribution
  per dump, the SPARQL endpoint as a data service.

At request time `describe_dataset()` turns the manifests of the retained versions into RDF:
the counts the build stored in each manifest (graph/build/writers/statistics.py) and the
dumps it lists. The IRIs of catalogue, dataset, distributions and service are minted under
the `base_iri` setting; download and endpoint URLs are under the site's public URL
(`public_url`, or the request's own root when it is empty).

The dataset IRI (`{base}dataset/prospectus`) is stable across versions: it always describes
the current version (`dcat:version`, its dumps, its counts) and links every retained older
version (`dcat:hasVersion`, `dcat:previousVersion`), each with its own, still downloadable,
distributions. Authority-table values (licence, file type, media type, theme, language,
country, publisher type) are typed and carry `skos:inScheme` and a label in the description
itself, as the DCAT-AP controlled-vocabulary shapes require.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from .. import iris
from ..formats import GZIP_MEDIA_TYPE
from ..iris import (
    ADMS,
    DCAT,
    EU_COUNTRY,
    EU_DATA_THEME,
    EU_FILE_TYPE,
    EU_LANGUAGE,
    EU_LICENCE,
    IANA_MEDIA_TYPE,
    PRO,
    PROV,
    SD,
    SPDX,
    VCARD,
    VOID,
)
from ..ldes.catalog import describe_stream
from ..versions import Version

# The catalogue's fixed facts. Change them here (and in docs/harvesting.md).
TITLE = "Prospectus: study-programme facts"
DESCRIPTION = (
    "Facts about university study programmes (credits, duration, providers and mobility "
    "path, intakes and deadlines, fees, admission and language requirements, careers) "
    "taken from study-portal pages, each fact kept in the named graph of the page segment "
    "it comes from, with its provenance."
)
CATALOG_TITLE = "Prospectus catalogue"
CATALOG_DESCRIPTION = "The Prospectus knowledge graph, its ELM export and its SPARQL endpoint."
ELM_TITLE = "Prospectus programmes in the European Learning Model"
ELM_DESCRIPTION = (
    "The study programmes of Prospectus as ELM 3 learning opportunities and qualifications, "
    "generated from the knowledge graph and checked against the ELM LOQ shapes."
)
PUBLISHER_NAME = "Prospectus editors"
KEYWORDS = (
    "higher education",
    "study programme",
    "master's degree",
    "admission requirements",
    "tuition fees",
    "linked data",
)
LICENCE = EU_LICENCE.CC_BY_4_0
LICENCE_LABEL = "Creative Commons Attribution 4.0 International"
THEME = EU_DATA_THEME.EDUC
THEME_LABEL = "Education, culture and sport"
LANGUAGE = EU_LANGUAGE.ENG
PUBLISHER_TYPE = URIRef("http://purl.org/adms/publishertype/NonProfitOrganisation")
PUBLISHER_TYPE_LABEL = "Non-Profit Organisation"
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
ELM_LOQ_PROFILE = URIRef("http://data.europa.eu/snb/model/ap/loq-constraints")

# SPDX: DCAT-AP's controlled-vocabulary shape for spdx:algorithm requires an IRI matching
# "^https://spdx.org/rdf/terms" typed spdx:ChecksumAlgorithm, while SPDX 2 names the
# algorithm in the http namespace; the description uses the https IRI and states owl:sameAs.
SHA256_ALGORITHM = URIRef("https://spdx.org/rdf/terms#checksumAlgorithm_sha256")
SHA256_ALGORITHM_SPDX = SPDX.checksumAlgorithm_sha256

SCHEMES: dict[URIRef, str] = {
    URIRef("http://publications.europa.eu/resource/authority/licence"): "Licences",
    URIRef("http://publications.europa.eu/resource/authority/file-type"): "File types",
    URIRef("http://publications.europa.eu/resource/authority/data-theme"): "Data themes",
    URIRef("http://publications.europa.eu/resource/authority/language"): "Languages",
    URIRef("http://publications.europa.eu/resource/authority/country"): "Countries",
    URIRef("http://purl.org/adms/publishertype/1.0"): "Publisher types",
    URIRef("http://purl.org/adms/licencetype/1.0"): "Licence types",
}
SCHEME_OF = {
    str(EU_LICENCE): URIRef("http://publications.europa.eu/resource/authority/licence"),
    str(EU_FILE_TYPE): URIRef("http://publications.europa.eu/resource/authority/file-type"),
    str(EU_DATA_THEME): URIRef("http://publications.europa.eu/resource/authority/data-theme"),
    str(EU_LANGUAGE): URIRef("http://publications.europa.eu/resource/authority/language"),
    str(EU_COUNTRY): URIRef("http://publications.europa.eu/resource/authority/country"),
    "http://purl.org/adms/publishertype/": URIRef("http://purl.org/adms/publishertype/1.0"),
    "http://purl.org/adms/licencetype/": URIRef("http://purl.org/adms/licencetype/1.0"),
}
# EU file-type table entries for each dump format.
FILE_TYPES: dict[str, tuple[str, str]] = {
    "ntriples": ("RDF_N_TRIPLES", "RDF N-Triples"),
    "nquads": ("RDF_N_QUADS", "RDF N-Quads"),
    "turtle": ("RDF_TURTLE", "RDF Turtle"),
    "jsonld": ("JSON_LD", "JSON-LD"),
    "trig": ("RDF_TRIG", "RDF TriG"),
    "rdfxml": ("RDF_XML", "RDF/XML"),
}
VOID_FEATURES = {
    "ntriples": URIRef("http://www.w3.org/ns/formats/N-Triples"),
    "nquads": URIRef("http://www.w3.org/ns/formats/N-Quads"),
    "turtle": URIRef("http://www.w3.org/ns/formats/Turtle"),
    "jsonld": URIRef("http://www.w3.org/ns/formats/JSON-LD"),
}

DESCRIPTION_PREFIXES = {
    "dcat": DCAT,
    "dct": DCTERMS,
    "void": VOID,
    "foaf": FOAF,
    "vcard": VCARD,
    "spdx": SPDX,
    "skos": SKOS,
    "prov": PROV,
    "adms": ADMS,
    "sd": SD,
    "xsd": XSD,
    "owl": OWL,
    "rdfs": RDFS,
    "cs": iris.CHANGESET,
    "pro": PRO,
}


# --- request time: the description ----------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """Where the description points: data IRIs under `base_iri`, URLs under `url`."""

    base_iri: str
    url: str  # public root URL, no trailing slash

    def page(self, path: str) -> URIRef:
        return URIRef(self.url + path)

    def dump(self, version_id: str, file: str) -> URIRef:
        return URIRef(f"{self.url}/dumps/{version_id}/{file}")

    def changes(self, version_id: str) -> URIRef:
        return URIRef(f"{self.url}/dataset/changes/{version_id}")

    @property
    def sparql(self) -> URIRef:
        return URIRef(self.url + "/sparql")


class DatasetIris:
    """IRIs of the catalogue-level resources under one base."""

    def __init__(self, base_iri: str):
        self.base = base_iri
        self.catalog = iris.dataset("catalog", base=base_iri)
        self.dataset = iris.dataset("prospectus", base=base_iri)
        self.elm_dataset = iris.dataset("prospectus-elm", base=base_iri)
        self.service = iris.dataset("sparql", base=base_iri)
        self.publisher = iris.mint("agent", "prospectus-editors", base=base_iri)

    def version(self, version_id: str) -> URIRef:
        return iris.dataset("prospectus", iris.version_slug(version_id), base=self.base)

    def distribution(self, version_id: str, file: str) -> URIRef:
        return iris.dataset("prospectus", iris.version_slug(version_id), file, base=self.base)

    def subset(self, version_id: str, graph: str) -> URIRef:
        local = iris.local_path(graph, self.base)
        parts = local.split("/") if local else [hashlib.sha256(graph.encode()).hexdigest()[:12]]
        return iris.dataset(
            "prospectus", iris.version_slug(version_id), "subset", *parts, base=self.base
        )

    def change_record(self, version_id: str) -> URIRef:
        return iris.dataset("prospectus", iris.version_slug(version_id), "changes", base=self.base)


def _concept(g: Graph, concept: URIRef, label: str, *classes: URIRef) -> URIRef:
    """An authority-table value, typed and placed in its scheme."""
    g.add((concept, RDF.type, SKOS.Concept))
    for cls in classes:
        g.add((concept, RDF.type, cls))
    g.add((concept, SKOS.prefLabel, Literal(label, lang="en")))
    for prefix, scheme in SCHEME_OF.items():
        if str(concept).startswith(prefix):
            g.add((concept, SKOS.inScheme, scheme))
            g.add((scheme, RDF.type, SKOS.ConceptScheme))
            g.add((scheme, DCTERMS.title, Literal(SCHEMES[scheme], lang="en")))
    return concept


def _media_type(g: Graph, media_type: str) -> URIRef:
    node = IANA_MEDIA_TYPE[media_type]
    g.add((node, RDF.type, DCTERMS.MediaType))
    g.add((node, RDFS.label, Literal(media_type)))
    return node


def _file_type(g: Graph, format_name: str) -> URIRef | None:
    if format_name not in FILE_TYPES:
        return None
    code, label = FILE_TYPES[format_name]
    return _concept(g, EU_FILE_TYPE[code], label, DCTERMS.MediaTypeOrExtent)


def _common(g: Graph, node: URIRef, ids: DatasetIris) -> None:
    g.add((node, DCTERMS.publisher, ids.publisher))
    g.add((node, DCTERMS.license, LICENCE))


def _distributions(
    g: Graph, dataset_node: URIRef, version: Version, site: Site, ids: DatasetIris, kind: str
) -> list[URIRef]:
    found = []
    for record in version.manifest.get("dumps", []):
        if record.get("dataset", "graph") != kind:
            continue
        node = ids.distribution(version.id, record["file"])
        url = site.dump(version.id, record["file"])
        found.append(url)
        g.add((dataset_node, DCAT.distribution, node))
        if (node, RDF.type, DCAT.Distribution) in g:
            continue  # already described (the current version's dumps are shared)
        g.add((node, RDF.type, DCAT.Distribution))
        g.add(
            (
                node,
                DCTERMS.title,
                Literal(
                    f"{record.get('label') or record['file']}, version {version.id}", lang="en"
                ),
            )
        )
        g.add((node, DCAT.accessURL, url))
        g.add((node, DCAT.downloadURL, url))
        g.add((node, DCAT.mediaType, _media_type(g, record["media_type"])))
        file_type = _file_type(g, record["format"])
        if file_type is not None:
            g.add((node, DCTERMS["format"], file_type))
        if record.get("compression") == "gzip":
            g.add((node, DCAT.compressFormat, _media_type(g, GZIP_MEDIA_TYPE)))
        g.add((node, DCAT.byteSize, Literal(record["bytes"], datatype=XSD.nonNegativeInteger)))
        checksum = BNode()
        g.add((node, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SHA256_ALGORITHM))
        g.add((checksum, SPDX.checksumValue, Literal(record["sha256"], datatype=XSD.hexBinary)))
        g.add((node, DCTERMS.issued, Literal(version.created.isoformat(), datatype=XSD.dateTime)))
        g.add((node, DCTERMS.license, LICENCE))
    return found


def _void(
    g: Graph,
    node: URIRef,
    stats: dict[str, Any],
    version: Version,
    ids: DatasetIris,
    dump_urls: list[URIRef],
    site: Site,
) -> None:
    g.add((node, RDF.type, VOID.Dataset))
    for key, prop in (
        ("triples", VOID.triples),
        ("entities", VOID.entities),
        ("distinct_subjects", VOID.distinctSubjects),
        ("distinct_objects", VOID.distinctObjects),
        ("properties", VOID.properties),
        ("classes", VOID.classes),
    ):
        if key in stats:
            g.add((node, prop, Literal(stats[key], datatype=XSD.integer)))
    for cls, count in stats.get("class_partitions", {}).items():
        part = BNode()
        g.add((node, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(count, datatype=XSD.integer)))
    for prop, count in stats.get("property_partitions", {}).items():
        part = BNode()
        g.add((node, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(count, datatype=XSD.integer)))
    for graph, info in stats.get("graphs", {}).items():
        subset = ids.subset(version.id, graph)
        g.add((node, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, SD.name, URIRef(graph)))
        g.add((subset, VOID.triples, Literal(info["triples"], datatype=XSD.integer)))
        if info.get("label"):
            g.add((subset, DCTERMS.title, Literal(info["label"], lang="en")))
    for url in dump_urls:
        g.add((node, VOID.dataDump, url))
    for record in version.manifest.get("dumps", []):
        if record.get("dataset", "graph") == "graph" and record["format"] in VOID_FEATURES:
            g.add((node, VOID.feature, VOID_FEATURES[record["format"]]))
    g.add((node, VOID.sparqlEndpoint, site.sparql))
    for vocabulary in stats.get("vocabularies", []):
        g.add((node, VOID.vocabulary, URIRef(vocabulary)))
    for example in stats.get("examples", []):
        g.add((node, VOID.exampleResource, URIRef(example)))
    g.add((node, VOID.uriSpace, Literal(stats.get("uri_space") or ids.base)))
    g.add((node, VOID.rootResource, ids.catalog))


def _version_node(g: Graph, version: Version, site: Site, ids: DatasetIris) -> URIRef:
    """A retained version as its own dataset, with its still downloadable dumps."""
    node = ids.version(version.id)
    g.add((node, RDF.type, DCAT.Dataset))
    g.add((node, DCTERMS.title, Literal(f"{TITLE}, version {version.id}", lang="en")))
    g.add((node, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((node, DCAT.version, Literal(version.id)))
    g.add((node, DCTERMS.issued, Literal(version.created.isoformat(), datatype=XSD.dateTime)))
    g.add((node, DCTERMS.isVersionOf, ids.dataset))
    _common(g, node, ids)
    if version.previous:
        g.add((node, DCAT.previousVersion, ids.version(version.previous)))
    activity = ids.change_record(version.id)
    g.add((node, PROV.wasGeneratedBy, activity))
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, RDFS.label, Literal(f"Publication of version {version.id}", lang="en")))
    g.add((activity, RDFS.seeAlso, site.changes(version.id)))
    _distributions(g, node, version, site, ids, "graph")
    return node


def describe_dataset(current: Version, versions: list[Version], site: Site) -> Graph:
    """The VoID + DCAT-AP description of the dataset as published in `current`."""
    ids = DatasetIris(site.base_iri)
    stats: dict[str, Any] = current.manifest.get("statistics", {})
    g = Graph()
    for prefix, ns in DESCRIPTION_PREFIXES.items():
        g.bind(prefix, Namespace(str(ns)))
    created = Literal(current.created.isoformat(), datatype=XSD.dateTime)
    first = min((v.created for v in versions), default=current.created)

    # Publisher and contact point.
    g.add((ids.publisher, RDF.type, FOAF.Agent))
    g.add((ids.publisher, FOAF.name, Literal(PUBLISHER_NAME, lang="en")))
    g.add((ids.publisher, DCTERMS.type, _concept(g, PUBLISHER_TYPE, PUBLISHER_TYPE_LABEL)))
    g.add((ids.publisher, FOAF.homepage, site.page("/")))
    contact = BNode()
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal(PUBLISHER_NAME, lang="en")))
    g.add((contact, VCARD.hasURL, site.page("/dataset")))
    _concept(g, LICENCE, LICENCE_LABEL, DCTERMS.LicenseDocument)
    _concept(g, THEME, THEME_LABEL)
    _concept(g, LANGUAGE, "English", DCTERMS.LinguisticSystem)
    for page in ("/", "/dataset"):
        g.add((site.page(page), RDF.type, FOAF.Document))

    # Catalogue.
    g.add((ids.catalog, RDF.type, DCAT.Catalog))
    g.add((ids.catalog, DCTERMS.title, Literal(CATALOG_TITLE, lang="en")))
    g.add((ids.catalog, DCTERMS.description, Literal(CATALOG_DESCRIPTION, lang="en")))
    g.add((ids.catalog, FOAF.homepage, site.page("/")))
    g.add((ids.catalog, DCTERMS.language, LANGUAGE))
    g.add((ids.catalog, DCTERMS.modified, created))
    g.add((ids.catalog, DCAT.themeTaxonomy, URIRef(str(EU_DATA_THEME).rstrip("/"))))
    g.add((ids.catalog, DCAT.dataset, ids.dataset))
    g.add((ids.catalog, DCAT.service, ids.service))
    _common(g, ids.catalog, ids)

    # The dataset: the current version, linked to the retained older ones.
    node = ids.dataset
    g.add((node, RDF.type, DCAT.Dataset))
    g.add((node, DCTERMS.title, Literal(TITLE, lang="en")))
    g.add((node, DCTERMS.description, Literal(DESCRIPTION, lang="en")))
    g.add((node, DCAT.contactPoint, contact))
    g.add((node, DCAT.theme, THEME))
    for keyword in (*KEYWORDS, *stats.get("subject_areas", [])):
        g.add((node, DCAT.keyword, Literal(keyword, lang="en")))
    g.add((node, DCTERMS.language, LANGUAGE))
    g.add((node, DCAT.landingPage, site.page("/")))
    g.add((node, DCTERMS.issued, Literal(first.isoformat(), datatype=XSD.dateTime)))
    g.add((node, DCTERMS.modified, created))
    g.add((node, DCAT.version, Literal(current.id)))
    g.add((node, DCAT.hasCurrentVersion, ids.version(current.id)))
    g.add(
        (
            node,
            ADMS.versionNotes,
            Literal(
                f"Version {current.id}; what changed since the previous version: "
                f"{site.changes(current.id)}",
                lang="en",
            ),
        )
    )
    g.add((node, PROV.wasGeneratedBy, ids.change_record(current.id)))
    _common(g, node, ids)
    if stats.get("temporal"):
        period = BNode()
        g.add((node, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(stats["temporal"][0], datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(stats["temporal"][1], datatype=XSD.date)))
    for country, label in stats.get("countries", {}).items():
        g.add((node, DCTERMS.spatial, _concept(g, URIRef(country), label, DCTERMS.Location)))
    for profile in (ELM_LOQ_PROFILE,):
        g.add((profile, RDF.type, DCTERMS.Standard))
    dump_urls = _distributions(g, node, current, site, ids, "graph")
    _void(g, node, stats, current, ids, dump_urls, site)
    for version in versions:
        version_node = _version_node(g, version, site, ids)
        g.add((node, DCAT.hasVersion, version_node))
    if current.previous:
        g.add((node, DCAT.previousVersion, ids.version(current.previous)))

    # The ELM export, when the version has one.
    if any(d.get("dataset") == "elm" for d in current.manifest.get("dumps", [])):
        elm = ids.elm_dataset
        g.add((ids.catalog, DCAT.dataset, elm))
        g.add((elm, RDF.type, DCAT.Dataset))
        g.add((elm, DCTERMS.title, Literal(ELM_TITLE, lang="en")))
        g.add((elm, DCTERMS.description, Literal(ELM_DESCRIPTION, lang="en")))
        g.add((elm, DCAT.version, Literal(current.id)))
        g.add((elm, DCAT.theme, THEME))
        g.add((elm, DCAT.contactPoint, contact))
        g.add((elm, DCTERMS.conformsTo, ELM_LOQ_PROFILE))
        g.add((elm, DCTERMS.source, node))
        g.add((elm, PROV.wasDerivedFrom, node))
        _common(g, elm, ids)
        _distributions(g, elm, current, site, ids, "elm")

    if current.manifest.get("ldes"):  # the change stream (graph/ldes/catalog.py)
        describe_stream(
            g,
            current.manifest,
            base_iri=site.base_iri,
            catalog=ids.catalog,
            dataset=node,
            root_url=site.page("/ldes"),
            common={
                DCTERMS.publisher: ids.publisher,
                DCTERMS.license: LICENCE,
                DCAT.contactPoint: contact,
            },
            media_type=_media_type(g, "application/trig"),
        )

    # The SPARQL endpoint as a data service.
    service = ids.service
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.title, Literal("Prospectus SPARQL endpoint", lang="en")))
    g.add((service, DCAT.endpointURL, site.sparql))
    g.add((service, DCAT.endpointDescription, site.sparql))
    g.add((service, DCAT.servesDataset, node))
    g.add((service, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    g.add((SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard))
    g.add((service, DCAT.contactPoint, contact))
    _common(g, service, ids)
    g.add((SHA256_ALGORITHM, RDF.type, SPDX.ChecksumAlgorithm))
    g.add((SHA256_ALGORITHM, OWL.sameAs, SHA256_ALGORITHM_SPDX))
    return g
