"""Every fact of the three seed pages, found one by one in its source's named graph.

Each row of FACTS names the page text a fact comes from, the source graph it must sit in,
and a SPARQL graph pattern; the test asks `ASK { GRAPH <source/...> { pattern } }` against
the built dataset. Further tests check the provenance of every source graph (the capture's
sha256 is recomputed from the seed file), that every fact-bearing node comes from exactly one
source file, that the literal texts really are on the page, and that there are no blank nodes.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import FOAF, OWL, RDF, RDFS, SKOS, XSD

from graph import versions
from graph.canonical import literals_as_written
from graph.iris import DATA_BASE, ELM, ORG, PRO, PROV, SCHEMA, is_data_iri

ROOT = Path(__file__).resolve().parent.parent
SOURCES_DIR = ROOT / "graph" / "sources"
SEEDS_DIR = ROOT.parent / "shared" / "seeds"
SOURCE_CLASSES = (PRO.SourceSegment, PRO.CurationRecord)

P20 = "pioneer-portal-2020"
TU = "pioneer-topuniversities"
LE = "leiden-ict-portal"
CU = "curation"

# Shortcuts used in the patterns (relative IRIs resolve against BASE).
PIONEER = "<programme/kuleuven/pioneer>"
ICT = "<programme/leiden/ict-in-the-public-sector>"
PIONEER_2026 = "<offering/kuleuven/pioneer/2026>"
ICT_2022 = "<offering/leiden/ict-in-the-public-sector/2022>"

PROLOGUE = f"""
BASE <{DATA_BASE}>
PREFIX pro: <{PRO}>
PREFIX elm: <{ELM}>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prov: <{PROV}>
PREFIX org: <{ORG}>
PREFIX skos: <{SKOS}>
PREFIX schema: <{SCHEMA}>
PREFIX rdf: <{RDF}>
PREFIX rdfs: <{RDFS}>
PREFIX xsd: <{XSD}>
PREFIX owl: <{OWL}>
PREFIX qflag: <https://w3id.org/prospectus/vocab/quality-flag/>
PREFIX kind: <https://w3id.org/prospectus/vocab/programme-kind/>
PREFIX method: <https://w3id.org/prospectus/vocab/teaching-method/>
PREFIX group: <https://w3id.org/prospectus/vocab/applicant-group/>
PREFIX jurisdiction: <https://w3id.org/prospectus/vocab/jurisdiction/>
PREFIX subject: <https://w3id.org/prospectus/vocab/subject-area/topuniversities/>
PREFIX test: <https://w3id.org/prospectus/vocab/language-test/>
PREFIX ects: <http://data.europa.eu/snb/education-credit/>
PREFIX mode: <http://data.europa.eu/snb/learning-assessment/>
PREFIX schedule: <http://data.europa.eu/snb/learning-schedule/>
PREFIX lotype: <http://data.europa.eu/snb/learning-opportunity/>
PREFIX eqf: <http://data.europa.eu/snb/eqf/>
PREFIX isced: <http://data.europa.eu/snb/isced-f/>
PREFIX language: <http://publications.europa.eu/resource/authority/language/>
PREFIX country: <http://publications.europa.eu/resource/authority/country/>
PREFIX currency: <http://publications.europa.eu/resource/authority/currency/>
PREFIX esco: <http://data.europa.eu/esco/occupation/>
"""


@dataclass(frozen=True)
class Fact:
    id: str
    page_text: str  # what the page says ("(curation)" for the project's own decisions)
    source: str  # slug of the source graph: <source/{slug}>
    pattern: str  # a SPARQL group graph pattern, asked inside that graph


def contains(var: str, text: str) -> str:
    return f'FILTER(CONTAINS(STR({var}), "{text}"))'


def duration(var: str, lexical: str) -> str:
    """An xsd:duration exactly as stated ("P24M" is not rewritten to "P2Y")."""
    return f'FILTER(DATATYPE({var}) = xsd:duration && STR({var}) = "{lexical}")'


FACTS: list[Fact] = [
    # ---------------------------------------------------------------- seed 000: portal, 2020
    Fact(
        "p20-segment",
        "(seed 000, lines 1-67)",
        P20,
        "<source/pioneer-portal-2020> a pro:SourceSegment ; pro:lineStart 1 ; pro:lineEnd 67 .",
    ),
    Fact(
        "p20-last-updated",
        "Last updated Mar 2020",
        P20,
        '<source/pioneer-portal-2020> dct:modified "2020-03"^^xsd:gYearMonth .',
    ),
    Fact(
        "p20-stale-source",
        "Last updated Mar 2020",
        P20,
        "<source/pioneer-portal-2020> pro:qualityNote ?n . ?n dct:type qflag:stale-source ; "
        'pro:sourceText "Last updated Mar 2020" .',
    ),
    Fact(
        "p20-page-title",
        "Erasmus Mundus Joint Master in Public Sector Innovation and eGovernance (Leuven et al)",
        P20,
        "<page/pioneer-portal-2020> dct:title "
        '"Erasmus Mundus Joint Master in Public Sector Innovation and eGovernance '
        '(Leuven et al)"@en .',
    ),
    Fact(
        "p20-title",
        "Erasmus Mundus Joint Master in Public Sector Innovation and eGovernance",
        P20,
        f"{PIONEER} a pro:StudyProgramme ; dct:title "
        '"Erasmus Mundus Joint Master in Public Sector Innovation and eGovernance"@en .',
    ),
    Fact(
        "p20-title-variant",
        "the Erasmus Mundus Master of Science in Public Sector Innovation and eGovernance "
        "(PIONEER)",
        P20,
        f"{PIONEER} skos:altLabel "
        '"Erasmus Mundus Master of Science in Public Sector Innovation and eGovernance"@en .',
    ),
    Fact(
        "p20-acronym",
        "PIONEER aims at providing students",
        P20,
        f'{PIONEER} pro:acronym "PIONEER" .',
    ),
    Fact(
        "p20-joint-master",
        "Erasmus Mundus Joint Master",
        P20,
        f"{PIONEER} pro:programmeKind kind:joint-master .",
    ),
    Fact(
        "p20-description",
        "Responding to the growing need for professionals in eGovernance",
        P20,
        f"{PIONEER} dct:description ?d . "
        + contains("?d", "this unique and interdisciplinary program empowers students"),
    ),
    Fact(
        "p20-description-experts",
        "the sector itself needs experts (1) who are able to",
        P20,
        f"{PIONEER} dct:description ?d . "
        + contains("?d", "take into account organizational, cultural, social and structural"),
    ),
    Fact(
        "p20-highlight-erasmus-mundus",
        "A unique Erasmus Mundus program, subsidized by ...",
        P20,
        f"{PIONEER} pro:highlight ?h . " + contains("?h", "A unique Erasmus Mundus program"),
    ),
    Fact(
        "p20-highlight-interdisciplinary",
        "An interdisciplinary program combining ...",
        P20,
        f"{PIONEER} pro:highlight ?h . " + contains("?h", "An interdisciplinary program"),
    ),
    Fact(
        "p20-highlight-initial-master",
        "An international initial Master’s program of 120 ECTS",
        P20,
        f"{PIONEER} pro:highlight ?h . " + contains("?h", "initial Master’s program"),
    ),
    Fact(
        "p20-highlight-experts",
        "Learn from experts with an advanced understanding",
        P20,
        f"{PIONEER} pro:highlight ?h . " + contains("?h", "Learn from experts"),
    ),
    Fact(
        "p20-ku-leuven-advice",
        "Start your career, during your studies: During your bachelor's and master's program",
        P20,
        "<org/ku-leuven> dct:description ?d . " + contains("?d", "studying abroad (Erasmus)"),
    ),
    Fact(
        "p20-audience-specialize",
        "Are you looking to specialize and/ or advance ...",
        P20,
        f"{PIONEER} pro:targetAudience ?q . " + contains("?q", "looking to specialize"),
    ),
    Fact(
        "p20-audience-challenges",
        "Are you interested in the current and future challenges",
        P20,
        f"{PIONEER} pro:targetAudience ?q . " + contains("?q", "current and future challenges"),
    ),
    Fact(
        "p20-audience-expert",
        "Do you want to become an expert in eGovernance",
        P20,
        f"{PIONEER} pro:targetAudience ?q . " + contains("?q", "become an expert in eGovernance"),
    ),
    Fact(
        "p20-audience-insight",
        "Would you like to gain the necessary insight",
        P20,
        f"{PIONEER} pro:targetAudience ?q . " + contains("?q", "gain the necessary insight"),
    ),
    Fact(
        "p20-audience-three-universities",
        "studying at three different European Universities",
        P20,
        f"{PIONEER} pro:targetAudience ?q . "
        + contains("?q", "three different European Universities"),
    ),
    Fact(
        "p20-degree",
        "Erasmus Mundus Master of Science in ...",
        P20,
        f'{PIONEER} pro:awards ?q . ?q a elm:Qualification ; dct:title "Master of Science"@en .',
    ),
    Fact(
        "p20-credits",
        "120 ECTS",
        P20,
        f"{PIONEER} elm:creditPoint ?c . ?c elm:framework ects:6fcec5c5af ; "
        'rdf:value 120.0 ; pro:sourceText "120 ECTS" .',
    ),
    Fact(
        "p20-duration",
        "This intensive two-year program",
        P20,
        f'{PIONEER} pro:durationText "two-year" ; elm:duration ?d . {duration("?d", "P2Y")}',
    ),
    Fact(
        "p20-providers",
        "jointly organized by three universities",
        P20,
        f"{PIONEER} elm:providedBy <org/ku-leuven>, <org/university-of-munster>, <org/taltech> .",
    ),
    Fact(
        "p20-consortium",
        "jointly organized by three universities",
        P20,
        f"{PIONEER} pro:consortium <org/pioneer-consortium> . <org/pioneer-consortium> "
        "org:hasMember <org/ku-leuven>, <org/university-of-munster>, <org/taltech> .",
    ),
    Fact(
        "p20-funding",
        "subsidized by the Education, Audiovisual and Culture Executive Agency",
        P20,
        f'{PIONEER} pro:funding ?g . ?g a elm:Grant ; dct:title "Erasmus Mundus"@en ; '
        "pro:funder <org/eacea> .",
    ),
    Fact(
        "p20-eacea-name",
        "Education, Audiovisual and Culture Executive Agency of the European Commission (EACEA)",
        P20,
        "<org/eacea> skos:altLabel "
        '"Education, Audiovisual and Culture Executive Agency of the European Commission"@en .',
    ),
    Fact(
        "p20-semester-1",
        "KU Leuven (first semester): In Leuven, the student receives an "
        "introduction to public administration",
        P20,
        f"{PIONEER} pro:hasComponent ?c . ?c pro:sequenceIndex '1'^^xsd:integer ; "
        "pro:hostedBy <org/ku-leuven> ; dct:type lotype:0f7dac46ca ; dct:description ?d . "
        + contains("?d", "introduction into eGovernance practices"),
    ),
    Fact(
        "p20-semester-2",
        "The University of Münster (second semester): In Münster ...",
        P20,
        f"{PIONEER} pro:hasComponent ?c . ?c pro:sequenceIndex '2'^^xsd:integer ; "
        "pro:hostedBy <org/university-of-munster> ; dct:description ?d . "
        + contains("?d", "possibilities of ICT for governance"),
    ),
    Fact(
        "p20-semester-3",
        "The Tallinn University of Technology (third semester): In Tallinn",
        P20,
        f"{PIONEER} pro:hasComponent ?c . ?c pro:sequenceIndex '3'^^xsd:integer ; "
        "pro:hostedBy <org/taltech> ; dct:description ?d . "
        + contains("?d", "trends in public sector innovation"),
    ),
    Fact(
        "p20-semester-4-thesis",
        "During the fourth semester, students write their Master’s "
        "Thesis on a topic of their own choosing",
        P20,
        f"{PIONEER} pro:hasComponent ?c . ?c pro:sequenceIndex '4'^^xsd:integer ; "
        "dct:type lotype:b2434ca358 ; pro:optionsToChoose '1'^^xsd:integer ; "
        "dct:description ?d . " + contains("?d", "of their own choosing"),
    ),
    Fact(
        "p20-track-internship",
        "either an internship in a professional organization",
        P20,
        f"{PIONEER} pro:hasComponent ?c . ?c pro:hasOption ?t . ?t a pro:ThesisTrack ; "
        "dct:type lotype:77b99de990 ; dct:description "
        '"an internship in a professional organization"@en .',
    ),
    Fact(
        "p20-track-research",
        "the possibility of conducting research at a research institute",
        P20,
        f"{PIONEER} pro:hasComponent ?c . ?c pro:hasOption ?t, ?u . "
        "?t pro:alternativeTo ?u . ?u pro:alternativeTo ?t . ?t dct:description "
        '"the possibility of conducting research at a research institute"@en .',
    ),
    Fact(
        "p20-group-size",
        "in a small, international group setting",
        P20,
        f"{PIONEER} pro:groupSizeNote ?g . " + contains("?g", "small, international group"),
    ),
    Fact(
        "p20-method-interactive",
        "Attend interactive courses",
        P20,
        f"{PIONEER} pro:teachingMethod method:interactive-courses .",
    ),
    Fact(
        "p20-method-case-studies",
        "teaching methods: case studies",
        P20,
        f"{PIONEER} pro:teachingMethod method:case-studies .",
    ),
    Fact(
        "p20-method-group-work",
        "group work",
        P20,
        f"{PIONEER} pro:teachingMethod method:group-work .",
    ),
    Fact(
        "p20-method-class-discussions",
        "class discussions",
        P20,
        f"{PIONEER} pro:teachingMethod method:class-discussions .",
    ),
    Fact(
        "p20-method-guest-lectures",
        "guest lectures",
        P20,
        f"{PIONEER} pro:teachingMethod method:guest-lectures .",
    ),
    Fact(
        "p20-method-study-visits",
        "and study visits",
        P20,
        f"{PIONEER} pro:teachingMethod method:study-visits .",
    ),
    Fact(
        "p20-outcome-competencies",
        "PIONEER aims at providing students with specialized competencies",
        P20,
        f"{PIONEER} elm:learningOutcome ?o . ?o dct:title ?t . "
        + contains("?t", "specialized competencies in public sector innovation"),
    ),
    Fact(
        "p20-outcome-new-methods",
        "Build in-demand competencies to define and implement new methods",
        P20,
        f"{PIONEER} elm:learningOutcome ?o . ?o dct:title ?t . "
        + contains("?t", "new methods and digital techniques"),
    ),
    Fact(
        "p20-outcome-research-skills",
        "Combine methodological and scientific research skills",
        P20,
        f"{PIONEER} elm:learningOutcome ?o . ?o dct:title ?t . "
        + contains("?t", "methodological and scientific research skills"),
    ),
    Fact(
        "p20-career-government",
        "at all levels of government (federal, local or regional)",
        P20,
        f"{PIONEER} pro:careerOutcome ?c . ?c a pro:CareerOutcome ; skos:prefLabel ?l . "
        + contains("?l", "all levels of government"),
    ),
    Fact(
        "p20-career-international",
        "and in European and international institutions",
        P20,
        f"{PIONEER} pro:careerOutcome ?c . ?c skos:prefLabel "
        '"European and international institutions"@en .',
    ),
    Fact(
        "p20-career-ngo",
        "careers in non-governmental organizations",
        P20,
        f'{PIONEER} pro:careerOutcome ?c . ?c skos:prefLabel "Non-governmental organizations"@en .',
    ),
    Fact(
        "p20-career-consultancy",
        "consultancy companies",
        P20,
        f'{PIONEER} pro:careerOutcome ?c . ?c skos:prefLabel "Consultancy companies"@en .',
    ),
    Fact(
        "p20-career-private-sector",
        "and the private sector",
        P20,
        f'{PIONEER} pro:careerOutcome ?c . ?c skos:prefLabel "Private sector"@en .',
    ),
    Fact(
        "p20-career-phd",
        "a preparation for Ph.D. research in the field of public "
        "administration or information systems",
        P20,
        f"{PIONEER} pro:careerOutcome ?c . ?c dct:description ?d . "
        + contains("?d", "preparation for Ph.D. research"),
    ),
    Fact(
        "p20-student-career-center",
        "The Student Career Center is happy to put you on the right track",
        P20,
        f"{PIONEER} pro:studentService <org/ku-leuven/student-career-center> ."
        " <org/ku-leuven/student-career-center> org:unitOf <org/ku-leuven> ; dct:description ?d . "
        + contains("?d", "coaches you in the search for an interesting job"),
    ),
    Fact(
        "p20-lcie",
        "KU Leuven also has Lcie, the KU Leuven community that encourages students",
        P20,
        f"{PIONEER} pro:studentService <org/ku-leuven/lcie> . <org/ku-leuven/lcie> "
        "dct:description ?d . " + contains("?d", "innovative and entrepreneurial ideas"),
    ),
    Fact(
        "p20-about-the-school",
        "KU Leuven is an institution for research and education with international appeal",
        P20,
        "<org/ku-leuven> dct:description ?d . "
        + contains("?d", "ranked among the top 100 in the world"),
    ),
    # --------------------------------------------------------- seed 001: TopUniversities
    Fact(
        "tu-segment",
        "(seed 001, lines 1-157)",
        TU,
        "<source/pioneer-topuniversities> a pro:SourceSegment ; pro:lineStart 1 ; "
        "pro:lineEnd 157 .",
    ),
    Fact(
        "tu-publisher",
        "|TopUniversities",
        TU,
        "<source/pioneer-topuniversities> dct:publisher <org/topuniversities> . "
        "<page/pioneer-topuniversities> dct:publisher <org/topuniversities> .",
    ),
    Fact(
        "tu-page-title",
        "Erasmus Mundus Master of Science in Public Sector Innovation and "
        "eGovernance 24 months Postgraduate Programme By KU Leuven |TopUniversities",
        TU,
        "<page/pioneer-topuniversities> dct:title ?t . "
        + contains("?t", "24 months Postgraduate Programme By KU Leuven |TopUniversities"),
    ),
    Fact(
        "tu-title",
        "Erasmus Mundus Master of Science in Public Sector Innovation and eGovernance",
        TU,
        f"{PIONEER} a pro:StudyProgramme ; dct:title "
        '"Erasmus Mundus Master of Science in Public Sector Innovation and eGovernance"@en .',
    ),
    Fact(
        "tu-title-variant",
        "As the Master of Science in Public Sector Innovation and eGovernance is taught in English",
        TU,
        f"{PIONEER} skos:altLabel "
        '"Master of Science in Public Sector Innovation and eGovernance"@en .',
    ),
    Fact(
        "tu-by-ku-leuven",
        "By KU Leuven",
        TU,
        f"{PIONEER} elm:providedBy <org/ku-leuven> . ?c a pro:Citation ; rdf:subject {PIONEER} ;"
        ' rdf:predicate elm:providedBy ; rdf:object <org/ku-leuven> ; pro:sourceText "By KU Leuven"'
        " ; pro:sourceLine 1 .",
    ),
    Fact(
        "tu-joint",
        "jointly organized by three universities",
        TU,
        f"{PIONEER} pro:programmeKind kind:joint-master .",
    ),
    Fact(
        "tu-subject-area",
        "Main Subject Area: Public Policy",
        TU,
        f"{PIONEER} pro:sourceSubjectArea subject:public-policy .",
    ),
    Fact(
        "tu-degree-msc",
        "Degree: MSc",
        TU,
        f'{PIONEER} pro:awards ?q . ?q pro:degreeAbbreviation "MSc" ; '
        'dct:title "Master of Science"@en .',
    ),
    Fact(
        "tu-study-level",
        "Study Level: Masters",
        TU,
        f'{PIONEER} pro:awards ?q . ?q pro:studyLevelText "Masters" .',
    ),
    Fact(
        "tu-postgraduate",
        "24 months Postgraduate Programme",
        TU,
        f'{PIONEER} pro:awards ?q . ?q pro:studyLevelText "Postgraduate" .',
    ),
    Fact(
        "tu-credits",
        "An international initial Master’s programme of 120 ECTS",
        TU,
        f"{PIONEER} elm:creditPoint ?c . ?c elm:framework ects:6fcec5c5af ; rdf:value 120.0 ; "
        'pro:sourceText "120 ECTS" .',
    ),
    Fact(
        "tu-duration-24-months",
        "24 monthsProgramme duration",
        TU,
        f'{PIONEER} pro:durationText "24 months" ; elm:duration ?d . {duration("?d", "P24M")}',
    ),
    Fact(
        "tu-mode",
        "Study Mode: On Campus",
        TU,
        f'{PIONEER} elm:mode mode:9191af2ed9 ; pro:studyModeText "On Campus" .',
    ),
    Fact(
        "tu-language", "is taught in English", TU, f"{PIONEER} elm:defaultLanguage language:ENG ."
    ),
    Fact(
        "tu-description",
        "this unique, interuniversity and interdisciplinary programme",
        TU,
        f"{PIONEER} dct:description ?d . "
        + contains("?d", "unique, interuniversity and interdisciplinary programme"),
    ),
    Fact(
        "tu-highlight-research-based",
        "Experience our excellent research-based education",
        TU,
        f"{PIONEER} pro:highlight ?h . "
        + contains("?h", "practical challenges of professionals in policy"),
    ),
    Fact(
        "tu-highlight-erasmus-mundus",
        "A unique Erasmus Mundus programme, subsidised by ...",
        TU,
        f"{PIONEER} pro:highlight ?h . " + contains("?h", "A unique Erasmus Mundus programme"),
    ),
    Fact(
        "tu-highlight-interdisciplinary",
        "An interdisciplinary programme combining ...",
        TU,
        f"{PIONEER} pro:highlight ?h . " + contains("?h", "An interdisciplinary programme"),
    ),
    Fact(
        "tu-highlight-initial-master",
        "jointly organized by three universities",
        TU,
        f"{PIONEER} pro:highlight ?h . " + contains("?h", "initial Master’s programme of 120"),
    ),
    Fact(
        "tu-outcome",
        "aims at providing students with specialised competencies",
        TU,
        f"{PIONEER} elm:learningOutcome ?o . ?o a elm:LearningOutcome ; dct:title ?t . "
        + contains("?t", "specialised competencies about public sector innovation"),
    ),
    Fact(
        "tu-funding",
        "subsidised by the Education, Audiovisual and Culture Executive Agency "
        "of the European Commission (EACEA)",
        TU,
        f'{PIONEER} pro:funding ?g . ?g dct:title "Erasmus Mundus"@en ; pro:funder <org/eacea> .',
    ),
    Fact(
        "tu-case-studies",
        "A specific focus is placed on the use of case studies",
        TU,
        f"{PIONEER} pro:teachingMethod method:case-studies .",
    ),
    Fact(
        "tu-group",
        "in an international student group",
        TU,
        # A highlight, not a note on group size: it says nothing about how large groups are.
        f"{PIONEER} pro:highlight ?h . "
        + contains("?h", "international student group")
        + f" FILTER NOT EXISTS {{ {PIONEER} pro:groupSizeNote ?g }}",
    ),
    Fact(
        "tu-listed-programmes",
        "Postgrad Programmes 105",
        TU,
        "<org/ku-leuven> pro:programmeListing ?l . ?l a pro:ProgrammeListing ; "
        'pro:programmeCount "105"^^xsd:integer ; pro:studyLevelText "Postgrad" ; '
        'pro:sourceText "Postgrad Programmes 105" .',
    ),
    Fact(
        "tu-intake-start",
        "Sep",
        TU,
        f"{PIONEER_2026} a pro:Offering ; pro:offeringOf {PIONEER} ; "
        'pro:startMonth "--09"^^xsd:gMonth ; pro:sourceText "Sep" .',
    ),
    Fact(
        "tu-intake-duration",
        "2 Years",
        TU,
        f'{PIONEER_2026} pro:durationText "2 Years" ; elm:duration ?d . {duration("?d", "P2Y")}',
    ),
    Fact(
        "tu-deadline",
        "01 Jul, 2026Application Deadline",
        TU,
        f"{PIONEER_2026} pro:applicationDeadline ?d . ?d a pro:ApplicationDeadline ; "
        'pro:date "2026-07-01"^^xsd:date ; pro:sourceText "01 Jul, 2026" .'
        " FILTER NOT EXISTS { ?d pro:appliesToApplicantGroup ?g }",
    ),
    Fact(
        "tu-deadline-outside-flemish",
        "Students with a degree obtained at an institution "
        "outside the Flemish Community: 01 Jul 2026",
        TU,
        f'{PIONEER_2026} pro:applicationDeadline ?d . ?d pro:date "2026-07-01"^^xsd:date ; '
        'pro:sourceText "01 Jul 2026" ; pro:sourceLine 145 . '
        # The group is the editors' reading of the layout: only in the curation graph.
        "FILTER NOT EXISTS { ?d pro:appliesToApplicantGroup ?g }",
    ),
    Fact(
        "tu-empty-non-flemish-section",
        "Students with a degree obtained at an institution outside the Flemish Community:",
        TU,
        f"{PIONEER} pro:qualityNote ?n . ?n dct:type qflag:empty-section ; pro:sourceLine 143 ; "
        'pro:sourceText "Students with a degree obtained at an institution outside the Flemish '
        'Community:" .',
    ),
    Fact(
        "tu-flemish-group",
        "Students with a degree obtained at an institution of the Flemish Community:",
        TU,
        f"{PIONEER} pro:admissionRequirement ?r . ?r a pro:DegreeRequirement ; "
        "pro:appliesToApplicantGroup group:flemish-community-degree .",
    ),
    Fact(
        "tu-admission-procedure",
        "After admissions procedure",
        TU,
        f"{PIONEER} pro:admissionRequirement ?r . "
        '?r pro:admissionProcedure "After admissions procedure"@en .',
    ),
    Fact(
        "tu-similar-degrees",
        "On the basis of the following degrees, or similar degrees",
        TU,
        f"{PIONEER} pro:admissionRequirement ?r . ?r dct:description ?d . "
        + contains("?d", "or similar degrees, obtained at an institution of the Flemish"),
    ),
    Fact(
        "tu-39-degrees",
        "(39 degrees listed)",
        TU,
        "{ SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?r pro:appliesToApplicantGroup "
        "group:flemish-community-degree ; pro:acceptedDegree ?a . ?a a pro:AcceptedDegree ; "
        "pro:awardedInJurisdiction jurisdiction:flemish-community } } FILTER(?n = 39)",
    ),
    Fact(
        "tu-bachelor-in-de-rechten-twice",
        "Bachelor in de rechten (Brussel, Kortrijk, Leuven) / Bachelor in de rechten (Hasselt)",
        TU,
        '?a skos:prefLabel "Bachelor in de rechten"@nl ; pro:campus "Brussel" . '
        '?b skos:prefLabel "Bachelor in de rechten"@nl ; pro:campus "Hasselt" . '
        'FILTER(?a != ?b) FILTER NOT EXISTS { ?a pro:campus "Hasselt" }',
    ),
    Fact(
        "tu-professional-experience",
        "may be taken into consideration if professional "
        "experience in the field of study is demonstrated",
        TU,
        f"{PIONEER} pro:admissionRequirement ?r . ?r a pro:ExperienceRequirement ; "
        "dct:description ?d . "
        + contains("?d", "professional experience in the field")
        # Its group is read from the layout: only in the curation graph.
        + " FILTER NOT EXISTS { ?r pro:appliesToApplicantGroup ?g }",
    ),
    Fact(
        "tu-english-requirement",
        "applicants are required to demonstrate proficiency in the "
        "English language by submitting an English proficiency test",
        TU,
        f"{PIONEER} pro:admissionRequirement ?r . ?r a pro:LanguageRequirement ; "
        "pro:proficiencyLanguage language:ENG ; dct:description ?d . "
        + contains("?d", "by submitting an English proficiency test"),
    ),
    Fact(
        "tu-english-others-must-submit",
        "you must submit one of the accepted tests, even if your studies were in English",
        TU,
        "?r a pro:LanguageRequirement ; dct:description ?d . "
        + contains("?d", "even if your studies were in English or the administrative language"),
    ),
    Fact(
        "tu-exemption-condition",
        "Students who obtained their secondary school diploma or "
        "academic degree in English in one of the following countries can be exempted",
        TU,
        "?r pro:exemption ?e . ?e a pro:LanguageRequirementExemption ; pro:condition ?c . "
        + contains("?c", "secondary school diploma or academic degree in English"),
    ),
    Fact(
        "tu-exempt-australia",
        "Australia",
        TU,
        '?r pro:exemption ?e . ?e pro:exemptCountry country:AUS ; pro:sourceText "Australia" .',
    ),
    Fact(
        "tu-exempt-canada",
        "English-speaking Canada",
        TU,
        "?r pro:exemption ?e . ?e pro:exemptRegion "
        "<https://w3id.org/prospectus/vocab/region/english-speaking-canada> ; "
        'pro:sourceText "English-speaking Canada" . FILTER NOT EXISTS { ?e pro:exemptCountry ?c }',
    ),
    Fact(
        "tu-exempt-ireland",
        "Ireland",
        TU,
        '?r pro:exemption ?e . ?e pro:exemptCountry country:IRL ; pro:sourceText "Ireland" .',
    ),
    Fact(
        "tu-exempt-new-zealand",
        "New Zealand",
        TU,
        '?r pro:exemption ?e . ?e pro:exemptCountry country:NZL ; pro:sourceText "New Zealand" .',
    ),
    Fact(
        "tu-exempt-united-kingdom",
        "the United Kingdom",
        TU,
        "?r pro:exemption ?e . ?e pro:exemptCountry country:GBR ; "
        'pro:sourceText "the United Kingdom" .',
    ),
    Fact(
        "tu-exempt-united-states",
        "the United States of America",
        TU,
        "?r pro:exemption ?e . ?e pro:exemptCountry country:USA ; "
        'pro:sourceText "the United States of America" .',
    ),
    Fact(
        "tu-score-84",
        "84+",
        TU,
        f"{PIONEER} pro:unattributedScore ?s . ?s a pro:UnattributedScore ; rdf:value 84.0 ; "
        'pro:sourceText "84+" ; pro:sourceLine 84 .',
    ),
    Fact(
        "tu-score-7",
        "7+",
        TU,
        f'{PIONEER} pro:unattributedScore ?s . ?s rdf:value 7.0 ; pro:sourceText "7+" ; '
        "pro:sourceLine 85 .",
    ),
    Fact(
        "tu-score-100",
        "100+",
        TU,
        f'{PIONEER} pro:unattributedScore ?s . ?s rdf:value 100.0 ; pro:sourceText "100+" ; '
        "pro:sourceLine 86 .",
    ),
    Fact(
        "tu-scores-unlabelled",
        "84+ 7+ 100+ (no test named)",
        TU,
        f"{PIONEER} pro:unattributedScore ?a, ?b, ?c . "
        "?a rdf:value 84.0 ; pro:qualityNote ?n . ?b rdf:value 7.0 ; pro:qualityNote ?n . "
        "?c rdf:value 100.0 ; pro:qualityNote ?n . ?n dct:type qflag:unlabelled-value .",
    ),
    # ------------------------------------------------------------- seed 002: Leiden portal
    Fact(
        "le-segment",
        "(seed 002, lines 1-83)",
        LE,
        "<source/leiden-ict-portal> a pro:SourceSegment ; pro:lineStart 1 ; pro:lineEnd 83 .",
    ),
    Fact(
        "le-title",
        "ICT in the Public Sector",
        LE,
        f'{ICT} a pro:StudyProgramme ; dct:title "ICT in the Public Sector"@en .',
    ),
    Fact(
        "le-title-variant",
        "a master’s degree in ICT in Public Sector",
        LE,
        f'{ICT} skos:altLabel "ICT in Public Sector"@en .',
    ),
    Fact(
        "le-specialisation",
        "The ICT in the Public Sector master's specialisation",
        LE,
        f"{ICT} pro:programmeKind kind:master-specialisation .",
    ),
    Fact(
        "le-provider",
        "Why study ICT in the Public Sector at Leiden University?",
        LE,
        f"{ICT} elm:providedBy <org/leiden-university> .",
    ),
    Fact(
        "le-faculty-of-science",
        "Which department am I in? Faculty of Science",
        LE,
        f"{ICT} pro:administeredBy <org/leiden-university/faculty-of-science> . "
        "<org/leiden-university/faculty-of-science> org:unitOf <org/leiden-university> .",
    ),
    Fact(
        "le-cooperation",
        "we cooperate with our faculty of Governance and Global affairs in The Hague",
        LE,
        f"{ICT} pro:cooperatesWith ?f . ?f org:unitOf <org/leiden-university> "
        '; schema:address ?a . ?a schema:addressLocality "The Hague" .',
    ),
    Fact(
        "le-description",
        "you will get a better understanding of ICT in the Public Sector",
        LE,
        f"{ICT} dct:description ?d . "
        + contains("?d", "politico-administrative relations, European procurement"),
    ),
    Fact(
        "le-highlight-unique",
        "unique in the Netherlands and has a strong international focus",
        LE,
        f"{ICT} pro:highlight ?h . " + contains("?h", "unique in the Netherlands"),
    ),
    Fact(
        "le-study-abroad",
        "there are several possibilities for studying abroad",
        LE,
        f"{ICT} pro:highlight ?h . " + contains("?h", "possibilities for studying abroad"),
    ),
    Fact(
        "le-industry-links",
        "the department’s strong links to industry",
        LE,
        f"{ICT} pro:highlight ?h . " + contains("?h", "strong links to industry"),
    ),
    Fact(
        "le-thesis-internships",
        "good in-company research thesis internships",
        LE,
        f"{ICT} pro:highlight ?h . " + contains("?h", "in-company research thesis internships"),
    ),
    Fact(
        "le-interface",
        "covers the interface between IT and management in the Public Sector",
        LE,
        f"{ICT} pro:highlight ?h . " + contains("?h", "interface between IT and management"),
    ),
    Fact(
        "le-audience-governed",
        "Are you interested in understanding the many functions and roles IT have",
        LE,
        f"{ICT} pro:targetAudience ?q . " + contains("?q", "how they should be governed"),
    ),
    Fact(
        "le-audience-bachelor",
        "Do you have a bachelor’s degree in computer science (or equivalent)",
        LE,
        f"{ICT} pro:targetAudience ?q . "
        + contains("?q", "apply that knowledge in a governmental environment"),
    ),
    Fact(
        "le-group-size",
        "The groups are small (40 students)",
        LE,
        f'{ICT} pro:typicalGroupSize "40"^^xsd:integer ; pro:groupSizeNote ?n . '
        + contains("?n", "small (40 students)"),
    ),
    Fact(
        "le-interactive",
        "the lectures are often interactive",
        LE,
        f"{ICT} pro:teachingMethod method:interactive-lectures .",
    ),
    Fact(
        "le-team-work",
        "Cross-cultural team work is required in a lot of courses",
        LE,
        f"{ICT} pro:teachingMethod method:cross-cultural-team-work .",
    ),
    Fact(
        "le-msc",
        "To be admitted to the MSc programme",
        LE,
        f'{ICT} pro:awards ?q . ?q pro:degreeAbbreviation "MSc" .',
    ),
    Fact(
        "le-masters",
        "In this master’s programme",
        LE,
        f'{ICT} pro:awards ?q . ?q pro:studyLevelText "master’s" .',
    ),
    Fact(
        "le-full-time",
        "Full Time (2 Years)",
        LE,
        f'{ICT} pro:durationText "Full Time (2 Years)" ; '
        "elm:learningSchedule schedule:72a0ab92fa ;"
        f" elm:duration ?d . {duration('?d', 'P2Y')}",
    ),
    Fact(
        "le-covid",
        "COVID-19 update: This course will start online and continue on campus later.",
        LE,
        f"{ICT_2022} pro:offeringOf {ICT} ; pro:deliveryNote ?n ; "
        "elm:mode mode:920fbb3cbe, mode:9191af2ed9 . " + contains("?n", "start online"),
    ),
    Fact(
        "le-start",
        "Start date: Expected September 2022",
        LE,
        f'{ICT_2022} pro:startDate "2022-09"^^xsd:gYearMonth ; pro:isEstimate true ; '
        'pro:sourceText "Expected September 2022" .',
    ),
    Fact(
        "le-deadline",
        "Application deadline: Expected October 2022",
        LE,
        f'{ICT_2022} pro:applicationDeadline ?d . ?d pro:date "2022-10"^^xsd:gYearMonth ; '
        'pro:isEstimate true ; pro:sourceText "Expected October 2022" .',
    ),
    Fact(
        "le-deadline-after-start",
        "Expected October 2022 / Expected September 2022",
        LE,
        f"{ICT_2022} pro:applicationDeadline ?d . ?d pro:qualityNote ?n . "
        "?n a pro:QualityNote ; dct:type qflag:date-order .",
    ),
    Fact(
        "le-fee",
        "€18,016.00 (14,71,895) per year",
        LE,
        f"{ICT_2022} pro:tuitionFee ?f . ?f a pro:TuitionFee ; pro:amount 18016.00 ; "
        'pro:currency currency:EUR ; pro:sourceText "€18,016.00 (14,71,895) per year" ; '
        f"pro:billingPeriod ?p . {duration('?p', 'P1Y')}",
    ),
    Fact(
        "le-fee-conversion",
        "(14,71,895)",
        LE,
        f"{ICT_2022} pro:tuitionFee ?f . ?f pro:qualityNote ?n . "
        '?n dct:type qflag:unidentified-conversion ; pro:sourceText "(14,71,895)" .',
    ),
    Fact(
        "le-address",
        "Leiden University Rapenburg 70, 2311, Netherlands",
        LE,
        "<org/leiden-university> schema:address ?a . ?a a schema:PostalAddress ; "
        'schema:streetAddress "Rapenburg 70" ; schema:postalCode "2311" ; '
        'schema:addressCountry country:NLD ; pro:sourceText "Rapenburg 70, 2311, Netherlands" .',
    ),
    Fact(
        "le-address-truncated",
        "2311, Netherlands",
        LE,
        "<org/leiden-university> schema:address ?a . ?a pro:qualityNote ?n . "
        "?n dct:type qflag:truncated-value .",
    ),
    Fact(
        "le-outcome-governance",
        "a better understanding of ICT in the Public Sector and its impact on governance",
        LE,
        f"{ICT} elm:learningOutcome ?o . ?o dct:title ?t . "
        + contains("?t", "its impact on governance"),
    ),
    Fact(
        "le-outcome-computer-science",
        "You will learn how to benefit from your Computer Science knowledge",
        LE,
        f"{ICT} elm:learningOutcome ?o . ?o dct:title ?t . "
        + contains("?t", "administrative, managerial level"),
    ),
    Fact(
        "le-outcome-roles-of-it",
        "excellent understanding of the functions and roles that IT has in the public sector",
        LE,
        f"{ICT} elm:learningOutcome ?o . ?o dct:title ?t . "
        + contains("?t", "functions and roles that IT has"),
    ),
    Fact(
        "le-outcome-it-strategies",
        "contribute to IT strategies in governmental environments",
        LE,
        f"{ICT} elm:learningOutcome ?o . ?o dct:title ?t . "
        + contains("?t", "IT strategies in governmental environments"),
    ),
    Fact(
        "le-outcome-bridge",
        "become the bridge between the general management and IT departments",
        LE,
        f"{ICT} elm:learningOutcome ?o . ?o dct:title ?t . "
        + contains("?t", "bridge between the general management"),
    ),
    Fact(
        "le-career-it-professional",
        "work as an IT professional in the public sector and companies",
        LE,
        f"{ICT} pro:careerOutcome ?c . ?c skos:prefLabel ?l . " + contains("?l", "IT professional"),
    ),
    Fact(
        "le-career-not-limited",
        "Job opportunities are not limited to the public sector.",
        LE,
        f"{ICT} pro:careerOutcome ?c . ?c dct:description ?d . "
        + contains("?d", "not limited to the public sector"),
    ),
    Fact(
        "le-career-cio",
        "a career path leading to Chief Information Officer in a governmental organisation",
        LE,
        f"{ICT} pro:careerOutcome ?c . ?c skos:prefLabel ?l . "
        + contains("?l", "Chief Information Officer"),
    ),
    Fact(
        "le-career-all-kinds",
        "profit, non-profit, governmental, within or outside Europe",
        LE,
        f"{ICT} pro:careerOutcome ?c . ?c dct:description ?d . "
        + contains("?d", "profit, non-profit, governmental"),
    ),
    Fact(
        "le-career-phd",
        "an excellent Preparation to start a PhD track",
        LE,
        f'{ICT} pro:careerOutcome ?c . ?c skos:prefLabel "PhD track"@en .',
    ),
    Fact(
        "le-ict-in-business-slip",
        "A master’s degree in ICT in Business",
        LE,
        f"{ICT} pro:careerOutcome ?c . ?c pro:qualityNote ?n . ?n dct:type qflag:page-slip ; "
        'pro:sourceText "ICT in Business" .',
    ),
    Fact(
        "le-career-entrepreneur",
        "Quite some students decide to become an entrepreneur.",
        LE,
        f'{ICT} pro:careerOutcome ?c . ?c skos:prefLabel "Entrepreneur"@en .',
    ),
    Fact(
        "le-us-degree",
        "For students from United States: Applicants need a BA or BSc degree (or equivalent)",
        LE,
        f"{ICT} pro:admissionRequirement ?r . ?r a pro:DegreeRequirement"
        " ; pro:appliesToApplicantGroup group:united-states ; "
        'pro:acceptedDegree ?a, ?b . ?a skos:prefLabel "BA"@en . ?b skos:prefLabel "BSc"@en .',
    ),
    Fact(
        "le-us-ielts",
        "IELTS - 6.0",
        LE,
        "?r pro:appliesToApplicantGroup group:united-states ; pro:acceptedTest ?t . "
        "?t pro:languageTest test:ielts ; pro:minimumOverallScore 6.0 .",
    ),
    Fact(
        "le-us-toefl",
        "Toefl (internet based): 80 (component score: 20)",
        LE,
        "?r pro:appliesToApplicantGroup group:united-states ; pro:acceptedTest ?t . "
        "?t pro:languageTest test:toefl-ibt ; pro:minimumOverallScore 80.0 ; "
        "pro:minimumComponentScore 20.0 .",
    ),
    Fact(
        "le-us-cpe",
        "Cambridge C2 Proficiency (CPE) ...: Cambridge component score of 169",
        LE,
        "?r pro:appliesToApplicantGroup group:united-states ; pro:acceptedTest ?t . "
        "?t pro:languageTest test:cambridge-c2-proficiency ; pro:minimumComponentScore 169.0 .",
    ),
    Fact(
        "le-us-cae",
        "or C1 Advanced (CAE): Cambridge component score of 169",
        LE,
        "?r pro:appliesToApplicantGroup group:united-states ; pro:acceptedTest ?t . "
        "?t pro:languageTest test:cambridge-c1-advanced ; pro:minimumComponentScore 169.0 .",
    ),
    Fact(
        "le-international-degree",
        "a bachelor’s degree in Computer Science or a closely related subject is required",
        LE,
        f"{ICT} pro:admissionRequirement ?r . "
        "?r a pro:DegreeRequirement ; pro:appliesToApplicantGroup group:international ; "
        "pro:requiredField "
        '"Computer Science or a closely related subject"@en .',
    ),
    Fact(
        "le-board-of-admissions",
        "The Board of Admissions assesses whether the candidate’s "
        "academic background and work experience can be considered to be equivalent",
        LE,
        "?r pro:appliesToApplicantGroup group:international ; pro:admissionProcedure ?p . "
        + contains("?p", "Board of Admissions assesses"),
    ),
    Fact(
        "le-international-ielts",
        "IELTS: minimum 6.5",
        LE,
        f"{ICT} pro:admissionRequirement ?r . ?r a pro:LanguageRequirement ; "
        "pro:appliesToApplicantGroup group:international ; pro:acceptedTest ?t . "
        "?t pro:languageTest test:ielts ; pro:minimumOverallScore 6.5 .",
    ),
    Fact(
        "le-international-toefl",
        "TOEFL: internet based 90",
        LE,
        "?r pro:appliesToApplicantGroup group:international ; pro:acceptedTest ?t . "
        "?t pro:languageTest test:toefl-ibt ; pro:minimumOverallScore 90.0 .",
    ),
    Fact(
        "le-international-cae",
        "Cambridge Certificate of Advanced English (CAE), minimum grade C",
        LE,
        "?r pro:appliesToApplicantGroup group:international ; "
        "pro:acceptedTest ?t . ?t pro:languageTest test:cambridge-c1-advanced ; "
        'pro:minimumGrade "C" .',
    ),
    Fact(
        "le-ielts-footnote",
        "*There may be different IELTS requirements depending on your chosen course.",
        LE,
        "?r pro:appliesToApplicantGroup group:international ; "
        "dct:description ?d . " + contains("?d", "different IELTS requirements"),
    ),
    Fact(
        "le-conflicting-english",
        "IELTS - 6.0 ... / IELTS: minimum 6.5 ...",
        LE,
        "?us pro:appliesToApplicantGroup group:united-states ; pro:qualityNote ?n . "
        "?int pro:appliesToApplicantGroup group:international ; pro:qualityNote ?n . "
        "?n dct:type qflag:conflicting-values .",
    ),
    # ------------------------------------------------------------ curation (project's own)
    Fact(
        "cu-record",
        "(curation)",
        CU,
        "<source/curation> a pro:CurationRecord ; "
        "prov:wasAttributedTo <agent/prospectus-editors> ; pro:classificationRule ?r .",
    ),
    Fact(
        "cu-ror-ku-leuven",
        "(curation)",
        CU,
        '<org/ku-leuven> pro:ror <https://ror.org/05f950310> ; skos:prefLabel "KU Leuven"@en .',
    ),
    Fact(
        "cu-ror-munster",
        "(curation)",
        CU,
        "<org/university-of-munster> pro:ror <https://ror.org/00pd74e08> ; "
        'skos:prefLabel "University of Münster"@en .',
    ),
    Fact(
        "cu-ror-taltech",
        "(curation)",
        CU,
        "<org/taltech> pro:ror <https://ror.org/0443cwa12> ; "
        'skos:prefLabel "Tallinn University of Technology"@en ; skos:altLabel "TalTech"@en .',
    ),
    Fact(
        "cu-ror-leiden",
        "(curation)",
        CU,
        "<org/leiden-university> pro:ror <https://ror.org/027bh9e22> ; "
        'skos:prefLabel "Leiden University"@en .',
    ),
    Fact(
        "cu-no-ror-eacea-portal",
        "(curation)",
        CU,
        "<org/eacea> skos:prefLabel ?e . <org/topuniversities> a pro:StudyPortal . "
        "FILTER NOT EXISTS { <org/eacea> pro:ror ?x } "
        "FILTER NOT EXISTS { <org/topuniversities> pro:ror ?y }",
    ),
    Fact(
        "cu-country-ku-leuven",
        "(curation)",
        CU,
        "<org/ku-leuven> schema:address ?a . ?a schema:addressCountry country:BEL ; "
        'schema:addressLocality "Leuven" .',
    ),
    Fact(
        "cu-country-munster",
        "(curation)",
        CU,
        "<org/university-of-munster> schema:address ?a . ?a schema:addressCountry country:DEU ;"
        ' schema:addressLocality "Münster" .',
    ),
    Fact(
        "cu-country-taltech",
        "(curation)",
        CU,
        "<org/taltech> schema:address ?a . ?a schema:addressCountry country:EST ; "
        'schema:addressLocality "Tallinn" .',
    ),
    Fact(
        "cu-country-leiden",
        "(curation)",
        CU,
        "<org/leiden-university> schema:address ?a . ?a schema:addressCountry country:NLD ; "
        'schema:addressLocality "Leiden" .',
    ),
    Fact(
        "cu-isced-pioneer",
        "(curation)",
        CU,
        f"{PIONEER} pro:fieldOfEducation isced:0688, isced:0413 ; "
        "pro:primaryFieldOfEducation isced:0688 .",
    ),
    Fact(
        "cu-isced-leiden",
        "(curation)",
        CU,
        f"{ICT} pro:fieldOfEducation isced:0688 ; pro:primaryFieldOfEducation isced:0688 .",
    ),
    Fact(
        "cu-eqf-pioneer",
        "(curation: MSc / Masters)",
        CU,
        f"{PIONEER} pro:awards ?q . ?q elm:EQFLevel eqf:7 .",
    ),
    Fact(
        "cu-eqf-leiden",
        "(curation: MSc / master’s)",
        CU,
        f"{ICT} pro:awards ?q . ?q elm:EQFLevel eqf:7 .",
    ),
    Fact(
        "cu-universities",
        "(curation)",
        CU,
        "<org/ku-leuven> a schema:CollegeOrUniversity, org:FormalOrganization . "
        "<org/university-of-munster> a schema:CollegeOrUniversity . "
        "<org/taltech> a schema:CollegeOrUniversity . "
        "<org/leiden-university> a schema:CollegeOrUniversity .",
    ),
    Fact("cu-consortium", "(curation)", CU, "<org/pioneer-consortium> a pro:Consortium ."),
]

# The 39 degrees listed for students with a degree from the Flemish Community (seed 001,
# lines 94-132): label as written, language, campuses.
FLEMISH_DEGREES: list[tuple[str, str, tuple[str, ...]]] = [
    ("Bachelor handelsingenieur", "nl", ("Brussel", "Leuven")),
    ("Bachelor handelsingenieur in de beleidsinformatica", "nl", ("Leuven",)),
    ("Bachelor in de communicatiewetenschappen", "nl", ("Leuven",)),
    ("Bachelor in de economische wetenschappen", "nl", ("Leuven",)),
    ("Bachelor in de ingenieurswetenschappen", "nl", ("Leuven",)),
    ("Bachelor in de politieke wetenschappen en de sociologie", "nl", ("Leuven",)),
    ("Bachelor in de rechten", "nl", ("Brussel", "Kortrijk", "Leuven")),
    ("Bachelor in de rechten", "nl", ("Hasselt",)),
    ("Bachelor in de toegepaste economische wetenschappen", "nl", ("Kortrijk", "Leuven")),
    ("Bachelor of Business Administration", "en", ("Brussel",)),
    ("Bachelor of Business Engineering", "en", ("Brussel",)),
    ("Master handelsingenieur", "nl", ("Leuven",)),
    ("Master handelsingenieur in de beleidsinformatica", "nl", ("Leuven",)),
    ("Master in de Europese studies: transnationale en mondiale perspectieven", "nl", ("Leuven",)),
    ("Master in de communicatiewetenschappen", "nl", ("Leuven",)),
    ("Master in de economie, het recht en de bedrijfskunde", "nl", ("Leuven",)),
    ("Master in de economische wetenschappen", "nl", ("Leuven",)),
    ("Master in de ingenieurswetenschappen: computerwetenschappen", "nl", ("Leuven",)),
    ("Master in de politieke wetenschappen", "nl", ("Leuven",)),
    ("Master in de rechten", "nl", ("Leuven",)),
    ("Master in de rechten", "nl", ("Hasselt",)),
    ("Master in de sociologie", "nl", ("Leuven",)),
    ("Master in de toegepaste economische wetenschappen", "nl", ("Leuven",)),
    ("Master in het informatiemanagement", "nl", ("Leuven",)),
    ("Master in het publiek management en beleid", "nl", ("Leuven",)),
    ("Master of Business Administration", "en", ("Antwerpen",)),
    ("Master of Business Administration", "en", ("Brussel",)),
    ("Master of Business Economics", "en", ("Leuven",)),
    ("Master of Business Engineering", "en", ("Leuven",)),
    ("Master of Business and Information Systems Engineering", "en", ("Leuven",)),
    ("Master of Communication Sciences: Digital Media and Society", "en", ("Leuven",)),
    ("Master of Economics", "en", ("Leuven",)),
    ("Master of Engineering: Computer Science", "en", ("Leuven",)),
    ("Master of European Studies: Transnational and Global Perspectives", "en", ("Leuven",)),
    ("Master of Information Management", "en", ("Leuven",)),
    ("Master of International Politics", "en", ("Leuven",)),
    ("Master of Law", "en", ("Leuven",)),
    ("Master of Management Engineering", "en", ("Brussel",)),
    ("Master of Sociology", "en", ("Leuven",)),
]


def _degree_fact(index: int, label: str, lang: str, campuses: tuple[str, ...]) -> Fact:
    campus_list = ", ".join(f'"{c}"' for c in campuses)
    # Exactly these campuses: the node has no campus outside the stated list. The line is the
    # index-th of the list (lines 94-132). The EQF level is not stated: see INFERRED.
    pattern = (
        f"{PIONEER} pro:admissionRequirement ?r . "
        "?r pro:appliesToApplicantGroup group:flemish-community-degree ; pro:acceptedDegree ?a . "
        f'?a a pro:AcceptedDegree ; skos:prefLabel "{label}"@{lang} ; pro:campus {campus_list} ;'
        f" pro:awardedInJurisdiction jurisdiction:flemish-community ; pro:sourceLine {93 + index} ."
        f" FILTER NOT EXISTS {{ ?a pro:campus ?other FILTER(?other NOT IN ({campus_list})) }}"
        " FILTER NOT EXISTS { ?a pro:degreeLevel ?level }"
    )
    page_text = f"{label} ({',  '.join(campuses)})"
    return Fact(f"tu-degree-{index:02d}", page_text, TU, pattern)


FACTS += [_degree_fact(i, *d) for i, d in enumerate(FLEMISH_DEGREES, start=1)]


# ------------------------------------------------------------------ what the editors concluded


@dataclass(frozen=True)
class Inferred:
    """A statement no page makes: the editors concluded it from the words of one segment."""

    id: str
    page_text: str  # the words it is concluded from (part of the note's pro:sourceText)
    evidence: str  # slug of the segment those words are on
    subject: str  # SPARQL terms of the statement; ?s is bound by `find` in the evidence graph
    predicate: str
    object: str
    find: str = ""


ESCO_CIO = "esco:82f90e87-de92-4678-adae-61d3e5f7e1e4"
INFERRED: list[Inferred] = [
    Inferred("coordinator", "By KU Leuven", TU, PIONEER, "pro:coordinatedBy", "<org/ku-leuven>"),
    Inferred(
        "pioneer-award-eqf", "MSc", TU, "<programme/kuleuven/pioneer/qualification>",
        "elm:EQFLevel", "eqf:7",
    ),
    Inferred(
        "leiden-award-eqf", "MSc programme", LE,
        "<programme/leiden/ict-in-the-public-sector/qualification>", "elm:EQFLevel", "eqf:7",
    ),
    Inferred(
        "esco-occupation", "Chief Information Officer", LE,
        "<outcome/leiden-ict-portal/career-chief-information-officer>", "pro:occupation", ESCO_CIO,
    ),
    Inferred(
        "deadline-scope", "Students with a degree obtained at an institution outside", TU,
        "<deadline/pioneer-topuniversities/non-flemish-community-degree>",
        "pro:appliesToApplicantGroup", "group:non-flemish-community-degree",
    ),
    Inferred(
        "experience-scope", "Students with a degree obtained at an institution of the Flemish", TU,
        "<requirement/pioneer-topuniversities/professional-experience>",
        "pro:appliesToApplicantGroup", "group:flemish-community-degree",
    ),
    Inferred("intake-year", "Sep", TU, PIONEER_2026, "pro:intakeYear", '"2026"^^xsd:gYear'),
    Inferred(
        "internship-component", "in-company research thesis internships", LE, ICT,
        "pro:hasComponent", "<component/leiden-ict-portal/in-company-research-thesis-internship>",
    ),
    Inferred(
        "us-required-level", "a BA or BSc degree", LE,
        "<requirement/leiden-ict-portal/united-states-degree>", "pro:requiredDegreeLevel", "eqf:6",
    ),
    Inferred(
        "international-required-level", "a bachelor’s degree", LE,
        "<requirement/leiden-ict-portal/international-degree>", "pro:requiredDegreeLevel", "eqf:6",
    ),
    Inferred(
        "ba-level", "BA", LE, "<requirement/leiden-ict-portal/united-states-degree/ba>",
        "pro:degreeLevel", "eqf:6",
    ),
    Inferred(
        "bsc-level", "BSc", LE, "<requirement/leiden-ict-portal/united-states-degree/bsc>",
        "pro:degreeLevel", "eqf:6",
    ),
]  # fmt: skip
INFERRED += [
    Inferred(
        f"degree-level-{i:02d}",
        label,
        TU,
        "?s",
        "pro:degreeLevel",
        "eqf:6" if label.startswith("Bachelor") else "eqf:7",
        f"?s a pro:AcceptedDegree ; pro:sourceLine {93 + i} .",
    )
    for i, (label, _lang, _campuses) in enumerate(FLEMISH_DEGREES, start=1)
]

# Properties no seed page states in words: only the curation graph may hold them.
CONCLUDED_ONLY = (
    PRO.coordinatedBy,
    PRO.degreeLevel,
    PRO.requiredDegreeLevel,
    PRO.occupation,
    PRO.intakeYear,
    ELM.EQFLevel,
    PRO.fieldOfEducation,
    PRO.primaryFieldOfEducation,
    PRO.ror,
)

# Nodes that several sources describe (the programme, its award, organisations, the editors);
# every other node is stated by exactly one source file.
SHARED_CLASSES = (
    PRO.StudyProgramme,
    ELM.Qualification,
    ORG.FormalOrganization,
    ORG.OrganizationalUnit,
    PRO.Consortium,
    PRO.StudyPortal,
    SCHEMA.CollegeOrUniversity,
    PROV.Agent,
)

# Literal properties whose values are the page's own words (each "\n\n"-separated part).
VERBATIM = (
    PRO.sourceText,
    PRO.durationText,
    PRO.studyModeText,
    PRO.highlight,
    PRO.targetAudience,
    PRO.groupSizeNote,
    PRO.deliveryNote,
    PRO.admissionProcedure,
    PRO.condition,
    PRO.requiredField,
    PRO.acronym,
    PRO.degreeAbbreviation,
    PRO.studyLevelText,
    PRO.campus,
    URIRef("http://purl.org/dc/terms/title"),
    URIRef("http://purl.org/dc/terms/description"),
    SKOS.prefLabel,
    SKOS.altLabel,
)


# --------------------------------------------------------------------------------- fixture


@pytest.fixture(scope="module")
def dataset(built_data_dir: Path) -> Dataset:
    """The graph exactly as `prospectus build` published it (its canonical N-Quads)."""
    version = versions.current(built_data_dir)
    assert version is not None
    published = Dataset()
    with literals_as_written():
        published.parse(version.dataset_file, format="nquads")
    return published


def source_iri(slug: str) -> URIRef:
    return URIRef(f"{DATA_BASE}source/{slug}")


def ask(dataset: Dataset, source: str, pattern: str) -> bool:
    query = f"{PROLOGUE}\nASK {{ GRAPH <{source_iri(source)}> {{ {pattern} }} }}"
    return bool(dataset.query(query).askAnswer)


# ------------------------------------------------------------------------------ the facts


def test_fact_table_is_well_formed() -> None:
    ids = [f.id for f in FACTS]
    assert len(ids) == len(set(ids)), "duplicate fact ids"
    assert len(FLEMISH_DEGREES) == 39
    assert len(FACTS) >= 100


@pytest.mark.parametrize("fact", FACTS, ids=[f.id for f in FACTS])
def test_seed_fact(dataset: Dataset, fact: Fact) -> None:
    assert ask(dataset, fact.source, fact.pattern), (
        f"{fact.id}: not found in <source/{fact.source}>\n  page: {fact.page_text}\n"
        f"  pattern: {fact.pattern}"
    )


def test_facts_are_not_found_in_the_wrong_graph(dataset: Dataset) -> None:
    """A fact of one page must not be answerable from another page's graph (a sanity check
    that the ASK really is scoped: Leiden's fee is not in the PIONEER graphs)."""
    fee = next(f for f in FACTS if f.id == "le-fee")
    for other in (P20, TU, CU):
        assert not ask(dataset, other, fee.pattern)


