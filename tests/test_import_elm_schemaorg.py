"""`prospectus import elm` and `prospectus import schemaorg` from real HTTP servers on
127.0.0.1, then build and serve: the ELM round trip of our own export, and one programme page
in each of JSON-LD, microdata and RDFa."""

# ruff: noqa: E501 (the fixture pages are HTML written one element a line)

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF
from SPARQLWrapper import JSON, SPARQLWrapper

from .support import cli
from .support.static_server import StaticServer

PRO = "https://w3id.org/prospectus/ontology#"
ELM = "http://data.europa.eu/snb/model/elm/"
ROV = "http://www.w3.org/ns/regorg#"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return cli.prospectus(*args, env=env)


def facts_of_export(export: Graph) -> dict[str, dict]:
    """Per programme title: what the round trip must give back, read from the ELM export."""
    found = {}
    for lo in export.subjects(
        URIRef(DCTERMS.type), URIRef("http://data.europa.eu/snb/learning-opportunity/79343569f3")
    ):
        spec = export.value(lo, URIRef(ELM + "learningAchievementSpecification"))
        title = str(export.value(lo, DCTERMS.title))
        found[title] = {
            "providers": {
                str(export.value(o, URIRef(ROV + "legalName")))
                for o in export.objects(lo, URIRef(ELM + "providedBy"))
            },
            "credits": {
                float(export.value(c, URIRef(ELM + "point")))
                for c in export.objects(spec, URIRef(ELM + "creditPoint"))
            },
            "eqf": set(export.objects(spec, URIRef(ELM + "EQFLevel"))),
            "isced": set(export.objects(spec, URIRef(ELM + "ISCEDFCode"))),
            "language": set(export.objects(lo, URIRef(ELM + "defaultLanguage"))),
            "homepage": {
                str(export.value(p, URIRef(ELM + "contentUrl")))
                for p in export.objects(lo, FOAF.homepage)
            },
        }
    return found


QUERY = f"""PREFIX pro: <{PRO}> PREFIX elm: <{ELM}> PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX foaf: <http://xmlns.com/foaf/0.1/>
SELECT ?title ?provider ?credits ?eqf ?isced ?language ?homepage WHERE {{
  ?p a pro:StudyProgramme ; dct:title ?title ; elm:providedBy/skos:prefLabel ?provider .
  OPTIONAL {{ ?p elm:creditPoint/rdf:value ?credits }}
  OPTIONAL {{ ?p pro:awards/elm:EQFLevel ?eqf }}
  OPTIONAL {{ ?p pro:fieldOfEducation ?isced }}
  OPTIONAL {{ ?p elm:defaultLanguage ?language }}
  OPTIONAL {{ ?p foaf:homepage ?homepage }}
}}"""


def facts_served(url: str) -> dict[str, dict]:
    sparql = SPARQLWrapper(url + "/sparql")
    sparql.setQuery(
        QUERY.replace("SELECT", "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> SELECT")
    )
    sparql.setReturnFormat(JSON)
    found: dict[str, dict] = {}
    for row in sparql.queryAndConvert()["results"]["bindings"]:
        entry = found.setdefault(
            row["title"]["value"],
            {k: set() for k in ("providers", "credits", "eqf", "isced", "language", "homepage")},
        )
        entry["providers"].add(row["provider"]["value"])
        for key, name in (("eqf", "eqf"), ("isced", "isced"), ("language", "language")):
            if name in row:
                entry[key].add(URIRef(row[name]["value"]))
        if "credits" in row:
            entry["credits"].add(float(row["credits"]["value"]))
        if "homepage" in row:
            entry["homepage"].add(row["homepage"]["value"])
    return found


