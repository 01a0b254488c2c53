"""The ELM graph being built: helpers, organisations, controlled values, and what a
programme needs to be exported (`missing`). graph/build/writers/elm/projection.py adds the
programmes."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, RDF, SKOS, XSD
from rdflib.term import Node

from .... import iris
from ....iris import ADMS, ELM, EU_COUNTRY, PRO, PROV, ROV, SCHEMA
from .choices import Choices, first_node, langs, sorted_nodes

LANGUAGE_SCHEME = URIRef("http://publications.europa.eu/resource/authority/language")

LO_PROGRAMME = URIRef("http://data.europa.eu/snb/learning-opportunity/79343569f3")
FORMAL_LEARNING = URIRef("http://data.europa.eu/snb/learning-setting/6fd4685715")
EQF_7 = URIRef("http://data.europa.eu/snb/eqf/7")
QDR = Namespace("http://data.europa.eu/snb/qdr/")
# National qualification framework level of an EQF level in a provider's country.
NQF_LEVELS: dict[tuple[URIRef, str], URIRef] = {
    (EQF_7, "BEL"): QDR.c_95fec238,  # FQF Level 7 (Flemish framework; KU Leuven is Flemish)
    (EQF_7, "DEU"): QDR.c_184f7fed,  # DQR Level 7
    (EQF_7, "EST"): QDR.c_9173237a,  # EstQF Level 7
    (EQF_7, "NLD"): QDR.c_478359fc,  # NLQF Level 7
}
ROR_PREFIX = "https://ror.org/"


@dataclass
class Projection:
    graph: Graph
    programmes: list[URIRef] = field(default_factory=list)
    skipped: dict[URIRef, str] = field(default_factory=dict)  # programme -> why


@dataclass(frozen=True)
class PageUrls:
    """The resource page of a data IRI (mirrors server/urls.py: /doc/{local path})."""

    site_url: str
    base_iri: str

    def __call__(self, iri: URIRef) -> str:
        local = iris.local_path(str(iri), self.base_iri)
        if local is None:
            return str(iri)
        return f"{self.site_url.rstrip('/')}/doc/{quote(local)}"


class Builder:
    """The ELM graph (`out`) made from the canonical graph (`data`)."""

    # The rdflib store of `out`: a context-aware one by default (pySHACL, which checks a
    # projection against the official shapes, takes no other).
    STORE = "default"

    def __init__(self, data: Graph, url: PageUrls, shared: Graph | None = None):
        self.data = data
        self.url = url
        self.out = Graph(store=self.STORE)
        # Where organisations go: the export itself, or (built in batches) a graph of their own
        # written once at the end, as the programmes of many batches share them.
        self.shared = self.out if shared is None else shared
        for prefix in ("elm", "dct", "skos", "foaf", "xsd", "org"):
            self.out.bind(prefix, iris.PREFIXES[prefix])
        self.out.bind("adms", ADMS)
        self.out.bind("rov", ROV)
        self.out.bind("pro", PRO)
        self.out.bind("prov", PROV)
        self.concepts: set[URIRef] = set()
        self.export = iris.dataset("prospectus-elm", base=url.base_iri)
        self.choices = Choices(data, self.out, self.export)

    # helpers -----------------------------------------------------------------------------
    def add(self, s: Node, p: URIRef, o: Node) -> None:
        self.out.add((s, p, o))

    def langs(self, node: Node, prop: URIRef) -> list[Literal]:
        return langs(self.data, node, prop)

    def one_per_language(self, node: Node, prop: URIRef) -> list[Literal]:
        """ELM allows one string per language: the first in code-point order of each."""
        chosen: dict[str, Literal] = {}
        for literal in self.langs(node, prop):
            chosen.setdefault(str(literal.language), literal)
        return [chosen[lang] for lang in sorted(chosen)]

    def titles(self, qualification: Node) -> list[Literal]:
        """A qualification's titles; with none stated, its abbreviation as written."""
        found = self.one_per_language(qualification, DCTERMS.title)
        if not found:
            found = [
                Literal(str(a), lang="en")
                for a in sorted_nodes(self.data.objects(qualification, PRO.degreeAbbreviation))
            ][:1]
        return found

    def label(self, node: Node) -> str:
        for prop in (SKOS.prefLabel, DCTERMS.title):
            for o in self.langs(node, prop):
                if o.language == "en":
                    return str(o)
        return str(node).rsplit("/", 1)[-1]

    def concept(self, node: Node) -> Node:
        if isinstance(node, URIRef):
            self.concepts.add(node)
        return node

    def start_batch(self) -> None:
        """Start a new export graph for the next batch of programmes (organisations and the
        concepts used so far are kept)."""
        self.out = Graph(store=self.STORE)
        self.choices.out = self.out
        self.choices.records = []

    def note(self, text: str) -> BNode:
        node = BNode()
        self.add(node, RDF.type, ELM.Note)
        self.add(node, ELM.noteLiteral, Literal(text, lang="en"))
        return node

    def homepage(self, subject: Node, iri: URIRef) -> None:
        page = BNode()
        self.add(subject, FOAF.homepage, page)
        self.add(page, RDF.type, ELM.WebResource)
        self.add(page, ELM.contentUrl, Literal(self.url(iri), datatype=XSD.anyURI))

    def country(self, org: Node) -> URIRef | None:
        for address in sorted_nodes(self.data.objects(org, SCHEMA.address)):
            found = first_node(self.data.objects(address, SCHEMA.addressCountry))
            if isinstance(found, URIRef) and str(found).startswith(str(EU_COUNTRY)):
                return found
        parent = first_node(self.data.objects(org, ORG.unitOf))
        return self.country(parent) if parent is not None else None

    # organisations -------------------------------------------------------------------------
    def organisation(self, org: URIRef) -> None:
        if (org, RDF.type, ELM.Organisation) in self.shared:
            return
        out, self.out = self.out, self.shared
        try:
            self._organisation(org)
        finally:
            self.out = out

    def _organisation(self, org: URIRef) -> None:
        country = self.country(org)
        assert country is not None
        self.add(org, RDF.type, ELM.Organisation)
        self.add(org, ROV.legalName, Literal(self.label(org), lang="en"))
        for alt in self.langs(org, SKOS.altLabel):
            self.add(org, SKOS.altLabel, alt)
        location, address = BNode(), BNode()
        self.add(org, ELM.location, location)
        self.add(location, RDF.type, DCTERMS.Location)
        self.add(location, ELM.address, address)
        self.add(address, RDF.type, ELM.Address)
        self.add(address, ELM.countryCode, self.concept(country))
        parts = []
        for postal in sorted_nodes(self.data.objects(org, SCHEMA.address)):
            for prop in (SCHEMA.streetAddress, SCHEMA.postalCode, SCHEMA.addressLocality):
                parts += [str(o) for o in sorted_nodes(self.data.objects(postal, prop))]
        if parts:
            self.add(address, ELM.fullAddress, self.note(", ".join(parts)))
        for ror in sorted_nodes(self.data.objects(org, PRO.ror)):
            if str(ror).startswith(ROR_PREFIX):
                identifier = BNode()
                self.add(org, ADMS.identifier, identifier)
                self.add(identifier, RDF.type, ELM.Identifier)
                self.add(identifier, SKOS.notation, Literal(str(ror)[len(ROR_PREFIX) :]))
                self.add(identifier, ELM.schemeName, Literal("ROR"))
                self.add(identifier, ELM.schemeId, Literal(ROR_PREFIX, datatype=XSD.anyURI))
        parent = first_node(self.data.objects(org, ORG.unitOf))
        if isinstance(parent, URIRef) and self.country(parent) is not None:
            self.organisation(parent)
            self.add(org, ORG.subOrganizationOf, parent)
            self.add(parent, ORG.hasSubOrganization, org)

    # the programme -------------------------------------------------------------------------
    def missing(self, programme: URIRef) -> str | None:
        """Why `programme` cannot be exported, or None."""
        qualifications = sorted_nodes(self.data.objects(programme, PRO.awards))
        if len(qualifications) != 1:
            return f"awards {len(qualifications)} qualifications; ELM needs exactly one"
        qualification = qualifications[0]
        if not self.langs(programme, DCTERMS.title):
            return "no title"
        if not self.titles(qualification):
            return "its qualification has no title (nor a degree abbreviation)"
        if first_node(self.data.objects(qualification, ELM.EQFLevel)) is None:
            return "its qualification has no EQF level"
        if not list(self.data.objects(programme, PRO.fieldOfEducation)):
            return "no ISCED-F field of education"
        if not list(self.data.objects(programme, ELM.learningOutcome)):
            return "no learning outcome"
        if self.language(programme) is None:
            return "no teaching language (nor a language requirement)"
        providers = self.providers(programme)
        if not providers:
            return "no provider"
        for org in providers:
            if self.country(org) is None:
                return f"provider {org} has no country"
        if not self.nqf_levels(programme, qualification):
            return "no national qualification framework level for its providers' countries"
        return None

    def providers(self, programme: URIRef) -> list[URIRef]:
        return [
            o
            for o in sorted_nodes(self.data.objects(programme, ELM.providedBy))
            if isinstance(o, URIRef)
        ]

    def offerings(self, programme: URIRef) -> list[URIRef]:
        return sorted_nodes(self.data.subjects(PRO.offeringOf, programme))

    def language(self, programme: URIRef) -> URIRef | None:
        stated = first_node(self.data.objects(programme, ELM.defaultLanguage))
        if stated is not None:
            return stated
        required = [
            lang
            for req in self.data.objects(programme, PRO.admissionRequirement)
            for lang in self.data.objects(req, PRO.proficiencyLanguage)
        ]
        return first_node(required)

    def nqf_levels(self, programme: URIRef, qualification: URIRef) -> list[URIRef]:
        eqf = first_node(self.data.objects(qualification, ELM.EQFLevel))
        found = set()
        for org in self.providers(programme):
            country = self.country(org)
            if country is not None:
                level = NQF_LEVELS.get((eqf, str(country).rsplit("/", 1)[-1]))
                if level is not None:
                    found.add(level)
        return sorted_nodes(found)

    def describe_concepts(self) -> None:
        """Every concept used, typed, labelled and in its scheme (copied from the graph)."""
        for concept in sorted(self.concepts):
            self.add(concept, RDF.type, SKOS.Concept)
            labels = self.langs(concept, SKOS.prefLabel)
            for label in labels:
                self.add(concept, SKOS.prefLabel, label)
            notation = first_node(self.data.objects(concept, SKOS.notation))
            if notation is not None:
                self.add(concept, SKOS.notation, notation)
            schemes = sorted_nodes(self.data.objects(concept, SKOS.inScheme))
            if not schemes and str(concept).startswith(str(iris.EU_LANGUAGE)):
                schemes = [LANGUAGE_SCHEME]
            for scheme in schemes:
                self.add(concept, SKOS.inScheme, scheme)
                self.add(scheme, RDF.type, SKOS.ConceptScheme)
