"""The European Learning Model 3 importer (ELM 3.1, http://data.europa.eu/snb/model/elm/):
learning opportunities and the qualifications they lead to, as the Qualification Dataset
Register (LOQ profile) holds them, in Turtle, JSON-LD or RDF/XML.

The inverse of our ELM export (graph/build/writers/elm/): each top-level
`elm:LearningOpportunity` (one that is no other's `elm:hasPart`) is one record and becomes a
`pro:StudyProgramme`; its `elm:learningAchievementSpecification` gives the awarded qualification
(EQF level, title), the ISCED-F fields, the credits and the learning outcomes; its providers
become organisations; its start, deadlines and prices become one intake (`pro:Offering`). What
is dropped, and why, is in docs/import.md ("ELM 3").

Records: source graph `source/elm/{document}/learning-opportunity/{slug}`, where the document
slug is made from the file or URL and the record slug from the last segment of the learning
opportunity's IRI (its title when it has none). Programme IRIs are
`programme/{provider}/{slug}`. A record's SHA-256 is that of the canonical N-Triples
(RDFC-1.0) of everything the document says about the learning opportunity: what it links
to, recursively.

JSON-LD with a remote `@context` is refused (contexts are never fetched); give the document
expanded, with an inline context, or as Turtle.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, SKOS, XSD
from rdflib.term import Node

from .. import iris
from ..canonical import canonical_graph, literals_as_written, to_bytes
from ..errors import SourceUnreadable
from ..iris import ELM, PRO, ROV, SCHEMA
from . import codes, records
from .client import Client, Fetched, is_url, read_file
from .records import Record, Unmappable
from .report import ImportReport

FORMAT = "elm"
FOAF_HOMEPAGE = URIRef("http://xmlns.com/foaf/0.1/homepage")
ADMS_IDENTIFIER = URIRef("http://www.w3.org/ns/adms#identifier")
ACCEPT = "text/turtle, application/ld+json;q=0.9, application/rdf+xml;q=0.8"
PARSERS = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "application/n-triples": "nt",
}
MODE_SCHEME = URIRef("http://data.europa.eu/snb/learning-assessment/25831c2")
SCHEDULE_SCHEME = URIRef("http://data.europa.eu/snb/learning-schedule/25831c2")
CREDIT_SCHEME = URIRef("http://data.europa.eu/snb/education-credit/25831c2")
ROR = "https://ror.org/"
# The labels our export gives a price detail per billing period
# (graph/build/writers/elm/projection.py `fee`).
BILLING_PERIOD = {"per year": "P1Y", "per semester": "P6M", "per month": "P1M"}
DURATION = re.compile(
    r"^P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+[DW])?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$"
)

# The mapping table: ELM property (on the opportunity or its specification) <-> ours.
FIELDS: dict[URIRef, str] = {
    DCTERMS.title: "dct:title",
    DCTERMS.description: "dct:description",
    ELM.providedBy: "elm:providedBy",
    ELM.defaultLanguage: "elm:defaultLanguage",
    ELM.duration: "elm:duration",
    ELM.mode: "elm:mode",
    ELM.learningSchedule: "elm:learningSchedule",
    FOAF_HOMEPAGE: "foaf:homepage/elm:contentUrl",
    PRO.awards: "elm:learningAchievementSpecification",
    ELM.EQFLevel: "elm:learningAchievementSpecification/elm:EQFLevel",
    PRO.fieldOfEducation: "elm:learningAchievementSpecification/elm:ISCEDFCode",
    ELM.creditPoint: "elm:learningAchievementSpecification/elm:creditPoint",
    RDF.value: "elm:creditPoint/elm:point",
    ELM.learningOutcome: "elm:learningAchievementSpecification/elm:learningOutcome",
    PRO.admissionRequirement: "elm:learningAchievementSpecification/elm:entryRequirement",
    PRO.startDate: "dct:temporal/elm:startDate",
    PRO.endDate: "dct:temporal/elm:endDate",
    PRO.date: "elm:applicationDeadline",
    PRO.tuitionFee: "elm:priceDetail",
    PRO.amount: "elm:priceDetail/elm:amount",
    PRO.currency: "elm:priceDetail/elm:amount/elm:unit",
    SKOS.prefLabel: "elm:providedBy/rov:legalName",
    SCHEMA.addressCountry: "elm:providedBy/elm:location/elm:address/elm:countryCode",
    PRO.ror: "elm:providedBy/adms:identifier",
}


def parse(fetched: Fetched) -> Graph:
    """The document as one graph (Turtle, JSON-LD, RDF/XML, N-Triples), literals as written."""
    fmt = PARSERS.get(fetched.media_type)
    if fmt is None:
        suffix = Path(urllib.parse.urlsplit(fetched.url).path).suffix.lower()
        fmt = {".ttl": "turtle", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml"}.get(
            suffix, {".xml": "xml", ".nt": "nt"}.get(suffix)
        )
    if fmt is None:
        raise SourceUnreadable(fetched.url, f"not an RDF document ({fetched.media_type})")
    if fmt == "json-ld":
        _refuse_remote_context(fetched)
    graph = Graph()
    try:
        with literals_as_written():
            graph.parse(data=fetched.body, format=fmt, publicID=fetched.url)
    except Exception as exc:  # noqa: BLE001 - rdflib's parsers raise assorted types
        raise SourceUnreadable(fetched.url, f"does not parse as {fmt}: {exc}") from None
    return graph


def _refuse_remote_context(fetched: Fetched) -> None:
    try:
        data = json.loads(fetched.body)
    except ValueError as exc:
        raise SourceUnreadable(fetched.url, f"not JSON ({exc})") from None

    def contexts(node: object) -> Iterable[object]:
        if isinstance(node, dict):
            if "@context" in node:
                yield node["@context"]
            for value in node.values():
                yield from contexts(value)
        elif isinstance(node, list):
            for value in node:
                yield from contexts(value)

    for context in contexts(data):
        for entry in context if isinstance(context, list) else [context]:
            if isinstance(entry, str):
                raise SourceUnreadable(
                    fetched.url,
                    f"its JSON-LD @context {entry!r} would have to be fetched; contexts are "
                    "never fetched: give the document expanded, with an inline context, or as "
                    "Turtle",
                )


def _sorted(nodes: Iterable[Node]) -> list:
    return sorted(set(nodes), key=lambda n: (type(n).__name__, str(n)))


def _langs(g: Graph, node: Node, prop: URIRef) -> list[Literal]:
    return [o for o in _sorted(g.objects(node, prop)) if isinstance(o, Literal) and o.language]


def _label(g: Graph, node: Node) -> str | None:
    for prop in (ROV.legalName, ELM.legalName, SKOS.prefLabel, DCTERMS.title):
        found = _langs(g, node, prop) or [
            o for o in g.objects(node, prop) if isinstance(o, Literal)
        ]
        english = [o for o in found if (o.language or "").lower().startswith("en")]
        if english or found:
            return str((english or sorted(found, key=str))[0])
    return None


def _closure(g: Graph, start: Node) -> Graph:
    """Everything the document says about `start`: its triples, and those of what it links to."""
    out, seen, todo = Graph(), {start}, [start]
    while todo:
        node = todo.pop()
        for s, p, o in g.triples((node, None, None)):
            out.add((s, p, o))
            if isinstance(o, URIRef | BNode) and o not in seen:
                seen.add(o)
                todo.append(o)
    return out


def digest(g: Graph) -> str:
    """SHA-256 of the graph's canonical N-Triples (blank nodes relabelled by RDFC-1.0)."""
    lines = sorted(set(to_bytes(canonical_graph(g), ox.RdfFormat.N_QUADS).splitlines()))
    return records.sha256(b"\n".join(lines) + b"\n")


