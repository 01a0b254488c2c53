"""The real LDES client (the npm package ldes-client, which `make test` installs with `npm ci`
into the node_modules folder beside this file) and what tests read from its replica.

`replicate(url, state, output)` runs tests/support/ldes_replicate.mjs: the client replicates
the stream at `url` (or, with a state folder a previous run filled, resumes it) and appends
every member it emits to `output` as N-Quads. `read_members(output)` groups the replica by
member (the member's star in the default graph, its payload in the graph named after it).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from graph.canonical import literals_as_written
from graph.iris import PROV
from graph.read.describe import comparable

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "ldes_replicate.mjs"
CLIENT = HERE / "node_modules" / "ldes-client" / "package.json"


@dataclass(frozen=True)
class Run:
    members: int  # members the client emitted in this run
    fragments: int  # pages it processed


def replicate(url: str, state: Path, output: Path, timeout: float = 180) -> Run:
    """One synchronisation run of ldes-client (no --follow: it stops when caught up)."""
    assert CLIENT.is_file(), "ldes-client is not installed: run `make test` (npm ci)"
    done = subprocess.run(
        ["node", str(SCRIPT), url, str(state), str(output)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=HERE,
    )
    assert done.returncode == 0, f"ldes-client failed ({done.returncode}): {done.stderr[-3000:]}"
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    return Run(summary["members"], summary["fragments"])


@dataclass(frozen=True)
class Member:
    iri: URIRef
    version_of: URIRef
    time: str
    types: frozenset[URIRef]
    star: Graph  # the member's own triples (default graph)
    payload: Graph  # the triples of the graph named after the member


def read_members(source: Path | bytes) -> dict[URIRef, Member]:
    """The members in N-Quads (a replica, or the stored pages of a version)."""
    dataset = Dataset()
    with literals_as_written():
        if isinstance(source, bytes):
            dataset.parse(data=source, format="nquads")
        else:
            dataset.parse(source, format="nquads")
    default = dataset.default_context
    found = {}
    for iri in set(default.subjects(DCTERMS.isVersionOf, None)):
        assert isinstance(iri, URIRef)
        star = Graph()
        for triple in default.triples((iri, None, None)):
            star.add(triple)
        payload = Graph()
        for triple in dataset.graph(iri):
            payload.add(triple)
        version_of = star.value(iri, DCTERMS.isVersionOf)
        time = star.value(iri, PROV.generatedAtTime)
        assert isinstance(version_of, URIRef) and time is not None
        types = frozenset(t for t in star.objects(iri, RDF.type) if isinstance(t, URIRef))
        found[iri] = Member(iri, version_of, str(time), types, star, payload)
    return found


def latest(members: Iterable[Member]) -> dict[URIRef, Member]:
    """The latest version of every programme (by time, then member IRI)."""
    found: dict[URIRef, Member] = {}
    for m in sorted(members, key=lambda m: (m.time, str(m.iri))):
        found[m.version_of] = m
    return found


def _normal(node: object) -> object:
    if isinstance(node, Literal):
        value = comparable(node)
        if isinstance(value, Decimal):
            value = value.normalize()
        return Literal(repr(value))
    return node


def normalised(triples: Iterable[tuple]) -> Graph:
    """A graph whose literals are their values ("P24M" and "P2Y", 900 and 900.0 alike):
    stores give some datatypes back in canonical form (docs/sparql.md, "Literals")."""
    graph = Graph()
    for s, p, o in triples:
        graph.add((s, p, _normal(o)))
    return graph
