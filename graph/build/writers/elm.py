"""The European Learning Model (ELM 3.1) view of the programmes, and its validation.

ELM: http://data.europa.eu/snb/model/elm/ ; profile checked: Learning Opportunities and
Qualifications (LOQ 1.1, the shapes of the Qualification Dataset Register) and the European
Digital Credentials generic shapes (EDC), read from the folder the `reference_shapes_dir`
setting names (graph/build/reference.py); without it the export is written unchecked and the
commands say so. The tests check every export against the official files.

The projection is generated from the canonical graph and holds ELM triples only (the LOQ
shapes are closed). The mapping, per programme P (a pro:StudyProgramme):

- the offer: P itself as an elm:LearningOpportunity, typed "Educational programme": titles,
  descriptions, providers (elm:providedBy), duration, modes, schedule, teaching language,
  foaf:homepage (P's resource page), start (dct:temporal, or a schedule note when only the
  month is stated), application deadlines, tuition fees (elm:priceDetail), grants, the
  admission procedure, and its parts (elm:hasPart): the components (semesters, thesis) and
  their options (thesis tracks), each an elm:LearningOpportunity of its own;
- the specification: the qualification P awards (pro:awards) as an elm:Qualification:
  titles, EQF level, NQF levels, ISCED-F fields, credits (elm:creditPoint), learning
  outcomes, language, mode, formal learning setting, entry requirements.

Choices where ELM asks for something the sources do not state in ELM's shape (each is
documented in docs/harvesting.md, and recorded in the export itself, below):
- ELM allows one title and description per language: the one stated by the newest source
  (the page's own last-updated date, else its capture date, else the day it was read; the
  statement's source is read from its pro:Citation); among equals, code-point order;
- ELM allows one duration, schedule and teaching language: the first in code-point order;
  with no stated teaching language, the language of the programme's language requirement;
- deadlines are xsd:dateTime in ELM: a date becomes 23:59:59 that day, a month its last day;
  a start stated as a date or month becomes its first day at 00:00:00, a month alone goes
  into elm:scheduleInformation;
- NQF levels come from EQF level + the providers' countries (NQF_LEVELS below);
- a component has no title in the sources: it is titled from its type, order and host, and
  its description is its specification's learning outcome (the programme's outcomes when it
  has no description).
A programme lacking what ELM requires (a qualification, EQF level, field, provider
country, learning outcome, language) is left out and reported in `Projection.skipped`. A part
the editors concluded (a pro:hasComponent named by an inferred note) is left out: ELM does not
require it and the export cannot mark it there.

What the export chose or derived is recorded in the export itself, outside the ELM nodes (the
LOQ shapes are closed, but only for ELM classes): the node {base}dataset/prospectus-elm (a
prov:Entity, prov:wasDerivedFrom every source graph) has one pro:QualityNote per such value
(pro:qualityNote), naming the statement (rdf:subject, rdf:predicate, rdf:object), the rule
(pro:rule) and what it was made from (prov:wasDerivedFrom); its dct:type says selected (title,
description, duration), derived (language, date-times, NQF levels, generated titles, parts'
outcomes, fields on the qualification) or inferred (a value the editors concluded, such as the
EQF level). Each programme also carries an elm:additionalNote saying the same in words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from . import dumps
from ... import iris
from .. import reference
from ...describe import MONTHS, format_literal, literal_date
from ...errors import PublishError
from ...iris import ADMS, ELM, EU_COUNTRY, PRO, PROV, SCHEMA, vocab
from ..validate import Report

ROV = Namespace("http://www.w3.org/ns/regorg#")
ELM_FILE = "elm.ttl"
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

PageUrl = Callable[[URIRef], str]

INFERRED = vocab("quality-flag", "inferred")
DERIVED = vocab("quality-flag", "derived")
SELECTED = vocab("quality-flag", "selected")
# The rules the export applies, as recorded with each value it chose or derived.
RULE_NEWEST = (
    "One {what} per language: the one stated by the newest source (the page's own "
    "last-updated date, else its capture date, else the day it was read); among equals, "
    "the first in code-point order."
)
RULE_FIRST = "One {what}: the first in code-point order of those the sources state."
RULE_LANGUAGE = (
    "No teaching language is stated: the language of the programme's language requirement."
)
RULE_PART_LANGUAGE = "A part is given the teaching language of its programme."
RULE_DEADLINE = (
    "ELM needs a date-time: a deadline stated as a day becomes 23:59:59 that day, a month "
    "23:59:59 on its last day (no time zone is stated)."
)
RULE_START = (
    "ELM needs a date-time: a start stated as a day or a month becomes 00:00:00 on its first day."
)
RULE_NQF = (
    "The national qualification framework level of the qualification's EQF level in the "
    "country of a provider."
)
RULE_TITLE_FROM_ABBREVIATION = "The qualification has no stated title: its degree abbreviation."
RULE_PART_TITLE = "A part has no title in the sources: it is named from its type, order and host."
RULE_PART_OUTCOME = "A part states no learning outcome: its description is used as one."
RULE_FIELD = (
    "ELM puts the field of education on the qualification: the programme's ISCED-F fields, "
    "as the editors classified them (curation graph)."
)
# How the summary note (elm:additionalNote) names the values derived by each rule.
RULE_WORDS = {
    RULE_LANGUAGE: "the teaching language (the language requirement's)",
    RULE_PART_LANGUAGE: "the parts' teaching language (the programme's)",
    RULE_DEADLINE: "application deadlines as date-times (23:59:59)",
    RULE_START: "the start as a date-time",
    RULE_NQF: "NQF levels (from the EQF level and the providers' countries)",
    RULE_TITLE_FROM_ABBREVIATION: "the qualification's title (its abbreviation)",
    RULE_PART_TITLE: "the parts' titles",
    RULE_PART_OUTCOME: "the parts' learning outcomes (their descriptions)",
    RULE_FIELD: "the fields of education on the qualification",
}


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


def page_url(site_url: str, base_iri: str) -> PageUrls:
    return PageUrls(site_url, base_iri)


def default_site_url(base_iri: str) -> str:
    """Where the site lives when only the base IRI is known: '…/id/' -> '…'."""
    root = base_iri.rstrip("/")
    return root[: -len("/id")] if root.endswith("/id") else root


def _sorted(nodes: Iterable[Node]) -> list[Any]:
    return sorted(set(nodes), key=lambda n: (type(n).__name__, str(n)))


def _first(nodes: Iterable[Node]) -> Any:
    found = _sorted(nodes)
    return found[0] if found else None


def _end_of(value: Literal) -> str | None:
    text, datatype = str(value), value.datatype
    try:
        if datatype == XSD.date:
            return date.fromisoformat(text[:10]).isoformat() + "T23:59:59"
        if datatype == XSD.dateTime:
            return text
        if datatype == XSD.gYearMonth:
            year, month = int(text[:4]), int(text[5:7])
            nxt = date(year + month // 12, month % 12 + 1, 1)
            return date.fromordinal(nxt.toordinal() - 1).isoformat() + "T23:59:59"
    except ValueError:
        return None
    return None


def _start_of(value: Literal) -> str | None:
    text, datatype = str(value), value.datatype
    try:
        if datatype == XSD.date:
            return date.fromisoformat(text[:10]).isoformat() + "T00:00:00"
        if datatype == XSD.gYearMonth:
            return date(int(text[:4]), int(text[5:7]), 1).isoformat() + "T00:00:00"
    except ValueError:
        return None
    return None


class _Builder:
    def __init__(self, data: Graph, url: PageUrl):
        self.data = data
        self.url = url
        self.out = Graph()
        for prefix in ("elm", "dct", "skos", "foaf", "xsd", "org"):
            self.out.bind(prefix, iris.PREFIXES[prefix])
        self.out.bind("adms", ADMS)
        self.out.bind("rov", ROV)
        self.out.bind("pro", PRO)
        self.out.bind("prov", PROV)
        self.concepts: set[URIRef] = set()
        self.export = iris.dataset("prospectus-elm", base=getattr(url, "base_iri", iris.DATA_BASE))
        self.records: list[BNode] = []

    # helpers -----------------------------------------------------------------------------
    def add(self, s: Node, p: URIRef, o: Node) -> None:
        self.out.add((s, p, o))

    def langs(self, node: Node, prop: URIRef) -> list[Literal]:
        return [
            o
            for o in _sorted(self.data.objects(node, prop))
            if isinstance(o, Literal) and o.language
        ]

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
                for a in _sorted(self.data.objects(qualification, PRO.degreeAbbreviation))
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

    def note(self, text: str) -> BNode:
        node = BNode()
        self.add(node, RDF.type, ELM.Note)
        self.add(node, ELM.noteLiteral, Literal(text, lang="en"))
        return node

    # what the export chose and derived -------------------------------------------------------
    def record(
        self,
        flag: URIRef,
        statement: tuple[Node, URIRef, Node],
        rule: str,
        made_from: Iterable[Node] = (),
        comment: str | None = None,
    ) -> None:
        """A quality note on one statement of the export (outside the ELM classes)."""
        note = BNode()
        s, p, o = statement
        self.add(self.export, PRO.qualityNote, note)
        self.add(note, RDF.type, PRO.QualityNote)
        self.add(note, DCTERMS.type, flag)
        self.add(note, RDF.subject, s)
        self.add(note, RDF.predicate, p)
        self.add(note, RDF.object, o)
        self.add(note, PRO.rule, Literal(rule, lang="en"))
        for source in _sorted(made_from):
            self.add(note, PROV.wasDerivedFrom, source)
        if comment:
            self.add(note, RDFS.comment, Literal(comment, lang="en"))
        self.records.append(note)

    def inferred_note(self, s: Node, p: URIRef, o: Node) -> Node | None:
        """The editors' inferred note on a statement of the canonical graph, if any."""
        for note in _sorted(self.data.subjects(RDF.object, o)):
            if (
                (note, RDF.subject, s) in self.data
                and (note, RDF.predicate, p) in self.data
                and (note, DCTERMS.type, INFERRED) in self.data
            ):
                return note
        return None

    def carry_inferred(self, source: tuple[Node, URIRef, Node], exported: tuple) -> None:
        """An exported statement the editors concluded keeps their note (rule, evidence)."""
        note = self.inferred_note(*source)
        if note is not None:
            rule = str(_first(self.data.objects(note, PRO.rule)) or "")
            made = [*self.data.objects(note, PROV.wasDerivedFrom), *self.curation()]
            self.record(INFERRED, exported, rule, made)

    def curation(self) -> list[URIRef]:
        """The graphs of the editors' decisions: curation records attributed to an agent (the
        catalogue order the build computes is a curation record too, but nobody's decision,
        and the export does not use it)."""
        return _sorted(
            r
            for r in self.data.subjects(RDF.type, PRO.CurationRecord)
            if (r, PROV.wasAttributedTo, None) in self.data
        )

    def sources_of(self, s: Node, p: URIRef, o: Node) -> list[URIRef]:
        """The page segments a statement is read from (its citations)."""
        return _sorted(
            segment
            for citation in self.data.subjects(RDF.object, o)
            if (citation, RDF.subject, s) in self.data and (citation, RDF.predicate, p) in self.data
            for segment in self.data.objects(citation, PROV.wasDerivedFrom)
        )

    def dated(self, segment: Node) -> tuple[str, str]:
        """(a sortable ISO date, how the segment is dated) of a page segment."""
        modified = _first(self.data.objects(segment, DCTERMS.modified))
        if isinstance(modified, Literal) and (day := literal_date(modified)) is not None:
            return day.isoformat(), f"last updated {format_literal(modified)}"
        capture = _first(self.data.objects(segment, PROV.wasDerivedFrom))
        for prop in (PROV.generatedAtTime, DCTERMS.created):
            when = _first(self.data.objects(capture, prop)) if capture is not None else None
            if isinstance(when, Literal):
                return str(when)[:10], f"captured {str(when)[:10]}"
        activity = _first(self.data.objects(segment, PROV.wasGeneratedBy))
        read = _first(self.data.objects(activity, PROV.endedAtTime)) if activity else None
        if isinstance(read, Literal):
            return str(read)[:10], f"no date stated, read {str(read)[:10]}"
        return "", "no date stated"

    def source_label(self, segment: Node) -> str:
        return str(_first(self.data.objects(segment, RDFS.label)) or segment)

    def newest(self, subject: URIRef, prop: URIRef, what: str) -> list[Literal]:
        """One literal per language, from the newest source, recorded as selected."""
        by_language: dict[str, list[tuple[str, Literal, list[URIRef]]]] = {}
        for literal in self.langs(subject, prop):
            segments = self.sources_of(subject, prop, literal)
            when = max((self.dated(seg)[0] for seg in segments), default="")
            by_language.setdefault(str(literal.language), []).append((when, literal, segments))
        chosen = []
        for language in sorted(by_language):
            candidates = by_language[language]
            newest_date = max(c[0] for c in candidates)
            _when, literal, segments = min(
                (c for c in candidates if c[0] == newest_date), key=lambda c: str(c[1])
            )
            chosen.append(literal)
            if segments:
                used = "; ".join(
                    f"{self.source_label(seg)} ({self.dated(seg)[1]})" for seg in segments
                )
                others = sorted(
                    {self.source_label(seg) for c in candidates if c[1] != literal for seg in c[2]}
                )
                comment = f"Stated by {used}" + (
                    f"; also given differently by {', '.join(others)}." if others else "."
                )
                self.record(
                    SELECTED,
                    (subject, prop, literal),
                    RULE_NEWEST.format(what=what),
                    segments,
                    comment,
                )
        return chosen

    def homepage(self, subject: Node, iri: URIRef) -> None:
        page = BNode()
        self.add(subject, FOAF.homepage, page)
        self.add(page, RDF.type, ELM.WebResource)
        self.add(page, ELM.contentUrl, Literal(self.url(iri), datatype=XSD.anyURI))

    def country(self, org: Node) -> URIRef | None:
        for address in _sorted(self.data.objects(org, SCHEMA.address)):
            found = _first(self.data.objects(address, SCHEMA.addressCountry))
            if isinstance(found, URIRef) and str(found).startswith(str(EU_COUNTRY)):
                return found
        parent = _first(self.data.objects(org, ORG.unitOf))
        return self.country(parent) if parent is not None else None

    # organisations -------------------------------------------------------------------------
    def organisation(self, org: URIRef) -> None:
        if (org, RDF.type, ELM.Organisation) in self.out:
            return
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
        for postal in _sorted(self.data.objects(org, SCHEMA.address)):
            for prop in (SCHEMA.streetAddress, SCHEMA.postalCode, SCHEMA.addressLocality):
                parts += [str(o) for o in _sorted(self.data.objects(postal, prop))]
        if parts:
            self.add(address, ELM.fullAddress, self.note(", ".join(parts)))
        for ror in _sorted(self.data.objects(org, PRO.ror)):
            if str(ror).startswith(ROR_PREFIX):
                identifier = BNode()
                self.add(org, ADMS.identifier, identifier)
                self.add(identifier, RDF.type, ELM.Identifier)
                self.add(identifier, SKOS.notation, Literal(str(ror)[len(ROR_PREFIX) :]))
                self.add(identifier, ELM.schemeName, Literal("ROR"))
                self.add(identifier, ELM.schemeId, Literal(ROR_PREFIX, datatype=XSD.anyURI))
        parent = _first(self.data.objects(org, ORG.unitOf))
        if isinstance(parent, URIRef) and self.country(parent) is not None:
            self.organisation(parent)
            self.add(org, ORG.subOrganizationOf, parent)
            self.add(parent, ORG.hasSubOrganization, org)

    # the programme -------------------------------------------------------------------------
    def missing(self, programme: URIRef) -> str | None:
        """Why `programme` cannot be exported, or None."""
        qualifications = _sorted(self.data.objects(programme, PRO.awards))
        if len(qualifications) != 1:
            return f"awards {len(qualifications)} qualifications; ELM needs exactly one"
        qualification = qualifications[0]
        if not self.langs(programme, DCTERMS.title):
            return "no title"
        if not self.titles(qualification):
            return "its qualification has no title (nor a degree abbreviation)"
        if _first(self.data.objects(qualification, ELM.EQFLevel)) is None:
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
            for o in _sorted(self.data.objects(programme, ELM.providedBy))
            if isinstance(o, URIRef)
        ]

    def offerings(self, programme: URIRef) -> list[URIRef]:
        return _sorted(self.data.subjects(PRO.offeringOf, programme))

    def language(self, programme: URIRef) -> URIRef | None:
        stated = _first(self.data.objects(programme, ELM.defaultLanguage))
        if stated is not None:
            return stated
        required = [
            lang
            for req in self.data.objects(programme, PRO.admissionRequirement)
            for lang in self.data.objects(req, PRO.proficiencyLanguage)
        ]
        return _first(required)

    def nqf_levels(self, programme: URIRef, qualification: URIRef) -> list[URIRef]:
        eqf = _first(self.data.objects(qualification, ELM.EQFLevel))
        found = set()
        for org in self.providers(programme):
            country = self.country(org)
            if country is not None:
                level = NQF_LEVELS.get((eqf, str(country).rsplit("/", 1)[-1]))
                if level is not None:
                    found.add(level)
        return _sorted(found)

    def programme(self, programme: URIRef) -> None:
        data, add = self.data, self.add
        first_record = len(self.records)
        qualification = _first(data.objects(programme, PRO.awards))
        language = self.language(programme)
        assert language is not None  # missing() said so
        offerings = self.offerings(programme)
        add(programme, RDF.type, ELM.LearningOpportunity)
        for title in self.newest(programme, DCTERMS.title, "title"):
            add(programme, DCTERMS.title, title)
        for text in self.newest(programme, DCTERMS.description, "description"):
            add(programme, DCTERMS.description, text)
        add(programme, DCTERMS.type, self.concept(LO_PROGRAMME))
        self.homepage(programme, programme)
        for org in self.providers(programme):
            self.organisation(org)
            add(programme, ELM.providedBy, org)
        add(programme, ELM.defaultLanguage, self.concept(language))
        if _first(data.objects(programme, ELM.defaultLanguage)) is None:
            requirements_of = [
                r
                for r in data.objects(programme, PRO.admissionRequirement)
                if (r, PRO.proficiencyLanguage, language) in data
            ]
            self.record(
                DERIVED, (programme, ELM.defaultLanguage, language), RULE_LANGUAGE, requirements_of
            )
        add(programme, ELM.learningAchievementSpecification, qualification)
        sources = [programme, *offerings]
        durations = _sorted(d for s in sources for d in data.objects(s, ELM.duration))
        if durations:
            add(programme, ELM.duration, durations[0])
            if len({str(d) for d in durations}) > 1:
                self.record(
                    SELECTED,
                    (programme, ELM.duration, durations[0]),
                    RULE_FIRST.format(what="duration"),
                    [s for s in sources if (s, ELM.duration, durations[0]) in data],
                    "The sources state the duration as " + ", ".join(str(d) for d in durations),
                )
        modes = _sorted(m for s in sources for m in data.objects(s, ELM.mode))
        for mode in modes:
            add(programme, ELM.mode, self.concept(mode))
        schedule = _first(m for s in sources for m in data.objects(s, ELM.learningSchedule))
        if schedule is not None:
            add(programme, ELM.learningSchedule, self.concept(schedule))
        self.intake(programme, offerings)
        for grant in _sorted(data.objects(programme, PRO.funding)):
            if self.langs(grant, DCTERMS.title):
                add(programme, ELM.grant, grant)
                add(grant, RDF.type, ELM.Grant)
                for prop in (DCTERMS.title, DCTERMS.description):
                    for text in self.one_per_language(grant, prop):
                        add(grant, prop, text)
        requirements = _sorted(data.objects(programme, PRO.admissionRequirement))
        procedures = sorted(
            {str(p) for r in requirements for p in data.objects(r, PRO.admissionProcedure)}
        )
        if procedures:
            add(programme, ELM.admissionProcedure, self.note("\n".join(procedures)))
        for component in _sorted(data.objects(programme, PRO.hasComponent)):
            if self.inferred_note(programme, PRO.hasComponent, component) is None:
                self.component(programme, component, language)
        self.qualification(programme, qualification, language, modes, requirements)
        self.summary(programme, self.records[first_record:])

    def summary(self, programme: URIRef, records: list[BNode]) -> None:
        """An elm:additionalNote saying in words what the export chose and derived."""
        parts = []
        for prop, what in ((DCTERMS.title, "Title"), (DCTERMS.description, "Description")):
            chosen = [o for o in self.out.objects(programme, prop) if isinstance(o, Literal)]
            segments = _sorted(s for o in chosen for s in self.sources_of(programme, prop, o))
            if not segments:
                continue
            stating = {
                s for o in self.langs(programme, prop) for s in self.sources_of(programme, prop, o)
            }
            used = "; ".join(f"{self.source_label(s)} ({self.dated(s)[1]})" for s in segments)
            newest = f", the newest of the {len(stating)} sources that give one"
            parts.append(f"{what} as stated by {used}{newest if len(stating) > 1 else ''}.")
        derived = sorted(
            {
                RULE_WORDS[str(rule)]
                for n in records
                if (n, DCTERMS.type, DERIVED) in self.out
                for rule in self.out.objects(n, PRO.rule)
                if str(rule) in RULE_WORDS
            }
        )
        if derived:
            parts.append(
                "Derived by this export, not stated by a source (the rule and the source of "
                f"each are in the export's quality notes): {'; '.join(derived)}."
            )
        if parts:
            self.add(programme, ELM.additionalNote, self.note(" ".join(parts)))

    def intake(self, programme: URIRef, offerings: list[URIRef]) -> None:
        data = self.data
        starts = sorted(
            s
            for o in offerings
            for v in data.objects(o, PRO.startDate)
            if isinstance(v, Literal) and (s := _start_of(v))
        )
        if starts:
            period = BNode()
            self.add(programme, DCTERMS.temporal, period)
            self.add(period, RDF.type, DCTERMS.PeriodOfTime)
            start = Literal(starts[0], datatype=XSD.dateTime)
            self.add(period, ELM.startDate, start)
            stated = [
                o
                for o in offerings
                for v in data.objects(o, PRO.startDate)
                if isinstance(v, Literal) and _start_of(v) == starts[0]
            ]
            self.record(DERIVED, (period, ELM.startDate, start), RULE_START, stated)
        notes = []
        for offering in offerings:
            estimate = (offering, PRO.isEstimate, Literal(True)) in data
            for month in _sorted(data.objects(offering, PRO.startMonth)):
                text = str(month).lstrip("-")[:2]
                if text.isdigit() and 1 <= int(text) <= 12:
                    notes.append(
                        f"{'Expected to start' if estimate else 'Starts'} in "
                        f"{MONTHS[int(text) - 1]}."
                    )
            if estimate and any(True for _ in data.objects(offering, PRO.startDate)):
                notes.append("The start date is an estimate.")
            for note in self.langs(offering, PRO.deliveryNote):
                notes.append(str(note))
        if notes:
            self.add(programme, ELM.scheduleInformation, self.note(" ".join(sorted(set(notes)))))
        deadlines: dict[str, set[Node]] = {}
        for offering in offerings:
            for deadline in data.objects(offering, PRO.applicationDeadline):
                for value in data.objects(deadline, PRO.date):
                    if isinstance(value, Literal) and (end := _end_of(value)):
                        deadlines.setdefault(end, set()).add(deadline)
        for end in sorted(deadlines):
            value = Literal(end, datatype=XSD.dateTime)
            self.add(programme, ELM.applicationDeadline, value)
            self.record(
                DERIVED, (programme, ELM.applicationDeadline, value), RULE_DEADLINE, deadlines[end]
            )
        for offering in offerings:
            for fee in _sorted(data.objects(offering, PRO.tuitionFee)):
                self.fee(programme, fee)

    def fee(self, programme: URIRef, fee: Node) -> None:
        amount = _first(self.data.objects(fee, PRO.amount))
        currency = _first(self.data.objects(fee, PRO.currency))
        detail = BNode()
        self.add(programme, ELM.priceDetail, detail)
        self.add(detail, RDF.type, ELM.PriceDetail)
        period = _first(self.data.objects(fee, PRO.billingPeriod))
        per = {"P1Y": " per year", "P6M": " per semester", "P1M": " per month"}.get(
            str(period), "" if period is None else f" per {period}"
        )
        group = _first(self.data.objects(fee, PRO.appliesToApplicantGroup))
        for_group = f" ({self.label(group)})" if group is not None else ""
        self.add(detail, SKOS.prefLabel, Literal(f"Tuition fee{per}{for_group}", lang="en"))
        for text in self.one_per_language(fee, DCTERMS.description):
            self.add(detail, DCTERMS.description, text)
        if amount is not None and currency is not None:
            node = BNode()
            self.add(detail, ELM.amount, node)
            self.add(node, RDF.type, ELM.Amount)
            self.add(node, RDF.value, Literal(str(amount), datatype=XSD.decimal))
            self.add(node, ELM.unit, self.concept(currency))

    def component(
        self, programme: URIRef, component: URIRef, language: URIRef, parent: URIRef | None = None
    ) -> None:
        data, add = self.data, self.add
        kind = _first(data.objects(component, DCTERMS.type))
        order = _first(data.objects(component, PRO.sequenceIndex))
        host = _first(data.objects(component, PRO.hostedBy))
        name = self.label(kind) if kind is not None else "Part"
        programme_name = _first(data.objects(programme, PRO.acronym)) or str(
            self.one_per_language(programme, DCTERMS.title)[0]
        )
        title = (
            f"{programme_name}: semester {order}"
            if order is not None
            else f"{programme_name}: {name.lower()}"
        )
        if parent is not None:
            title = f"{self.label_of_output(parent)}, {name.lower()} option"
        if host is not None:
            title += f" at {self.label(host)}"
        add(parent or programme, ELM.hasPart, component)
        add(component, RDF.type, ELM.LearningOpportunity)
        add(component, DCTERMS.title, Literal(title, lang="en"))
        if not self.langs(component, DCTERMS.title):
            made = [n for n in (kind, order, host) if isinstance(n, URIRef)] or [component]
            self.record(
                DERIVED,
                (component, DCTERMS.title, Literal(title, lang="en")),
                RULE_PART_TITLE,
                made,
            )
        descriptions = self.one_per_language(component, DCTERMS.description)
        for text in descriptions:
            add(component, DCTERMS.description, text)
        if kind is not None:
            add(component, DCTERMS.type, self.concept(kind))
        self.homepage(component, component)
        providers = (
            [host] if isinstance(host, URIRef) and self.country(host) else self.providers(programme)
        )
        for org in providers:
            self.organisation(org)
            add(component, ELM.providedBy, org)
        add(component, ELM.defaultLanguage, self.concept(language))
        self.record(
            DERIVED, (component, ELM.defaultLanguage, language), RULE_PART_LANGUAGE, [programme]
        )
        spec = BNode()
        add(component, ELM.learningAchievementSpecification, spec)
        add(spec, RDF.type, ELM.LearningAchievementSpecification)
        add(spec, DCTERMS.title, Literal(title, lang="en"))
        add(spec, DCTERMS.language, self.concept(language))
        for isced in _sorted(data.objects(programme, PRO.fieldOfEducation)):
            add(spec, ELM.ISCEDFCode, self.concept(isced))
        if kind is not None:
            add(spec, DCTERMS.type, self.concept(kind))
        if descriptions:
            for text in descriptions:
                outcome = BNode()
                add(spec, ELM.learningOutcome, outcome)
                add(outcome, RDF.type, ELM.LearningOutcome)
                add(outcome, DCTERMS.title, text)
                self.record(DERIVED, (outcome, DCTERMS.title, text), RULE_PART_OUTCOME, [component])
        else:
            for outcome in _sorted(data.objects(programme, ELM.learningOutcome)):
                self.outcome(outcome)
                add(spec, ELM.learningOutcome, outcome)
        for option in _sorted(data.objects(component, PRO.hasOption)):
            self.component(programme, option, language, parent=component)

    def label_of_output(self, node: URIRef) -> str:
        return str(_first(self.out.objects(node, DCTERMS.title)) or node)

    def outcome(self, outcome: URIRef) -> None:
        self.add(outcome, RDF.type, ELM.LearningOutcome)
        for title in self.one_per_language(outcome, DCTERMS.title):
            self.add(outcome, DCTERMS.title, title)

    def qualification(
        self,
        programme: URIRef,
        qualification: URIRef,
        language: URIRef,
        modes: list[Node],
        requirements: list[Node],
    ) -> None:
        data, add = self.data, self.add
        add(qualification, RDF.type, ELM.Qualification)
        for title in self.titles(qualification):
            add(qualification, DCTERMS.title, title)
            if (qualification, DCTERMS.title, title) not in data:
                self.record(
                    DERIVED,
                    (qualification, DCTERMS.title, title),
                    RULE_TITLE_FROM_ABBREVIATION,
                    [qualification],
                )
        for abbreviation in _sorted(data.objects(qualification, PRO.degreeAbbreviation)):
            if (
                qualification,
                DCTERMS.title,
                Literal(str(abbreviation), lang="en"),
            ) not in self.out:
                add(qualification, SKOS.altLabel, Literal(str(abbreviation), lang="en"))
        eqf = _first(data.objects(qualification, ELM.EQFLevel))
        add(qualification, ELM.EQFLevel, self.concept(eqf))
        self.carry_inferred((qualification, ELM.EQFLevel, eqf), (qualification, ELM.EQFLevel, eqf))
        for level in self.nqf_levels(programme, qualification):
            add(qualification, ELM.NQFLevel, self.concept(level))
            countries = {
                org
                for org in self.providers(programme)
                if NQF_LEVELS.get((eqf, str(self.country(org)).rsplit("/", 1)[-1])) == level
            }
            self.record(
                DERIVED, (qualification, ELM.NQFLevel, level), RULE_NQF, [qualification, *countries]
            )
        for isced in _sorted(data.objects(programme, PRO.fieldOfEducation)):
            add(qualification, ELM.ISCEDFCode, self.concept(isced))
            self.record(
                DERIVED,
                (qualification, ELM.ISCEDFCode, isced),
                RULE_FIELD,
                [programme, *self.curation()],
            )
        for subject in _sorted(data.objects(programme, PRO.sourceSubjectArea)):
            add(qualification, ELM.educationSubject, self.concept(subject))
        add(qualification, DCTERMS.language, self.concept(language))
        for mode in modes:
            add(qualification, ELM.mode, self.concept(mode))
        add(qualification, ELM.learningSetting, self.concept(FORMAL_LEARNING))
        self.homepage(qualification, qualification)
        credits = set()
        for credit in data.objects(programme, ELM.creditPoint):
            framework = _first(data.objects(credit, ELM.framework))
            value = _first(data.objects(credit, RDF.value))
            if framework is not None and value is not None:
                number = value.toPython() if isinstance(value, Literal) else value
                text = (
                    format(number.normalize(), "f") if hasattr(number, "normalize") else str(number)
                )
                credits.add((framework, text))
        for framework, points in sorted(credits):
            node = BNode()
            add(qualification, ELM.creditPoint, node)
            add(node, RDF.type, ELM.CreditPoint)
            add(node, ELM.framework, self.concept(framework))
            add(node, ELM.point, Literal(points))
        for outcome in _sorted(data.objects(programme, ELM.learningOutcome)):
            self.outcome(outcome)
            add(qualification, ELM.learningOutcome, outcome)
        entry = [
            str(d)
            for r in requirements
            if (r, RDF.type, PRO.DegreeRequirement) in data
            for d in self.langs(r, DCTERMS.description)
        ]
        if entry:
            add(qualification, ELM.entryRequirement, self.note("\n\n".join(sorted(set(entry)))))

    # controlled values -----------------------------------------------------------------------
    def describe_concepts(self) -> None:
        """Every concept used, typed, labelled and in its scheme (copied from the graph)."""
        for concept in sorted(self.concepts):
            self.add(concept, RDF.type, SKOS.Concept)
            labels = self.langs(concept, SKOS.prefLabel)
            for label in labels:
                self.add(concept, SKOS.prefLabel, label)
            notation = _first(self.data.objects(concept, SKOS.notation))
            if notation is not None:
                self.add(concept, SKOS.notation, notation)
            schemes = _sorted(self.data.objects(concept, SKOS.inScheme))
            if not schemes and str(concept).startswith(str(iris.EU_LANGUAGE)):
                schemes = [LANGUAGE_SCHEME]
            for scheme in schemes:
                self.add(concept, SKOS.inScheme, scheme)
                self.add(scheme, RDF.type, SKOS.ConceptScheme)


