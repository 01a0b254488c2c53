"""Publishing the dumps fixture (tests/data/dumps/dataset.trig) as the build does, an app and
a test client over what was published, and RDF terms compared as written."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from flask.testing import FlaskClient
from rdflib import BNode, Dataset, Graph, Literal
from rdflib.compare import to_canonical_graph

from graph import settings, versions
from graph.build.context import Writer
from graph.build.pipeline import publish_dataset
from graph.build.writers import changes, dumps, statistics
from graph.iris import DATA_BASE
from server import create_app

DATA = Path(__file__).resolve().parent.parent / "data" / "dumps"
# What a build writes besides the ELM export (tests/test_elm.py covers that writer).
DESCRIBED: list[Writer] = [
    dumps.write_dumps,
    statistics.write_statistics,
    changes.write_changes,
]
FIXTURE = DATA / "dataset.trig"


def fixture_dataset(path: Path = FIXTURE) -> Dataset:
    dataset = Dataset()
    dataset.parse(path, format="trig")
    return dataset


def nquads(dataset: Dataset) -> list[str]:
    return [line for line in dataset.serialize(format="nquads").splitlines() if line.strip()]


def canonical_nquads(dataset: Dataset) -> list[str]:
    """The N-Quads lines of `dataset` with blank nodes labelled canonically per graph, as
    the build's reading labels each source's (rdflib's canonical labels are hashes of the
    blank node's surroundings, the same for the same graph)."""
    labelled = Dataset()
    for graph in dataset.graphs():
        target = labelled.graph(graph.identifier)
        for triple in to_canonical_graph(graph):
            target.add(triple)
    return nquads(labelled)


def publish_fixture(
    data_dir: Path,
    dataset: Dataset | None = None,
    writers: Sequence[Writer] | None = None,
    retain: int = 5,
    now: datetime | None = None,
    base_iri: str = DATA_BASE,
    reference_dir: Path | None = None,
) -> versions.Version:
    """Publish `dataset` (the fixture by default, its IRIs under `base_iri`) as the build
    does, with `writers` (by default all but the ELM export)."""
    version, _new = publish_dataset(
        data_dir,
        nquads(dataset if dataset is not None else fixture_dataset()),
        base_iri=base_iri,
        writers=DESCRIBED if writers is None else writers,
        reference_dir=reference_dir,
        retain=retain,
        now=now,
    )
    return version


def copy_graph(graph: Graph) -> Graph:
    """A plain graph holding the triples of `graph` (to break a copy without touching it)."""
    copy = Graph()
    for triple in graph:
        copy.add(triple)
    return copy


def union(dataset: Dataset) -> Graph:
    graph = Graph()
    for s, p, o, _g in dataset.quads():
        graph.add((s, p, o))
    return graph


def make_client(data_dir: Path, data_files: Sequence[Path] = (), **overrides: str) -> FlaskClient:
    """A test client whose responses are read and closed (files sent by send_file too), of
    an app serving what is published in `data_dir`, or `data_files` (`serve --data`)."""
    app = create_app(
        settings.load({"data_dir": str(data_dir), **overrides}, environ={}), data_files=data_files
    )
    client = app.test_client()
    plain_open = client.open

    def buffered_open(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        kwargs.setdefault("buffered", True)
        return plain_open(*args, **kwargs)

    client.open = buffered_open  # type: ignore[method-assign]
    return client


Term = tuple[str, ...]


def term(node: object) -> Term:
    """A term as written: a literal is its lexical form, datatype and language, not its value."""
    if isinstance(node, Literal):
        return ("literal", str(node), str(node.datatype or ""), node.language or "")
    if isinstance(node, BNode):
        return ("blank", str(node))
    return ("iri", str(node))