# ------------------------------------------------------------------ what is NOT on the pages


# External namespaces an IRI in a source graph may come from; anything else (a web address of
# a page, a guessed identifier) would be invented.
ALLOWED_NAMESPACES = (
    DATA_BASE,
    str(PRO),
    "https://w3id.org/prospectus/vocab/",
    str(ELM),
    str(SCHEMA),
    str(ORG),
    str(PROV),
    "http://purl.org/dc/terms/",
    str(SKOS),
    str(RDF),
    str(RDFS),
    "http://xmlns.com/foaf/0.1/",
    "http://data.europa.eu/snb/",
    "http://publications.europa.eu/resource/authority/",
    "http://data.europa.eu/esco/occupation/",
    "https://ror.org/",
    str(OWL),  # owl:deprecated on retired data IRIs (curation)
)


def test_nothing_invented(dataset: Dataset) -> None:
    checks = {
        "credits for Leiden": f"{ICT} elm:creditPoint ?c",
        "a test behind an unattributed score": "?s a pro:UnattributedScore ; pro:languageTest ?t",
        "a capture date": "?c a pro:PageCapture ; ?p ?d "
        "FILTER(DATATYPE(?d) IN (xsd:date, xsd:dateTime, xsd:gYearMonth))",
        "a homepage": "?x <http://xmlns.com/foaf/0.1/homepage>|schema:url ?u",
        "a publisher for the unnamed portals": "VALUES ?s { <source/pioneer-portal-2020> "
        "<source/leiden-ict-portal> } ?s dct:publisher ?p",
        "a maximum enrolment": "?x schema:maximumEnrollment ?n",
        "a start date for PIONEER": f"?o pro:offeringOf {PIONEER} ; pro:startDate ?d",
    }
    for what, pattern in checks.items():
        query = f"{PROLOGUE} ASK {{ GRAPH ?g {{ {pattern} }} }}"
        assert not dataset.query(query).askAnswer, f"invented: {what}"
    for s, p, o, g in dataset.quads((None, None, None, None)):
        if not str(g).startswith(f"{DATA_BASE}source/"):
            continue  # the ontology and vocabulary graphs use OWL/RDFS/SKOS freely
        for term in (s, p, o):
            if isinstance(term, URIRef):
                assert str(term).startswith(ALLOWED_NAMESPACES), f"unexpected IRI {term}"