def project(data: Graph, url: PageUrl) -> Projection:
    """The ELM view of every programme in `data` (the union of the published graphs)."""
    builder = _Builder(data, url)
    projection = Projection(builder.out)
    for programme in _sorted(data.subjects(RDF.type, PRO.StudyProgramme)):
        if not isinstance(programme, URIRef):
            continue
        reason = builder.missing(programme)
        if reason:
            projection.skipped[programme] = reason
            continue
        builder.programme(programme)
        projection.programmes.append(programme)
    builder.describe_concepts()
    if projection.programmes:
        builder.add(builder.export, RDF.type, PROV.Entity)
        sources = [*data.subjects(RDF.type, PRO.SourceSegment), *builder.curation()]
        for source in _sorted(sources):
            builder.add(builder.export, PROV.wasDerivedFrom, source)
    return projection


# --- shapes -----------------------------------------------------------------------------------

_SH = Namespace("http://www.w3.org/ns/shacl#")
# Java-only regex syntax in LOQ-constraints.ttl, and its Python equivalent.
_PATTERN_REWRITES = (
    (r"[[A-Fa-f0-9]\:\.]", r"[A-Fa-f0-9:.]"),  # class union -> one class
    (r"[%[\p{L}\p{Nl}\p{Nd}]]", r"[%\w]"),  # Unicode letters/digits -> \w
    (r"\p{L}\p{Nl}\p{Nd}", r"\w"),
)


