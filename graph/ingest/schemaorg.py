"""The schema.org importer: programme pages that embed an `EducationalOccupationalProgram` or
a `Course` (https://schema.org/EducationalOccupationalProgram, https://schema.org/Course) in
JSON-LD, microdata or RDFa.

The three syntaxes are read by extruct (a maintained extractor; no HTML is parsed by hand)
and turned into one RDF graph in the `http://schema.org/` namespace the project uses
(`https://schema.org/` IRIs are folded onto it; a JSON-LD `@context` naming schema.org is
replaced by a local `@vocab`, so no context is fetched). Each programme or course on the
page is one record (`source/schemaorg/{page}/programme/{slug}`), whose bytes are the page:
its SHA-256 is the page's. Text without a language tag takes the page's `<html lang>`, or
the item's `inLanguage`. The mapping, and what is dropped, is in docs/import.md.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF, SKOS, XSD
from rdflib.term import Node

from .. import iris
from ..canonical import literals_as_written
from ..errors import SourceUnreadable
from ..iris import ELM, PRO, SCHEMA
from . import codes, records
from .client import Client, Fetched, is_url, read_file
from .records import Record, Unmappable
from .report import ImportReport

FORMAT = "schemaorg"
FOAF_HOMEPAGE = URIRef("http://xmlns.com/foaf/0.1/homepage")
HTTPS_SCHEMA = "https://schema.org/"
PROGRAMME_TYPES = (SCHEMA.EducationalOccupationalProgram, SCHEMA.Course)
ECTS = URIRef("http://data.europa.eu/snb/education-credit/6fcec5c5af")
UNLABELLED = iris.vocab("quality-flag", "unlabelled-value")
MODE_TEXT: dict[str, URIRef] = {
    "full-time": URIRef("http://data.europa.eu/snb/learning-schedule/72a0ab92fa"),
    "fulltime": URIRef("http://data.europa.eu/snb/learning-schedule/72a0ab92fa"),
    "onsite": URIRef("http://data.europa.eu/snb/learning-assessment/9191af2ed9"),
    "on campus": URIRef("http://data.europa.eu/snb/learning-assessment/9191af2ed9"),
    "on-campus": URIRef("http://data.europa.eu/snb/learning-assessment/9191af2ed9"),
    "presential": URIRef("http://data.europa.eu/snb/learning-assessment/9191af2ed9"),
    "online": URIRef("http://data.europa.eu/snb/learning-assessment/920fbb3cbe"),
    "blended": URIRef("http://data.europa.eu/snb/learning-assessment/e92d221e4d"),
    "hybrid": URIRef("http://data.europa.eu/snb/learning-assessment/e92d221e4d"),
}
MODE_SCHEMES = (
    URIRef("http://data.europa.eu/snb/learning-assessment/25831c2"),
    URIRef("http://data.europa.eu/snb/learning-schedule/25831c2"),
)
PERIOD_OF_UNIT = {"ANN": "P1Y", "MON": "P1M"}  # UN/CEFACT codes of referenceQuantity
EQF_TEXT = re.compile(r"(?:eqf|european qualifications framework)\D{0,12}([1-8])\b", re.I)
EQF_IRI = re.compile(r"^https?://data\.europa\.eu/snb/eqf/([1-8])$")
DURATION = re.compile(
    r"^P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+[DW])?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$"
)

# The mapping table: schema.org property <-> ours.
FIELDS: dict[URIRef, str] = {
    DCTERMS.title: "name",
    DCTERMS.description: "description",
    SKOS.altLabel: "alternateName",
    ELM.providedBy: "provider",
    ELM.creditPoint: "numberOfCredits",
    RDF.value: "numberOfCredits",
    ELM.duration: "timeToComplete",
    ELM.mode: "educationalProgramMode",
    ELM.learningSchedule: "educationalProgramMode",
    ELM.defaultLanguage: "inLanguage",
    PRO.awards: "educationalCredentialAwarded",
    ELM.EQFLevel: "educationalCredentialAwarded.educationalLevel",
    PRO.admissionRequirement: "programPrerequisites",
    PRO.acceptedDegree: "programPrerequisites",
    PRO.startDate: "startDate",
    PRO.date: "applicationDeadline",
    PRO.tuitionFee: "offers",
    PRO.amount: "offers.price",
    PRO.currency: "offers.priceCurrency",
    FOAF_HOMEPAGE: "url",
    PRO.careerOutcome: "occupationalCategory",
    SKOS.prefLabel: "provider.name",
    SCHEMA.addressCountry: "provider.address.addressCountry",
}


# --- extraction ---------------------------------------------------------------------------------


def _local_context(item: Any) -> Any:
    """Replace a schema.org @context (string, or in a list) by a local @vocab."""
    if isinstance(item, list):
        return [_local_context(i) for i in item]
    if not isinstance(item, dict):
        return item
    out = {k: _local_context(v) for k, v in item.items() if k != "@context"}
    context = item.get("@context")
    entries = context if isinstance(context, list) else [context] if context is not None else []
    local: dict[str, Any] = {"@vocab": str(SCHEMA)}
    for entry in entries:
        if isinstance(entry, dict):
            local.update({k: v for k, v in entry.items() if k != "@vocab"})
        elif isinstance(entry, str) and "schema.org" not in entry:
            raise SourceUnreadable(entry, "a JSON-LD @context other than schema.org is not fetched")
    if "@context" in item or "@type" in item:
        out["@context"] = local
    return out


def _fold_https(graph: Graph) -> Graph:
    """https://schema.org/ terms -> http://schema.org/ (the project's schema: namespace)."""

    def fold(term: Node) -> Node:
        if isinstance(term, URIRef) and str(term).startswith(HTTPS_SCHEMA):
            return URIRef(str(SCHEMA) + str(term)[len(HTTPS_SCHEMA) :])
        return term

    out = Graph()
    for s, p, o in graph:
        out.add((fold(s), fold(p), fold(o) if p != SCHEMA.url else o))
    return out