# ------------------------------------------------------------------------------ provenance


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_every_page_segment_has_its_provenance(dataset: Dataset) -> None:
    segments = list(
        dataset.query(f"""{PROLOGUE}
        SELECT ?g ?capture ?file ?sha ?page ?start ?end ?activity WHERE {{ GRAPH ?g {{
            ?g a pro:SourceSegment ; prov:wasDerivedFrom ?capture ; pro:segmentOf ?page ;
               pro:lineStart ?start ; pro:lineEnd ?end ; prov:wasGeneratedBy ?activity .
            ?capture a pro:PageCapture ; pro:seedFile ?file ; pro:sha256 ?sha ;
               prov:wasQuotedFrom ?page .
            ?page a schema:WebPage .
            ?activity a prov:Activity ; prov:used ?capture ;
               prov:wasAssociatedWith <agent/prospectus-editors> .
        }} }}""")
    )
    seeds = sorted(p.name for p in SEEDS_DIR.glob("*.txt"))
    assert sorted(str(row.file) for row in segments) == seeds
    for row in segments:
        seed = SEEDS_DIR / str(row.file)
        assert str(row.sha) == hashlib.sha256(seed.read_bytes()).hexdigest(), row.file
        assert 1 <= int(row.start) <= int(row.end) <= _lines(seed), row.file
    # Every source graph (pages and curation) is one of these or the curation record.
    heads = {URIRef(row.g) for row in segments} | {source_iri(CU)}
    assert set(source_graphs(dataset)) == heads