PAGE_HEAD = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Marine Biology</title>'
)
JSONLD_PAGE = (
    PAGE_HEAD
    + """
<script type="application/ld+json">{"@context": "https://schema.org",
 "@type": "EducationalOccupationalProgram", "@id": "https://coast.example/p/marine-biology",
 "name": "Marine Biology", "url": "https://coast.example/p/marine-biology",
 "provider": {"@type": "CollegeOrUniversity", "name": "Coast University",
   "address": {"@type": "PostalAddress", "addressLocality": "Portville", "addressCountry": "NL"}},
 "numberOfCredits": {"@type": "StructuredValue", "value": 120, "unitText": "ECTS"},
 "timeToComplete": "P2Y", "educationalProgramMode": "full-time", "inLanguage": "en",
 "educationalCredentialAwarded": {"@type": "EducationalOccupationalCredential",
   "name": "Master of Science", "educationalLevel": "http://data.europa.eu/snb/eqf/7"},
 "programPrerequisites": {"@type": "EducationalOccupationalCredential",
   "name": "Bachelor of Science in Biology", "educationalLevel": "EQF level 6"},
 "startDate": "2026-09-01", "applicationDeadline": "2026-05-01",
 "offers": {"@type": "Offer", "priceSpecification": {"@type": "UnitPriceSpecification",
   "price": 2530, "priceCurrency": "EUR",
   "referenceQuantity": {"@type": "QuantitativeValue", "value": 1, "unitCode": "ANN"}}}}
</script></head><body><h1>Marine Biology</h1></body></html>"""
)
MICRODATA_PAGE = (
    PAGE_HEAD
    + """</head><body>
<div itemscope itemtype="https://schema.org/EducationalOccupationalProgram" itemid="https://coast.example/p/marine-biology">
 <h1 itemprop="name">Marine Biology</h1><link itemprop="url" href="https://coast.example/p/marine-biology">
 <div itemprop="provider" itemscope itemtype="https://schema.org/CollegeOrUniversity"><span itemprop="name">Coast University</span>
  <div itemprop="address" itemscope itemtype="https://schema.org/PostalAddress"><span itemprop="addressLocality">Portville</span><meta itemprop="addressCountry" content="NL"></div></div>
 <div itemprop="numberOfCredits" itemscope itemtype="https://schema.org/StructuredValue"><span itemprop="value">120</span> <span itemprop="unitText">ECTS</span></div>
 <meta itemprop="timeToComplete" content="P2Y"><span itemprop="educationalProgramMode">full-time</span><meta itemprop="inLanguage" content="en">
 <div itemprop="educationalCredentialAwarded" itemscope itemtype="https://schema.org/EducationalOccupationalCredential"><span itemprop="name">Master of Science</span><link itemprop="educationalLevel" href="http://data.europa.eu/snb/eqf/7"></div>
 <div itemprop="programPrerequisites" itemscope itemtype="https://schema.org/EducationalOccupationalCredential"><span itemprop="name">Bachelor of Science in Biology</span><span itemprop="educationalLevel">EQF level 6</span></div>
 <time itemprop="startDate" datetime="2026-09-01">September 2026</time><time itemprop="applicationDeadline" datetime="2026-05-01">1 May</time>
 <div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><div itemprop="priceSpecification" itemscope itemtype="https://schema.org/UnitPriceSpecification">
  <meta itemprop="price" content="2530"><meta itemprop="priceCurrency" content="EUR">
  <div itemprop="referenceQuantity" itemscope itemtype="https://schema.org/QuantitativeValue"><meta itemprop="value" content="1"><meta itemprop="unitCode" content="ANN"></div></div></div>
</div></body></html>"""
)
RDFA_PAGE = (
    PAGE_HEAD
    + """</head><body vocab="https://schema.org/">
<div typeof="EducationalOccupationalProgram" resource="https://coast.example/p/marine-biology">
 <h1 property="name">Marine Biology</h1><a property="url" href="https://coast.example/p/marine-biology">site</a>
 <div property="provider" typeof="CollegeOrUniversity"><span property="name">Coast University</span>
  <div property="address" typeof="PostalAddress"><span property="addressLocality">Portville</span><meta property="addressCountry" content="NL"></div></div>
 <div property="numberOfCredits" typeof="StructuredValue"><span property="value">120</span> <span property="unitText">ECTS</span></div>
 <meta property="timeToComplete" content="P2Y"><span property="educationalProgramMode">full-time</span><meta property="inLanguage" content="en">
 <div property="educationalCredentialAwarded" typeof="EducationalOccupationalCredential"><span property="name">Master of Science</span><link property="educationalLevel" href="http://data.europa.eu/snb/eqf/7"></div>
 <div property="programPrerequisites" typeof="EducationalOccupationalCredential"><span property="name">Bachelor of Science in Biology</span><span property="educationalLevel">EQF level 6</span></div>
 <meta property="startDate" content="2026-09-01"><meta property="applicationDeadline" content="2026-05-01">
 <div property="offers" typeof="Offer"><div property="priceSpecification" typeof="UnitPriceSpecification">
  <meta property="price" content="2530"><meta property="priceCurrency" content="EUR">
  <div property="referenceQuantity" typeof="QuantitativeValue"><meta property="value" content="1"><meta property="unitCode" content="ANN"></div></div></div>
</div></body></html>"""
)


