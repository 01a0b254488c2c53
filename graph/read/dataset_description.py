"""The dataset description: VoID and DCAT-AP 3, built from the finished dataset and manifest.

- VoID, https://www.w3.org/TR/void/ : counts, class and property partitions, one subset
  per named graph, dumps, SPARQL endpoint, vocabularies, example resources, URI space.
- DCAT 3, https://www.w3.org/TR/vocab-dcat-3/ , in the DCAT-AP 3.0.1 profile,
  https://semiceu.github.io/DCAT-AP/releases/3.0.1/ : catalogue, dataset, one distribution
  per dump, the SPARQL endpoint as a data service.

Two halves:
- at build time `write_statistics` (a graph.build.publish.Writer) counts what the version holds
  and stores it in the manifest under "statistics", plus `resources.json` (each resource's
  digest and the time it last changed, for the sitemap);
- at request time `describe()` turns the manifests of the retained versions into RDF. The
  IRIs of catalogue, dataset, distributions and service are minted under the `base_iri`
  setting; download and endpoint URLs are under the site's public URL (`public_url`, or the
  request's own root when it is empty).

The dataset IRI (`{base}dataset/prospectus`) is stable across versions: it always describes
the current version (`dcat:version`, its dumps, its counts) and links every retained older
version (`dcat:hasVersion`, `dcat:previousVersion`), each with its own, still downloadable,
distributions. Authority-table values (licence, file type, media type, theme, language,
country, publisher type) are typed and carry `skos:inScheme` and a label in the description
itself, as the DCAT-AP controlled-vocabulary shapes require.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from .. import iris
from ..build import reference
from ..build.publish import Version
from ..build.validate import Report
from ..build.writers import dumps
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

RESOURCES_FILE = "resources.json"
EXAMPLE_LIMIT = 5

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
# Where temporal coverage is read from: intake starts, deadlines, the pages' own dates.
TEMPORAL_PROPERTIES = (PRO.startDate, PRO.date, DCTERMS.modified)

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


# --- build time: statistics ----------------------------------------------------------------


def _iri(term: Any) -> str | None:
    return term.value if isinstance(term, ox.NamedNode) else None


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def _period(value: str, datatype: str) -> tuple[date, date] | None:
    """The first and last day a date-like literal covers."""
    xsd = str(XSD)
    try:
        if datatype in (xsd + "date", xsd + "dateTime"):
            day = date.fromisoformat(value[:10])
            return day, day
        if datatype == xsd + "gYearMonth":
            year, month = int(value[:4]), int(value[5:7])
            nxt = date(year + month // 12, month % 12 + 1, 1)
            return date(year, month, 1), date.fromordinal(nxt.toordinal() - 1)
        if datatype == xsd + "gYear":
            year = int(value[:4])
            return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        return None
    return None


def compute_statistics(dataset: ox.Dataset, base_iri: str) -> dict[str, Any]:
    """Counts and coverage of one version, as JSON-serialisable values."""
    triples = {q.triple for q in dataset}
    subjects = {t.subject for t in triples}
    objects = {t.object for t in triples}
    predicates = Counter(str(t.predicate.value) for t in triples)
    rdf_type = ox.NamedNode(str(RDF.type))
    class_members: dict[str, set[Any]] = defaultdict(set)
    for t in triples:
        if t.predicate == rdf_type and isinstance(t.object, ox.NamedNode):
            class_members[t.object.value].add(t.subject)
    graphs: Counter[str] = Counter()
    for q in dataset:
        name = _iri(q.graph_name)
        if name:
            graphs[name] += 1
    labels: dict[str, str] = {}
    label_props = {str(RDFS.label), str(SKOS.prefLabel), str(DCTERMS.title)}
    for t in triples:
        if (
            t.predicate.value in label_props
            and isinstance(t.object, ox.Literal)
            and t.object.language in (None, "en")
            and isinstance(t.subject, ox.NamedNode)
        ):
            labels.setdefault(t.subject.value, t.object.value)
    start: date | None = None
    end: date | None = None
    temporal = {str(p) for p in TEMPORAL_PROPERTIES}
    for t in triples:
        if t.predicate.value in temporal and isinstance(t.object, ox.Literal):
            span = _period(t.object.value, t.object.datatype.value)
            if span:
                start = span[0] if start is None else min(start, span[0])
                end = span[1] if end is None else max(end, span[1])
    country_prop = "http://schema.org/addressCountry"
    countries = sorted(
        {
            t.object.value
            for t in triples
            if t.predicate.value == country_prop
            and isinstance(t.object, ox.NamedNode)
            and t.object.value.startswith(str(EU_COUNTRY))
        }
    )
    subject_areas = sorted(
        {
            labels.get(t.object.value, "")
            for t in triples
            if t.predicate.value == str(PRO.sourceSubjectArea)
            and isinstance(t.object, ox.NamedNode)
        }
        - {""}
    )
    examples = sorted(
        s.value
        for s in class_members.get(str(PRO.StudyProgramme), ())
        if isinstance(s, ox.NamedNode)
    )[:EXAMPLE_LIMIT]
    vocabularies = sorted(
        {_namespace(p) for p in predicates} | {_namespace(c) for c in class_members}
    )
    return {
        "triples": len(triples),
        "quads": len(dataset),
        "entities": sum(
            1 for s in subjects if isinstance(s, ox.NamedNode) and s.value.startswith(base_iri)
        ),
        "distinct_subjects": len(subjects),
        "distinct_objects": len(objects),
        "properties": len(predicates),
        "classes": len(class_members),
        "class_partitions": {c: len(m) for c, m in sorted(class_members.items())},
        "property_partitions": dict(sorted(predicates.items())),
        "graphs": {g: {"triples": n, "label": labels.get(g)} for g, n in sorted(graphs.items())},
        "temporal": [start.isoformat(), end.isoformat()] if start and end else None,
        "countries": {c: labels.get(c, c.rsplit("/", 1)[-1]) for c in countries},
        "subject_areas": subject_areas,
        "examples": examples,
        "vocabularies": vocabularies,
        "uri_space": base_iri,
    }


def resource_digests(dataset: ox.Dataset, base_iri: str) -> dict[str, str]:
    """Each data resource (subject under the base) -> SHA-256 of its sorted quads."""
    lines: dict[str, list[str]] = defaultdict(list)
    for q in dataset:
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(base_iri):
            lines[q.subject.value].append(str(q))
    return {
        s: hashlib.sha256("\n".join(sorted(ls)).encode()).hexdigest()
        for s, ls in sorted(lines.items())
    }


def read_resources(version_dir: Path) -> dict[str, dict[str, str]]:
    try:
        return json.loads((version_dir / RESOURCES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_statistics(staging: Path, manifest: dict[str, Any], previous: Version | None) -> None:
    """Writer: manifest["statistics"] and resources.json (when each resource last changed)."""
    dataset = dumps.read_version(staging)
    base_iri = manifest.get("base_iri") or dumps.base_of(dataset)
    manifest["statistics"] = compute_statistics(dataset, base_iri)
    before = read_resources(previous.path) if previous else {}
    resources = {}
    for iri, digest in resource_digests(dataset, base_iri).items():
        old = before.get(iri)
        same = old is not None and old.get("sha256") == digest
        resources[iri] = {
            "sha256": digest,
            "modified": old["modified"] if old is not None and same else manifest["created"],
        }
    (staging / RESOURCES_FILE).write_text(
        json.dumps(resources, indent=0, sort_keys=True) + "\n", encoding="utf-8"
    )


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


class Description:
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


def _common(g: Graph, node: URIRef, ids: Description) -> None:
    g.add((node, DCTERMS.publisher, ids.publisher))
    g.add((node, DCTERMS.license, LICENCE))


def _distributions(
    g: Graph, dataset_node: URIRef, version: Version, site: Site, ids: Description, kind: str
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
            g.add((node, DCAT.compressFormat, _media_type(g, dumps.GZIP_MEDIA_TYPE)))
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
    ids: Description,
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


def _version_node(g: Graph, version: Version, site: Site, ids: Description) -> URIRef:
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


def describe(current: Version, versions: list[Version], site: Site) -> Graph:
    """The VoID + DCAT-AP description of the dataset as published in `current`."""
    ids = Description(site.base_iri)
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


# --- DCAT-AP 3 validation -------------------------------------------------------------------

DCAT_AP_FILES = tuple(f for f in reference.DCAT_AP_FILES if f.startswith("dcat-ap/"))


@lru_cache(maxsize=4)
def dcat_ap_shapes(root: Path) -> tuple[Graph, ...]:
    """The official DCAT-AP 3.0.1 shapes of the reference folder `root` (graph/build/reference.py),
    one graph per file.

    The files are run one by one: merged, their blank-node and template shapes collide.
    Patch, in memory: dcat-ap-SHACL.ttl lists two property shapes of DataServiceShape
    (…#dcat:DataServiceShape/dc08f4dc…, …/eb3ac4e4…) that it never defines (they belong to
    the left-out ranges.ttl); pyshacl stops on any dcat:DataService with "exists but is not
    a well-formed SHACL PropertyShape". An undefined shape constrains nothing, so the
    dangling sh:property links are dropped; range.ttl checks the same ranges.
    """
    from rdflib.namespace import SH

    graphs = []
    for name in DCAT_AP_FILES:
        shapes = Graph()
        shapes += reference.read(root, name)
        for shape, prop in list(shapes.subject_objects(SH.property)):
            if (prop, SH.path, None) not in shapes:
                shapes.remove((shape, SH.property, prop))
        graphs.append(shapes)
    return tuple(graphs)


def run_shapes(data: Graph, shapes: Graph, ontology: Graph | None = None) -> Report:
    """pySHACL over one graph; only the report's own results (sh:result), not the nested
    sh:detail results of sh:node constraints, whose severity is the outer result's."""
    from pyshacl import validate as shacl_validate
    from rdflib.namespace import SH

    from ..errors import Violation

    _conforms, report_graph, _text = shacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        allow_warnings=True,
        abort_on_first=False,
    )
    results = []
    for result in report_graph.objects(None, SH.result):
        severity = report_graph.value(result, SH.resultSeverity)
        focus = report_graph.value(result, SH.focusNode)
        value = report_graph.value(result, SH.value)
        path = report_graph.value(result, SH.resultPath)
        message = report_graph.value(result, SH.resultMessage)
        results.append(
            Violation(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus_node=str(focus),
                path=str(path) if isinstance(path, URIRef) else None,
                value=None if value is None else str(value),
                message=str(message) if message else "(no message)",
                source_shape=str(report_graph.value(result, SH.sourceShape)),
            )
        )
    return Report(results)


