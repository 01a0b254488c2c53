"""The change stream as the site serves it (server/views/ldes.py): /ldes and its pages in
every RDF format, their caching, CORS, the links from /dataset, VoID and the home page, and
the real client (the npm package ldes-client) following a live server while a new version
is published.

The versions are those of tests/test_ldes.py (six synthetic programmes, pages of four).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from bs4 import BeautifulSoup
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF

from graph import ldes, settings, versions
from graph.build.pipeline import publish_dataset
from graph.build.reference import check_dcat_ap
from graph.canonical import literals_as_written
from graph.formats import BY_NAME
from graph.iris import ACTIVITY_STREAMS as AS
from graph.iris import DCAT, LDES, TREE, VOID, ldes_stream
from server import create_app

from .conftest import REF, TODAY, LiveServer
from .support.ldes_client import latest, normalised, read_members, replicate
from .support.ldes_history import (
    T1,
    added_in,
    change_fee,
    local,
    programmes,
    publish_quads,
    remove,
    retitle,
    served_description,
)

SITE = "http://localhost"  # the test client's site URL
FORMATS = ["turtle", "ntriples", "rdfxml", "jsonld", "trig", "nquads"]


@pytest.fixture(scope="module")
def client(history):  # noqa: ANN201, F811
    data_dir, _versions, _names = history
    app = create_app(settings.load({"data_dir": str(data_dir), "today": TODAY}, environ={}))
    with app.test_client() as client:
        yield client


def parse(response, name: str) -> Dataset:  # noqa: ANN001
    assert response.status_code == 200, response.data[:500]
    fmt = BY_NAME[name]
    assert response.mimetype == fmt.media_type
    dataset = Dataset()
    with literals_as_written():
        dataset.parse(data=response.data, format=fmt.rdflib)
    return dataset


def union(dataset: Dataset) -> Graph:
    return normalised((s, p, o) for s, p, o, _g in dataset.quads())


def graph_names(dataset: Dataset) -> set:
    return {g for _s, _p, _o, g in dataset.quads() if g is not None}


# -- documents ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/ldes", "/ldes/2", "/ldes/3"])
@pytest.mark.parametrize("name", FORMATS)
def test_the_stream_says_the_same_in_every_format(client, path: str, name: str) -> None:
    fmt = BY_NAME[name]
    by_extension = parse(client.get(f"{path}.{fmt.extension}"), name)
    by_accept = parse(client.get(path, headers={"Accept": fmt.media_type}), name)
    reference = parse(client.get(f"{path}.nq"), "nquads")
    assert isomorphic(union(by_extension), union(reference))
    assert isomorphic(union(by_accept), union(reference))
    if name in ("trig", "nquads"):  # quad formats keep each member's graph
        assert graph_names(by_extension) == graph_names(reference)


def test_the_root_node_names_the_stream_and_its_pages_by_this_sites_urls(client) -> None:
    g = union(parse(client.get("/ldes", headers={"Accept": "*/*"}), "trig"))
    stream, root = ldes_stream(), URIRef(SITE + "/ldes")
    assert (stream, RDF.type, LDES.EventStream) in g
    assert (stream, TREE.view, root) in g
    assert g.value(stream, TREE.shape) == URIRef(SITE + "/shapes")
    pages = {g.value(r, TREE.node) for r in g.objects(root, TREE.relation)}
    assert pages == {URIRef(f"{SITE}/ldes/{n}") for n in (1, 2, 3)}


def test_a_page_holds_its_members_with_their_descriptions(client, history) -> None:  # noqa: F811
    _data_dir, (_v1, _v2, v3), _names = history
    response = client.get("/ldes/3.nq")
    members = read_members(response.data)
    assert set(members) <= set(added_in(v3))
    page = URIRef(SITE + "/ldes/3")
    dataset = parse(response, "nquads")
    assert {o for o in dataset.default_context.objects(ldes_stream(), TREE.member)} == set(members)
    assert (page, RDF.type, TREE.Node) in dataset.default_context


def test_full_pages_are_immutable_with_an_etag_and_the_open_page_is_not(client) -> None:
    full = client.get("/ldes/1.trig")
    assert full.status_code == 200
    assert "immutable" in full.headers["Cache-Control"]
    assert "max-age=31536000" in full.headers["Cache-Control"]
    etag = full.headers["ETag"]
    again = client.get("/ldes/1.trig", headers={"If-None-Match": etag})
    assert again.status_code == 304
    other = client.get("/ldes/1.ttl")
    assert other.headers["ETag"] != etag  # another format, another representation
    full_dataset = parse(full, "trig")
    assert (URIRef(SITE + "/ldes/1"), LDES.immutable, None) in full_dataset.default_context
    for path in ("/ldes/3", "/ldes"):  # the open page and the root node
        response = client.get(path)
        assert response.status_code == 200
        assert "immutable" not in response.headers["Cache-Control"]
        assert "max-age=60" in response.headers["Cache-Control"]
        dataset = parse(response, "trig")
        assert (URIRef(SITE + path), LDES.immutable, None) not in dataset.default_context


def test_unknown_and_malformed_pages_are_not_found(client) -> None:
    for path in ("/ldes/9", "/ldes/x", "/ldes/1.csv", "/ldes.csv"):
        assert client.get(path).status_code == 404, path
    assert client.get("/ldes/1", headers={"Accept": "image/png"}).status_code == 406


def test_a_page_the_retention_policy_dropped_is_gone(catalogue, tmp_path: Path) -> None:  # noqa: F811
    publish_quads(tmp_path, catalogue, T1, page_size=2, retention_days=3)
    changed = catalogue
    for programme in programmes(catalogue)[:2]:  # the members of page 1, superseded
        changed = retitle(changed, programme)
    publish_quads(tmp_path, changed, T1 + timedelta(days=10), page_size=2, retention_days=3)
    app = create_app(settings.load({"data_dir": str(tmp_path), "today": TODAY}, environ={}))
    with app.test_client() as client:
        gone = client.get("/ldes/1", headers={"Accept": "application/json"})
        assert gone.status_code == 410
        assert gone.get_json()["status"] == 410 and "retention" in gone.get_json()["message"]
        assert client.get("/ldes/2").status_code == 200


def test_the_stream_is_readable_cross_origin(client) -> None:
    origin = {"Origin": "https://harvester.example"}
    for path in ("/ldes", "/ldes/1"):
        assert client.get(path, headers=origin).headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/ldes/1", headers={**origin, "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 204
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_prospectus_build_writes_the_stream(built_data_dir: Path) -> None:
    """`prospectus build` (the session's bundled build) runs the stream's writer."""
    version = versions.current(built_data_dir)
    assert version is not None
    stream = ldes.Stream.open(version.path)
    assert stream is not None
    programmes_built = version.manifest["ldes"]["programmes"]
    assert programmes_built > 0 and version.manifest["ldes"]["created"] == programmes_built
    members = b"".join(ldes.log.read_page(version.path, p) for p in stream.index.live)
    assert len(read_members(members)) == programmes_built


# -- links ----------------------------------------------------------------------------------


def test_the_dataset_description_and_void_link_the_stream(client) -> None:
    stream = ldes_stream()
    for path in ("/dataset.ttl", "/.well-known/void"):
        response = client.get(path, headers={"Accept": "text/turtle"})
        assert response.status_code == 200, path
        g = Graph().parse(data=response.data, format="turtle")
        assert (None, DCAT.dataset, stream) in g
        assert (stream, DCTERMS.type, LDES.EventStream) in g
        assert g.value(stream, VOID.rootResource) == URIRef(SITE + "/ldes")
        distribution = g.value(stream, DCAT.distribution)
        assert (distribution, RDF.type, LDES.EventSource) in g
        assert g.value(distribution, DCAT.downloadURL) == URIRef(SITE + "/ldes")
    description = Graph().parse(data=client.get("/dataset.ttl").data, format="turtle")
    assert [v.render() for v in check_dcat_ap(description, REF).violations] == []


def test_the_home_page_and_the_dataset_page_link_the_stream(client) -> None:
    soup = BeautifulSoup(client.get("/", headers={"Accept": "text/html"}).data, "html.parser")
    assert soup.find("a", href="/ldes") is not None
    html = client.get("/dataset", headers={"Accept": "text/html"}).data
    page = BeautifulSoup(html, "html.parser")
    assert page.find("a", href=SITE + "/ldes") is not None


def test_a_version_built_without_the_stream_says_so(catalogue, tmp_path: Path) -> None:  # noqa: F811
    lines = ox.serialize(catalogue, format=ox.RdfFormat.N_QUADS).decode().splitlines()
    publish_dataset(tmp_path, lines, now=T1)
    app = create_app(settings.load({"data_dir": str(tmp_path), "today": TODAY}, environ={}))
    with app.test_client() as client:
        answer = client.get("/ldes", headers={"Accept": "application/json"})
        assert answer.status_code == 404
        assert "without the change stream" in answer.get_json()["message"]
        description = Graph().parse(data=client.get("/dataset.ttl").data, format="turtle")
        assert (None, DCAT.dataset, ldes_stream()) not in description
        html = client.get("/dataset", headers={"Accept": "text/html"}).data
        page = BeautifulSoup(html, "html.parser")
        assert page.find("a", href=SITE + "/ldes") is None


# -- the real client against a live server ----------------------------------------------------


def remaining_items(url: str) -> int:
    """The members the root node counts over its pages (each page's relations say it)."""
    response = requests.get(url, headers={"Accept": "application/n-quads"}, timeout=30)
    response.raise_for_status()
    g = Graph().parse(data=response.text, format="nt")
    pages = {g.value(r, TREE.node): g.value(r, TREE.remainingItems) for r in g.subjects(TREE.node)}
    return sum(int(v) for v in pages.values())


def test_ldes_client_follows_the_live_server_and_resumes_with_only_the_new_members(
    catalogue,  # noqa: F811
    tmp_path: Path,
    live_server_factory: Callable[..., LiveServer],
) -> None:
    """ldes-client replicates /ldes from `prospectus serve` on 127.0.0.1; a version with one
    programme changed and one removed is published to the served folder; the resumed client
    emits exactly that version's two members, and the replica's latest versions are the
    programmes the server serves (the removed one a tombstone, its page 404)."""
    data_dir, state, replica = tmp_path / "data", tmp_path / "client-state", tmp_path / "r.nq"
    names = programmes(catalogue)
    publish_quads(data_dir, catalogue, T1)
    second = change_fee(catalogue, names[0])
    publish_quads(data_dir, second, T1 + timedelta(days=1))
    server = live_server_factory(settings={"data_dir": str(data_dir)})
    root = server.url + "/ldes"

    first_run = replicate(root, state, replica)
    assert first_run.members == 7  # six creations, one update
    before = set(read_members(replica))
    assert remaining_items(root) == 7

    third = remove(retitle(second, names[1]), names[2])
    v3 = publish_quads(data_dir, third, T1 + timedelta(days=2))
    deadline = time.monotonic() + 60  # the server looks for a new version once a second
    while remaining_items(root) != 9:
        assert time.monotonic() < deadline, "the server did not move to the new version"
        time.sleep(0.2)

    second_run = replicate(root, state, replica)
    members = read_members(replica)
    new = set(members) - before
    assert second_run.members == 2
    assert new == set(added_in(v3))
    assert {(str(members[m].version_of), next(iter(members[m].types))) for m in new} == {
        (names[1], AS.Update),
        (names[2], AS.Delete),
    }
    current = latest(members.values())
    assert set(map(str, current)) == set(names)
    with requests.Session() as http:
        for programme, member in current.items():
            url = f"{server.url}/doc/programme/{local(str(programme))}.nq"
            if str(programme) == names[2]:
                assert member.types == {AS.Delete} and len(member.payload) == 0
                assert http.get(url, timeout=30).status_code == 404
                continue
            expected = served_description(_Get(http, server.url), str(programme))
            assert isomorphic(normalised(member.payload), expected), programme


def test_every_worker_answers_from_a_new_version_once_current_has_moved(
    catalogue,  # noqa: F811
    tmp_path: Path,
    live_server_factory: Callable[..., LiveServer],
) -> None:
    """Two worker processes are kept busy while a new version is published; the requests sent
    right after `current` has moved are all answered from it, by both workers (a worker that
    looked a moment before the swap must not go on serving the old version for a while: a
    client would get a root node from one version and a page from another)."""
    data_dir = tmp_path / "data"
    first = publish_quads(data_dir, catalogue, T1)
    server = live_server_factory(settings={"data_dir": str(data_dir), "workers": "2"})
    health = server.url + "/healthz"
    stop = threading.Event()
    seen: set[int] = set()  # worker processes that answered

    def keep_busy() -> None:
        while not stop.is_set():  # a connection per request, so that both workers take some
            seen.add(requests.get(health, timeout=30).json()["pid"])

    busy = [threading.Thread(target=keep_busy) for _ in range(4)]
    for thread in busy:
        thread.start()
    try:
        deadline = time.monotonic() + 30
        while len(seen) < 2:
            assert time.monotonic() < deadline, f"only worker(s) {seen} answered"
            time.sleep(0.05)
        second = publish_quads(
            data_dir, retitle(catalogue, programmes(catalogue)[0]), T1 + timedelta(days=1)
        )
    finally:
        stop.set()
        for thread in busy:
            thread.join()
    assert second.id != first.id
    answered: dict[int, set[str]] = {}
    with ThreadPoolExecutor(8) as pool:
        for answer in pool.map(lambda _: requests.get(health, timeout=30).json(), range(32)):
            answered.setdefault(answer["pid"], set()).add(answer["version"])
    assert all(found == {second.id} for found in answered.values()), answered


class _Get:
    """The test client's `get(path)` over a live server (for served_description)."""

    def __init__(self, http: requests.Session, site: str):
        self.http, self.site = http, site

    def get(self, path: str) -> _Answer:
        response = self.http.get(self.site + path, timeout=30)
        return _Answer(response.status_code, response.content)


class _Answer:
    def __init__(self, status_code: int, data: bytes):
        self.status_code, self.data = status_code, data
