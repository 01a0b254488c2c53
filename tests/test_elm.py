"""The ELM export: generated from the canonical graph, conforming to the LOQ and EDC shapes."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD
from rdflib.term import Node

from graph import versions
from graph.build import reference
from graph.build.pipeline import WRITERS
from graph.build.writers.elm.builder import PageUrls, Projection
from graph.build.writers.elm.projection import project
from graph.build.writers.elm.write import ELM_FILE
from graph.iris import ELM, PRO, SCHEMA
from tests.conftest import PROSPECTUS, REF, ROOT
from tests.support.publishing import copy_graph, publish_fixture

BASE = "https://w3id.org/prospectus/id/"
PIONEER = URIRef(BASE + "programme/kuleuven/pioneer")
LEIDEN = URIRef(BASE + "programme/leiden/ict-in-the-public-sector")
QDR = "http://data.europa.eu/snb/qdr/"
SH = "http://www.w3.org/ns/shacl#"


@pytest.fixture(scope="module")
def projection(built_data_dir: Path) -> Projection:
    version = versions.current(built_data_dir)
    assert version is not None
    data = versions.read_union(version.path)
    return project(data, PageUrls("https://p.example.org", BASE))


def test_every_programme_is_exported_and_conforms(projection: Projection) -> None:
    assert set(projection.programmes) == {PIONEER, LEIDEN}
    assert projection.skipped == {}
    report = reference.check_elm(projection.graph, REF)
    assert [v.render() for v in report.violations] == []


def test_offer_and_specification_are_split(projection: Projection) -> None:
    g = projection.graph
    for programme in (PIONEER, LEIDEN):
        assert (programme, RDF.type, ELM.LearningOpportunity) in g
        spec = g.value(programme, ELM.learningAchievementSpecification)
        assert (spec, RDF.type, ELM.Qualification) in g
        assert g.value(spec, ELM.EQFLevel) == URIRef("http://data.europa.eu/snb/eqf/7")
        assert len(list(g.objects(programme, DCTERMS.title))) == 1
        homepage = g.value(programme, FOAF.homepage)
        assert (
            str(g.value(homepage, ELM.contentUrl))
            == "https://p.example.org/doc/" + str(programme)[len(BASE) :]
        )


def test_pioneer_facts(projection: Projection) -> None:
    g = projection.graph
    spec = g.value(PIONEER, ELM.learningAchievementSpecification)
    providers = {str(o).rsplit("/", 1)[-1] for o in g.objects(PIONEER, ELM.providedBy)}
    assert providers == {"ku-leuven", "university-of-munster", "taltech"}
    assert {str(o)[len(QDR) :] for o in g.objects(spec, ELM.NQFLevel)} == {
        "c_95fec238",
        "c_184f7fed",
        "c_9173237a",
    }
    assert {str(o).rsplit("/", 1)[-1] for o in g.objects(spec, ELM.ISCEDFCode)} == {"0688", "0413"}
    credits = [
        (g.value(c, ELM.framework), str(g.value(c, ELM.point)))
        for c in g.objects(spec, ELM.creditPoint)
    ]
    assert credits == [(URIRef("http://data.europa.eu/snb/education-credit/6fcec5c5af"), "120")]
    assert Literal("2026-07-01T23:59:59", datatype=XSD.dateTime) in set(
        g.objects(PIONEER, ELM.applicationDeadline)
    )
    assert g.value(PIONEER, ELM.defaultLanguage) == URIRef(
        "http://publications.europa.eu/resource/authority/language/ENG"
    )
    parts = set(g.objects(PIONEER, ELM.hasPart))
    assert len(parts) == 4
    thesis = next(p for p in parts if str(p).endswith("semester-4"))
    assert len(set(g.objects(thesis, ELM.hasPart))) == 2  # the two thesis tracks
    for part in parts:
        assert (part, RDF.type, ELM.LearningOpportunity) in g
        assert g.value(part, ELM.learningAchievementSpecification) is not None
    assert g.value(PIONEER, ELM.grant) is not None
    assert len(list(g.objects(spec, ELM.learningOutcome))) >= 1


def test_leiden_fee_start_and_language(projection: Projection) -> None:
    g = projection.graph
    detail = g.value(LEIDEN, ELM.priceDetail)
    amount = g.value(detail, ELM.amount)
    value = g.value(amount, RDF.value)
    assert isinstance(value, Literal) and value.datatype == XSD.decimal
    assert value.toPython() == Decimal("18016")
    assert g.value(amount, ELM.unit) == URIRef(
        "http://publications.europa.eu/resource/authority/currency/EUR"
    )
    assert "per year" in str(
        g.value(detail, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"))
    )
    period = g.value(LEIDEN, DCTERMS.temporal)
    assert g.value(period, ELM.startDate) == Literal("2022-09-01T00:00:00", datatype=XSD.dateTime)
    # No teaching language is stated: the language of the language requirement is used.
    assert g.value(LEIDEN, ELM.defaultLanguage) == URIRef(
        "http://publications.europa.eu/resource/authority/language/ENG"
    )
    spec = g.value(LEIDEN, ELM.learningAchievementSpecification)
    assert {str(o)[len(QDR) :] for o in g.objects(spec, ELM.NQFLevel)} == {"c_478359fc"}


@pytest.mark.parametrize("breakage", ["no-homepage", "foreign-property", "no-nqf", "bad-url"])
def test_the_shapes_catch_a_broken_export(projection: Projection, breakage: str) -> None:
    g = copy_graph(projection.graph)
    spec = g.value(PIONEER, ELM.learningAchievementSpecification)
    if breakage == "no-homepage":
        g.remove((PIONEER, FOAF.homepage, None))
    elif breakage == "foreign-property":  # LOQ shapes are closed
        g.add((PIONEER, SCHEMA.name, Literal("PIONEER")))
    elif breakage == "no-nqf":
        g.remove((spec, ELM.NQFLevel, None))
    else:
        homepage = g.value(PIONEER, FOAF.homepage)
        g.set((homepage, ELM.contentUrl, Literal("not a url", datatype=XSD.anyURI)))
    assert reference.check_elm(g, REF).violations


def test_loq_shapes_are_patched_to_load() -> None:
    shapes = reference.loq_shapes(REF)
    patterns = [str(o) for o in shapes.objects(None, URIRef(SH + "pattern"))]
    assert patterns
    for pattern in patterns:
        assert "\\p{" not in pattern and "(?i)" not in pattern
        re.compile(pattern)
    assert Literal("i") in set(shapes.objects(None, URIRef(SH + "flags")))
    url = [p for p in patterns if p.startswith("^(http|https)")][0]
    assert re.match(url, "https://p.example.org/doc/programme/kuleuven/pioneer")
    assert re.match(url, "HTTP://EXAMPLE.ORG/x", re.IGNORECASE)


def test_published_version_holds_the_elm_dump(built_data_dir: Path) -> None:
    version = versions.current(built_data_dir)
    record = next(d for d in version.manifest["dumps"] if d["file"] == ELM_FILE)
    data = (version.path / "dumps" / ELM_FILE).read_bytes()
    assert record["dataset"] == "elm"
    assert record["bytes"] == len(data)
    assert record["sha256"] == hashlib.sha256(data).hexdigest()
    graph = Graph().parse(data=data, format="turtle")
    assert reference.check_elm(graph, REF).violations == []
    assert set(version.manifest["elm"]["programmes"]) == {str(PIONEER), str(LEIDEN)}


def test_cli_export_matches_the_published_dump(built_data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "elm.ttl"
    result = subprocess.run(
        [PROSPECTUS, "export", "elm", "--output", str(out), "--reference-shapes", str(REF)],
        env={**os.environ, "PROSPECTUS_DATA_DIR": str(built_data_dir)},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert f"conforms to the official ELM shapes in {REF.resolve()}" in result.stderr
    published = versions.current(built_data_dir).path / "dumps" / ELM_FILE
    # The build writes the export in batches, the command in one piece: the same graph.
    assert _canonical(out.read_bytes()) == _canonical(published.read_bytes())


def _canonical(turtle: bytes) -> list[str]:
    """A Turtle document's triples, blank nodes relabelled (RDFC-1.0), sorted."""
    triples = ox.parse(turtle, format=ox.RdfFormat.TURTLE)
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(str(q) for q in dataset)