def test_curation_is_attributed(dataset: Dataset) -> None:
    assert ask(
        dataset,
        CU,
        "<source/curation> a pro:CurationRecord ; prov:wasAttributedTo ?a . ?a a prov:Agent .",
    )


def test_every_fact_bearing_node_comes_from_one_source_file(dataset: Dataset) -> None:
    """One page file states each node; the curation file may add what the editors concluded
    about it, and then only statements named by an inferred note (and the link to the note)."""
    shared = {
        s for s, _, o, _ in dataset.quads((None, RDF.type, None, None)) if o in SHARED_CLASSES
    }
    curation = dataset.graph(source_iri(CU))
    seen: dict[URIRef, set[URIRef]] = {}
    for name in source_graphs(dataset):
        if name == source_iri(CU):
            continue
        for subject in set(dataset.graph(name).subjects()):
            seen.setdefault(subject, set()).add(name)
    twice = {s: g for s, g in seen.items() if s not in shared and len(g) != 1}
    assert not twice, f"nodes stated by several source files: {twice}"
    inferred = {
        (
            curation.value(n, RDF.subject),
            curation.value(n, RDF.predicate),
            curation.value(n, RDF.object),
        )
        for n in curation.subjects(RDF.subject, None)
    }
    for node in set(seen) - shared:
        for s, p, o in curation.triples((node, None, None)):
            assert (s, p, o) in inferred or p == PRO.qualityNote, (
                f"curation.ttl says {p} {o!r} of {s}, a node of a page, without an inferred note"
            )


