"""Full-text search (graph/search, graph/store/text_search.py): the index a build publishes
with each version, the query function, and the SPARQL functions over the same index.

The synthetic catalogue (`prospectus generate`) has English titles only; the fixture adds a
few programmes of its own (German, Dutch and hostile titles, a title hit and a description hit
of the same rare word) as extra named graphs of the same N-Quads file.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from bs4 import BeautifulSoup

from graph import versions
from graph.formats import BY_NAME
from graph.iris import TEXT_MATCH, TEXT_SCORE
from graph.search import INDEX_FILE, SearchIndexError, build_index, search
from graph.search.analysis import match_expression
from graph.settings import load
from graph.store import QueryRefused, Store, open_store
from graph.synthetic.generate import generate

from .conftest import LiveServer
from .sparql_support import result_rows
from .support.publishing import make_client

PROGRAMMES = 2000
EXTRA = "https://w3id.org/prospectus/id/programme/search-test/"
GRAPH = "https://w3id.org/prospectus/id/source/search-test"
PRO = "https://w3id.org/prospectus/ontology#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PREFIXES = (
    f"PREFIX fn: <{TEXT_SCORE[: -len('textScore')]}>\nPREFIX pro: <{PRO}>\nPREFIX dct: <{DCT}>\n"
)

# slug -> (title, language, description)
EXTRA_PROGRAMMES = {
    "fahrzeug": ("Master Fahrzeugtechnik: Elektrische Fahrzeuge", "de", None),
    "rechten": ("Bachelor in de rechten en de politieke wetenschappen", "nl", None),
    "title-hit": ("MSc Xylophonics", "en", "A programme about music."),
    "description-hit": (
        "MSc Orchestral Studies",
        "en",
        "Students of this programme learn orchestral practice, including xylophonics, "
        "percussion and conducting in a professional orchestra.",
    ),
    "hostile": ('<script>alert("x")</script> Zanzibar Studies', "en", None),
}


def _extra_quads() -> list[ox.Quad]:
    graph = ox.NamedNode(GRAPH)
    quads = []
    for slug, (title, lang, description) in EXTRA_PROGRAMMES.items():
        s = ox.NamedNode(EXTRA + slug)
        quads.append(
            ox.Quad(s, ox.NamedNode(RDF_TYPE), ox.NamedNode(PRO + "StudyProgramme"), graph)
        )
        quads.append(
            ox.Quad(s, ox.NamedNode(DCT + "title"), ox.Literal(title, language=lang), graph)
        )
        if description:
            text = ox.Literal(description, language=lang)
            quads.append(ox.Quad(s, ox.NamedNode(DCT + "description"), text, graph))
    return quads


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A version folder: the synthetic catalogue plus the extra programmes as dataset.nq, and
    its index written by the build writer."""
    version = tmp_path_factory.mktemp("search-version")
    generated = version / "generated.nq"
    generate(generated, PROGRAMMES, seed=5)
    with open(version / "dataset.nq", "wb") as out:
        out.write(generated.read_bytes())
        out.write(ox.serialize(_extra_quads(), format=ox.RdfFormat.N_QUADS) or b"")
    generated.unlink()
    build_index(version / "dataset.nq", version / INDEX_FILE)  # as the build's writer does
    return version


@pytest.fixture(scope="module")
def index(catalogue: Path) -> Path:
    return catalogue / INDEX_FILE


def _iris(result: object) -> list[str]:
    return [hit.iri for hit in result.hits]  # type: ignore[attr-defined]


def test_every_programme_is_a_document(index: Path) -> None:
    with sqlite3.connect(index) as db:
        documents = db.execute("SELECT count(*) FROM docs").fetchone()[0]
        meta = dict(db.execute("SELECT key, value FROM meta"))
    assert documents == PROGRAMMES + len(EXTRA_PROGRAMMES)
    assert {"de", "en", "nl"} <= set(json.loads(meta["languages"]))


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("Fahrzeuge", "fahrzeug"),  # as written
        ("Fahrzeug", "fahrzeug"),  # another inflection, through the German stemmer
        ("fahrzeugen", "fahrzeug"),
        ("rechten", "rechten"),  # as written, Dutch
        ("recht", "rechten"),  # the Dutch stem
        ("wetenschap", "rechten"),
    ],
)
def test_finds_a_non_english_title_by_its_inflected_forms(
    index: Path, query: str, slug: str
) -> None:
    result = search(index, query, limit=5)
    assert EXTRA + slug in _iris(result)
    hit = next(h for h in result.hits if h.iri == EXTRA + slug)
    marked = [m.get_text() for m in BeautifulSoup(hit.title, "html.parser").find_all("mark")]
    assert marked, hit.title  # the matching word of the title is marked
    assert all(word.lower().startswith(("fahrzeug", "recht", "wetenschap")) for word in marked)