def _patch_patterns(shapes: Graph) -> int:
    """Rewrite the LOQ sh:pattern literals Python's `re` rejects or warns about.

    Why: LOQ-constraints.ttl writes its URL regexes for Java: an inline `(?i)` after `^`
    (Python 3.11 only accepts global flags at the very start), Unicode property classes
    `\\p{L}\\p{Nl}\\p{Nd}` (unknown to `re`) and class unions `[[A-F…]\\:\\.]` (a "possible
    nested set" FutureWarning, an error under our pytest settings). The rewrite moves
    `(?i)` into `sh:flags "i"`, turns the property classes into `\\w` and flattens the
    unions; the patterns still accept the same http(s) URLs.
    """
    changed = 0
    for shape, pattern in list(shapes.subject_objects(_SH.pattern)):
        text = str(pattern)
        new = text
        for old, replacement in _PATTERN_REWRITES:
            new = new.replace(old, replacement)
        if "(?i)" in new:
            new = new.replace("(?i)", "")
            shapes.add((shape, _SH.flags, Literal("i")))
        if new != text:
            shapes.remove((shape, _SH.pattern, pattern))
            shapes.add((shape, _SH.pattern, Literal(new)))
            changed += 1
    for _shape, pattern in shapes.subject_objects(_SH.pattern):
        re.compile(str(pattern))  # fails loudly here rather than inside pySHACL
    return changed


