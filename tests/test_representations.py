"""Every format of a document carries the same triples (issue 10, item 3), against a live
server with the bundled graph.

For a sample of documents (every programme and organisation, one resource of every other
kind, a vocabulary concept, named graphs, the ontology, the shapes, the dataset
description, the VoID well-known URL and the SPARQL service description), Turtle, JSON-LD,
RDF/XML and N-Triples parsed into a plain `rdflib.Graph` give the same set of triples, and
TriG / N-Quads give the same triples again, each in the named graph that states it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import FOAF, ORG, RDF

from graph.iris import DATA_BASE, PRO, SCHEMA, VOCAB
from graph.store.terms import to_oxigraph

from .conftest import LiveServer

pytestmark = pytest.mark.live

TRIPLE_FORMATS = {  # media type -> rdflib parser
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
}
QUAD_FORMATS = {"application/trig": "trig", "application/n-quads": "nquads"}
ORGANISATIONS = {ORG.FormalOrganization, ORG.Organization, SCHEMA.CollegeOrUniversity}
FIXED_DOCUMENTS = ["/ontology", "/shapes", "/dataset", "/.well-known/void", "/sparql"]


def doc_path(iri: str) -> str:
    if iri.startswith(str(VOCAB)):
        return "/doc/vocab/" + iri[len(str(VOCAB)) :]
    return "/doc/" + iri[len(DATA_BASE) :]


def sample(dataset: Dataset) -> list[str]:
    """Every programme and organisation, the first resource of every other kind, the first
    vocabulary concept, and every named graph that is not a subject."""
    types: dict[URIRef, set] = defaultdict(set)
    for s, p, o, _g in dataset.quads():
        if isinstance(s, URIRef):
            types[s].update([o] if p == RDF.type else [])
    subjects = sorted(types, key=str)
    chosen: list[str] = []
    kinds: dict[str, str] = {}
    for s in subjects:
        iri = str(s)
        if iri.startswith(DATA_BASE):
            kind = iri[len(DATA_BASE) :].split("/", 1)[0]
            if types[s] & {PRO.StudyProgramme, FOAF.Organization, *ORGANISATIONS}:
                chosen.append(iri)
            elif kind not in kinds:
                kinds[kind] = iri
        elif iri.startswith(str(VOCAB)) and "vocab" not in kinds:
            kinds["vocab"] = iri
    graphs = {str(g) for _s, _p, _o, g in dataset.quads() if isinstance(g, URIRef)}
    names = sorted(g for g in graphs if URIRef(g) not in set(subjects) and g.startswith(DATA_BASE))
    return [doc_path(i) for i in sorted({*chosen, *kinds.values(), *names})]


def triples(body: bytes, parser: str, url: str) -> Graph:
    g = Graph()
    g.parse(data=body, format=parser, publicID=url)
    return g


def canonical(g: Graph) -> set[str]:
    """The triples with blank nodes relabelled by RDFC-1.0 (pyoxigraph), as N-Triples terms."""
    ds = ox.Dataset(
        ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), ox.DefaultGraph()) for s, p, o in g
    )
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in ds}


def same(a: Graph, b: Graph) -> bool:
    """The same set of triples (blank nodes compared up to renaming)."""
    if any(isinstance(t, BNode) for triple in (*a, *b) for t in triple):
        return canonical(a) == canonical(b)
    return set(a) == set(b)


@pytest.fixture(scope="module")
def documents(built_data_dir: Path) -> list[str]:
    dataset = Dataset()
    dataset.parse(built_data_dir / "current" / "dataset.nq", format="nquads")
    return [*sample(dataset), *FIXED_DOCUMENTS]


def test_every_triple_format_carries_the_same_triples(
    live_server: LiveServer, documents: list[str]
) -> None:
    session = requests.Session()
    sizes: dict[str, int] = {}
    quads_checked = 0
    for path in documents:
        url = live_server.url + path
        parsed: dict[str, Graph] = {}
        for media_type, parser in TRIPLE_FORMATS.items():
            r = session.get(url, headers={"Accept": media_type}, timeout=30)
            assert r.status_code == 200, (path, media_type, r.status_code)
            assert r.headers["Content-Type"].split(";")[0] == media_type
            parsed[media_type] = triples(r.content, parser, url)
        turtle = parsed["text/turtle"]
        assert len(turtle) > 0, path
        for media_type, g in parsed.items():
            assert same(turtle, g), (path, media_type, len(turtle), len(g))
        sizes[path] = len(turtle)
        for media_type, parser in QUAD_FORMATS.items():
            r = session.get(url, headers={"Accept": media_type}, timeout=30)
            if r.status_code == 406:  # the dataset description is offered in triple formats
                continue
            assert r.status_code == 200, (path, media_type, r.status_code)
            ds = Dataset()
            ds.parse(data=r.content, format=parser, publicID=url)
            union = Graph()
            by_graph: dict[object, int] = defaultdict(int)
            for s, p, o, g in ds.quads():
                union.add((s, p, o))
                by_graph[g] += 1
            assert same(turtle, union), (path, media_type)
            if path.startswith("/doc/"):  # descriptions keep each fact in its graph
                assert by_graph and DATASET_DEFAULT_GRAPH_ID not in by_graph, (path, by_graph)
            quads_checked += 1
    leiden = "/doc/programme/leiden/ict-in-the-public-sector"
    print(
        f"\n{len(documents)} documents x 4 triple formats parsed into rdflib.Graph: the same "
        f"triples in each ({min(sizes.values())}-{max(sizes.values())} per document; Leiden "
        f"{sizes.get(leiden, 'not sampled')}), and {quads_checked} TriG/N-Quads answers whose "
        "union is the same"
    )
    assert leiden in sizes


def test_the_comparison_can_fail() -> None:
    a = Graph().parse(data="<http://a> <http://b> 1.0 .", format="turtle")
    b = Graph().parse(
        data='<http://a> <http://b> "1"^^<http://www.w3.org/2001/XMLSchema#decimal> .',
        format="turtle",
    )
    assert not same(a, b)  # 1.0 and "1" are different terms


SERIALISE_IN_A_FRESH_PROCESS = """
import hashlib
from rdflib import BNode, Dataset, Literal, Namespace, URIRef
from rdflib.namespace import XSD
from graph.formats import BY_NAME
from server.representations import serialise
S = Namespace("http://schema.org/")
ds = Dataset()
g = ds.graph(URIRef("https://w3id.org/prospectus/id/source/a"))
for i in range(30):
    node = BNode()  # a fresh random label in every process
    g.add((URIRef(f"https://w3id.org/prospectus/id/programme/p{i}"), S.x, node))
    g.add((node, S.name, Literal(f"n{i % 7}", lang="en")))
    g.add((node, S.value, Literal("80", datatype=XSD.decimal)))
for name in ("turtle", "jsonld", "rdfxml", "ntriples", "nquads", "trig"):
    print(name, hashlib.sha256(serialise(ds, BY_NAME[name])).hexdigest())
"""


def test_the_same_document_is_the_same_bytes_in_every_process() -> None:
    """Workers (and restarts) must agree on the bytes, or the ETag would change between them:
    blank-node labels and set order differ between processes; the output must not."""
    outputs = []
    for seed in ("1", "2"):
        run = subprocess.run(
            [sys.executable, "-c", SERIALISE_IN_A_FRESH_PROCESS],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
            cwd=Path(__file__).resolve().parent.parent,
            check=True,
        )
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    assert len(outputs[0].splitlines()) == 6