def extract(fetched: Fetched) -> tuple[Graph, str | None]:
    """The page's schema.org statements as one graph, and the page's language."""
    import extruct
    import lxml.html

    try:
        text = fetched.body.decode("utf-8")
    except UnicodeDecodeError:
        text = fetched.body.decode("latin-1")
    try:
        tree = lxml.html.fromstring(text)
        data = extruct.extract(
            text,
            base_url=fetched.url,
            syntaxes=["json-ld", "microdata", "rdfa"],
            uniform=True,
            errors="strict",
        )
    except Exception as exc:  # noqa: BLE001 - lxml/extruct raise assorted types
        raise SourceUnreadable(fetched.url, f"the page cannot be read: {exc}") from None
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    graph = Graph()
    documents = [
        _local_context(item) for item in data.get("json-ld", []) + data.get("microdata", [])
    ]
    documents += [copy.deepcopy(item) for item in data.get("rdfa", [])]
    for document in documents:
        try:
            with literals_as_written():
                graph.parse(data=json.dumps(document), format="json-ld", base=fetched.url)
        except SourceUnreadable:
            raise
        except Exception as exc:  # noqa: BLE001
            raise SourceUnreadable(fetched.url, f"embedded data does not parse: {exc}") from None
    return _fold_https(graph), lang


# --- mapping ------------------------------------------------------------------------------------


def _sorted(nodes: Iterable[Node]) -> list:
    return sorted(set(nodes), key=lambda n: (type(n).__name__, str(n)))


