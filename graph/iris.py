"""The one place where IRIs are minted.

Namespaces of the project (see ../docs/model.md):

- ontology terms  https://w3id.org/prospectus/ontology#
- shapes          https://w3id.org/prospectus/shapes#
- data            https://w3id.org/prospectus/id/{kind}/{slug}/... (typed first segment)
- vocabularies    https://w3id.org/prospectus/vocab/{scheme}/{code}
- example queries https://w3id.org/prospectus/.well-known/sparql-examples/{slug}
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from rdflib import Namespace, URIRef

ONTOLOGY_IRI = "https://w3id.org/prospectus/ontology"
PRO = Namespace(ONTOLOGY_IRI + "#")
SHAPES = Namespace("https://w3id.org/prospectus/shapes#")
VOCAB = Namespace("https://w3id.org/prospectus/vocab/")
DATA_BASE = "https://w3id.org/prospectus/id/"
ID = Namespace(DATA_BASE)

# Reused vocabularies.
ELM = Namespace("http://data.europa.eu/snb/model/elm/")
SCHEMA = Namespace("http://schema.org/")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
PROV = Namespace("http://www.w3.org/ns/prov#")
ORG = Namespace("http://www.w3.org/ns/org#")
VOID = Namespace("http://rdfs.org/ns/void#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
ROV = Namespace("http://www.w3.org/ns/regorg#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
EU_COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")
EU_LANGUAGE = Namespace("http://publications.europa.eu/resource/authority/language/")
EU_CURRENCY = Namespace("http://publications.europa.eu/resource/authority/currency/")
EQF = Namespace("http://data.europa.eu/snb/eqf/")
ISCED_F = Namespace("http://data.europa.eu/snb/isced-f/")

PREFIXES: dict[str, str] = {
    "pro": str(PRO),
    "id": DATA_BASE,
    "vocab": str(VOCAB),
    "elm": str(ELM),
    "schema": str(SCHEMA),
    "dcat": str(DCAT),
    "dct": "http://purl.org/dc/terms/",
    "prov": str(PROV),
    "org": str(ORG),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "void": str(VOID),
    "locn": str(LOCN),
    "foaf": "http://xmlns.com/foaf/0.1/",
}

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The kinds of thing a data IRI can name: the first path segment after the base.
KINDS = (
    "programme",
    "offering",
    "org",
    "source",
    "capture",
    "page",
    "activity",
    "agent",
    "component",
    "requirement",
    "fee",
    "deadline",
    "outcome",
    "note",
    "citation",
    "graph",
    "dataset",
)


class IriError(ValueError):
    """A slug or kind that cannot be part of a project IRI."""


def slugify(text: str) -> str:
    """Lower-case ASCII slug: 'Leiden University' -> 'leiden-university'."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def mint(kind: str, *slugs: str, base: str = DATA_BASE) -> URIRef:
    """Mint a data IRI `{base}{kind}/{slug}/...`; every segment must already be a slug."""
    if kind not in KINDS:
        raise IriError(f"unknown IRI kind {kind!r}; expected one of {', '.join(KINDS)}")
    for slug in slugs:
        if not _SLUG.match(slug):
            raise IriError(f"{slug!r} is not a lower-case slug (a-z, 0-9, single hyphens)")
    return URIRef(base + "/".join((kind, *slugs)))


def programme(institution: str, slug: str) -> URIRef:
    return mint("programme", institution, slug)


def offering(institution: str, programme_slug: str, intake: str) -> URIRef:
    return mint("offering", institution, programme_slug, intake)


def organisation(*slugs: str) -> URIRef:
    return mint("org", *slugs)


def source(slug: str) -> URIRef:
    return mint("source", slug)


def named_graph(slug: str) -> URIRef:
    """A named graph the build makes itself (id:graph/ontology, id:graph/order, …)."""
    return mint("graph", slug)


# The named graphs the build makes itself besides the sources' (graph/build/load.py, order.py).
ONTOLOGY_GRAPH = named_graph("ontology")
VOCABULARY_GRAPH = named_graph("vocabularies")
ORDER_GRAPH = named_graph("order")


def vocab(scheme: str, code: str | None = None) -> URIRef:
    """A concept (or, without a code, the scheme) of a project vocabulary."""
    return URIRef(f"{VOCAB}{scheme}" + (f"/{code}" if code else ""))