def check_dcat_ap(description: Graph, root: Path) -> Report:
    """Validate a description against every DCAT-AP 3 shapes file of the reference folder
    `root`, with its DCAT 3 ontology (dcat/dcat3.ttl)."""
    reference.require(root, reference.DCAT_AP_FILES)
    ontology = reference.read(root, "dcat/dcat3.ttl")
    report = Report()
    for shapes in dcat_ap_shapes(root):
        report.results.extend(run_shapes(description, shapes, ontology).results)
    return report


# --- `prospectus export dataset` ------------------------------------------------------------


@dataclass(frozen=True)
class DescriptionExport:
    data: bytes
    version: str
    report: Report | None  # None: not checked against the official DCAT-AP shapes


def export_description(settings: Any, *, fmt: str = "turtle") -> DescriptionExport:
    """The description of the published versions, as /.well-known/void serves it for the
    site at `public_url` (or, when it is empty, the site `base_iri` implies), checked
    against DCAT-AP 3 when the `reference_shapes_dir` setting names the official shapes."""
    from .. import formats
    from ..build import publish
    from ..build.writers.elm import default_site_url
    from ..errors import ProspectusError

    serializer = formats.BY_NAME[fmt].rdflib if fmt in formats.BY_NAME else None
    if serializer is None:
        raise ProspectusError(f"the dataset description cannot be written as {fmt!r}")
    current = publish.current(settings.data_path)
    if current is None:
        raise ProspectusError(
            f"nothing is published in {settings.data_path} yet: run `prospectus build`"
        )
    site = Site(settings.base_iri, (settings.public_url or default_site_url(settings.base_iri)))
    graph = describe(current, publish.versions(settings.data_path), site)
    root = reference.folder(settings.reference_shapes_dir)
    report = check_dcat_ap(graph, root) if root is not None else None
    data = graph.serialize(format=serializer, encoding="utf-8")
    return DescriptionExport(data, current.id, report)
