"""The ontology (ontology/prospectus.ttl) and the SKOS snapshots (ontology/vocab/*.ttl).

Checks the contract of ontology/README.md: every pro: term used in the ontology, the sources
or the shapes is declared; every declared term is annotated; the header carries the required
metadata; every concept has a label and a declared scheme; score scales are well-formed.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from graph import paths
from graph.iris import ONTOLOGY_IRI, PRO, VOCAB, vocab
from tests.conftest import REF

VANN_PREFIX = URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix")
VANN_URI = URIRef("http://purl.org/vocab/vann/preferredNamespaceUri")
TERM_TYPES = (
    OWL.Class,
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDFS.Datatype,
)
ONTOLOGY = URIRef(ONTOLOGY_IRI)

VOCAB_FILES = sorted(paths.VOCAB_DIR.glob("*.ttl"))
USING_FILES = [
    *sorted(paths.ONTOLOGY_DIR.rglob("*.ttl")),
    *sorted(paths.SOURCES_DIR.glob("*.ttl")),
    *sorted(paths.SHAPES_DIR.glob("*.ttl")),
]
MODEL_DOCS = [paths.ROOT / "docs" / "model.md"]
# `pro:Name` in the model documents: a CURIE of the ontology namespace.
PRO_CURIE = re.compile(r"\bpro:([A-Za-z][A-Za-z0-9]*)\b")


def _parse(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return _parse(paths.ONTOLOGY_FILE)


@pytest.fixture(scope="module")
def vocabularies() -> Graph:
    graph = Graph()
    for path in VOCAB_FILES:
        graph += _parse(path)
    return graph


def _declared(ontology: Graph) -> set[URIRef]:
    return {
        s
        for t in TERM_TYPES
        for s in ontology.subjects(RDF.type, t)
        if isinstance(s, URIRef) and str(s).startswith(str(PRO))
    }


def _pro_terms(graph: Graph) -> set[URIRef]:
    """Every pro: IRI in any position of a triple."""
    return {
        node
        for triple in graph
        for node in triple
        if isinstance(node, URIRef) and str(node).startswith(str(PRO))
    }


@pytest.mark.parametrize("path", USING_FILES, ids=lambda p: str(p.relative_to(paths.ROOT)))
def test_every_pro_term_used_is_declared(path: Path, ontology: Graph) -> None:
    undeclared = _pro_terms(_parse(path)) - _declared(ontology)
    assert not undeclared, f"{path.name} uses undeclared terms: {sorted(undeclared)}"


@pytest.mark.parametrize("path", MODEL_DOCS, ids=lambda p: p.name)
def test_model_terms_are_declared(path: Path, ontology: Graph) -> None:
    """Every pro: term the data-model documents name is declared in the ontology."""
    named = {PRO[name] for name in PRO_CURIE.findall(path.read_text(encoding="utf-8"))}
    assert named, f"{path.name} names no pro: terms"
    missing = named - _declared(ontology)
    assert not missing, f"{path.name} names undeclared terms: {sorted(missing)}"


def test_every_term_has_one_english_label_and_a_definition(ontology: Graph) -> None:
    problems = []
    for term in sorted(_declared(ontology)):
        labels = [o for o in ontology.objects(term, RDFS.label) if _english(o)]
        if len(labels) != 1:
            problems.append(f"{term}: {len(labels)} rdfs:label @en (expected 1)")
        if not any(_english(o) for o in ontology.objects(term, SKOS.definition)):
            problems.append(f"{term}: no skos:definition @en")
    assert not problems, "\n".join(problems)


def _english(node: object) -> bool:
    return isinstance(node, Literal) and node.language == "en"


def test_properties_have_known_kinds(ontology: Graph) -> None:
    """A declared term is exactly one of class, datatype, object or datatype property."""
    kinds = {t: set(ontology.subjects(RDF.type, t)) for t in TERM_TYPES}
    for term in _declared(ontology):
        assert sum(term in members for members in kinds.values()) == 1, term


def test_datatype_properties_have_datatype_ranges(ontology: Graph) -> None:
    object_ranges = {OWL.Class, RDFS.Class}
    for prop in ontology.subjects(RDF.type, OWL.DatatypeProperty):
        for rng in ontology.objects(prop, RDFS.range):
            assert not (set(ontology.objects(rng, RDF.type)) & object_ranges), (prop, rng)
            assert str(rng).startswith((str(XSD), str(RDF), str(PRO))), (prop, rng)


def test_header(ontology: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in ontology
    for prop in (DCTERMS.title, DCTERMS.description):
        assert any(_english(o) for o in ontology.objects(ONTOLOGY, prop)), prop
    assert ontology.value(ONTOLOGY, OWL.versionIRI) == URIRef(ONTOLOGY_IRI + "/0.2.0")
    assert str(ontology.value(ONTOLOGY, OWL.versionInfo)) == "0.2.0"
    assert ontology.value(ONTOLOGY, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    for prop in (DCTERMS.creator, DCTERMS.created, DCTERMS.modified):
        assert ontology.value(ONTOLOGY, prop) is not None, prop
    assert str(ontology.value(ONTOLOGY, VANN_PREFIX)) == "pro"
    assert str(ontology.value(ONTOLOGY, VANN_URI)) == str(PRO)


def test_no_network_imports(ontology: Graph, vocabularies: Graph) -> None:
    assert not list((ontology + vocabularies).triples((None, OWL.imports, None)))


def test_alignments_of_the_contract(ontology: Graph) -> None:
    elm = "http://data.europa.eu/snb/model/elm/"
    schema = "http://schema.org/"
    assert (PRO.StudyProgramme, RDFS.subClassOf, URIRef(elm + "LearningOpportunity")) in ontology
    assert (
        PRO.StudyProgramme,
        SKOS.closeMatch,
        URIRef(schema + "EducationalOccupationalProgram"),
    ) in ontology
    assert (PRO.TuitionFee, RDFS.subClassOf, URIRef(elm + "PriceDetail")) in ontology
    assert (PRO.hasComponent, RDFS.subPropertyOf, URIRef(elm + "hasPart")) in ontology
    # A typical group size is not a maximum enrolment: no equivalence, no sub-property.
    max_enrolment = URIRef(schema + "maximumEnrollment")
    for prop in (OWL.equivalentProperty, RDFS.subPropertyOf, SKOS.exactMatch, SKOS.closeMatch):
        assert (PRO.typicalGroupSize, prop, max_enrolment) not in ontology
    assert "maximumEnrollment" in str(ontology.value(PRO.typicalGroupSize, SKOS.definition))


def test_reused_elm_terms_exist(ontology: Graph) -> None:
    """Every elm: term the ontology points to is defined in the ELM 3.1 ontology."""
    elm_file = REF / "elm" / "ELM.ttl"
    elm = _parse(elm_file)
    used = {
        node
        for triple in ontology
        for node in triple
        if isinstance(node, URIRef) and str(node).startswith("http://data.europa.eu/snb/model/elm/")
    }
    missing = {term for term in used if (term, RDF.type, None) not in elm}
    assert not missing, f"not in {elm_file.name}: {sorted(missing)}"


def _concepts(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, SKOS.Concept) if isinstance(s, URIRef)}


def test_every_concept_has_an_english_label_and_a_declared_scheme(vocabularies: Graph) -> None:
    schemes = set(vocabularies.subjects(RDF.type, SKOS.ConceptScheme))
    problems = []
    for concept in sorted(_concepts(vocabularies)):
        english = [o for o in vocabularies.objects(concept, SKOS.prefLabel) if _english(o)]
        if len(english) != 1:
            problems.append(f"{concept}: {len(english)} skos:prefLabel @en (expected 1)")
        in_schemes = set(vocabularies.objects(concept, SKOS.inScheme))
        if not in_schemes or not in_schemes <= schemes:
            problems.append(f"{concept}: not in a declared skos:ConceptScheme")
    for scheme in schemes:
        if not any(_english(o) for o in vocabularies.objects(scheme, SKOS.prefLabel)):
            problems.append(f"{scheme}: scheme without skos:prefLabel @en")
    assert not problems, "\n".join(problems)


def test_one_pref_label_per_language(vocabularies: Graph) -> None:
    for concept in _concepts(vocabularies):
        languages = [o.language for o in vocabularies.objects(concept, SKOS.prefLabel)]
        assert len(languages) == len(set(languages)), concept


def test_project_concepts_follow_the_iri_pattern(vocabularies: Graph) -> None:
    for concept in _concepts(vocabularies):
        if not str(concept).startswith(str(VOCAB)):
            continue
        scheme = vocabularies.value(concept, SKOS.inScheme)
        code = str(concept).rsplit("/", 1)[1]
        assert concept == URIRef(f"{scheme}/{code}"), concept


def test_score_scales(vocabularies: Graph) -> None:
    scales = set(vocabularies.subjects(SKOS.inScheme, vocab("score-scale")))
    assert {
        vocab("score-scale", c) for c in ("ielts-band", "toefl-ibt", "cambridge-english-scale")
    } <= scales
    for scale in scales:
        values = {}
        for name in ("scaleMinimum", "scaleMaximum", "scaleStep"):
            literal = vocabularies.value(scale, PRO[name])
            assert isinstance(literal, Literal), f"{scale}: no pro:{name}"
            assert literal.datatype == XSD.decimal, f"{scale}: pro:{name} is not xsd:decimal"
            values[name] = Decimal(str(literal))
        assert values["scaleMinimum"] < values["scaleMaximum"], scale
        assert values["scaleStep"] > 0, scale
        span = (values["scaleMaximum"] - values["scaleMinimum"]) / values["scaleStep"]
        assert span == span.to_integral_value(), f"{scale}: the maximum is not on a step"


def test_every_language_test_has_a_scale(vocabularies: Graph) -> None:
    tests = set(vocabularies.subjects(SKOS.inScheme, vocab("language-test")))
    assert tests
    for test in tests:
        scale = vocabularies.value(test, PRO.scoreScale)
        assert (scale, SKOS.inScheme, vocab("score-scale")) in vocabularies, test


def test_ielts_is_half_bands(vocabularies: Graph) -> None:
    band = vocab("score-scale", "ielts-band")
    assert Decimal(str(vocabularies.value(band, PRO.scaleMaximum))) == Decimal(9)
    assert Decimal(str(vocabularies.value(band, PRO.scaleStep))) == Decimal("0.5")


def test_vocabulary_concepts_the_sources_use_are_shipped(vocabularies: Graph) -> None:
    """Every vocabulary IRI a source points to is a shipped concept (or scheme)."""
    known = _concepts(vocabularies) | set(vocabularies.subjects(RDF.type, SKOS.ConceptScheme))
    prefixes = (
        str(VOCAB),
        "http://data.europa.eu/snb/",
        "http://data.europa.eu/esco/",
        "http://publications.europa.eu/resource/authority/",
    )
    for path in sorted(paths.SOURCES_DIR.glob("*.ttl")):
        graph = _parse(path)
        used = {
            o
            for o in graph.objects()
            if isinstance(o, URIRef)
            and str(o).startswith(prefixes)
            and not str(o).startswith("http://data.europa.eu/snb/model/")
        }
        missing = used - known
        assert not missing, f"{path.name} points to concepts not shipped: {sorted(missing)}"


def test_elm_scheme_iris_match_the_elm_shapes(vocabularies: Graph) -> None:
    """The schemes the ELM MDR shapes test with skos:inScheme are the ones our concepts use."""
    shapes = _parse(REF / "elm" / "LOQ-constraints-mdr.ttl")
    sh_has_value = URIRef("http://www.w3.org/ns/shacl#hasValue")
    expected = set(shapes.objects(None, sh_has_value))
    used = set(vocabularies.objects(None, SKOS.inScheme))
    for scheme in ("eqf", "isced-f", "education-credit", "learning-setting",
                   "learning-opportunity", "qdr"):  # fmt: skip
        iri = URIRef(f"http://data.europa.eu/snb/{scheme}/25831c2")
        assert iri in used, iri
    for table in ("country", "currency", "language"):
        iri = URIRef(f"http://publications.europa.eu/resource/authority/{table}")
        assert iri in used and iri in expected, iri
    assert URIRef("http://data.europa.eu/snb/eqf/25831c2") in expected


@pytest.mark.parametrize("fmt", ["turtle", "trig", "nquads", "json-ld"])
def test_survives_a_round_trip(fmt: str, ontology: Graph, vocabularies: Graph) -> None:
    """Dumps re-serialise these graphs: literals must keep their lexical form (9.0, not 9)."""
    for graph in (ontology, vocabularies):
        if fmt in ("trig", "nquads"):
            dataset = Dataset()
            named = dataset.graph(ONTOLOGY)
            named += graph
            again = Dataset()
            again.parse(data=dataset.serialize(format=fmt), format=fmt)
            result = again.graph(ONTOLOGY)
        else:
            result = Graph().parse(data=graph.serialize(format=fmt), format=fmt)
        assert len(result) == len(graph), fmt
        assert isomorphic(result, graph), fmt


def test_no_blank_nodes(ontology: Graph, vocabularies: Graph) -> None:
    """Every node is named, so that the sources' no-blank-node rule holds for the union too."""
    for graph in (ontology, vocabularies):
        for triple in graph:
            assert not any(isinstance(node, BNode) for node in triple), triple