def source_graphs(dataset: Dataset) -> list[URIRef]:
    """The named graphs of the sources (not the ontology and vocabulary graphs)."""
    return [
        URIRef(g.identifier)
        for g in dataset.graphs()
        if len(g) and str(g.identifier).startswith(f"{DATA_BASE}source/")
    ]


def test_no_blank_nodes(dataset: Dataset) -> None:
    for g in source_graphs(dataset):
        for s, p, o in dataset.graph(g):
            assert not isinstance(s, BNode) and not isinstance(o, BNode), (s, p, o, g)


_SLUG_PATH = re.compile(r"^[a-z]+(/[a-z0-9]+(-[a-z0-9]+)*)+$")


def test_project_iris_are_typed_lower_case_slug_paths(dataset: Dataset) -> None:
    for s, _, o, _ in dataset.quads((None, None, None, None)):
        for term in (s, o):
            if isinstance(term, URIRef) and str(term).startswith(DATA_BASE):
                assert is_data_iri(str(term)), term
                assert _SLUG_PATH.match(str(term)[len(DATA_BASE) :]), term


# ---------------------------------------------------------------- the page's own words


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("•", " ")).strip().casefold()


def test_verbatim_texts_are_on_their_page(dataset: Dataset) -> None:
    """Every literal that claims to be page text occurs in that page's seed file."""
    rows = dataset.query(f"""{PROLOGUE}
        SELECT ?g ?file WHERE {{ GRAPH ?g {{ ?g prov:wasDerivedFrom ?c . ?c pro:seedFile ?file }}
        }}""")
    checked = 0
    for row in rows:
        page = _normalise((SEEDS_DIR / str(row.file)).read_text(encoding="utf-8"))
        graph = dataset.graph(URIRef(row.g))
        for prop in VERBATIM:
            for subject, value in graph.subject_objects(prop):
                if subject == row.g or not isinstance(value, Literal):
                    continue
                for part in str(value).split("\n\n"):
                    assert _normalise(part) in page, f"{row.file}: {prop} of {subject}: {part!r}"
                    checked += 1
    assert checked > 150


