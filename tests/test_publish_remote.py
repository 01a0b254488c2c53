"""`prospectus publish --to URL` against real stores started here on 127.0.0.1: the Oxigraph
server (Graph Store Protocol and SPARQL Update) and Debian's Virtuoso 7 (Graph Store
Protocol with digest auth). The bundled build's version lands graph by graph with the same
quads; a newer version without one graph removes it there; a refusal is a clear message and
exit code 2; and our app with `store = "remote"` serves a programme page and SPARQL from it.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import tomllib
from collections import Counter
from collections.abc import Hashable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from bs4 import BeautifulSoup
from rdflib import Literal, URIRef

from graph import versions
from graph.store.remote_publish import switch_settings

from .support import cli
from .support.publishing import make_client
from .support.stores import FlakyProxy, RunningStore, free_port, oxigraph_server, virtuoso

BASE = "https://w3id.org/prospectus/"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled build, published, and a newer hand-made version without one source graph."""
    folder = tmp_path_factory.mktemp("publish-remote") / "var"
    cli.built(folder)
    return folder


def graphs_of(version: versions.Version) -> dict[str, list[ox.Triple]]:
    graphs: dict[str, list[ox.Triple]] = {}
    for quad in versions.read_dataset(version.path):
        if not isinstance(quad.graph_name, ox.DefaultGraph):
            graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    return graphs


def newer_without(data_dir: Path, dropped: str) -> versions.Version:
    """A version after the current one, its dump without graph `dropped`."""
    current = versions.current(data_dir)
    assert current is not None
    folder = current.path.parent / (current.id + "-without")
    (folder / versions.DUMPS_DIR).mkdir(parents=True, exist_ok=True)
    manifest = {**current.manifest, "version": folder.name, "previous": current.id}
    manifest["sequence"] = manifest.get("sequence", 0) + 1
    (folder / versions.MANIFEST).write_text(json.dumps(manifest))
    kept = [
        q
        for q in versions.read_dataset(current.path)
        if isinstance(q.graph_name, ox.DefaultGraph) or q.graph_name.value != dropped
    ]
    body = ox.serialize(kept, format=ox.RdfFormat.N_QUADS)
    (folder / versions.DUMPS_DIR / versions.CANONICAL_DUMP).write_bytes(gzip.compress(body))
    return versions.Version(folder, manifest)


