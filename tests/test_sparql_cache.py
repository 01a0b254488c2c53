"""The /sparql result cache (server/sparql_cache.py, `sparql_cache_bytes`): a repeated query is
answered from the cache with the same answer, by any worker, a new version empties it,
failures are never kept, and it holds no more than its bound. Live tests against gunicorn on
127.0.0.1 (most with one worker, whose bound is then the whole cache's)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS

from graph import versions
from graph.store.query_text import normalise
from server.sparql_cache import (
    ENTRY_OVERHEAD,
    Answer,
    Key,
    ResultCache,
    SharedResultCache,
    cacheable,
)

from .conftest import LiveServer
from .support.publishing import fixture_dataset, publish_fixture

PROGRAMME = URIRef("https://w3id.org/prospectus/id/programme/cache-test")
SOURCE = URIRef("https://w3id.org/prospectus/id/graph/cache-test")
TITLE_QUERY = f"SELECT ?t WHERE {{ <{PROGRAMME}> <{DCTERMS.title}> ?t }}"
JSON_RESULTS = "application/sparql-results+json"


def titled(title: str) -> Dataset:
    dataset = fixture_dataset()
    dataset.graph(SOURCE).add((PROGRAMME, DCTERMS.title, Literal(title, lang="en")))
    return dataset


def ask(server: LiveServer, query: str, **params: str) -> requests.Response:
    return requests.get(
        server.url + "/sparql",
        params={"query": query, **params},
        headers={"Accept": JSON_RESULTS},
        timeout=60,
    )


def titles(response: requests.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {row["t"]["value"] for row in response.json()["results"]["bindings"]}


def metric(server: LiveServer, sample: str, **labels: str) -> float:
    text = requests.get(server.url + "/metrics", timeout=30).text
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items())
    )


def counted_up_to(server: LiveServer, sample: str, at_least: float, **labels: str) -> bool:
    """Whether the metric reaches `at_least` within 30 s (answers are counted once sent)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if metric(server, sample, **labels) >= at_least:
            return True
    return False