def test_cli_export_formats_and_public_url(built_data_dir: Path) -> None:
    result = subprocess.run(
        [PROSPECTUS, "export", "elm", "--format", "jsonld", "--no-validate"],
        env={
            **os.environ,
            "PROSPECTUS_DATA_DIR": str(built_data_dir),
            "PROSPECTUS_PUBLIC_URL": "https://p.example.org",
        },
        capture_output=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    graph = Graph().parse(data=result.stdout, format="json-ld")
    homepage = graph.value(PIONEER, FOAF.homepage)
    assert (
        str(graph.value(homepage, ELM.contentUrl))
        == "https://p.example.org/doc/programme/kuleuven/pioneer"
    )


def test_programmes_ELM_cannot_describe_are_left_out_and_said(tmp_path: Path) -> None:
    version = publish_fixture(tmp_path / "data", writers=WRITERS)
    skipped = version.manifest["elm"]["skipped"]
    assert list(skipped) == [BASE + "programme/example/msc-example"]
    assert "field of education" in skipped[BASE + "programme/example/msc-example"]
    result = subprocess.run(
        [PROSPECTUS, "export", "elm"],
        env={**os.environ, "PROSPECTUS_DATA_DIR": str(tmp_path / "data")},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "left out https://w3id.org/prospectus/id/programme/example/msc-example" in result.stderr


# --- the official shapes are optional ----------------------------------------------------------

STRICTER_SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix elm: <http://data.europa.eu/snb/model/elm/> .
<urn:test:stricter> a sh:NodeShape ;
    sh:targetClass elm:LearningOpportunity ;
    sh:property [ sh:path elm:isPartialQualification ; sh:minCount 1 ;
                  sh:message "a stricter profile asks for this" ] .
"""


def stricter_reference(tmp_path: Path) -> Path:
    """The official files, with one more constraint every programme fails."""
    root = tmp_path / "reference"
    shutil.copytree(REF / "elm", root / "elm")
    with (root / "elm" / "LOQ-constraints-mdr.ttl").open("a", encoding="utf-8") as fh:
        fh.write(STRICTER_SHAPE)
    return root


def test_build_checks_the_elm_export_only_when_given_the_official_shapes(tmp_path: Path) -> None:
    unchecked = publish_fixture(tmp_path / "plain", writers=WRITERS)
    assert unchecked.manifest["elm"]["checked"] is False
    checked = publish_fixture(tmp_path / "checked", writers=WRITERS, reference_dir=REF)
    assert checked.manifest["elm"]["checked"] is True


def test_an_elm_export_the_official_shapes_refuse_stops_the_build(tmp_path: Path) -> None:
    from graph import settings
    from graph.build.pipeline import build
    from graph.errors import PublishError

    data_dir = tmp_path / "data"
    first = publish_fixture(data_dir, writers=WRITERS)
    strict = settings.load(
        {"data_dir": str(data_dir), "reference_shapes_dir": str(stricter_reference(tmp_path))},
        environ={},
    )
    with pytest.raises(PublishError, match="a stricter profile asks for this"):
        build(strict)
    assert versions.current(data_dir).id == first.id
    assert [v.id for v in versions.retained(data_dir)] == [first.id]


def test_export_without_the_official_shapes_says_it_did_not_check(built_data_dir: Path) -> None:
    result = subprocess.run(
        [PROSPECTUS, "export", "elm"],
        env={**os.environ, "PROSPECTUS_DATA_DIR": str(built_data_dir)},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "not checked against the official ELM shapes" in result.stderr
    assert "reference_shapes_dir" in result.stderr
    assert (PIONEER, RDF.type, ELM.LearningOpportunity) in Graph().parse(
        data=result.stdout, format="turtle"
    )


def test_export_refused_by_the_official_shapes_exits_1(
    built_data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "elm.ttl"
    result = subprocess.run(
        [PROSPECTUS, "export", "elm", "-o", str(out)],
        env={
            **os.environ,
            "PROSPECTUS_DATA_DIR": str(built_data_dir),
            "PROSPECTUS_REFERENCE_SHAPES_DIR": str(stricter_reference(tmp_path)),
        },
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 1, result.stderr
    assert "a stricter profile asks for this" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists(), "nothing is written"


def test_a_reference_folder_lacking_files_is_named(built_data_dir: Path, tmp_path: Path) -> None:
    incomplete = tmp_path / "reference"
    (incomplete / "elm").mkdir(parents=True)
    shutil.copy(REF / "elm" / "LOQ-constraints.ttl", incomplete / "elm")
    result = subprocess.run(
        [PROSPECTUS, "export", "elm", "--reference-shapes", str(incomplete)],
        env={**os.environ, "PROSPECTUS_DATA_DIR": str(built_data_dir)},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "reference_shapes_dir" in result.stderr
    assert "elm/LOQ-constraints-mdr.ttl" in result.stderr and "elm/ELM.ttl" in result.stderr
    assert "elm/LOQ-constraints.ttl," not in result.stderr, "only the missing files are named"


# --- the export carries the sources' literals as written ---------------------------------------


def test_literals_copied_from_the_sources_keep_their_lexical_form(built_data_dir: Path) -> None:
    from graph.build.release import read_release
    from graph.build.validate import union
    from graph.canonical import literals_as_written
    from tests.support.publishing import term

    with literals_as_written():
        sources = union(read_release().dataset)
        export = Graph().parse(
            versions.current(built_data_dir).path / "dumps" / ELM_FILE, format="turtle"
        )
    copied = 0
    for s, p, o in export:
        if isinstance(o, Literal) and isinstance(s, URIRef) and (s, p, None) in sources:
            assert term(o) in {term(v) for v in sources.objects(s, p)}, (s, p, o)
            copied += 1
    assert copied > 20
    durations = {term(o) for o in export.objects(PIONEER, ELM.duration)}
    assert durations <= {term(o) for o in sources.objects(PIONEER, ELM.duration)}
    assert all(t[1] in ("P24M", "P2Y") for t in durations)
    fee = export.value(export.value(LEIDEN, ELM.priceDetail), ELM.amount)
    stated = {term(o) for o in sources.objects(None, PRO.amount)}
    assert term(export.value(fee, RDF.value)) in stated, "the fee as the page gave it"


# -- what the export chose and derived, recorded in the export --------------------------------


PROV = "http://www.w3.org/ns/prov#"
QFLAG = "https://w3id.org/prospectus/vocab/quality-flag/"
EXPORT = URIRef(BASE + "dataset/prospectus-elm")


def notes(graph: Graph, flag: str) -> list[tuple[Node, Node, Node, str, set[Node]]]:
    """(subject, predicate, object, rule, made from) of the export's notes of one type."""
    found = []
    for note in graph.objects(EXPORT, PRO.qualityNote):
        if (note, DCTERMS.type, URIRef(QFLAG + flag)) not in graph:
            continue
        s, p, o = (graph.value(note, RDF[n]) for n in ("subject", "predicate", "object"))
        rule = graph.value(note, PRO.rule)
        made = set(graph.objects(note, URIRef(PROV + "wasDerivedFrom")))
        found.append((s, p, o, str(rule), made))
    return found


def test_title_and_description_come_from_the_newest_source(projection: Projection) -> None:
    g = projection.graph
    # The 2020 page's title and description are stale; TopUniversities (undated, read in
    # 2026) is the newest source that gives them.
    assert list(g.objects(PIONEER, DCTERMS.title)) == [
        Literal(
            "Erasmus Mundus Master of Science in Public Sector Innovation and eGovernance",
            lang="en",
        )
    ]
    (description,) = g.objects(PIONEER, DCTERMS.description)
    assert "unique, interuniversity and interdisciplinary programme" in str(description)
    chosen = {(s, p): (o, made) for s, p, o, _rule, made in notes(g, "selected")}
    topuniversities = URIRef(BASE + "source/pioneer-topuniversities")
    for prop, value in ((DCTERMS.title, None), (DCTERMS.description, description)):
        o, made = chosen[(PIONEER, prop)]
        assert made == {topuniversities}
        assert value is None or o == value
    # Said in words, in ELM itself.
    words = " ".join(
        str(g.value(n, ELM.noteLiteral)) for n in g.objects(PIONEER, ELM.additionalNote)
    )
    assert "Title as stated by PIONEER on TopUniversities" in words
    assert "the newest of the 2 sources" in words


def test_derived_values_are_recorded_in_the_export(projection: Projection) -> None:
    g = projection.graph
    derived = notes(g, "derived")
    for s, p, o, rule, made in derived + notes(g, "selected") + notes(g, "inferred"):
        assert (s, p, o) in g, f"a note names {s} {p} {o}, which the export does not state"
        assert rule and made, (s, p, o)
    by_property: dict[Node, list] = {}
    for s, p, o, rule, made in derived:
        by_property.setdefault(p, []).append((s, o, rule, made))
    # Deadlines as 23:59:59, from the deadline nodes.
    deadline = Literal("2026-07-01T23:59:59", datatype=XSD.dateTime)
    (s, o, rule, made) = next(d for d in by_property[ELM.applicationDeadline] if d[1] == deadline)
    assert s == PIONEER and "23:59:59" in rule
    assert URIRef(BASE + "deadline/pioneer-topuniversities/headline") in made
    # Leiden's teaching language, from its language requirements.
    language = [d for d in by_property[ELM.defaultLanguage] if d[0] == LEIDEN]
    assert language and all("language requirement" in d[2] for d in language)
    assert {URIRef(BASE + "requirement/leiden-ict-portal/international-english")} <= language[0][3]
    # NQF levels, from the EQF level and the providers' countries.
    spec = g.value(PIONEER, ELM.learningAchievementSpecification)
    nqf = {o for s, o, _rule, _made in by_property[ELM.NQFLevel] if s == spec}
    assert nqf == set(g.objects(spec, ELM.NQFLevel))
    # The start date-time of Leiden's intake.
    period = g.value(LEIDEN, DCTERMS.temporal)
    assert any(s == period for s, *_rest in by_property[ELM.startDate])
    # The EQF level is the editors' conclusion: their note travels with it.
    inferred = notes(g, "inferred")
    assert (spec, ELM.EQFLevel, URIRef("http://data.europa.eu/snb/eqf/7")) in {
        (s, p, o) for s, p, o, *_rest in inferred
    }
    # The export says which graphs it was made from.
    sources = set(g.objects(EXPORT, URIRef(PROV + "wasDerivedFrom")))
    assert {str(s).rsplit("/", 1)[-1] for s in sources} == {
        "pioneer-portal-2020",
        "pioneer-topuniversities",
        "leiden-ict-portal",
        "curation",
    }


def test_parts_the_editors_concluded_are_left_out(projection: Projection) -> None:
    internship = URIRef(BASE + "component/leiden-ict-portal/in-company-research-thesis-internship")
    assert (internship, None, None) not in projection.graph
    assert not list(projection.graph.objects(LEIDEN, ELM.hasPart))