def publish(
    store: RunningStore, data_dir: Path, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    command = [cli.PROSPECTUS, "publish", "--to", store.query, *args]
    if store.user and "--user" not in args:
        command += ["--user", store.user, "--password", store.password, "--auth", store.auth]
    if not any(a in args for a in ("--graph-store", "--update")):
        command += ["--graph-store", store.graph_store]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROSPECTUS_")}
    env["PROSPECTUS_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        command, env=env, cwd=cwd or data_dir.parent, capture_output=True, text=True, check=False
    )


def remote_graph(store: RunningStore, name: str) -> list[ox.Triple]:
    answer = requests.post(
        store.query,
        data={"query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"},
        headers={"Accept": "application/n-triples"},
        timeout=60,
    )
    answer.raise_for_status()
    return list(ox.parse(answer.content, format=ox.RdfFormat.N_TRIPLES))


def remote_graph_names(store: RunningStore) -> set[str]:
    answer = requests.post(
        store.query,
        data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    answer.raise_for_status()
    rows = answer.json()["results"]["bindings"]
    return {row["g"]["value"] for row in rows if row["g"]["value"].startswith(BASE)}


def term_key(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Hashable:
    """A term as compared: a literal by its value where rdflib knows it (docs/deploy.md,
    "What a store changes"), anything else as written."""
    if not isinstance(term, ox.Literal):
        return str(term)
    if term.language:
        return ("lang", term.value, term.language.lower())
    value = Literal(term.value, datatype=URIRef(term.datatype.value)).value
    try:
        hash(value)
    except TypeError:
        value = None
    return (term.datatype.value, term.value if value is None else value)


XSD_DURATION = "http://www.w3.org/2001/XMLSchema#duration"
# What each store changes besides lexical forms (docs/deploy.md, "What a store changes"):
# Virtuoso 7.2 keeps an xsd:duration as a number ("P24M" comes back "24"^^xsd:duration).
LOSSY = {"oxigraph": frozenset(), "virtuoso_store": frozenset({XSD_DURATION})}


def triples_by_value(triples: list[ox.Triple], lossy: frozenset[str]) -> Counter[Hashable]:
    """Triples as compared; an object of a datatype in `lossy` counts only as being there."""
    assert not any(isinstance(t.subject, ox.BlankNode) for t in triples)  # compared as IRIs
    return Counter(
        (
            term_key(t.subject),
            t.predicate.value,
            t.object.datatype.value
            if isinstance(t.object, ox.Literal) and t.object.datatype.value in lossy
            else term_key(t.object),
        )
        for t in triples
    )


def assert_same_graphs(
    store: RunningStore, version: versions.Version, lossy: frozenset[str] = frozenset()
) -> None:
    """The same graphs with the same triples, literals compared by value: both stores keep
    the value of a number, not its lexical form ("120.0"^^xsd:decimal comes back "120")."""
    expected = graphs_of(version)
    assert remote_graph_names(store) == set(expected)
    for name, triples in expected.items():
        held = remote_graph(store, name)
        assert len(held) == len(triples), name
        assert triples_by_value(held, lossy) == triples_by_value(triples, lossy), name


def assert_serves(store: RunningStore, data_dir: Path, version: versions.Version) -> None:
    """Our app with the remote backend answers a programme page and a SPARQL query."""
    client = make_client(data_dir, store="remote", remote_endpoint=store.query)
    graphs = graphs_of(version)
    triples = [t for graph in graphs.values() for t in graph]
    programme = min(
        t.subject.value
        for t in triples
        if isinstance(t.subject, ox.NamedNode)
        and t.subject.value.startswith(BASE + "id/programme/")
        and t.subject.value.count("/") == (BASE + "id/programme/a/b").count("/")
    )
    page = client.get(
        programme.removeprefix(BASE.rstrip("/")),
        headers={"Accept": "text/html"},
        follow_redirects=True,
    )
    assert page.status_code == 200, programme
    title = BeautifulSoup(page.data, "html.parser").h1
    assert title is not None
    names = {
        t.object.value
        for t in triples
        if t.subject.value == programme and isinstance(t.object, ox.Literal)
    }
    assert title.get_text(" ", strip=True) in names
    name, graph = min(graphs.items())
    answer = client.post(
        "/sparql",
        data={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.status_code == 200
    assert int(answer.get_json()["results"]["bindings"][0]["n"]["value"]) == len(graph)


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStore]:
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as store:
        yield store


@pytest.fixture(scope="module")
def virtuoso_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStore]:
    with virtuoso(tmp_path_factory.mktemp("virtuoso")) as store:
        yield store


@pytest.mark.parametrize("store_name", ["oxigraph", "virtuoso_store"])
def test_publish_lands_the_same_quads_then_removes_a_dropped_graph(
    store_name: str, data_dir: Path, request: pytest.FixtureRequest
) -> None:
    store: RunningStore = request.getfixturevalue(store_name)
    current = versions.current(data_dir)
    assert current is not None

    first = publish(store, data_dir)
    assert first.returncode == 0, first.stderr
    assert_same_graphs(store, current, LOSSY[store_name])
    settings = tomllib.loads((data_dir.parent / "prospectus.toml").read_text())
    assert settings["store"] == "remote" and settings["remote_endpoint"] == store.query
    assert_serves(store, data_dir, current)

    again = publish(store, data_dir)  # idempotent: replaces, never duplicates
    assert again.returncode == 0, again.stderr
    assert_same_graphs(store, current, LOSSY[store_name])

    dropped = sorted(graphs_of(current))[-1]
    newer = newer_without(data_dir, dropped)
    try:
        second = publish(store, data_dir, "--version", newer.id, "--no-switch")
        assert second.returncode == 0, second.stderr
        assert dropped not in remote_graph_names(store)
        assert_same_graphs(store, newer, LOSSY[store_name])
    finally:
        shutil.rmtree(newer.path)


def test_publish_through_sparql_update(
    tmp_path_factory: pytest.TempPathFactory, data_dir: Path
) -> None:
    current = versions.current(data_dir)
    assert current is not None
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph-update")) as store:
        done = publish(store, data_dir, "--update", store.update, "--no-switch")
        assert done.returncode == 0, done.stderr
        assert_same_graphs(store, current)


def test_wrong_credentials_are_a_clear_refusal(
    virtuoso_store: RunningStore, data_dir: Path
) -> None:
    refused = publish(
        virtuoso_store,
        data_dir,
        "--user",
        "dba",
        "--password",
        "not-the-password",
        "--auth",
        "digest",
        "--attempts",
        "1",
        "--no-switch",
    )
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
    assert "HTTP 401" in refused.stderr
    assert "graph <" + BASE in refused.stderr


def test_unreachable_store_is_a_clear_error(data_dir: Path) -> None:
    root = f"http://127.0.0.1:{free_port()}"
    gone = RunningStore(f"{root}/query", f"{root}/store", f"{root}/update")
    failed = publish(gone, data_dir, "--attempts", "2", "--no-switch")
    assert failed.returncode == 2
    assert "Traceback" not in failed.stderr
    assert "failed 2 time(s)" in failed.stderr


def test_refused_writes_are_retried(oxigraph: RunningStore, data_dir: Path) -> None:
    """A store that answers 503 to the first two PUTs gets them again, and all lands."""
    current = versions.current(data_dir)
    assert current is not None
    root = oxigraph.query.removesuffix("/query")
    with FlakyProxy(root, failures=2) as proxy:
        flaky = RunningStore(oxigraph.query, proxy.url + "/store", oxigraph.update)
        done = publish(flaky, data_dir, "--attempts", "3", "--no-switch")
    assert done.returncode == 0, done.stderr
    assert len(proxy.refused) == 2
    assert "attempt 2 of 3" in done.stdout
    assert_same_graphs(oxigraph, current)


def test_switch_keeps_the_other_settings(tmp_path: Path) -> None:
    path = tmp_path / "prospectus.toml"
    path.write_text('store = "oxigraph"\nworkers = 3\nremote_endpoint = "http://old/q"\n')
    switch_settings(path, "http://127.0.0.1:1/query")
    assert tomllib.loads(path.read_text()) == {
        "store": "remote",
        "workers": 3,
        "remote_endpoint": "http://127.0.0.1:1/query",
    }
    fresh = tmp_path / "new.toml"
    switch_settings(fresh, "http://127.0.0.1:2/sparql")
    assert tomllib.loads(fresh.read_text()) == {
        "store": "remote",
        "remote_endpoint": "http://127.0.0.1:2/sparql",
    }
