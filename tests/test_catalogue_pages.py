"""The pages people start from, on a live server over a synthetic catalogue of a few thousand
programmes (tests/support/catalogue.py): the home page, `/programmes` paged in catalogue order
with its facets, `/search` over the version's full-text index, their JSON twins, and a page
query that runs out of time (docs/pages.md "The catalogue pages", docs/search.md)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from bs4 import BeautifulSoup
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.compare import isomorphic
from SPARQLWrapper import JSON, POST, SPARQLWrapper

from .conftest import LiveServer
from .process_support import stats, wait_for_stats
from .support.catalogue import EXTRA, NON_ENGLISH, publish_synthetic

pytestmark = pytest.mark.live

PROGRAMMES = 3000
SMALL = 300
PRO = "https://w3id.org/prospectus/ontology#"
BEL = "http://publications.europa.eu/resource/authority/country/BEL"
HTML = {"Accept": "text/html"}
SDO = Namespace("http://schema.org/")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
FACET_PATHS = {  # the SPARQL a reader would write for each facet, independently of the code
    "country": "<http://data.europa.eu/snb/model/elm/providedBy>/"
    "<http://schema.org/address>/<http://schema.org/addressCountry>",
    "institution": "<http://data.europa.eu/snb/model/elm/providedBy>",
    "eqf": f"<{PRO}awards>/<http://data.europa.eu/snb/model/elm/EQFLevel>",
    "field": f"<{PRO}fieldOfEducation>",
    "language": "<http://data.europa.eu/snb/model/elm/defaultLanguage>",
    "mode": "<http://data.europa.eu/snb/model/elm/mode>",
}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("catalogue") / "data"
    publish_synthetic(data_dir, PROGRAMMES)
    return data_dir


@pytest.fixture(scope="module")
def server(live_server_factory: Callable[..., LiveServer], published: Path) -> LiveServer:
    return live_server_factory(settings={"data_dir": str(published)})


def sparql(server: LiveServer, query: str) -> list[dict[str, str]]:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setMethod(POST)
    client.setQuery(query)
    client.setReturnFormat(JSON)
    rows = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def count(server: LiveServer, where: str) -> int:
    rows = sparql(server, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {where} }}")
    return int(rows[0]["n"])


def get_json(server: LiveServer, path: str) -> requests.Response:
    r = requests.get(urljoin(server.url, path), timeout=60)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r


def test_paging_walks_the_catalogue_in_order_exactly_once(server: LiveServer) -> None:
    seen: list[str] = []
    positions: list[int] = []
    path: str | None = "/programmes.json"
    pages = 0
    while path is not None:
        r = get_json(server, path)
        data = r.json()
        seen += [p["iri"] for p in data["programmes"]]
        positions += [p["position"] for p in data["programmes"]]
        assert (data["next"] is None) == ("next" not in r.links)
        if data["next"] is not None:
            assert r.links["next"]["url"] == data["next"]
        path = data["next"]
        pages += 1
    expected = count(server, f"?p <{PRO}listPosition> ?pos")
    assert expected == PROGRAMMES + len(NON_ENGLISH)
    assert len(seen) == len(set(seen)) == expected
    assert positions == sorted(positions) == list(range(1, expected + 1))
    # The order is the graph's: the positions SPARQL reads for the first page.
    first = sparql(
        server, f"SELECT ?p WHERE {{ ?p <{PRO}listPosition> ?pos }} ORDER BY ?pos LIMIT 20"
    )
    assert [row["p"] for row in first] == seen[:20]
    print(f"\n{pages} pages of /programmes.json walked {len(seen)} programmes")


def test_a_filtered_walk_keeps_exactly_the_matching_programmes(server: LiveServer) -> None:
    path: str | None = f"/programmes.json?country={BEL}&credits=-60"
    seen: list[str] = []
    previous: list[str | None] = []
    while path is not None:
        data = get_json(server, path).json()
        seen += [p["iri"] for p in data["programmes"]]
        previous.append(data["prev"])
        path = data["next"]
    where = (
        f"?p <{PRO}listPosition> ?pos ; {FACET_PATHS['country']} <{BEL}> ; "
        "<http://data.europa.eu/snb/model/elm/creditPoint>/"
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#value> ?c FILTER(?c <= 60)"
    )
    rows = sparql(server, f"SELECT DISTINCT ?p ?pos WHERE {{ {where} }} ORDER BY ?pos")
    assert seen == [row["p"] for row in rows]
    assert len(previous) > 1 and previous[0] is None and all(previous[1:])


def test_facet_counts_agree_with_sparql(server: LiveServer) -> None:
    unfiltered = get_json(server, "/programmes.json").json()
    assert unfiltered["counts_complete"]
    assert unfiltered["total"] == PROGRAMMES + len(NON_ENGLISH)
    filtered = get_json(server, f"/programmes.json?country={BEL}").json()
    assert filtered["total"] == count(
        server, f"?p <{PRO}listPosition> ?pos ; {FACET_PATHS['country']} <{BEL}>"
    )
    for data, condition in ((unfiltered, ""), (filtered, f"?p {FACET_PATHS['country']} <{BEL}> .")):
        for name, path in FACET_PATHS.items():
            rows = sparql(
                server,
                f"SELECT ?v (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p <{PRO}listPosition> ?pos . "
                f"{condition} ?p {path} ?v }} GROUP BY ?v",
            )
            expected = {row["v"]: int(row["n"]) for row in rows}
            assert {o["value"]: o["count"] for o in data["facets"][name]} == expected, name
    credits = {o["value"]: o["count"] for o in unfiltered["facets"]["credits"]}
    for key, test in (("-60", "?c <= 60"), ("61-90", "?c > 60 && ?c <= 90")):
        assert credits.get(key, 0) == count(
            server,
            f"?p <{PRO}listPosition> ?pos ; <http://data.europa.eu/snb/model/elm/creditPoint>/"
            f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#value> ?c FILTER({test})",
        )


def test_the_listing_page_links_facets_and_pages(server: LiveServer) -> None:
    r = requests.get(server.url + "/programmes?after=40", headers=HTML, timeout=60)
    assert r.status_code == 200
    soup = BeautifulSoup(r.text, "html.parser")
    assert len(soup.select("li.card")) == 20
    assert soup.select_one('nav.pager a[rel="next"]')["href"] == "/programmes?after=60"
    assert soup.select_one('nav.pager a[rel="prev"]')["href"] == "/programmes?after=20"
    assert r.links["next"]["url"] == "/programmes?after=60"
    belgium = [
        a for a in soup.select('section[data-facet="country"] a') if a["href"].endswith("BEL")
    ]
    assert belgium and "Belgium" in belgium[0].get_text()


def test_search_finds_a_word_of_a_non_english_title(server: LiveServer) -> None:
    r = requests.get(server.url + "/search?q=Fahrzeug", headers=HTML, timeout=60)
    soup = BeautifulSoup(r.text, "html.parser")
    hits = soup.select("ol.hits li a")
    assert [a["href"] for a in hits][:1] == ["/doc/programme/catalogue-test/fahrzeug"]
    assert [m.get_text() for m in hits[0].select("mark")] == ["Fahrzeuge"]
    data = get_json(server, "/search.json?q=rechten").json()
    assert data["programmes"][0]["iri"] == EXTRA + "rechten"
    # A title holding markup is shown as text; only the index's <mark> is markup.
    hostile = requests.get(server.url + "/search?q=Zanzibarkunde", headers=HTML, timeout=60)
    assert "<script>alert" not in hostile.text
    assert '<script>alert("x")</script>' in BeautifulSoup(hostile.text, "html.parser").get_text()


def test_search_json_pages_and_facets(server: LiveServer) -> None:
    first = get_json(server, "/search.json?q=science")
    data = first.json()
    assert data["total"] > 40 and len(data["programmes"]) == 20
    assert first.links["next"]["url"] == data["next"] == "/search.json?q=science&page=2"
    second = get_json(server, data["next"]).json()
    assert not {p["iri"] for p in second["programmes"]} & {p["iri"] for p in data["programmes"]}
    countries = {o["value"]: o["count"] for o in data["facets"]["country"]}
    narrowed = get_json(server, f"/search.json?q=science&country={BEL}").json()
    assert narrowed["total"] == countries[BEL]


def test_the_home_page_does_not_grow_with_the_catalogue(
    server: LiveServer,
    live_server_factory: Callable[..., LiveServer],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    small_dir = tmp_path_factory.mktemp("small") / "data"
    publish_synthetic(small_dir, SMALL)
    small = live_server_factory(settings={"data_dir": str(small_dir)})
    sizes = {}
    for name, live in (("small", small), ("large", server)):
        plain = {**HTML, "Accept-Encoding": "identity"}
        r = requests.get(live.url + "/", headers=plain, timeout=60)
        soup = BeautifulSoup(r.text, "html.parser")
        assert len(soup.select("#prog-h ~ ul li.card")) == 20
        sizes[name] = len(r.content)
    print(f"\nhome page bytes: {SMALL} programmes {sizes['small']}, {PROGRAMMES} {sizes['large']}")
    assert abs(sizes["large"] - sizes["small"]) < 0.1 * sizes["small"]
    home = requests.get(server.url + "/", headers=HTML, timeout=60).text
    text = BeautifulSoup(home, "html.parser").get_text(" ", strip=True)
    assert f"Programmes {PROGRAMMES + len(NON_ENGLISH)}" in text


def test_a_page_query_over_the_timeout_is_stopped_and_answers_the_error_page(
    live_server_factory: Callable[..., LiveServer], published: Path
) -> None:
    slow = live_server_factory(
        settings={"data_dir": str(published), "query_timeout": "0.000001", "workers": "1"}
    )
    before = stats(slow)["timeouts"]
    r = requests.get(slow.url + f"/programmes?country={BEL}", headers=HTML, timeout=60)
    assert r.status_code == 503
    page = BeautifulSoup(r.text, "html.parser")
    assert page.h1 is not None and "timed out" in page.h1.get_text().lower()
    assert "query_timeout" in page.get_text()
    after = wait_for_stats(
        slow, lambda s: s["timeouts"] > before and s["running_heavy"] + s["running_cheap"] == 0
    )
    print(f"\nstopped: {after['timeouts'] - before} page query(ies) timed out, none running")


def test_a_page_of_programmes_as_rdf(server: LiveServer) -> None:
    r = requests.get(server.url + "/programmes.ttl?after=20", timeout=60)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=r.text, format="turtle")
    items = {
        int(graph.value(item, SDO.position)): graph.value(item, SDO.item)
        for item in graph.subjects(RDF.type, SDO.ListItem)
    }
    assert sorted(items) == list(range(21, 41))
    data = get_json(server, "/programmes.json?after=20").json()
    assert [items[p["position"]] for p in data["programmes"]] == [
        URIRef(p["iri"]) for p in data["programmes"]
    ]
    [page] = graph.subjects(RDF.type, SDO.ItemList)
    assert str(graph.value(page, HYDRA.next)).endswith("/programmes?after=40")
    assert r.links["next"]["url"] == "/programmes.ttl?after=40"
    # Every RDF format carries the same triples.
    as_nt = requests.get(server.url + "/programmes.nt?after=20", timeout=60).text
    nt = Graph().parse(data=as_nt, format="nt")
    assert len(nt) == len(graph)


def test_the_programme_list_negotiates_its_twins(server: LiveServer) -> None:
    """/programmes answers Accept with the same page its .json and RDF twins give."""
    url = server.url + "/programmes?after=20"
    turtle = requests.get(url, headers={"Accept": "text/turtle"}, timeout=60)
    assert turtle.headers["Content-Type"].startswith("text/turtle")
    assert "Accept" in turtle.headers["Vary"]
    assert turtle.headers["Content-Location"] == "/programmes.ttl?after=20"
    twin = requests.get(server.url + "/programmes.ttl?after=20", timeout=60)
    assert isomorphic(Graph().parse(data=turtle.text, format="turtle"),
                      Graph().parse(data=twin.text, format="turtle"))  # fmt: skip
    as_json = requests.get(url, headers={"Accept": "application/json, text/html;q=0.9"}, timeout=60)
    assert as_json.headers["Content-Type"].startswith("application/json")
    assert as_json.json() == get_json(server, "/programmes.json?after=20").json()
    assert as_json.links["next"]["url"] == "/programmes.json?after=40"
    by_name = requests.get(url + "&format=json", timeout=60)
    assert by_name.json() == as_json.json()
    html = requests.get(url, headers={"Accept": "text/html,application/json;q=0.8"}, timeout=60)
    assert html.headers["Content-Type"].startswith("text/html")
    assert len(BeautifulSoup(html.text, "html.parser").select("li.card")) == 20
    refused = requests.get(url, headers={"Accept": "image/png"}, timeout=60)
    assert refused.status_code == 406


@pytest.mark.parametrize(
    "path",
    [
        "/programmes?credits=90",  # not a range
        "/programmes?country=not%20an%20iri",
        "/programmes?after=-1",
        "/programmes.json?after=x",
        "/search?q=science&page=0",
        "/search.json?q=science&country=%3Cscript%3E",
    ],
)
def test_a_bad_parameter_is_a_clear_400(server: LiveServer, path: str) -> None:
    r = requests.get(server.url + path, headers={"Accept": "application/json"}, timeout=60)
    assert r.status_code == 400
    body = r.json()
    assert body["ok"] is False and "takes" in body["message"]
    assert "<script>" not in r.text