def is_data_iri(iri: str, base: str = DATA_BASE) -> bool:
    return iri.startswith(base) and iri[len(base) :].split("/", 1)[0] in KINDS


def local_path(iri: str, base: str = DATA_BASE) -> str | None:
    """'https://w3id.org/prospectus/id/org/x' -> 'org/x' (None when not a data IRI)."""
    return iri[len(base) :] if is_data_iri(iri, base) else None


def from_local_path(path: str, base: str = DATA_BASE) -> URIRef:
    return URIRef(base + path)


def default_site_url(base_iri: str) -> str:
    """Where the site lives when only the base IRI is known: '…/id/' -> '…' (the site's
    URLs themselves are made by server/urls.py)."""
    root = base_iri.rstrip("/")
    return root[: -len("/id")] if root.endswith("/id") else root


# Nodes that belong to one programme or one page (used by graph/synthetic/ and the sources).


def programme_part(institution: str, programme_slug: str, *parts: str) -> URIRef:
    """A node owned by one programme: its qualification, credit points, outcomes."""
    return mint("programme", institution, programme_slug, *parts)


def component(institution: str, programme_slug: str, *parts: str) -> URIRef:
    """A component (semester, thesis, track) of a programme."""
    return mint("component", institution, programme_slug, *parts)


def requirement(institution: str, programme_slug: str, *parts: str) -> URIRef:
    """An admission or language requirement of a programme (or one of its parts)."""
    return mint("requirement", institution, programme_slug, *parts)


def fee(institution: str, programme_slug: str, intake: str, *parts: str) -> URIRef:
    return mint("fee", institution, programme_slug, intake, *parts)


def deadline(institution: str, programme_slug: str, intake: str, *parts: str) -> URIRef:
    return mint("deadline", institution, programme_slug, intake, *parts)


def outcome(institution: str, programme_slug: str, *parts: str) -> URIRef:
    """A learning or career outcome of a programme."""
    return mint("outcome", institution, programme_slug, *parts)


def capture(slug: str) -> URIRef:
    return mint("capture", slug)


def page(slug: str) -> URIRef:
    return mint("page", slug)


def activity(*slugs: str) -> URIRef:
    """An extraction or generation activity, e.g. activity/extraction-2026-11/{segment}."""
    return mint("activity", *slugs)


def agent(slug: str) -> URIRef:
    return mint("agent", slug)


# Dataset-level resources (graph/read/dataset_description.py, graph/build/writers/changes.py,
# graph/build/writers/elm/).

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
CHANGESET = Namespace("http://purl.org/vocab/changeset/schema#")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
EU_LICENCE = Namespace("http://publications.europa.eu/resource/authority/licence/")
EU_DATA_THEME = Namespace("http://publications.europa.eu/resource/authority/data-theme/")
IANA_MEDIA_TYPE = Namespace("https://www.iana.org/assignments/media-types/")


def version_slug(version_id: str) -> str:
    """A published version id ('20261123T104054Z-f5f6f8a6') as a slug."""
    slug = slugify(version_id)
    if not _SLUG.match(slug):
        raise IriError(f"version id {version_id!r} does not make a slug")
    return slug


def dataset(*parts: str, base: str = DATA_BASE) -> URIRef:
    """Catalogue-level resources: dataset/catalog, dataset/prospectus/{version}/…"""
    return mint("dataset", *(slugify(p) for p in parts), base=base)


# Imported records (graph/ingest/): one source graph per record of an outside catalogue.

FOAF = Namespace("http://xmlns.com/foaf/0.1/")
_LONG_SLUG = 60


def record_slug(text: str) -> str:
    """A slug for an outside identifier or name, stable across imports.

    Short slugs are the slugified text ('Leiden University' -> 'leiden-university', a UUID
    stays itself); long or unslugifiable ones keep a readable head and a hash of the text.
    """
    import hashlib

    slug = slugify(text)
    if slug and len(slug) <= _LONG_SLUG:
        return slug
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    head = slug[: _LONG_SLUG - 11].strip("-")
    return f"{head}-{digest}" if head else f"x-{digest}"