def _facts(folder: Path, pattern: str) -> Graph:
    """The mapped facts of the records written, without their provenance."""
    g = Graph()
    for path in folder.glob(pattern):
        g.parse(path)
    for record in set(g.subjects(RDF.type, URIRef(PRO + "ImportedRecord"))):
        g.remove((None, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), record))
        for node in [record, *g.objects(record, None)]:
            for triple in list(g.triples((node, None, None))):
                g.remove(triple)
    for agent in list(g.subjects(RDF.type, URIRef("http://www.w3.org/ns/prov#SoftwareAgent"))):
        g.remove((agent, None, None))
    for address in list(g.subjects(RDF.type, URIRef("http://schema.org/PostalAddress"))):
        g.remove((address, None, None))  # one address node per page (its IRI names the page)
        g.remove((None, None, address))
    return g


@pytest.mark.live
def test_elm_round_trip_and_schemaorg_pages(
    tmp_path: Path, built_data_dir: Path, live_server_factory
) -> None:  # noqa: ANN001
    served = tmp_path / "served"
    served.mkdir()
    export = run(
        "export",
        "elm",
        "-o",
        str(served / "export.ttl"),
        env={"PROSPECTUS_DATA_DIR": str(built_data_dir)},
    )
    assert export.returncode == 0, export.stderr
    jsonld = run(
        "export",
        "elm",
        "--format",
        "jsonld",
        "-o",
        str(served / "export.jsonld"),
        env={"PROSPECTUS_DATA_DIR": str(built_data_dir)},
    )
    assert jsonld.returncode == 0, jsonld.stderr
    exported = Graph().parse(served / "export.ttl")
    (served / "export.rdf").write_text(exported.serialize(format="xml"), encoding="utf-8")
    for name, page in (("jsonld", JSONLD_PAGE), ("microdata", MICRODATA_PAGE), ("rdfa", RDFA_PAGE)):
        (served / f"{name}.html").write_text(page, encoding="utf-8")

    imports = {name: tmp_path / name for name in ("ttl", "jsonld", "rdf", "pages")}
    with StaticServer(served) as server:
        for ext in ("ttl", "jsonld", "rdf"):
            result = run("import", "elm", f"{server.url}/export.{ext}", "--into", str(imports[ext]))
            assert result.returncode == 0, result.stdout + result.stderr
        for name in ("jsonld", "microdata", "rdfa"):
            result = run(
                "import", "schemaorg", f"{server.url}/{name}.html", "--into", str(imports["pages"])
            )
            assert result.returncode == 0, result.stdout + result.stderr

    # the three ELM syntaxes give the same facts; the three page syntaxes too
    ttl_facts = _facts(imports["ttl"], "*.ttl")
    assert len(ttl_facts) > 50
    for ext in ("jsonld", "rdf"):
        assert set(_facts(imports[ext], "*.ttl")) == set(ttl_facts), ext
    per_syntax = [
        _facts(imports["pages"], f"*{name}-html*.ttl") for name in ("jsonld", "microdata", "rdfa")
    ]
    assert (
        per_syntax[0]
        and per_syntax[0] == per_syntax[1] == per_syntax[2]
        or (set(per_syntax[0]) == set(per_syntax[1]) == set(per_syntax[2]))
    )

    # an empty instance: the imported ELM records and the pages, built and served
    sources = tmp_path / "sources"
    sources.mkdir()
    for folder in (imports["ttl"], imports["pages"]):
        for path in folder.glob("*.ttl"):
            (sources / path.name).write_bytes(path.read_bytes())
    data_dir = tmp_path / "published"
    built = run("build", "--sources", str(sources), env={"PROSPECTUS_DATA_DIR": str(data_dir)})
    assert built.returncode == 0, built.stdout + built.stderr
    # QUERY's OPTIONALs multiply to about 59,000 rows: more than the default row cap, which
    # would keep whichever rows the store happens to give first
    server = live_server_factory(settings={"data_dir": str(data_dir), "max_rows": "100000"})
    served_facts = facts_served(server.url)

    expected = facts_of_export(exported)
    assert len(expected) == 2
    for title, facts in expected.items():
        assert served_facts[title] == facts, title

    marine = served_facts["Marine Biology"]
    assert marine["providers"] == {"Coast University"}
    assert marine["credits"] == {120.0}
    assert marine["eqf"] == {URIRef("http://data.europa.eu/snb/eqf/7")}
    assert marine["homepage"] == {"https://coast.example/p/marine-biology"}
    sparql = SPARQLWrapper(server.url + "/sparql")
    sparql.setQuery(
        f"""PREFIX pro: <{PRO}> SELECT ?deadline ?amount ?period WHERE {{
        ?o pro:offeringOf ?p ; pro:applicationDeadline/pro:date ?deadline ;
           pro:tuitionFee ?fee . ?fee pro:amount ?amount ; pro:billingPeriod ?period .
        ?p <http://purl.org/dc/terms/title> "Marine Biology"@en }}"""
    )
    sparql.setReturnFormat(JSON)
    rows = sparql.queryAndConvert()["results"]["bindings"]
    assert {
        (r["deadline"]["value"], float(r["amount"]["value"]), r["period"]["value"]) for r in rows
    } == {("2026-05-01", 2530.0, "P1Y")}
    html = requests.get(
        server.url + "/doc/programme/coast-university/marine-biology",
        headers={"Accept": "text/html"},
        timeout=30,
    )
    assert html.status_code == 200
    assert (
        BeautifulSoup(html.text, "html.parser").find("h1").get_text(strip=True) == "Marine Biology"
    )
    described = Graph().parse(
        data=requests.get(
            server.url + "/doc/programme/coast-university/marine-biology.ttl", timeout=30
        ).text,
        format="turtle",
    )
    degree = URIRef(
        "https://w3id.org/prospectus/id/requirement/coast-university/marine-biology/degree"
    )
    assert (
        URIRef("https://w3id.org/prospectus/id/programme/coast-university/marine-biology"),
        URIRef(PRO + "admissionRequirement"),
        degree,
    ) in described