# ------------------------------------------------------------ stated and concluded, told apart


@pytest.mark.parametrize("row", INFERRED, ids=[r.id for r in INFERRED])
def test_each_inferred_value_is_marked_as_inferred(dataset: Dataset, row: Inferred) -> None:
    """The statement is the editors': in the curation graph and in no page's graph, named by a
    note of type inferred that gives the rule and the segment, lines and words it is drawn
    from, and hangs on the statement's subject."""
    s, p, o = row.subject, row.predicate, row.object
    evidence = source_iri(row.evidence)
    find = row.find or f"<{evidence}> a pro:SourceSegment ."
    query = f"""{PROLOGUE} ASK {{
        GRAPH <{evidence}> {{ {find} }}
        GRAPH <{source_iri(CU)}> {{
            {s} {p} {o} ; pro:qualityNote ?note .
            ?note a pro:QualityNote ; dct:type qflag:inferred ;
                rdf:subject {s} ; rdf:predicate {p} ; rdf:object {o} ;
                pro:rule ?rule ; rdfs:comment ?comment ; prov:wasDerivedFrom <{evidence}> ;
                pro:sourceLine ?line ; pro:sourceText ?text .
            FILTER (LANG(?rule) = "en" && CONTAINS(STR(?text), "{row.page_text}"))
        }}
        FILTER NOT EXISTS {{ GRAPH ?page {{ {s} {p} {o} }} FILTER (?page != <{source_iri(CU)}>) }}
    }}"""
    assert dataset.query(query).askAnswer, f"{row.id}: {s} {p} {o} is not marked as inferred"