@lru_cache(maxsize=4)
def loq_shapes(root: Path) -> Graph:
    """LOQ-constraints.ttl + LOQ-constraints-mdr.ttl of the reference folder `root`, patched
    to load in pySHACL."""
    shapes = Graph()
    shapes += reference.read(root, "elm/LOQ-constraints.ttl")
    shapes += reference.read(root, "elm/LOQ-constraints-mdr.ttl")
    _patch_patterns(shapes)
    return shapes


def _align_amount_value(shapes: Graph) -> int:
    """EDC's Amount shape: the amount's value as rdf:value, as LOQ requires.

    Why: the two official profiles contradict each other on elm:Amount. LOQ's closed
    AmountShape requires rdf:value (and the ELM 3.1 ontology says "content should be
    provided by rdf:value"), while EDC-generic-no-cv.ttl requires elm:value; no node can
    satisfy both. The export follows LOQ and the ontology's note, and EDC's
    `Amount-elm_value` property shape is pointed at rdf:value in memory (same datatype and
    cardinality), so EDC still checks that the value is there, once, as an xsd:decimal.
    """
    changed = 0
    for prop in list(shapes.subjects(_SH.path, ELM.value)):
        shapes.remove((prop, _SH.path, ELM.value))
        shapes.add((prop, _SH.path, RDF.value))
        changed += 1
    return changed