def test_a_title_hit_ranks_above_a_description_hit(index: Path) -> None:
    result = search(index, "xylophonics")
    assert result.total == 2
    assert _iris(result) == [EXTRA + "title-hit", EXTRA + "description-hit"]
    assert result.hits[0].score > result.hits[1].score
    snippet = BeautifulSoup(result.hits[1].snippet, "html.parser")
    assert [m.get_text() for m in snippet.find_all("mark")] == ["xylophonics"]
    assert result.hits[1].snippet_field == "description"


def test_markup_in_the_data_comes_back_escaped(index: Path) -> None:
    result = search(index, "zanzibar script")
    assert _iris(result) == [EXTRA + "hostile"]
    soup = BeautifulSoup(result.hits[0].title, "html.parser")
    assert soup.find("script") is None
    assert {tag.name for tag in soup.find_all(True)} == {"mark"}
    assert soup.get_text() == EXTRA_PROGRAMMES["hostile"][0]  # the text itself, as written
    assert {m.get_text() for m in soup.find_all("mark")} == {"script", "Zanzibar"}


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"unbalanced',
        "*",
        "scien*",
        "NEAR(quantum science)",
        "quantum NEAR science",
        "title: quantum",
        "{title}: quantum",
        "quantum AND OR NOT",
        "^quantum",
        "-quantum +science",
        "quantum)(",
        "'; DROP TABLE docs; --",
        "\x00\x1f",
        "",
        "   ",
        "x" * 5000,
    ],
)
def test_hostile_query_syntax_is_only_words(index: Path, query: str) -> None:
    result = search(index, query)  # never raises
    assert result.total >= len(result.hits)
    expression = match_expression(query, ["en"])
    if expression is not None:  # every term quoted: the FTS5 parser accepts it
        with sqlite3.connect(":memory:") as db:
            db.execute("CREATE VIRTUAL TABLE t USING fts5(a)")
            db.execute("SELECT * FROM t WHERE t MATCH ?", [expression]).fetchall()


def test_every_query_word_must_match_and_paging_is_stable(index: Path) -> None:
    both = search(index, "quantum science", limit=1000)
    quantum = search(index, "quantum", limit=1000)
    assert 0 < both.total <= quantum.total
    assert set(_iris(both)) <= set(_iris(quantum))
    pages = [search(index, "quantum", limit=7, offset=o) for o in range(0, quantum.total, 7)]
    assert [iri for page in pages for iri in _iris(page)] == _iris(quantum)
    assert all(page.total == quantum.total for page in pages)


def test_facets_count_the_hits_and_filters_narrow_them(index: Path) -> None:
    result = search(index, "science", limit=1000)
    assert set(result.facets) == {"institution", "country", "language"}
    institution, count = next(iter(result.facets["institution"].items()))
    assert sum(result.facets["institution"].values()) >= result.total
    narrowed = search(index, "science", limit=1000, filters={"institution": institution})
    assert narrowed.total == count
    with pytest.raises(SearchIndexError, match="filters are"):
        search(index, "science", filters={"colour": "red"})


def test_finds_by_institution_and_city(index: Path) -> None:
    quantum = search(index, "quantum", limit=1)
    iri = quantum.hits[0].iri
    institution = iri.split("/programme/")[1].split("/")[0]
    words = institution.split("-")
    by_institution = search(index, " ".join(words), limit=1000)
    assert iri in _iris(by_institution)


def test_a_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SearchIndexError, match="no search index"):
        search(tmp_path / INDEX_FILE, "anything")
    with pytest.raises(SearchIndexError, match="could not read"):
        build_index(tmp_path / "dataset.nq", tmp_path / INDEX_FILE)  # no such file
    # only the lines of the predicates the index keeps are parsed: a broken one is an error
    broken = "<a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> broken"
    (tmp_path / "dataset.nq").write_text(broken, encoding="utf-8")
    with pytest.raises(SearchIndexError, match="could not read"):
        build_index(tmp_path / "dataset.nq", tmp_path / INDEX_FILE)


def test_an_index_of_another_format_is_refused_and_the_page_scans_labels(
    built_data_dir: Path, tmp_path: Path
) -> None:
    """A version built by an older Prospectus (its index of another format) is searched by
    the label scan, not answered with an error."""
    data_dir = tmp_path / "data"
    shutil.copytree(built_data_dir, data_dir, symlinks=True)
    version = versions.current(data_dir)
    assert version is not None
    db = sqlite3.connect(version.path / INDEX_FILE)
    db.execute("UPDATE meta SET value = '1' WHERE key = 'format'")
    db.commit()
    db.close()
    with pytest.raises(SearchIndexError, match="another version of Prospectus"):
        search(version.path / INDEX_FILE, "Leuven")
    with make_client(data_dir) as client:
        page = client.get("/search?q=Leuven", headers={"Accept": "text/html"})
        assert page.status_code == 200
        soup = BeautifulSoup(page.data, "html.parser")
        assert "KU Leuven" in soup.get_text(" ")  # found by its name in the label scan
        assert client.get("/search.json?q=Leuven").status_code == 404  # no index to serve