def test_every_inferred_note_is_in_the_table(dataset: Dataset) -> None:
    """No inferred note goes unchecked, and all of them sit in the curation graph."""
    rows = list(
        dataset.query(f"""{PROLOGUE} SELECT DISTINCT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{
            ?n dct:type qflag:inferred ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }} }}""")
    )
    assert {URIRef(r.g) for r in rows} == {source_iri(CU)}
    assert len({(r.s, r.p, r.o) for r in rows}) == len(INFERRED)


def test_pages_never_state_what_only_the_editors_conclude(dataset: Dataset) -> None:
    for name in source_graphs(dataset):
        if name == source_iri(CU):
            continue
        for prop in CONCLUDED_ONLY:
            found = list(dataset.graph(name).triples((None, prop, None)))
            assert not found, f"<{name}> states {prop}: {found[:1]}"


def test_misattributed_and_over_broad_values_are_gone(dataset: Dataset) -> None:
    gone = {
        "KU Leuven's advice to all its students as a PIONEER highlight": f"{PIONEER} "
        'pro:highlight ?h FILTER(CONTAINS(STR(?h), "During your bachelor"))',
        "all of Canada exempt where the page says English-speaking Canada": "?e "
        "pro:exemptCountry country:CAN",
        "a count of KU Leuven's programmes that dropped its Postgrad": "?o "
        "pro:listedProgrammeCount ?n",
        "the unnamed scores attached to the English requirement": "?r a pro:LanguageRequirement"
        " ; pro:unattributedScore ?s",
    }
    for what, pattern in gone.items():
        query = f"{PROLOGUE} ASK {{ GRAPH ?g {{ {pattern} }} }}"
        assert not dataset.query(query).askAnswer, f"still there: {what}"
    assert ask(
        dataset,
        P20,
        '<org/ku-leuven> dct:description ?d FILTER(CONTAINS(STR(?d), "During your bachelor"))',
    )
    region = "<https://w3id.org/prospectus/vocab/region/english-speaking-canada>"
    query = f"""{PROLOGUE} ASK {{ GRAPH ?v {{ {region} skos:broadMatch country:CAN ;
        skos:prefLabel "English-speaking Canada"@en }} }}"""
    assert dataset.query(query).askAnswer
    # The flag for values without their label is used, for the three scores.
    query = (
        f"{PROLOGUE} ASK {{ GRAPH ?g {{ ?s pro:qualityNote/dct:type qflag:unlabelled-value }} }}"
    )
    assert dataset.query(query).askAnswer


