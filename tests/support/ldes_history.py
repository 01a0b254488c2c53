"""The catalogue and the versions the change-stream tests publish (tests/test_ldes.py,
tests/test_ldes_served.py, whose `catalogue` and `history` fixtures call make_catalogue and
make_history): a small synthetic catalogue, edits to it, and its history of
versions with the stream written by the build's LDES writer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from graph import ldes, versions
from graph.build.pipeline import WRITERS, publish_dataset
from graph.build.writers.ldes import ldes_writer
from graph.iris import DATA_BASE, PRO
from graph.synthetic.generate import generate

from .ldes_client import Member, normalised, read_members

T1 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PAGE_SIZE = 4
ORDER_GRAPH = URIRef(DATA_BASE + "graph/order")
SITE = "http://127.0.0.1:9"  # a site URL for documents no client fetches
IMMUTABLE = "public, max-age=31536000, immutable"


# -- the catalogue and its versions -----------------------------------------------------------


def make_catalogue(tmp_path_factory: pytest.TempPathFactory) -> list[ox.Quad]:
    path = tmp_path_factory.mktemp("catalogue") / "catalogue.nq"
    generate(path, programmes=6, seed=7)
    return list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))


def publish_quads(
    data_dir: Path,
    quads: Iterable[ox.Quad],
    when: datetime,
    *,
    page_size: int = PAGE_SIZE,
    retention_days: int = 0,
) -> versions.Version:
    lines = ox.serialize(list(quads), format=ox.RdfFormat.N_QUADS).decode("utf-8").splitlines()
    writers = [*WRITERS, ldes_writer(page_size, retention_days)]
    version, new = publish_dataset(data_dir, lines, writers=writers, now=when, load_store=True)
    assert new
    return version


def programmes(quads: Iterable[ox.Quad]) -> list[str]:
    kind, a = ox.NamedNode(str(PRO.StudyProgramme)), ox.NamedNode(str(RDF.type))
    return sorted({q.subject.value for q in quads if q.predicate == a and q.object == kind})


def local(programme: str) -> str:
    return programme[len(DATA_BASE + "programme/") :]


def edit(
    quads: list[ox.Quad], match: Callable[[ox.Quad], bool], change: Callable[[str], str]
) -> list[ox.Quad]:
    """The quads with the literal of every matching quad changed (at least one must match)."""
    out, hits = [], 0
    for q in quads:
        if match(q):
            assert isinstance(q.object, ox.Literal)
            literal = ox.Literal(change(q.object.value), datatype=q.object.datatype)
            if q.object.language:
                literal = ox.Literal(change(q.object.value), language=q.object.language)
            q = ox.Quad(q.subject, q.predicate, literal, q.graph_name)
            hits += 1
        out.append(q)
    assert hits
    return out


def change_fee(quads: list[ox.Quad], programme: str) -> list[ox.Quad]:
    """A fee of the programme's offering costs 1000 more (a node the programme owns)."""
    prefix = DATA_BASE + "fee/" + local(programme) + "/"
    return edit(
        quads,
        lambda q: q.subject.value.startswith(prefix) and q.predicate.value == str(PRO.amount),
        lambda v: str(float(v) + 1000),
    )


def retitle(quads: list[ox.Quad], programme: str) -> list[ox.Quad]:
    return edit(
        quads,
        lambda q: q.subject.value == programme and q.predicate.value == str(DCTERMS.title),
        lambda v: v + " (renamed)",
    )


def remove(quads: list[ox.Quad], programme: str) -> list[ox.Quad]:
    """The programme is gone: no quad names it any more."""
    return [q for q in quads if programme not in (q.subject.value, q.object.value)]


def added_in(version: versions.Version) -> dict[URIRef, Member]:
    """The members a version added to the stream."""
    slug = version.id.lower()
    return {iri: m for iri, m in stored_members(version).items() if str(iri).endswith(slug)}


def stored_members(version: versions.Version) -> dict[URIRef, Member]:
    stream = ldes.Stream.open(version.path)
    assert stream is not None
    data = b"".join(ldes.log.read_page(version.path, page) for page in stream.index.live)
    return read_members(data)


def make_history(
    catalogue: list[ox.Quad], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[versions.Version], list[str]]:
    """v1: six programmes; v2: one programme's fee changed; v3: one retitled, one removed."""
    data_dir = tmp_path_factory.mktemp("history")
    names = programmes(catalogue)
    v1 = publish_quads(data_dir, catalogue, T1)
    second = change_fee(catalogue, names[0])
    v2 = publish_quads(data_dir, second, T1 + timedelta(days=1))
    third = remove(retitle(second, names[1]), names[2])
    v3 = publish_quads(data_dir, third, T1 + timedelta(days=2))
    return data_dir, [v1, v2, v3], names


def served_description(client, programme: str) -> Graph:
    """The programme's page as N-Quads, without the catalogue order (not part of a member)."""
    response = client.get(f"/doc/programme/{local(programme)}.nq")
    assert response.status_code == 200
    dataset = Dataset()
    dataset.parse(data=response.data, format="nquads")
    return normalised(
        (s, p, o) for s, p, o, g in dataset.quads() if g != ORDER_GRAPH and s != PRO.listPosition
    )