@lru_cache(maxsize=4)
def edc_shapes(root: Path) -> Graph:
    """EDC-generic-full.ttl (controlled vocabularies) + EDC-generic-no-cv.ttl (structure),
    which the full file owl:imports; pySHACL does not follow imports, so both are read."""
    shapes = Graph()
    shapes += reference.read(root, "elm/EDC-generic-no-cv.ttl")
    shapes += reference.read(root, "elm/EDC-generic-full.ttl")
    _patch_patterns(shapes)
    _align_amount_value(shapes)
    return shapes


def check(graph: Graph, root: Path) -> Report:
    """Validate an ELM projection against LOQ (+ its vocabulary constraints) and EDC, read
    from the reference folder `root` (graph/build/reference.py).

    LOQ runs without an ontology: with ELM.ttl as ont_graph its rdfs:subClassOf triples make
    the closed super-class shapes (Agent, LearningAchievementSpecification) reject their
    subclasses' own properties (SOURCE.md). The open EDC shapes run with ELM.ttl, so that
    sh:class follows the ELM class hierarchy.
    """
    from ...read.dataset_description import run_shapes

    reference.require(root, reference.ELM_FILES)
    report = Report()
    report.results.extend(run_shapes(graph, loq_shapes(root)).results)
    report.results.extend(
        run_shapes(graph, edc_shapes(root), reference.read(root, "elm/ELM.ttl")).results
    )
    return report