def test_a_page_without_a_provider_is_refused_by_field(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(JSONLD_PAGE.replace('"provider"', '"sponsor"'), encoding="utf-8")
    result = run("import", "schemaorg", str(page), "--into", str(tmp_path / "imports"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "page.html" in result.stderr and "provider: required, but missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreadable_elm_document_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("<a> <b> .\n", encoding="utf-8")
    result = run("import", "elm", str(bad), "--into", str(tmp_path / "imports"))
    assert result.returncode == 2
    assert "broken.ttl" in result.stderr and "does not parse" in result.stderr
    assert not (tmp_path / "imports").exists()


def test_credits_without_a_unit_are_kept_with_a_quality_note(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        JSONLD_PAGE.replace(
            '{"@type": "StructuredValue", "value": 120, "unitText": "ECTS"}', "120"
        ),
        encoding="utf-8",
    )
    result = run("import", "schemaorg", str(page), "--into", str(tmp_path / "imports"))
    assert result.returncode == 0, result.stderr
    g = Graph()
    for path in (tmp_path / "imports").glob("*.ttl"):
        g.parse(path)
    notes = list(g.subjects(RDF.type, URIRef(PRO + "QualityNote")))
    assert len(notes) == 1
    assert g.value(notes[0], DCTERMS.type) == URIRef(
        "https://w3id.org/prospectus/vocab/quality-flag/unlabelled-value"
    )
    assert (None, URIRef(PRO + "sourceText"), Literal("120")) in g