def wait_for_version(server: LiveServer, version_id: str) -> None:
    """Poll /healthz until the server serves `version_id` (it rechecks `current` each second)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if requests.get(server.url + "/healthz", timeout=30).json()["version"] == version_id:
            return
    raise AssertionError(f"the server never served {version_id}")


@pytest.fixture(scope="module")
def cached(
    tmp_path_factory: pytest.TempPathFactory,
    live_server_factory: Callable[..., LiveServer],
) -> tuple[Path, LiveServer]:
    data_dir = tmp_path_factory.mktemp("cache") / "data"
    publish_fixture(data_dir, titled("First title"))
    server = live_server_factory(
        settings={"data_dir": str(data_dir), "workers": "1", "query_timeout": "1"}
    )
    return data_dir, server


# -- against a live server ------------------------------------------------------------------------


def test_a_repeated_query_is_a_hit_with_the_same_answer(cached: tuple[Path, LiveServer]) -> None:
    _data_dir, server = cached
    query = f"SELECT ?s ?t WHERE {{ ?s <{DCTERMS.title}> ?t }} ORDER BY ?s ?t"
    hits = metric(server, "prospectus_sparql_cache_total", result="hit")
    first, second = ask(server, query), ask(server, query)
    assert first.headers["X-Cache"] == "miss"
    assert second.headers["X-Cache"] == "hit"
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert json.loads(second.content) == json.loads(first.content)
    assert json.loads(first.content)["results"]["bindings"]
    # counted once the answer is sent (server/metrics.py), so possibly after we read it
    assert counted_up_to(server, "prospectus_sparql_cache_total", hits + 1, result="hit")
    assert counted_up_to(server, "prospectus_sparql_cache_bytes", 1)
    # another format of the same query is another answer
    as_xml = ask(server, query, format="xml")
    assert as_xml.headers["X-Cache"] == "miss"
    assert as_xml.headers["Content-Type"].startswith("application/sparql-results+xml")


def test_whitespace_and_comments_do_not_matter_strings_do(cached: tuple[Path, LiveServer]) -> None:
    _data_dir, server = cached
    query = f'ASK {{ ?s <{DCTERMS.title}> "a  b" . FILTER(?s != <{PROGRAMME}>) }}'
    reformatted = (
        f'# the same query, laid out\nASK{{\n  ?s <{DCTERMS.title}>   "a  b" .  # a title\n'
        f"  FILTER ( ?s != <{PROGRAMME}> )\n}}\n"
    )
    other_string = f'ASK {{ ?s <{DCTERMS.title}> "a b" . FILTER(?s != <{PROGRAMME}>) }}'
    assert ask(server, query).headers["X-Cache"] == "miss"
    assert ask(server, reformatted).headers["X-Cache"] == "hit"
    assert ask(server, other_string).headers["X-Cache"] == "miss"


def test_a_new_version_is_a_miss_with_the_new_answer(cached: tuple[Path, LiveServer]) -> None:
    data_dir, server = cached
    assert titles(ask(server, TITLE_QUERY)) == {"First title"}
    again = ask(server, TITLE_QUERY)
    assert again.headers["X-Cache"] == "hit" and titles(again) == {"First title"}
    second = publish_fixture(data_dir, titled("Second title"))
    wait_for_version(server, second.id)
    fresh = ask(server, TITLE_QUERY)
    assert fresh.headers["X-Cache"] == "miss"
    assert titles(fresh) == {"Second title"}
    assert ask(server, TITLE_QUERY).headers["X-Cache"] == "hit"
    current = versions.current(data_dir)
    assert current is not None and current.id == second.id


def test_failed_and_timed_out_queries_are_not_cached(cached: tuple[Path, LiveServer]) -> None:
    _data_dir, server = cached
    malformed = "SELECT ?s WHERE { ?s ?p }"
    for _ in range(2):
        answer = ask(server, malformed)
        assert answer.status_code == 400
        assert answer.headers.get("X-Cache") != "hit"
    # about 10^10 solutions over the fixture's ~50 quads: stopped at the 1 s query_timeout
    slow = (
        "SELECT (COUNT(*) AS ?n) WHERE "
        "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?p ?q ?r }"
    )
    for _ in range(2):
        answer = ask(server, slow)
        assert answer.status_code == 503, answer.text
        assert answer.headers.get("X-Cache") != "hit"


def test_volatile_queries_are_not_cached(cached: tuple[Path, LiveServer]) -> None:
    _data_dir, server = cached
    query = "SELECT (STRUUID() AS ?id) WHERE {}"
    first, second = ask(server, query), ask(server, query)
    assert "X-Cache" not in first.headers and "X-Cache" not in second.headers
    ids = [r.json()["results"]["bindings"][0]["id"]["value"] for r in (first, second)]
    assert ids[0] != ids[1]


def test_the_cache_holds_no_more_than_its_bound(
    tmp_path_factory: pytest.TempPathFactory,
    live_server_factory: Callable[..., LiveServer],
) -> None:
    data_dir = tmp_path_factory.mktemp("bound") / "data"
    publish_fixture(data_dir, titled("Bounded"))
    bound = 32 * 1024
    server = live_server_factory(
        settings={"data_dir": str(data_dir), "workers": "1", "sparql_cache_bytes": str(bound)}
    )
    queries = [
        f"SELECT ?s WHERE {{ ?s ?p ?o }} ORDER BY ?s ?p ?o LIMIT 1 OFFSET {n}" for n in range(80)
    ]
    for query in queries:
        assert ask(server, query).headers["X-Cache"] == "miss"
    held = metric(server, "prospectus_sparql_cache_bytes")
    assert 0 < held <= bound
    # the oldest answers were let go, the latest is kept
    assert ask(server, queries[-1]).headers["X-Cache"] == "hit"
    assert ask(server, queries[0]).headers["X-Cache"] == "miss"
    # an answer larger than 1/16 of the cache is never kept
    large = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    first = requests.get(
        server.url + "/sparql", params={"query": large, "format": "ntriples"}, timeout=60
    )
    assert len(first.content) > bound // 16
    again = requests.get(
        server.url + "/sparql", params={"query": large, "format": "ntriples"}, timeout=60
    )
    assert again.headers["X-Cache"] == "miss"
    assert metric(server, "prospectus_sparql_cache_bytes") <= bound


def test_the_workers_share_their_answers(
    tmp_path_factory: pytest.TempPathFactory,
    live_server_factory: Callable[..., LiveServer],
) -> None:
    data_dir = tmp_path_factory.mktemp("shared") / "data"
    publish_fixture(data_dir, titled("Shared"))
    server = live_server_factory(settings={"data_dir": str(data_dir), "workers": "2"})
    assert ask(server, TITLE_QUERY).headers["X-Cache"] == "miss"
    # each request on a connection of its own, which either worker may accept: with a cache
    # per worker, the first one the other worker takes would miss
    states = [ask(server, TITLE_QUERY).headers["X-Cache"] for _ in range(20)]
    assert states == ["hit"] * 20


def test_a_cache_of_zero_bytes_is_off(
    tmp_path_factory: pytest.TempPathFactory,
    live_server_factory: Callable[..., LiveServer],
) -> None:
    data_dir = tmp_path_factory.mktemp("off") / "data"
    publish_fixture(data_dir, titled("Uncached"))
    server = live_server_factory(
        settings={"data_dir": str(data_dir), "workers": "1", "sparql_cache_bytes": "0"}
    )
    answers = [ask(server, TITLE_QUERY) for _ in range(2)]
    assert all("X-Cache" not in a.headers for a in answers)
    assert all(titles(a) == {"Uncached"} for a in answers)
    assert metric(server, "prospectus_sparql_cache_total", result="hit") == 0


# -- the cache and the normalisation alone --------------------------------------------------------


def key(query: str, version: str = "v1") -> Key:
    return Key(version, normalise(query), (), (), "json", "http://127.0.0.1/sparql")


def test_lru_keeps_the_bound_and_follows_the_version() -> None:
    body = b"x" * 1000
    per_entry = len(body) + ENTRY_OVERHEAD + 20
    cache = ResultCache(16 * 4 * per_entry)  # room for about 64 entries
    keys = [key(f"ASK {{ ?s ?p {n} }}") for n in range(100)]
    for k in keys:
        assert cache.put(k, Answer(body, "application/json"))
    counts = cache.counts()
    assert counts.bytes <= cache.max_bytes and 0 < counts.entries < 100
    assert cache.get(keys[0]) is None and cache.get(keys[-1]) is not None
    assert not cache.put(key("ASK {}"), Answer(b"y" * cache.entry_limit, "application/json"))
    assert cache.get(key(f"ASK {{ ?s ?p {99} }}", version="v2")) is None  # another version
    assert cache.counts().entries == 0 and cache.counts().bytes == 0
    assert cache.get(keys[-1]) is None  # back to v1: emptied, not restored


def test_normalise_only_merges_layout() -> None:
    assert normalise("SELECT * WHERE { ?s ?p ?o } LIMIT 3") == normalise(
        "SELECT *\n  WHERE {?s ?p ?o}  # all\nLIMIT 3"
    )
    assert normalise('ASK { ?s ?p "a  b" }') != normalise('ASK { ?s ?p "a b" }')
    assert normalise("ASK { <http://x/#a> ?p ?o }") != normalise("ASK { <http://x/> ?p ?o }")
    assert normalise("ASK { FILTER(1 <= 2) }") != normalise("ASK { FILTER(1 < = 2) }")
    assert normalise("ASK { ?a <(?b)> ?c }") != normalise("ASK { ?a < (?b) > ?c }")


def test_volatile_and_outreaching_queries_are_not_cacheable() -> None:
    assert cacheable("SELECT * WHERE { ?s ?p ?o }", reaches_out=False)
    assert not cacheable("SELECT (now() AS ?n) {}", reaches_out=False)
    assert not cacheable("SELECT (RAND() AS ?n) {}", reaches_out=False)
    assert cacheable("SELECT ?now WHERE { ?s <http://x/now> ?now }", reaches_out=False)
    remote = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/q> { ?s ?p ?o } }"
    assert cacheable(remote, reaches_out=False)  # refused anyway: nothing is reachable
    assert not cacheable(remote, reaches_out=True)
    assert not cacheable("SELECT * FROM <http://127.0.0.1:1/g> WHERE { ?s ?p ?o }", True)


def test_shared_answers_are_read_by_every_process_and_bounded_per_writer(tmp_path: Path) -> None:
    body = b"y" * 1000
    per_entry = len(body) + ENTRY_OVERHEAD + 20
    writer, reader = (SharedResultCache(tmp_path, 16 * 4 * per_entry) for _ in range(2))
    keys = [key(f"ASK {{ ?s ?p {n} }}") for n in range(100)]
    for k in keys:
        assert writer.put(k, Answer(body, "application/json", 7))
    assert reader.get(keys[-1]) == Answer(body, "application/json", 7)
    assert reader.get(keys[0]) is None  # evicted by its writer: its file is gone
    files = [f for f in tmp_path.iterdir() if not f.name.startswith(".")]
    assert len(files) == writer.counts().entries < 100
    assert writer.counts().bytes <= writer.max_bytes
    assert reader.counts().bytes == 0  # it wrote nothing
    writer.get(key("ASK {}", version="v2"))  # the writer moves on: its files go
    assert not list(tmp_path.iterdir())
    assert reader.get(keys[-1]) is None