class _Mapper:
    def __init__(self, page: Graph, lang: str | None, fetched: Fetched):
        self.page = page
        self.page_lang = lang
        self.fetched = fetched

    def texts(self, node: Node, prop: URIRef, lang: str | None) -> list[Literal]:
        found = []
        for value in _sorted(self.page.objects(node, prop)):
            if isinstance(value, Literal) and str(value).strip():
                tag = value.language or lang
                if tag is None:
                    raise Unmappable(
                        FIELDS.get(prop, str(prop)), "text without a language (no @language, "
                        "<html lang> or inLanguage)"
                    )  # fmt: skip
                found.append(Literal(str(value).strip(), lang=tag))
        return found

    def name(self, node: Node) -> str | None:
        for value in _sorted(self.page.objects(node, SCHEMA.name)):
            if isinstance(value, Literal) and str(value).strip():
                return str(value).strip()
        return None

    def language_of(self, item: Node) -> tuple[URIRef | None, str | None]:
        """The item's inLanguage as an EU concept, and as a tag for its texts."""
        for value in _sorted(self.page.objects(item, SCHEMA.inLanguage)):
            code = self.name(value) if not isinstance(value, Literal) else str(value)
            if code is None:
                continue
            concept = codes.language(code)
            if concept is None:
                raise Unmappable("inLanguage", f"unknown language {code!r}")
            return concept, code.strip() if re.fullmatch(
                r"[A-Za-z]{2}(-[A-Za-z]{2})?", code.strip()
            ) else None
        return None, None

    def organisation(self, g: Graph, org: Node, lang: str | None) -> URIRef:
        if isinstance(org, Literal):
            name = str(org).strip()
            node: Node | None = None
        else:
            name = self.name(org) or ""
            node = org
        if not name:
            raise Unmappable("provider.name", "the provider has no name")
        iri = iris.organisation(iris.record_slug(name))
        g.add((iri, RDF.type, ORG.FormalOrganization))
        if node is not None and (node, RDF.type, SCHEMA.CollegeOrUniversity) in self.page:
            g.add((iri, RDF.type, SCHEMA.CollegeOrUniversity))
        g.add((iri, SKOS.prefLabel, Literal(name, lang=lang or "en")))
        if node is None:
            return iri
        for same in self.page.objects(node, SCHEMA.sameAs):
            if re.fullmatch(r"https://ror\.org/0[a-hj-km-np-tv-z0-9]{6}[0-9]{2}", str(same)):
                g.add((iri, PRO.ror, URIRef(str(same))))
        for n, address in enumerate(_sorted(self.page.objects(node, SCHEMA.address)), start=1):
            self.address(g, iri, address, n)
        return iri

    def address(self, g: Graph, org: URIRef, address: Node, n: int) -> None:
        scope = iris.record_slug(self.fetched.url)
        node = iris.child(org, "address", f"schemaorg-{scope}-{n}")
        g.add((org, SCHEMA.address, node))
        g.add((node, RDF.type, SCHEMA.PostalAddress))
        if isinstance(address, Literal):
            g.add((node, PRO.sourceText, Literal(str(address))))
            return
        for prop in (SCHEMA.streetAddress, SCHEMA.postalCode, SCHEMA.addressLocality):
            for value in _sorted(self.page.objects(address, prop))[:1]:
                g.add((node, prop, Literal(str(value))))
        for value in _sorted(self.page.objects(address, SCHEMA.addressCountry))[:1]:
            code = self.name(value) if not isinstance(value, Literal) else str(value)
            country = codes.country(code) if code else None
            if country is None:
                raise Unmappable(FIELDS[SCHEMA.addressCountry], f"unknown country {code!r}")
            g.add((node, SCHEMA.addressCountry, country))

    def programme(self, item: Node, slug: str) -> tuple[Graph, str]:
        page, g = self.page, Graph()
        language, tag = self.language_of(item)
        lang = self.page_lang or tag
        providers = _sorted(page.objects(item, SCHEMA.provider))
        if not providers:
            raise Unmappable("provider", "required, but missing")
        orgs = [self.organisation(g, org, lang) for org in providers]
        institution = str(orgs[0]).rsplit("/", 1)[-1]
        programme = iris.programme(institution, slug)
        g.add((programme, RDF.type, PRO.StudyProgramme))
        titles = self.texts(item, SCHEMA.name, lang)
        if not titles:
            raise Unmappable("name", "required, but missing")
        for title in titles:
            g.add((programme, DCTERMS.title, title))
        for text in self.texts(item, SCHEMA.description, lang):
            g.add((programme, DCTERMS.description, text))
        for text in self.texts(item, SCHEMA.alternateName, lang):
            g.add((programme, SKOS.altLabel, text))
        if (item, RDF.type, SCHEMA.Course) in page:
            g.add((programme, PRO.programmeKind, iris.vocab("programme-kind", "course")))
        for org in orgs:
            g.add((programme, ELM.providedBy, org))
        if language is not None:
            g.add((programme, ELM.defaultLanguage, language))
        self.credits(g, institution, slug, programme, item)
        for value in _sorted(page.objects(item, SCHEMA.timeToComplete))[:1]:
            if not DURATION.match(str(value)):
                raise Unmappable("timeToComplete", f"not an ISO 8601 duration: {value}")
            g.add((programme, ELM.duration, Literal(str(value), datatype=XSD.duration)))
        for value in _sorted(page.objects(item, SCHEMA.educationalProgramMode)):
            self.mode(g, programme, value)
        for value in _sorted(page.objects(item, SCHEMA.url))[:1]:
            if re.match(r"^https?://\S+$", str(value)):
                g.add((programme, FOAF_HOMEPAGE, URIRef(str(value))))
        self.credential(g, institution, slug, programme, item, lang)
        self.prerequisites(g, institution, slug, programme, item, lang)
        self.careers(g, institution, slug, programme, item, lang)
        self.intake(g, institution, slug, programme, item)
        return g, str(titles[0])

    def credits(self, g: Graph, inst: str, slug: str, programme: URIRef, item: Node) -> None:
        for value in _sorted(self.page.objects(item, SCHEMA.numberOfCredits))[:1]:
            unlabelled = isinstance(value, Literal)
            if unlabelled:
                number = str(value)
            else:
                unit = " ".join(
                    str(u)
                    for p in (SCHEMA.unitText, SCHEMA.unitCode, SCHEMA.name)
                    for u in self.page.objects(value, p)
                )
                if "ects" not in unit.lower():
                    return  # credits in another system: not mapped (docs/import.md)
                number = str(self.page.value(value, SCHEMA.value) or "")
            try:
                amount = Decimal(number.strip())
            except InvalidOperation:
                raise Unmappable("numberOfCredits", f"not a number: {number!r}") from None
            node = iris.programme_part(inst, slug, "credits")
            g.add((programme, ELM.creditPoint, node))
            g.add((node, RDF.type, ELM.CreditPoint))
            g.add((node, ELM.framework, ECTS))
            g.add((node, RDF.value, Literal(amount, datatype=XSD.decimal)))
            g.add((node, PRO.sourceText, Literal(number)))
            if unlabelled:
                note = iris.child(node, "unlabelled")
                g.add((node, PRO.qualityNote, note))
                g.add((note, RDF.type, PRO.QualityNote))
                g.add((note, DCTERMS.type, UNLABELLED))
                g.add((note, PRO.sourceText, Literal(number)))
                g.add((note, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"), Literal(
                    "The page gives the credits as a bare number, without a unit; they are read "
                    "as ECTS credits.", lang="en")))  # fmt: skip

    def mode(self, g: Graph, programme: URIRef, value: Node) -> None:
        if isinstance(value, URIRef):
            for scheme in MODE_SCHEMES:
                if codes.known(value, scheme):
                    prop = ELM.mode if "assessment" in str(scheme) else ELM.learningSchedule
                    g.add((programme, prop, value))
                    return
            raise Unmappable("educationalProgramMode", f"unknown mode {value}")
        text = str(value).strip()
        g.add((programme, PRO.studyModeText, Literal(text)))
        concept = MODE_TEXT.get(text.lower())
        if concept is not None:
            prop = ELM.learningSchedule if "schedule" in str(concept) else ELM.mode
            g.add((programme, prop, concept))

    def eqf(self, value: Node | None) -> URIRef | None:
        if value is None:
            return None
        text = str(value) if isinstance(value, Literal | URIRef) else (self.name(value) or "")
        match = EQF_IRI.match(text) or EQF_TEXT.search(text)
        return codes.eqf(match.group(1)) if match else None

    def credential(self, g, inst, slug, programme, item, lang) -> None:  # noqa: ANN001
        for value in _sorted(self.page.objects(item, SCHEMA.educationalCredentialAwarded))[:1]:
            name = str(value) if isinstance(value, Literal) else self.name(value)
            level = None
            if not isinstance(value, Literal):
                level = self.eqf(self.page.value(value, SCHEMA.educationalLevel))
            if level is None:
                return  # no EQF level stated: a qualification needs one (docs/import.md)
            node = iris.programme_part(inst, slug, "qualification")
            g.add((programme, PRO.awards, node))
            g.add((node, RDF.type, ELM.Qualification))
            g.add((node, ELM.EQFLevel, level))
            if name:
                g.add((node, DCTERMS.title, Literal(name, lang=lang or "en")))

    def prerequisites(self, g, inst, slug, programme, item, lang) -> None:  # noqa: ANN001
        values = _sorted(self.page.objects(item, SCHEMA.programPrerequisites))
        texts, credentials = [], []
        for value in values:
            if isinstance(value, Literal):
                texts.append(str(value))
            elif (value, RDF.type, SCHEMA.EducationalOccupationalCredential) in self.page:
                credentials.append(value)
            else:
                text = self.name(value) or str(self.page.value(value, SCHEMA.description) or "")
                if text:
                    texts.append(text)
        if texts:
            node = iris.requirement(inst, slug, "prerequisites")
            g.add((programme, PRO.admissionRequirement, node))
            g.add((node, RDF.type, PRO.AdmissionRequirement))
            g.add((node, DCTERMS.description, Literal("\n\n".join(texts), lang=lang or "en")))
        if credentials:
            node = iris.requirement(inst, slug, "degree")
            g.add((programme, PRO.admissionRequirement, node))
            g.add((node, RDF.type, PRO.DegreeRequirement))
            for n, credential in enumerate(credentials, start=1):
                name = self.name(credential)
                level = self.eqf(self.page.value(credential, SCHEMA.educationalLevel))
                field = self.page.value(credential, SCHEMA.competencyRequired)
                if name:
                    degree = iris.child(node, f"degree-{n}")
                    g.add((node, PRO.acceptedDegree, degree))
                    g.add((degree, RDF.type, PRO.AcceptedDegree))
                    g.add((degree, SKOS.prefLabel, Literal(name, lang=lang or "en")))
                    if level is not None:
                        g.add((degree, PRO.degreeLevel, level))
                elif level is not None:
                    g.add((node, PRO.requiredDegreeLevel, level))
                if isinstance(field, Literal):
                    g.add((node, PRO.requiredField, Literal(str(field), lang=lang or "en")))

    def careers(self, g, inst, slug, programme, item, lang) -> None:  # noqa: ANN001
        for n, value in enumerate(_sorted(self.page.objects(item, SCHEMA.occupationalCategory)), 1):
            label = str(value) if isinstance(value, Literal) else self.name(value)
            if not label:
                continue
            node = iris.outcome(inst, slug, f"career-{n}")
            g.add((programme, PRO.careerOutcome, node))
            g.add((node, RDF.type, PRO.CareerOutcome))
            g.add((node, SKOS.prefLabel, Literal(label, lang=lang or "en")))

    def intake(self, g: Graph, inst: str, slug: str, programme: URIRef, item: Node) -> None:
        page = self.page
        starts = [_date(v, "startDate") for v in page.objects(item, SCHEMA.startDate)]
        deadlines = [
            _date(v, "applicationDeadline") for v in page.objects(item, SCHEMA.applicationDeadline)
        ]
        offers = _sorted(page.objects(item, SCHEMA.offers))
        if not (starts or deadlines or offers):
            return
        start = min(starts, key=str) if starts else None
        intake = str(start)[:4] if start is not None else "intake"
        offering = iris.offering(inst, slug, intake)
        g.add((offering, RDF.type, PRO.Offering))
        g.add((offering, PRO.offeringOf, programme))
        if start is not None:
            g.add((offering, PRO.startDate, start))
        for n, when in enumerate(sorted(set(deadlines), key=str), start=1):
            node = iris.deadline(inst, slug, intake, f"deadline-{n}")
            g.add((offering, PRO.applicationDeadline, node))
            g.add((node, RDF.type, PRO.ApplicationDeadline))
            g.add((node, PRO.date, when))
        for n, offer in enumerate(offers, start=1):
            self.offer(g, inst, slug, intake, offering, offer, n)

    def offer(self, g, inst, slug, intake, offering, offer, n) -> None:  # noqa: ANN001
        page = self.page
        spec = page.value(offer, SCHEMA.priceSpecification)
        source = spec if spec is not None and page.value(spec, SCHEMA.price) is not None else offer
        price = page.value(source, SCHEMA.price)
        if price is None:
            return
        try:
            amount = Decimal(str(price).strip())
        except InvalidOperation:
            raise Unmappable("offers.price", f"not a number: {str(price)!r}") from None
        code = page.value(source, SCHEMA.priceCurrency) or page.value(offer, SCHEMA.priceCurrency)
        if code is None:
            raise Unmappable("offers.priceCurrency", "a price without a currency")
        currency = codes.currency(str(code))
        if currency is None:
            raise Unmappable("offers.priceCurrency", f"unknown currency {str(code)!r}")
        node = iris.fee(inst, slug, intake, f"offer-{n}")
        g.add((offering, PRO.tuitionFee, node))
        g.add((node, RDF.type, PRO.TuitionFee))
        g.add((node, PRO.amount, Literal(amount, datatype=XSD.decimal)))
        g.add((node, PRO.currency, currency))
        quantity = page.value(spec, SCHEMA.referenceQuantity) if spec is not None else None
        unit = str(page.value(quantity, SCHEMA.unitCode) or "") if quantity is not None else ""
        if unit in PERIOD_OF_UNIT:
            g.add((node, PRO.billingPeriod, Literal(PERIOD_OF_UNIT[unit], datatype=XSD.duration)))