def test_the_bundled_build_publishes_its_index(built_data_dir: Path) -> None:
    version = versions.current(built_data_dir)
    assert version is not None
    index = version.path / INDEX_FILE
    result = search(index, "Leuven")  # a city of a provider, not in any title
    assert result.total >= 1
    assert all("/programme/" in hit.iri for hit in result.hits)


# --- the SPARQL functions -----------------------------------------------------------------


@pytest.fixture(scope="module")
def oxigraph(catalogue: Path) -> Iterator[Store]:
    settings = load({"store": "oxigraph", "store_in_memory": True, "threads": 2}, environ={})
    store = open_store(settings, catalogue)
    yield store
    store.close()


def _select(store: Store, sparql: str) -> set[tuple]:
    fmt = BY_NAME["json"]
    body = store.query(sparql, fmt=fmt).serialize(fmt)
    return result_rows(body, ox.QueryResultsFormat.JSON)


def test_text_score_answers_in_sparql_in_the_order_of_the_index(
    oxigraph: Store, index: Path
) -> None:
    sparql = PREFIXES + (
        "SELECT ?p ?score WHERE { ?p a pro:StudyProgramme "
        'BIND(fn:textScore(?p, "Fahrzeug OR xylophonics") AS ?s) '
        'BIND(fn:textScore(?p, "xylophonics") AS ?score) FILTER(BOUND(?score)) }'
    )
    rows = _select(oxigraph, sparql)
    scores = {str(p): float(score) for p, score in rows}
    expected = search(index, "xylophonics")
    assert scores == pytest.approx({hit.iri: hit.score for hit in expected.hits})
    assert scores[EXTRA + "title-hit"] > scores[EXTRA + "description-hit"]


def test_text_match_filters_literals_through_the_stemmer(oxigraph: Store) -> None:
    sparql = PREFIXES + (
        'SELECT ?p WHERE { ?p dct:title ?t FILTER(fn:textMatch(?t, "recht")) '
        f'FILTER(STRSTARTS(STR(?p), "{EXTRA}")) }}'
    )
    assert {str(row[0]) for row in _select(oxigraph, sparql)} == {EXTRA + "rechten"}
    assert str(TEXT_MATCH).endswith("textMatch")


def test_a_store_without_the_index_refuses_the_functions(index: Path, tmp_path: Path) -> None:
    """rdflib refuses even beside an index; Oxigraph refuses without one. Both hold only the
    extra programmes, so that their query processes start quickly on a loaded machine."""
    sparql = PREFIXES + 'SELECT ?p WHERE { ?p a pro:StudyProgramme FILTER(fn:textMatch(?p, "x")) }'
    small = ox.serialize(_extra_quads(), format=ox.RdfFormat.N_QUADS)
    with_index, bare = tmp_path / "with-index", tmp_path / "bare"
    for version in (with_index, bare):
        version.mkdir()
        (version / "dataset.nq").write_bytes(small)
    shutil.copy(index, with_index / INDEX_FILE)
    rdflib_store = open_store(load({"store": "rdflib", "threads": 2}, environ={}), with_index)
    settings = load({"store": "oxigraph", "store_in_memory": True, "threads": 2}, environ={})
    no_index = open_store(settings, bare)
    try:
        for store, name in ((rdflib_store, "the rdflib store"), (no_index, "this store")):
            with pytest.raises(QueryRefused, match=f"which {name} does not provide"):
                store.query(sparql)
            # queries that do not name the functions are answered as before
            plain = PREFIXES + "SELECT ?p WHERE { ?p a pro:StudyProgramme }"
            programmes = {str(row[0]) for row in _select(store, plain)}
            assert programmes == {EXTRA + slug for slug in EXTRA_PROGRAMMES}
    finally:
        rdflib_store.close()
        no_index.close()


def test_sparql_endpoint_answers_with_text_score(live_server: LiveServer) -> None:
    sparql = PREFIXES + (
        "SELECT ?p ?score WHERE { ?p a pro:StudyProgramme "
        'BIND(fn:textScore(?p, "Leuven") AS ?score) FILTER(BOUND(?score)) }'
    )
    response = requests.post(
        live_server.url + "/sparql",
        data={"query": sparql},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    rows = result_rows(response.content, ox.QueryResultsFormat.JSON)
    assert rows
    assert all(float(score) > 0 for _, score in rows)


def test_bench_search_quick_run_writes_its_results(tmp_path: Path) -> None:
    from bench import search as bench_search

    out, work = tmp_path / "results", tmp_path / "work"
    args = ["--sizes", "30", "--repeat", "1", "--sparql-repeat", "1"]
    assert bench_search.main([*args, "--out", str(out), "--work", str(work)]) == 0
    [json_file] = out.glob("search-*.json")
    [size] = json.loads(json_file.read_text(encoding="utf-8"))["sizes"]
    assert size["build"]["documents"] == 30
    for method in ("search", "search_no_facets", "sparql_contains", "sparql_text_score_first"):
        assert 0 < size[method]["p50_ms"] <= size[method]["p99_ms"]
    assert (out / json_file.name).with_suffix(".md").is_file()