def child(iri: URIRef, *slugs: str) -> URIRef:
    """A node owned by `iri`: `{iri}/{slug}/…` (an address, an identifier, a credit point)."""
    for slug in slugs:
        if not _SLUG.match(slug):
            raise IriError(f"{slug!r} is not a lower-case slug (a-z, 0-9, single hyphens)")
    return URIRef("/".join((str(iri), *slugs)))


def imported_record(fmt: str, scope: str, *parts: str) -> URIRef:
    """The source graph of one imported record: source/{format}/{scope}/{kind}/{id}."""
    return mint("source", fmt, scope, *parts)


def record_capture(fmt: str, scope: str, *parts: str) -> URIRef:
    """The bytes of one imported record as fetched."""
    return mint("capture", fmt, scope, *parts)


def import_activity(fmt: str, scope: str, *parts: str) -> URIRef:
    """The import of one record (activity/import/{format}/{scope}/…)."""
    return mint("activity", "import", fmt, scope, *parts)


IMPORTER_AGENT = "prospectus-importer"


# The change stream (graph/ldes/): an LDES of programme versions.

LDES = Namespace("https://w3id.org/ldes#")
TREE = Namespace("https://w3id.org/tree#")
ACTIVITY_STREAMS = Namespace("https://www.w3.org/ns/activitystreams#")


def ldes_stream(base: str = DATA_BASE) -> URIRef:
    """The ldes:EventStream of programme versions: `{base}dataset/prospectus/ldes`."""
    return dataset("prospectus", "ldes", base=base)


def ldes_retention_policy(base: str = DATA_BASE) -> URIRef:
    """The stream's ldes:RetentionPolicy: `{base}dataset/prospectus/ldes/retention`."""
    return dataset("prospectus", "ldes", "retention", base=base)


def ldes_member(thing: str, version_id: str, base: str = DATA_BASE) -> URIRef:
    """One member of the stream: `thing` (a programme) as published in `version_id`.

    `{base}dataset/prospectus/ldes/{thing's local path}/{version}`, e.g.
    `…/ldes/programme/kuleuven/pioneer/20261123t104054z-f5f6f8a6`; a thing outside the base
    gets `…/ldes/external/{first 16 hex digits of the IRI's SHA-256}/{version}`. Never
    reused: one thing has at most one member per version.
    """
    import hashlib

    local = local_path(thing, base)
    digest = hashlib.sha256(thing.encode("utf-8")).hexdigest()[:16]
    parts = local.split("/") if local else ["external", digest]
    return dataset("prospectus", "ldes", *parts, version_slug(version_id), base=base)


def ldes_distribution(base: str = DATA_BASE) -> URIRef:
    """The stream's distribution in the dataset description (a dcat:Distribution and
    ldes:EventSource whose download URL is the root node):
    `{base}dataset/prospectus/ldes/distribution`."""
    return dataset("prospectus", "ldes", "distribution", base=base)


# SPARQL extension functions of the search index (graph/store/text_search.py, docs/search.md).
FUNCTIONS = Namespace("https://w3id.org/prospectus/function#")
TEXT_SCORE = FUNCTIONS.textScore
TEXT_MATCH = FUNCTIONS.textMatch


# -- the SPARQL endpoint and its published example queries (graph/sparql_examples.py) --------
SCHEMA_ORG = Namespace("https://schema.org/")  # the namespace the SIB sparql-examples use


def site_root(base: str = DATA_BASE) -> str:
    """The site that serves `/id/…` under `base`: `https://w3id.org/prospectus/`."""
    return urljoin(base, "../")


def sparql_endpoint(base: str = DATA_BASE) -> URIRef:
    """The SPARQL endpoint of the site of `base` (`…/prospectus/sparql`)."""
    return URIRef(site_root(base) + "sparql")


def sparql_example(slug: str, base: str = DATA_BASE) -> URIRef:
    """One published example query: `{site}/.well-known/sparql-examples/{slug}`."""
    if not _SLUG.match(slug):
        raise IriError(f"{slug!r} is not a lower-case slug (a-z, 0-9, single hyphens)")
    return URIRef(site_root(base) + ".well-known/sparql-examples/" + slug)


# Never published: the predicate (plus a number) that marks, in the data handed to rudof, the
# nodes a SHACL-AF SPARQL target selected (graph/build/rudof_shacl.py).
SHACL_TARGET_MARKER = "urn:prospectus:shacl-target:"