def test_retired_iris_point_to_their_successors(dataset: Dataset) -> None:
    for score in ("84", "7", "100"):
        old = f"<requirement/pioneer-topuniversities/english/score-{score}>"
        new = f"<requirement/pioneer-topuniversities/score-{score}>"
        assert ask(dataset, CU, f"{old} owl:deprecated true ; dct:isReplacedBy {new} .")
        assert ask(dataset, TU, f"{new} a pro:UnattributedScore .")
        query = f"{PROLOGUE} ASK {{ GRAPH ?g {{ {old} a ?type }} }}"
        assert not dataset.query(query).askAnswer, f"{old} is retired but still described"


# ------------------------------------------------------------------ where each fact comes from

PROVENANCE_CLASSES = (PRO.SourceSegment, PRO.PageCapture, FOAF.Document, PROV.Activity)


@dataclass(frozen=True)
class Segment:
    iri: URIRef
    start: int
    end: int
    lines: list[str]  # the seed file's lines


def segments(dataset: Dataset) -> dict[URIRef, Segment]:
    rows = dataset.query(f"""{PROLOGUE}
        SELECT ?g ?start ?end ?file WHERE {{ GRAPH ?g {{
            ?g a pro:SourceSegment ; pro:lineStart ?start ; pro:lineEnd ?end ;
                prov:wasDerivedFrom/pro:seedFile ?file }} }}""")
    return {
        URIRef(r.g): Segment(
            URIRef(r.g),
            int(r.start),
            int(r.end),
            (SEEDS_DIR / str(r.file)).read_text(encoding="utf-8").splitlines(),
        )
        for r in rows
    }


def shared_nodes(dataset: Dataset) -> set[URIRef]:
    return {s for s, _, o, _ in dataset.quads((None, RDF.type, None, None)) if o in SHARED_CLASSES}


def own_nodes(dataset: Dataset, segment: URIRef) -> set:
    """The nodes of a segment's graph that belong to it alone (not shared, not provenance)."""
    graph = dataset.graph(segment)
    provenance = {s for cls in PROVENANCE_CLASSES for s in graph.subjects(RDF.type, cls)}
    return set(graph.subjects()) - shared_nodes(dataset) - provenance


def test_every_node_of_a_segment_says_where_on_its_page_it_comes_from(dataset: Dataset) -> None:
    found = segments(dataset)
    assert len(found) == 3
    for segment in found.values():
        graph = dataset.graph(segment.iri)
        for node in own_nodes(dataset, segment.iri):
            assert (node, PROV.wasDerivedFrom, segment.iri) in graph, f"{node}: no segment"
            lines = [int(n) for n in graph.objects(node, PRO.sourceLine)]
            assert lines, f"{node}: no pro:sourceLine"
            assert all(segment.start <= n <= segment.end for n in lines), (node, lines)


def test_every_statement_about_a_shared_node_is_cited(dataset: Dataset) -> None:
    """The programme, its award and organisations gather facts from several pages: each of
    their statements in a page's graph has a pro:Citation with its line(s) in that graph."""
    shared = shared_nodes(dataset)
    checked = 0
    for segment in segments(dataset).values():
        graph = dataset.graph(segment.iri)
        own = own_nodes(dataset, segment.iri)
        cited = {
            (graph.value(c, RDF.subject), graph.value(c, RDF.predicate), graph.value(c, RDF.object))
            for c in graph.subjects(RDF.type, PRO.Citation)
            if (c, PROV.wasDerivedFrom, segment.iri) in graph and (c, PRO.sourceLine, None) in graph
        }
        for s, p, o in graph:
            if s in shared and p != RDF.type and o not in own:
                assert (s, p, o) in cited, f"<{segment.iri}>: no citation of {s} {p} {o!r}"
                checked += 1
        assert cited <= set(graph), "a citation names a statement its graph does not make"
    assert checked > 90


def test_quoted_words_are_on_the_lines_given(dataset: Dataset) -> None:
    """Every verbatim value of a node (or of the statement a citation names) and every
    pro:sourceText is on the lines the node gives, in the capture of its segment."""
    found = segments(dataset)
    checked = 0
    for name in source_graphs(dataset):
        graph = dataset.graph(name)
        for node in set(graph.subjects(PRO.sourceLine)):
            segment = found[URIRef(graph.value(node, PROV.wasDerivedFrom))]
            numbers = sorted(int(n) for n in graph.objects(node, PRO.sourceLine))
            text = _normalise(" ".join(segment.lines[n - 1] for n in numbers))
            values = [v for prop in VERBATIM for v in graph.objects(node, prop)]
            if graph.value(node, RDF.predicate) in VERBATIM:
                values.append(graph.value(node, RDF.object))
            for value in values:
                if not isinstance(value, Literal):
                    continue
                for part in str(value).split("\n\n"):
                    assert _normalise(part) in text, f"{node}: {part!r} is not on lines {numbers}"
                    checked += 1
    assert checked > 300