def _slug_of(node: Node, g: Graph) -> str:
    if isinstance(node, URIRef):
        tail = re.split(r"[/#]", str(node).rstrip("/#"))[-1]
        if tail:
            return iris.record_slug(tail)
    title = _label(g, node)
    return iris.record_slug(title or "learning-opportunity")


def _concept(g: Graph, node: Node, field: str, scheme: URIRef) -> URIRef:
    concept = codes.is_concept_of(str(node), scheme) if isinstance(node, URIRef) else None
    if concept is None:
        raise Unmappable(field, f"unknown code {node}")
    return concept


def _date(value: Node, field: str) -> Literal:
    text = str(value)
    match = re.match(r"^(\d{4}-\d{2}-\d{2})", text)
    if not isinstance(value, Literal) or not match:
        raise Unmappable(field, f"not a date or date-time: {text!r}")
    try:
        from datetime import date

        date.fromisoformat(match.group(1))
    except ValueError:
        raise Unmappable(field, f"not a date or date-time: {text!r}") from None
    return Literal(match.group(1), datatype=XSD.date)


class _Mapper:
    def __init__(self, doc: Graph, fetched: Fetched, scope: str):
        self.doc = doc
        self.fetched = fetched
        self.scope = scope

    def organisation(self, g: Graph, org: Node) -> URIRef:
        name = _label(self.doc, org)
        if name is None:
            raise Unmappable("elm:providedBy/rov:legalName", f"the provider {org} has no name")
        iri = iris.organisation(iris.record_slug(name))
        parents = [p for p in self.doc.objects(org, ORG.subOrganizationOf) if p != org]
        if parents:
            parent = self.organisation(g, _sorted(parents)[0])
            g.add((iri, RDF.type, ORG.OrganizationalUnit))
            g.add((iri, ORG.unitOf, parent))
        else:
            g.add((iri, RDF.type, ORG.FormalOrganization))
        names = _langs(self.doc, org, ROV.legalName) + _langs(self.doc, org, ELM.legalName)
        chosen: dict[str, Literal] = {}
        for literal in names or [Literal(name, lang="en")]:
            chosen.setdefault(str(literal.language).lower(), literal)
        for literal in chosen.values():
            g.add((iri, SKOS.prefLabel, literal))
        for alt in _langs(self.doc, org, SKOS.altLabel):
            if alt not in chosen.values():
                g.add((iri, SKOS.altLabel, alt))
        for n, location in enumerate(_sorted(self.doc.objects(org, ELM.location)), start=1):
            for address in _sorted(self.doc.objects(location, ELM.address)):
                node = iris.child(iri, "address", f"elm-{self.scope}-{n}")
                g.add((iri, SCHEMA.address, node))
                g.add((node, RDF.type, SCHEMA.PostalAddress))
                for country in self.doc.objects(address, ELM.countryCode):
                    g.add(
                        (node, SCHEMA.addressCountry, _concept(
                            g, country, FIELDS[SCHEMA.addressCountry], codes.COUNTRY_SCHEME))
                    )  # fmt: skip
                for full in self.doc.objects(address, ELM.fullAddress):
                    for text in self.doc.objects(full, ELM.noteLiteral):
                        g.add((node, PRO.sourceText, Literal(str(text))))
        for ident in self.doc.objects(org, ADMS_IDENTIFIER):
            scheme = str(self.doc.value(ident, ELM.schemeName) or "")
            notation = self.doc.value(ident, SKOS.notation)
            if scheme.upper() == "ROR" and notation is not None:
                g.add((iri, PRO.ror, URIRef(ROR + str(notation))))
        return iri

    def programme(self, lo: Node, slug: str) -> tuple[Graph, str, str]:
        doc, g = self.doc, Graph()
        providers = _sorted(doc.objects(lo, ELM.providedBy))
        if not providers:
            raise Unmappable("elm:providedBy", "required, but missing")
        orgs = [self.organisation(g, org) for org in providers]
        institution = str(orgs[0]).rsplit("/", 1)[-1]  # org/{slug}: the first provider's slug
        programme = iris.programme(institution, slug)
        g.add((programme, RDF.type, PRO.StudyProgramme))
        titles = _langs(doc, lo, DCTERMS.title)
        if not titles:
            raise Unmappable("dct:title", "required (a language-tagged title), but missing")
        for title in titles:
            g.add((programme, DCTERMS.title, title))
        for text in _langs(doc, lo, DCTERMS.description):
            g.add((programme, DCTERMS.description, text))
        for org in orgs:
            g.add((programme, ELM.providedBy, org))
        specs = _sorted(doc.objects(lo, ELM.learningAchievementSpecification))
        spec = specs[0] if specs else None
        languages = list(doc.objects(lo, ELM.defaultLanguage)) or (
            list(doc.objects(spec, DCTERMS.language)) if spec is not None else []
        )
        for language in _sorted(languages)[:1]:
            g.add((programme, ELM.defaultLanguage, _concept(
                g, language, "elm:defaultLanguage", codes.LANGUAGE_SCHEME)))  # fmt: skip
        for duration in _sorted(doc.objects(lo, ELM.duration))[:1]:
            if not DURATION.match(str(duration)):
                raise Unmappable("elm:duration", f"not an ISO 8601 duration: {duration}")
            g.add((programme, ELM.duration, Literal(str(duration), datatype=XSD.duration)))
        for mode in _sorted(doc.objects(lo, ELM.mode)):
            g.add((programme, ELM.mode, _concept(g, mode, "elm:mode", MODE_SCHEME)))
        for schedule in _sorted(doc.objects(lo, ELM.learningSchedule)):
            g.add((programme, ELM.learningSchedule, _concept(
                g, schedule, "elm:learningSchedule", SCHEDULE_SCHEME)))  # fmt: skip
        for page in _sorted(doc.objects(lo, FOAF_HOMEPAGE)):
            for url in doc.objects(page, ELM.contentUrl):
                if not re.match(r"^https?://\S+$", str(url)):
                    raise Unmappable(FIELDS[FOAF_HOMEPAGE], f"not an http(s) URL: {url}")
                g.add((programme, FOAF_HOMEPAGE, URIRef(str(url))))
        if spec is not None:
            self.specification(g, institution, slug, programme, spec)
        self.intake(g, institution, slug, programme, lo)
        return g, institution, str(titles[0])

    def specification(self, g: Graph, inst: str, slug: str, programme: URIRef, spec: Node) -> None:
        doc = self.doc
        for isced in _sorted(doc.objects(spec, ELM.ISCEDFCode)):
            g.add((programme, PRO.fieldOfEducation, _concept(
                g, isced, FIELDS[PRO.fieldOfEducation], codes.ISCED_SCHEME)))  # fmt: skip
        levels = _sorted(doc.objects(spec, ELM.EQFLevel))
        if levels:
            qualification = iris.programme_part(inst, slug, "qualification")
            g.add((programme, PRO.awards, qualification))
            g.add((qualification, RDF.type, ELM.Qualification))
            g.add((qualification, ELM.EQFLevel, _concept(
                g, levels[0], FIELDS[ELM.EQFLevel], codes.EQF_SCHEME)))  # fmt: skip
            for title in _langs(doc, spec, DCTERMS.title):
                g.add((qualification, DCTERMS.title, title))
        for n, credit in enumerate(_sorted(doc.objects(spec, ELM.creditPoint)), start=1):
            framework = doc.value(credit, ELM.framework)
            points = doc.value(credit, ELM.point)
            if framework is None or points is None:
                raise Unmappable(
                    FIELDS[ELM.creditPoint], "a credit point needs a framework and points"
                )
            try:
                value = Decimal(str(points).strip())
            except InvalidOperation:
                raise Unmappable(FIELDS[RDF.value], f"not a number: {points!r}") from None
            node = iris.programme_part(inst, slug, "credits" if n == 1 else f"credits-{n}")
            g.add((programme, ELM.creditPoint, node))
            g.add((node, RDF.type, ELM.CreditPoint))
            g.add(
                (
                    node,
                    ELM.framework,
                    _concept(g, framework, FIELDS[ELM.creditPoint], CREDIT_SCHEME),
                )
            )
            g.add((node, RDF.value, Literal(value, datatype=XSD.decimal)))
        outcomes = sorted(
            (_langs(doc, o, DCTERMS.title) for o in doc.objects(spec, ELM.learningOutcome)),
            key=lambda titles: [str(t) for t in titles],
        )
        for n, titles in enumerate((t for t in outcomes if t), start=1):
            node = iris.outcome(inst, slug, f"learning-{n}")
            g.add((programme, ELM.learningOutcome, node))
            g.add((node, RDF.type, ELM.LearningOutcome))
            for title in titles:
                g.add((node, DCTERMS.title, title))
        for n, note in enumerate(_sorted(doc.objects(spec, ELM.entryRequirement)), start=1):
            texts = _langs(doc, note, ELM.noteLiteral)
            if texts:
                node = iris.requirement(inst, slug, f"entry-{n}")
                g.add((programme, PRO.admissionRequirement, node))
                g.add((node, RDF.type, PRO.AdmissionRequirement))
                for text in texts:
                    g.add((node, DCTERMS.description, text))

    def intake(self, g: Graph, inst: str, slug: str, programme: URIRef, lo: Node) -> None:
        doc = self.doc
        starts = [
            _date(v, FIELDS[PRO.startDate])
            for period in doc.objects(lo, DCTERMS.temporal)
            for v in doc.objects(period, ELM.startDate)
        ]
        ends = [
            _date(v, FIELDS[PRO.endDate])
            for period in doc.objects(lo, DCTERMS.temporal)
            for v in doc.objects(period, ELM.endDate)
        ]
        deadlines = [_date(v, FIELDS[PRO.date]) for v in doc.objects(lo, ELM.applicationDeadline)]
        prices = _sorted(doc.objects(lo, ELM.priceDetail))
        if not (starts or deadlines or prices):
            return
        start = min(starts, key=str) if starts else None
        offering = iris.offering(inst, slug, str(start)[:4] if start is not None else "intake")
        g.add((offering, RDF.type, PRO.Offering))
        g.add((offering, PRO.offeringOf, programme))
        if start is not None:
            g.add((offering, PRO.startDate, start))
        if ends:
            g.add((offering, PRO.endDate, max(ends, key=str)))
        for n, when in enumerate(sorted(set(deadlines), key=str), start=1):
            intake = str(start)[:4] if start is not None else "intake"
            node = iris.deadline(inst, slug, intake, f"deadline-{n}")
            g.add((offering, PRO.applicationDeadline, node))
            g.add((node, RDF.type, PRO.ApplicationDeadline))
            g.add((node, PRO.date, when))
        for n, price in enumerate(prices, start=1):
            self.fee(g, inst, slug, start, offering, price, n)

    def fee(self, g, inst, slug, start, offering, price, n) -> None:  # noqa: ANN001
        doc = self.doc
        amount = doc.value(price, ELM.amount)
        if amount is None:
            return
        value = doc.value(amount, RDF.value) or doc.value(amount, ELM.value)
        unit = doc.value(amount, ELM.unit)
        if value is None or unit is None:
            raise Unmappable(
                FIELDS[PRO.amount], "an amount needs a value and a currency (elm:unit)"
            )
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise Unmappable(FIELDS[PRO.amount], f"not a number: {value!r}") from None
        intake = str(start)[:4] if start is not None else "intake"
        node = iris.fee(inst, slug, intake, f"price-{n}")
        g.add((offering, PRO.tuitionFee, node))
        g.add((node, RDF.type, PRO.TuitionFee))
        g.add((node, PRO.amount, Literal(number, datatype=XSD.decimal)))
        g.add((node, PRO.currency, _concept(g, unit, FIELDS[PRO.currency], codes.CURRENCY_SCHEME)))
        for label in _langs(doc, price, SKOS.prefLabel):
            for words, period in BILLING_PERIOD.items():
                if words in str(label).lower():
                    g.add((node, PRO.billingPeriod, Literal(period, datatype=XSD.duration)))
                    break
            g.add((node, PRO.sourceText, Literal(str(label))))
        for text in _langs(doc, price, DCTERMS.description):
            g.add((node, DCTERMS.description, text))