def _date(value: Node, field: str) -> Literal:
    text = str(value).strip()
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?", text)
    try:
        if not match:
            raise ValueError(text)
        date.fromisoformat(match.group(1))
    except ValueError:
        raise Unmappable(field, f"not a date (YYYY-MM-DD): {text!r}") from None
    return Literal(match.group(1), datatype=XSD.date)


def items(page: Graph) -> list[Node]:
    found = {s for t in PROGRAMME_TYPES for s in page.subjects(RDF.type, t)}
    return sorted(found, key=lambda n: (isinstance(n, BNode), str(n)))


def import_page(fetched: Fetched, into: Path, report: ImportReport) -> ImportReport:
    page, lang = extract(fetched)
    scope = iris.record_slug(fetched.url)
    mapper = _Mapper(page, lang, fetched)
    digest = records.sha256(fetched.body)
    mapped: list[Record] = []
    refused_files: list[str] = []
    found = items(page)
    slugs: list[str] = []
    for item in found:
        base = (
            re.split(r"[/#]", str(item).rstrip("/#"))[-1]
            if isinstance(item, URIRef) and str(item) != fetched.url
            else mapper.name(item) or "programme"
        )
        slug = iris.record_slug(base)
        slugs.append(slug if slug not in slugs else f"{slug}-{len(slugs) + 1}")
    for item, slug in zip(found, slugs, strict=True):
        ident = str(item) if isinstance(item, URIRef) else (mapper.name(item) or slug)
        try:
            facts, title = mapper.programme(item, slug)
        except Unmappable as exc:
            parts = (FORMAT, scope, "programme", slug)
            records.refuse(report, refused_files, fetched.url, ident, exc, parts)
            continue
        mapped.append(
            records.of_document(
                fetched,
                FORMAT,
                scope,
                ("programme", slug),
                identifier=ident,
                label=f"schema.org programme “{title}” on a web page",
                digest=digest,
                facts=facts,
                fields=FIELDS,
            )
        )
    if not found:
        report.notes.append(
            "the page embeds no schema.org EducationalOccupationalProgram or Course"
        )
    return records.finish(report, mapped, refused_files, into, records.scope_prefix(FORMAT, scope))


def run(source: str, into: Path, client: Client) -> ImportReport:
    """`prospectus import schemaorg URL|FILE`."""
    fetched = (
        client.get(source, accept="text/html, application/xhtml+xml;q=0.9")
        if is_url(source)
        else read_file(Path(source), client.now)
    )
    report = ImportReport("schema.org", fetched.url, str(into))
    report.requests = client.requests
    return import_page(fetched, into, report)