# --- files -------------------------------------------------------------------------------------


def serialize(graph: Graph, fmt: str = "turtle") -> bytes:
    """Deterministic bytes: blank nodes canonicalised (RDFC-1.0), statements sorted."""
    import pyoxigraph as ox

    text = graph.serialize(format="nt", encoding="utf-8")
    dataset = ox.Dataset(ox.parse(text, format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    if fmt == "turtle":
        return dumps.turtle(dumps.union_triples(dataset), {"adms": str(ADMS), "rov": str(ROV)})
    spec = next((s for s in dumps.DUMPS if s.format_name == fmt), None)
    if spec is None:
        raise PublishError(f"the ELM export cannot be written as {fmt!r}")
    return dumps.serialize(dumps.DumpSpec("elm", fmt, False, ""), dataset)


def read_union(version_dir: Path) -> Graph:
    """The union of a version's graphs as one rdflib graph, literals as the sources wrote
    them (rdflib would otherwise rewrite "P24M"^^xsd:duration as "P2Y" while parsing)."""
    import pyoxigraph as ox

    from ..load import literals_as_written

    dataset = dumps.read_version(version_dir)
    graph = Graph()
    text = ox.serialize(dumps.union_triples(dataset), format=ox.RdfFormat.N_TRIPLES) or b""
    with literals_as_written():
        graph.parse(data=text.decode("utf-8"), format="nt")
    return graph


def elm_writer(root: Path | None) -> Callable[[Path, dict[str, Any], Any], None]:
    """A writer (graph.build.publish.Writer) of dumps/elm.ttl. With a reference folder `root`
    (graph/build/reference.py) the projection is checked against the official ELM shapes and one
    that does not conform stops the build; without one it is written unchecked, and the
    manifest says which (`elm.checked`)."""

    def write_elm(staging: Path, manifest: dict[str, Any], previous: Any = None) -> None:
        base_iri = manifest.get("base_iri") or iris.DATA_BASE
        data = read_union(staging)
        projection = project(data, page_url(default_site_url(base_iri), base_iri))
        if root is not None:
            report = check(projection.graph, root)
            if report.violations:
                first = "\n\n".join(v.render() for v in report.violations[:5])
                raise PublishError(
                    f"the ELM export does not conform to the ELM shapes "
                    f"({len(report.violations)} violations):\n{first}"
                )
        out = staging / dumps.DUMP_DIR
        out.mkdir(exist_ok=True)
        (out / ELM_FILE).write_bytes(serialize(projection.graph))
        dumps.add_dump(
            staging,
            manifest,
            {
                "file": ELM_FILE,
                "format": "turtle",
                "media_type": "text/turtle",
                "compression": None,
                "dataset": "elm",
                "label": "European Learning Model 3 (Turtle)",
                "statements": len(projection.graph),
            },
        )
        manifest["elm"] = {
            "programmes": [str(p) for p in projection.programmes],
            "skipped": {str(p): why for p, why in projection.skipped.items()},
            "checked": root is not None,
        }

    return write_elm


write_elm = elm_writer(None)  # the export without the official shapes' check


# --- `prospectus export elm` -----------------------------------------------------------------

EXPORT_FORMATS = ("turtle", "jsonld", "ntriples")


@dataclass
class Export:
    data: bytes
    projection: Projection
    report: Report | None  # None: not checked against the official shapes
    source: str  # what was projected: a version id, or "sources"


def export(
    settings: Any, *, fmt: str = "turtle", from_sources: bool = False, validate: bool = True
) -> Export:
    """The ELM export of the published version (or, if none / asked, of the bundled sources),
    checked against the official shapes when `validate` and the `reference_shapes_dir`
    setting names them (`report` is None when it was not checked).

    Homepages are resource pages under the `public_url` setting, or, when it is empty, under
    the site the `base_iri` setting implies ('…/id/' -> '…').
    """
    from .. import publish

    if fmt not in EXPORT_FORMATS:
        raise PublishError(f"the ELM export is written as {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    base_iri = settings.base_iri
    version = None if from_sources else publish.current(settings.data_path)
    if version is not None:
        data = read_union(version.path)
        source = version.id
    else:
        from ..pipeline import read_release, rebase
        from ..validate import union

        data = union(rebase(read_release().dataset, base_iri))
        source = "sources"
    site_url = settings.public_url or default_site_url(base_iri)
    projection = project(data, page_url(site_url, base_iri))
    root = reference.folder(settings.reference_shapes_dir) if validate else None
    report = check(projection.graph, root) if root is not None else None
    return Export(serialize(projection.graph, fmt), projection, report, source)
