"""The concepts of the project's schemes the generator draws from, and the EU concepts it uses
beyond the bundled vocabulary snapshot (added to the vocabulary graph it writes)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from .. import iris
from ..iris import EQF, EU_COUNTRY, EU_CURRENCY, EU_LANGUAGE, ISCED_F, PRO
from .tables import (
    COUNTRIES,
    ECTS,
    EUR,
    FIELDS,
    FULL_TIME,
    INTERNSHIP,
    LANGUAGES,
    MODES,
    MODULE,
    SNB,
    THESIS,
)
from .terms import nt_iri


@dataclass(frozen=True)
class Vocab:
    """Concepts of the project schemes the generator draws from (read from the vocab graph)."""

    kinds: dict[str, str]
    teaching: list[str]
    international: str | None  # the applicant group of a second, international fee
    tests: list[tuple[str, float, float, float]]  # (concept, min, max, step)

    @classmethod
    def read(cls, vocab: Graph) -> Vocab:
        def members(scheme: str) -> list[URIRef]:
            found = vocab.subjects(SKOS.inScheme, iris.vocab(scheme))
            return sorted(c for c in found if isinstance(c, URIRef))

        kinds = {str(c).rsplit("/", 1)[-1]: nt_iri(c) for c in members("programme-kind")}
        international = iris.vocab("applicant-group", "international")
        tests = []
        for test in members("language-test"):
            scale = vocab.value(test, PRO.scoreScale)
            if scale is None:
                continue
            low, high = vocab.value(scale, PRO.scaleMinimum), vocab.value(scale, PRO.scaleMaximum)
            step = vocab.value(scale, PRO.scaleStep)
            if not isinstance(low, Literal) or not isinstance(high, Literal):
                continue
            size = float(step) if isinstance(step, Literal) and step else 1.0
            tests.append((nt_iri(test), float(low), float(high), size))
        return cls(
            kinds=kinds,
            teaching=[nt_iri(c) for c in members("teaching-method")],
            international=nt_iri(international)
            if (international, SKOS.inScheme, None) in vocab
            else None,
            tests=tests,
        )


def extra_concepts(vocab: Graph) -> Graph:
    """EU concepts the synthetic data uses that the bundled vocabulary snapshot lacks."""
    extra = Graph()

    def scheme_of(namespace: str, fallback: str) -> URIRef:
        for concept, scheme in vocab.subject_objects(SKOS.inScheme):
            if str(concept).startswith(namespace) and isinstance(scheme, URIRef):
                return scheme
        return URIRef(fallback)

    def add(concept: URIRef, label: str, scheme: URIRef) -> None:
        if (concept, SKOS.prefLabel, None) in vocab:
            return
        extra.add((concept, RDF.type, SKOS.Concept))
        extra.add((concept, SKOS.prefLabel, Literal(label, lang="en")))
        extra.add((concept, SKOS.inScheme, scheme))

    countries = scheme_of(str(EU_COUNTRY), str(EU_COUNTRY).rstrip("/"))
    languages = scheme_of(str(EU_LANGUAGE), str(EU_LANGUAGE).rstrip("/"))
    fields = scheme_of(str(ISCED_F), str(ISCED_F) + "25831c2")
    for code, name, *_rest in COUNTRIES:
        add(EU_COUNTRY[code], name, countries)
    for code, name in LANGUAGES.items():
        add(EU_LANGUAGE[code], name, languages)
    for code, name, *_rest in FIELDS:
        add(ISCED_F[code], name, fields)
    for concept, label, _weight in MODES:
        add(concept, label, URIRef(SNB + "learning-assessment/25831c2"))
    add(FULL_TIME, "Full time", URIRef(SNB + "learning-schedule/25831c2"))
    for concept, label in (
        (MODULE, "Programme module"),
        (THESIS, "Thesis"),
        (INTERNSHIP, "Internship"),
    ):
        add(concept, label, URIRef(SNB + "learning-opportunity/25831c2"))
    add(
        ECTS,
        "European Credit Transfer and Accumulation System",
        URIRef(SNB + "education-credit/25831c2"),
    )
    add(EQF["6"], "Level 6", URIRef(SNB + "eqf/25831c2"))
    add(EQF["7"], "Level 7", URIRef(SNB + "eqf/25831c2"))
    add(EUR, "Euro", scheme_of(str(EU_CURRENCY), str(EU_CURRENCY).rstrip("/")))
    return extra