def top_level(doc: Graph) -> list[Node]:
    """The learning opportunities that are no other's part."""
    parts = set(doc.objects(None, ELM.hasPart))
    return [
        lo for lo in _sorted(doc.subjects(RDF.type, ELM.LearningOpportunity)) if lo not in parts
    ]


def import_document(fetched: Fetched, into: Path, report: ImportReport) -> ImportReport:
    doc = parse(fetched)
    scope = iris.record_slug(fetched.url)
    mapper = _Mapper(doc, fetched, scope)
    opportunities = top_level(doc)
    slugs: dict[Node, str] = {lo: _slug_of(lo, doc) for lo in opportunities}
    taken = list(slugs.values())
    mapped: list[Record] = []
    refused_files: list[str] = []
    for lo in opportunities:
        slug = slugs[lo] if taken.count(slugs[lo]) == 1 else iris.record_slug(str(lo))
        ident = str(lo) if isinstance(lo, URIRef) else (_label(doc, lo) or "")
        try:
            facts, _inst, title = mapper.programme(lo, slug)
        except Unmappable as exc:
            parts = (FORMAT, scope, "learning-opportunity", slug)
            records.refuse(report, refused_files, fetched.url, ident, exc, parts)
            continue
        mapped.append(
            records.of_document(
                fetched,
                FORMAT,
                scope,
                ("learning-opportunity", slug),
                identifier=ident,
                label=f"ELM learning opportunity “{title}”",
                digest=digest(_closure(doc, lo)),
                facts=facts,
                fields=dict(FIELDS),
            )
        )
    if not opportunities:
        report.notes.append("the document holds no elm:LearningOpportunity")
    return records.finish(report, mapped, refused_files, into, records.scope_prefix(FORMAT, scope))


def run(source: str, into: Path, client: Client) -> ImportReport:
    """`prospectus import elm FILE|URL`."""
    fetched = (
        client.get(source, accept=ACCEPT) if is_url(source) else read_file(Path(source), client.now)
    )
    report = ImportReport("ELM", fetched.url, str(into))
    report.requests = client.requests
    return import_document(fetched, into, report)
