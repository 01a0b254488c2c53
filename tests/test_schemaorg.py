"""The schema.org JSON-LD embedded in programme pages (graph/read/schemaorg.py), read the way a
search engine reads it: parsed as JSON-LD into RDF with http://schema.org/ terms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from graph.iris import DATA_BASE, SCHEMA

from .conftest import LiveServer
from .support.pages import parse_page

pytestmark = pytest.mark.live

PAGES = Path(__file__).parent / "data" / "pages"


@pytest.fixture(scope="module")
def fixture_server(live_server_factory) -> LiveServer:  # noqa: ANN001
    return live_server_factory(data_files=(PAGES / "programme.trig",))


def embedded(server: LiveServer, path: str) -> tuple[dict, Graph]:
    r = requests.get(server.url + path, headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200
    blocks = [
        body
        for attrs, body in parse_page(r.text).scripts
        if attrs.get("type") == "application/ld+json"
    ]
    assert len(blocks) == 1
    data = json.loads(blocks[0])
    return data, Graph().parse(data=blocks[0], format="json-ld")


def test_fixture_programme(fixture_server: LiveServer) -> None:
    data, g = embedded(fixture_server, "/doc/programme/ku-leuven/pioneer")
    programme = URIRef(DATA_BASE + "programme/ku-leuven/pioneer")
    assert (programme, RDF.type, SCHEMA.EducationalOccupationalProgram) in g
    assert g.value(programme, SCHEMA.name) == Literal(
        "Erasmus Mundus Master of Science in Public Sector Innovation and eGovernance (PIONEER)"
    )
    assert g.value(programme, SCHEMA.alternateName) == Literal("PIONEER")
    providers = set(g.objects(programme, SCHEMA.provider))
    assert URIRef(DATA_BASE + "org/ku-leuven") in providers and len(providers) == 2
    for org in providers:
        assert (org, RDF.type, SCHEMA.CollegeOrUniversity) in g
        assert g.value(org, SCHEMA.name) is not None
    leuven = URIRef(DATA_BASE + "org/ku-leuven")
    assert (leuven, SCHEMA.sameAs, URIRef("https://ror.org/05f950310")) in g or (
        leuven,
        SCHEMA.sameAs,
        Literal("https://ror.org/05f950310"),
    ) in g
    assert g.value(programme, SCHEMA.numberOfCredits).toPython() == 120
    assert str(g.value(programme, SCHEMA.timeToComplete)) in ("P2Y", "P24M")
    assert str(g.value(programme, SCHEMA.applicationDeadline)) == "2026-07-01"
    credential = g.value(programme, SCHEMA.educationalCredentialAwarded)
    assert (credential, RDF.type, SCHEMA.EducationalOccupationalCredential) in g
    assert str(g.value(credential, SCHEMA.credentialCategory)) == "Master's degree"
    offer = g.value(programme, SCHEMA.offers)
    price = g.value(offer, SCHEMA.priceSpecification)
    assert g.value(price, SCHEMA.price).toPython() == 4000
    assert str(g.value(price, SCHEMA.priceCurrency)) == "EUR"
    assert set(map(str, g.objects(programme, SCHEMA.educationalProgramMode))) == {
        "onsite",
        "full-time",
    }
    # Only schema.org terms (and rdf:type) are used.
    assert all(str(p).startswith(str(SCHEMA)) or p == RDF.type for p in g.predicates())
    assert data["@context"] == {"@vocab": "http://schema.org/"}
    assert XSD  # the datatypes of the values above come from JSON itself


def test_bundled_programmes(live_server: LiveServer) -> None:
    for path, name_part, deadline in (
        (
            "/doc/programme/kuleuven/pioneer",
            "Public Sector Innovation and eGovernance",
            "2026-07-01",
        ),
        ("/doc/programme/leiden/ict-in-the-public-sector", "ICT in the Public Sector", "2022-10"),
    ):
        data, g = embedded(live_server, path)
        programme = URIRef(data["@id"])
        assert (programme, RDF.type, SCHEMA.EducationalOccupationalProgram) in g
        assert name_part in str(g.value(programme, SCHEMA.name))
        provider = g.value(programme, SCHEMA.provider)
        assert provider is not None and g.value(provider, SCHEMA.name) is not None
        assert str(g.value(programme, SCHEMA.timeToComplete)) in ("P2Y", "P24M")
        assert str(g.value(programme, SCHEMA.applicationDeadline)) == deadline
        if "pioneer" in path:
            assert g.value(programme, SCHEMA.numberOfCredits).toPython() == 120
        prerequisites = list(g.objects(programme, SCHEMA.programPrerequisites))
        assert prerequisites and all(
            (c, RDF.type, SCHEMA.EducationalOccupationalCredential) in g for c in prerequisites
        )
        names = {str(g.value(c, SCHEMA.name)) for c in prerequisites if g.value(c, SCHEMA.name)}
        fields = {str(v) for c in prerequisites for v in g.objects(c, SCHEMA.competencyRequired)}
        if "pioneer" in path:  # accepted Flemish bachelor's and master's degrees, as written
            assert {"Bachelor handelsingenieur", "Master handelsingenieur"} <= names
            for c in prerequisites:
                kind = str(g.value(c, SCHEMA.name)).split()[0]  # "Bachelor" or "Master"
                category = {"Bachelor": "Bachelor's degree", "Master": "Master's degree"}[kind]
                assert str(g.value(c, SCHEMA.credentialCategory)) == category
        else:  # BA/BSc for US applicants; the field for international applicants
            assert {"BA", "BSc"} <= names
            assert fields == {"Computer Science or a closely related subject"}
