"""The SPARQL endpoint on a real server (gunicorn on 127.0.0.1), queried by real clients:
SPARQLWrapper, rdflib's SPARQLStore and plain HTTP (requests). Every result is parsed and
compared with what rdflib computes over the same fixture file, never string-matched.
"""

from __future__ import annotations

import csv
import http.server
import io
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.dom.minidom import Document

import pyoxigraph as ox
import pytest
import requests
from bs4 import BeautifulSoup
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

from .conftest import LiveServer
from .process_support import stats, wait_for_stats
from .sparql_support import PROGRAMMES as DATA
from .sparql_support import result_rows as ox_rows
from .sparql_support import server_factory

pytestmark = pytest.mark.live

EX = Namespace("http://example.org/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

TITLES = "SELECT ?s ?t WHERE { ?s <http://example.org/title> ?t }"
COUNTRIES = (
    "CONSTRUCT { ?s <http://example.org/country> ?c } WHERE { ?s <http://example.org/country> ?c }"
)
EVERYTHING = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


@pytest.fixture(scope="module")
def fixture_dataset() -> Dataset:
    dataset = Dataset(default_union=True)
    dataset.parse(DATA, format="trig")
    return dataset


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveServer]]:
    yield from server_factory(tmp_path_factory)


@pytest.fixture(scope="module")
def server(servers: Callable[..., LiveServer]) -> LiveServer:
    return servers()


def endpoint(server: LiveServer) -> str:
    return server.url + "/sparql"


def expected_rows(dataset: Dataset, query: str) -> set[tuple]:
    result = dataset.query(query)
    return {tuple(row) for row in result}


def json_rows(data: dict) -> set[tuple]:
    names = data["head"]["vars"]
    rows = set()
    for binding in data["results"]["bindings"]:
        row = []
        for name in names:
            cell = binding.get(name)
            if cell is None:
                row.append(None)
            elif cell["type"] == "uri":
                row.append(URIRef(cell["value"]))
            elif cell["type"] == "bnode":
                row.append(BNode(cell["value"]))
            else:
                row.append(
                    Literal(cell["value"], lang=cell.get("xml:lang"), datatype=cell.get("datatype"))
                )
        rows.add(tuple(row))
    return rows


# -- SPARQLWrapper ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(
    server: LiveServer, fixture_dataset: Dataset, method: str
) -> None:
    client = SPARQLWrapper(endpoint(server))
    client.setMethod(method)
    client.setQuery(TITLES)
    client.setReturnFormat(JSON)
    data = client.query().convert()
    assert json_rows(data) == expected_rows(fixture_dataset, TITLES)


def test_sparqlwrapper_select_xml(server: LiveServer, fixture_dataset: Dataset) -> None:
    client = SPARQLWrapper(endpoint(server))
    client.setQuery(TITLES)
    client.setReturnFormat(XML)
    document = client.query().convert()
    assert isinstance(document, Document)
    body = document.toxml().encode()
    assert ox_rows(body, ox.QueryResultsFormat.XML) == expected_rows(fixture_dataset, TITLES)


def test_sparqlwrapper_select_tsv_keeps_terms(server: LiveServer, fixture_dataset: Dataset) -> None:
    query = "SELECT ?s ?note WHERE { ?s <http://example.org/note> ?note }"
    client = SPARQLWrapper(endpoint(server))
    client.setQuery(query)
    client.setReturnFormat(TSV)
    body = client.query().convert()
    assert ox_rows(body, ox.QueryResultsFormat.TSV) == expected_rows(fixture_dataset, query)


def test_sparqlwrapper_select_csv(server: LiveServer, fixture_dataset: Dataset) -> None:
    query = "SELECT ?s ?note WHERE { ?s <http://example.org/note> ?note }"
    client = SPARQLWrapper(endpoint(server))
    client.setQuery(query)
    client.setReturnFormat(CSV)
    body = client.query().convert()
    table = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))
    assert table[0] == ["s", "note"]
    expected = {(str(s), str(n)) for s, n in expected_rows(fixture_dataset, query)}
    assert {tuple(row) for row in table[1:]} == expected


def test_sparqlwrapper_ask(server: LiveServer) -> None:
    client = SPARQLWrapper(endpoint(server))
    client.setReturnFormat(JSON)
    client.setQuery("ASK { <http://example.org/pioneer> <http://example.org/credits> 120 }")
    assert client.query().convert()["boolean"] is True
    client.setQuery("ASK { <http://example.org/pioneer> <http://example.org/credits> 121 }")
    assert client.query().convert()["boolean"] is False
    client.setReturnFormat(XML)
    document = client.query().convert()
    assert document.getElementsByTagName("boolean")[0].firstChild.data == "false"


@pytest.mark.parametrize("return_format", ["turtle", "n3", "xml", "json-ld"])
def test_sparqlwrapper_construct(
    server: LiveServer, fixture_dataset: Dataset, return_format: str
) -> None:
    client = SPARQLWrapper(endpoint(server))
    client.setQuery(COUNTRIES)
    client.setReturnFormat(return_format)
    result = client.query()
    media_type = result.info()["content-type"].split(";")[0]
    graph = Graph().parse(data=result.response.read(), format=media_type)
    assert isomorphic(graph, fixture_dataset.query(COUNTRIES).graph)


# -- rdflib's SPARQLStore --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore(server: LiveServer, fixture_dataset: Dataset, method: str) -> None:
    """SPARQLStore's default: SPARQL XML results, RDF/XML graphs."""
    graph = Graph(store=SPARQLStore(endpoint(server), method=method))
    assert expected_rows(graph, TITLES) == expected_rows(fixture_dataset, TITLES)
    assert graph.query("ASK { ?s a <http://example.org/Programme> }").askAnswer is True
    constructed = graph.query(COUNTRIES).graph
    assert isomorphic(constructed, fixture_dataset.query(COUNTRIES).graph)
    assert (EX.ict, EX.credits, Literal(120)) in graph
    assert len(list(graph.triples((None, RDF.type, EX.Programme)))) == 3
    assert len(graph) == 19


def test_rdflib_sparqlstore_json(server: LiveServer, fixture_dataset: Dataset) -> None:
    graph = Graph(store=SPARQLStore(endpoint(server), returnFormat="json"))
    assert expected_rows(graph, TITLES) == expected_rows(fixture_dataset, TITLES)
    assert graph.query("ASK { ?s ?p 121 }").askAnswer is False


# -- plain HTTP ------------------------------------------------------------------------------


def _three_forms(url: str, query: str, accept: str) -> list[requests.Response]:
    headers = {"Accept": accept}
    return [
        requests.get(url, params={"query": query}, headers=headers, timeout=30),
        requests.post(url, data={"query": query}, headers=headers, timeout=30),
        requests.post(
            url,
            data=query.encode(),
            timeout=30,
            headers={**headers, "Content-Type": "application/sparql-query"},
        ),
    ]


@pytest.mark.parametrize(
    "accept, fmt",
    [
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ],
)
def test_http_select_every_form(
    server: LiveServer, fixture_dataset: Dataset, accept: str, fmt: ox.QueryResultsFormat
) -> None:
    expected = expected_rows(fixture_dataset, TITLES)
    for response in _three_forms(endpoint(server), TITLES, accept):
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].split(";")[0] == accept
        assert "Accept" in response.headers["Vary"]
        assert ox_rows(response.content, fmt) == expected


@pytest.mark.parametrize(
    "accept, rdf_format",
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
        ("application/trig", "trig"),
        ("application/n-quads", "nquads"),
    ],
)
def test_http_construct_every_format(
    server: LiveServer, fixture_dataset: Dataset, accept: str, rdf_format: str
) -> None:
    expected = fixture_dataset.query(EVERYTHING).graph
    for response in _three_forms(endpoint(server), EVERYTHING, accept):
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].split(";")[0] == accept
        if rdf_format in ("trig", "nquads"):
            parsed = Dataset()
            parsed.parse(data=response.content, format=rdf_format)
            graph = Graph()
            for s, p, o, _g in parsed.quads():
                graph.add((s, p, o))
        else:
            graph = Graph().parse(data=response.content, format=rdf_format)
        assert isomorphic(graph, expected)


def test_http_describe(server: LiveServer, fixture_dataset: Dataset) -> None:
    response = requests.get(
        endpoint(server),
        params={"query": "DESCRIBE <http://example.org/pioneer>"},
        headers={"Accept": "text/turtle"},
        timeout=30,
    )
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    expected = Graph()
    for triple in fixture_dataset.triples((EX.pioneer, None, None)):
        expected.add(triple)
    assert isomorphic(graph, expected)


def test_http_ask_in_every_result_format(server: LiveServer) -> None:
    query = "ASK { ?s <http://example.org/country> <http://example.org/estonia> }"
    for accept in ("application/sparql-results+json", "application/sparql-results+xml"):
        response = requests.get(
            endpoint(server), params={"query": query}, headers={"Accept": accept}, timeout=30
        )
        parsed = ox.parse_query_results(
            response.content,
            ox.QueryResultsFormat.JSON if "json" in accept else ox.QueryResultsFormat.XML,
        )
        assert bool(parsed) is True
    for accept in ("text/csv", "text/tab-separated-values"):
        response = requests.get(
            endpoint(server), params={"query": query}, headers={"Accept": accept}, timeout=30
        )
        assert response.status_code == 200
        assert response.text.strip() == "true"


def test_dataset_parameters(server: LiveServer) -> None:
    url = endpoint(server)
    ask = "ASK { <http://example.org/pioneer> a ?type }"
    only_b = {"query": ask, "default-graph-uri": "http://example.org/graph-b"}
    only_a = {"query": ask, "default-graph-uri": "http://example.org/graph-a"}
    accept = {"Accept": "application/sparql-results+json"}
    assert requests.get(url, params=only_b, headers=accept, timeout=30).json()["boolean"] is False
    assert requests.get(url, params=only_a, headers=accept, timeout=30).json()["boolean"] is True
    named = {
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        "named-graph-uri": "http://example.org/graph-b",
    }
    rows = json_rows(requests.get(url, params=named, headers=accept, timeout=30).json())
    assert rows == {(URIRef("http://example.org/graph-b"),)}


def test_default_graph_is_the_union(server: LiveServer) -> None:
    query = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a <http://example.org/Programme> }"
    response = requests.get(
        endpoint(server),
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert int(response.json()["results"]["bindings"][0]["n"]["value"]) == 3


@pytest.mark.parametrize(
    "accept, status, media_type",
    [
        ("application/sparql-results+json;q=0.5, text/csv", 200, "text/csv"),
        ("text/*;q=0.9, application/sparql-results+xml;q=0.1", 200, "text/csv"),
        ("*/*", 200, "application/sparql-results+json"),
        ("", 200, "application/sparql-results+json"),
        ("application/json", 200, "application/sparql-results+json"),
        ("image/png", 406, None),
        ("text/turtle", 406, None),
    ],
)
def test_accept_negotiation(
    server: LiveServer, accept: str, status: int, media_type: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = requests.get(endpoint(server), params={"query": TITLES}, headers=headers, timeout=30)
    assert response.status_code == status
    assert "Accept" in response.headers["Vary"]
    if media_type:
        assert response.headers["Content-Type"].split(";")[0] == media_type


def test_format_parameter_wins(server: LiveServer, fixture_dataset: Dataset) -> None:
    response = requests.get(
        endpoint(server),
        params={"query": TITLES, "format": "xml"},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert response.headers["Content-Type"].split(";")[0] == "application/sparql-results+xml"
    assert ox_rows(response.content, ox.QueryResultsFormat.XML) == expected_rows(
        fixture_dataset, TITLES
    )
    bad = requests.get(endpoint(server), params={"query": TITLES, "format": "turtle"}, timeout=30)
    assert bad.status_code == 406


def test_graph_result_without_accept_is_turtle(
    server: LiveServer, fixture_dataset: Dataset
) -> None:
    response = requests.post(
        endpoint(server),
        data=COUNTRIES.encode(),
        timeout=30,
        headers={"Content-Type": "application/sparql-query", "Accept": ""},
    )
    assert response.headers["Content-Type"].split(";")[0] == "text/turtle"
    graph = Graph().parse(data=response.content, format="turtle")
    assert isomorphic(graph, fixture_dataset.query(COUNTRIES).graph)


# -- errors and refusals ---------------------------------------------------------------------


def test_malformed_query_names_the_position(server: LiveServer) -> None:
    response = requests.get(
        endpoint(server),
        params={"query": "SELECT * WHERE {\n ?s ?p }"},
        headers={"Accept": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert "2:" in body["message"]  # line 2 of the query
    assert "malformed query" in body["message"]


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {
            "method": "POST",
            "data": b"CLEAR ALL",
            "headers": {"Content-Type": "application/sparql-update"},
        },
        {"method": "POST", "data": {"update": "CLEAR ALL"}},
        {"method": "GET", "params": {"update": "CLEAR ALL"}},
        {"method": "GET", "params": {"query": "INSERT DATA { <a:b> <a:c> <a:d> }"}},
    ],
)
def test_updates_are_refused(server: LiveServer, request_kwargs: dict) -> None:
    response = requests.request(url=endpoint(server), timeout=30, **request_kwargs)
    assert response.status_code == 403
    assert "read-only" in response.text
    # and nothing changed
    count = requests.get(
        endpoint(server),
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
        headers={"Accept": "application/json"},
        timeout=30,
    ).json()
    assert int(count["results"]["bindings"][0]["n"]["value"]) == 19


def test_service_makes_no_connection(server: LiveServer) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    connections: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _addr = listener.accept()
            except TimeoutError:
                continue
            connections.append(conn)

    watcher = threading.Thread(target=accept)
    watcher.start()
    try:
        queries = [
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
            f"PREFIX r: <http://127.0.0.1:{port}/>\n"
            "SELECT * { SERVICE SILENT r:sparql { ?s ?p ?o } }",
            f"SELECT * WHERE {{ \\u0053ERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
            f"SELECT * FROM <http://127.0.0.1:{port}/data.ttl> WHERE {{ ?s ?p ?o }}",
        ]
        statuses = []
        for query in queries:
            response = requests.post(
                endpoint(server),
                data={"query": query},
                timeout=30,
                headers={"Accept": "application/json"},
            )
            statuses.append(response.status_code)
            if response.status_code == 403:
                assert "service_allowlist" in response.json()["message"]
        time.sleep(0.5)
    finally:
        stop.set()
        watcher.join()
        listener.close()
    assert statuses[:2] == [403, 403]
    assert statuses[2] in (400, 403)  # refused before the parser could reject it
    assert statuses[3] == 200  # FROM names a (missing, so empty) local graph: never fetched
    assert connections == []


def test_query_too_long(servers: Callable[..., LiveServer]) -> None:
    server = servers(settings={"max_query_length": "60"})
    short = requests.get(endpoint(server), params={"query": "ASK {}"}, timeout=30)
    assert short.status_code == 200
    query = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 100
    for response in _three_forms(endpoint(server), query, "application/json"):
        assert response.status_code == 413
        assert "max_query_length" in response.text


# -- limits ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def capped_server(servers: Callable[..., LiveServer]) -> LiveServer:
    return servers(settings={"max_rows": "2"})


def test_row_cap_is_declared(capped_server: LiveServer) -> None:
    query = "SELECT ?s ?c WHERE { ?s <http://example.org/country> ?c }"
    for accept, fmt in (
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ):
        response = requests.get(
            endpoint(capped_server), params={"query": query}, headers={"Accept": accept}, timeout=30
        )
        assert response.headers["X-Prospectus-Truncated"] == "2"
        assert len(ox_rows(response.content, fmt)) == 2
    response = requests.get(
        endpoint(capped_server), params={"query": query}, headers={"Accept": "text/csv"}, timeout=30
    )
    assert response.headers["X-Prospectus-Truncated"] == "2"
    assert len(list(csv.reader(io.StringIO(response.text)))) == 3
    graph = requests.get(
        endpoint(capped_server),
        params={"query": COUNTRIES},
        headers={"Accept": "application/n-triples"},
        timeout=30,
    )
    assert graph.headers["X-Prospectus-Truncated"] == "2"
    assert len(Graph().parse(data=graph.content, format="nt")) == 2
    exposed = graph.headers["Access-Control-Expose-Headers"]
    assert "X-Prospectus-Truncated" in exposed


def test_row_cap_not_declared_when_not_cut(capped_server: LiveServer) -> None:
    query = "SELECT ?t WHERE { <http://example.org/ict> <http://example.org/title> ?t }"
    response = requests.get(
        endpoint(capped_server),
        params={"query": query},
        headers={"Accept": "application/json"},
        timeout=30,
    )
    assert "X-Prospectus-Truncated" not in response.headers
    assert len(response.json()["results"]["bindings"]) == 2


def test_row_cap_on_the_query_page(capped_server: LiveServer) -> None:
    query = "SELECT ?s ?c WHERE { ?s <http://example.org/country> ?c }"
    response = requests.get(
        endpoint(capped_server),
        params={"query": query},
        headers={"Accept": "text/html"},
        timeout=30,
    )
    assert response.headers["X-Prospectus-Truncated"] == "2"
    soup = BeautifulSoup(response.text, "html.parser")
    notice = soup.select_one(".truncated")
    assert notice is not None and "2" in notice.get_text() and "max_rows" in notice.get_text()
    assert len(soup.select(".results tbody tr")) == 2


JSON_ACCEPT = {"Accept": "application/sparql-results+json"}


def _many_triples(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            out.write(f'<http://example.org/n{i}> <http://example.org/p{i % 7}> "{i}" .\n')
    return path


def test_timeout_stops_the_query_and_others_are_served(
    servers: Callable[..., LiveServer], tmp_path: Path
) -> None:
    data = _many_triples(tmp_path / "many.nt", 3000)
    server = servers(
        data_files=(data,), settings={"query_timeout": "2", "workers": "1", "threads": "4"}
    )
    runaway = (
        "SELECT (COUNT(*) AS ?n) (SUM(STRLEN(CONCAT(STR(?a), STR(?c), STR(?e)))) AS ?l) "
        "WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . FILTER (?a != ?g) }"
    )
    url = endpoint(server)
    with ThreadPoolExecutor(max_workers=2) as pool:
        started = time.monotonic()
        slow = pool.submit(
            requests.get,
            url,
            params={"query": runaway},
            headers={"Accept": "application/json"},
            timeout=120,
        )
        wait_for_stats(server, lambda s: s["running_heavy"] == 1)  # the runaway is running
        quick = requests.get(
            url,
            params={"query": 'ASK { ?s ?p "42" }'},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        # answered while the runaway still ran: it did not wait for it
        assert stats(server)["running_heavy"] == 1 and not slow.done()
        answer = slow.result()
        slow_time = time.monotonic() - started
    assert quick.status_code == 200 and quick.json()["boolean"] is True
    assert answer.status_code == 503
    assert "query_timeout" in answer.json()["message"]
    assert slow_time >= 2  # stopped at the deadline, not before
    assert stats(server)["timeouts"] == 1
    # the worker survives and keeps answering the next runaway the same way
    again = requests.get(
        url, params={"query": runaway}, headers={"Accept": "application/json"}, timeout=60
    )
    assert again.status_code == 503
    after = requests.get(url, params={"query": 'ASK { ?s ?p "7" }'}, timeout=30)
    assert after.status_code == 200


# Two answers sent one after the other by the server may be read by this client's two threads
# in either order: a client-side timestamp orders them only up to this margin.
ORDER_MARGIN_SECONDS = 0.5


def test_query_processes_are_bounded_and_a_waiting_query_is_answered(
    servers: Callable[..., LiveServer], tmp_path: Path
) -> None:
    # One query process: a query sent while it runs a slow one waits for it (no fresh, cold
    # process is forked for it) and is answered once that one is done, within its own
    # query_timeout. (When the wait outlasts the timeout, the 503 names query_processes:
    # test_sparql_protocol, the pool tests; a runaway stopped at its deadline: above.)
    # (The result cache off: the server's readiness probe already asked `ASK {}`.)
    data = _many_triples(tmp_path / "many.nt", 3000)
    server = servers(
        data_files=(data,),
        settings={
            "query_timeout": "10",
            "workers": "1",
            "threads": "4",
            "query_processes": "1",
            "sparql_cache_bytes": "0",
        },
    )
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"  # 9 million solutions
    url = endpoint(server)
    finished: dict[str, float] = {}

    def timed(name: str, query: str) -> requests.Response:
        response = requests.get(url, params={"query": query}, headers=JSON_ACCEPT, timeout=60)
        finished[name] = time.monotonic()
        return response

    started = stats(server)["executors_started"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        running = pool.submit(timed, "slow", slow)
        wait_for_stats(server, lambda s: s["running_heavy"] == 1)
        waiting = pool.submit(timed, "ask", "ASK {}")
        wait_for_stats(server, lambda s: s["waiting_cheap"] == 1)  # it waits for the one
        counted = running.result()
        answered = waiting.result()
    assert counted.status_code == 200
    assert counted.json()["results"]["bindings"][0]["n"]["value"] == "9000000"
    assert answered.status_code == 200 and answered.json()["boolean"] is True
    # It waited (waiting_cheap above) and was answered once the slow one was done: the two
    # answers may reach this client's two threads in either order, so within a margin.
    assert finished["ask"] >= finished["slow"] - ORDER_MARGIN_SECONDS
    assert stats(server)["executors_started"] == started  # by the same, warm process


# -- service description, query page, CORS --------------------------------------------------


@pytest.mark.parametrize(
    "accept, rdf_format",
    [
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("*/*", "turtle"),
    ],
)
def test_service_description(server: LiveServer, accept: str, rdf_format: str) -> None:
    response = requests.get(endpoint(server), headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format=rdf_format)
    service = graph.value(predicate=RDF.type, object=SD.Service)
    assert service is not None
    assert graph.value(service, SD.endpoint) == URIRef(endpoint(server))
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    formats = set(graph.objects(service, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    names = {graph.value(n, SD.name) for n in graph.objects(None, SD.namedGraph)}
    assert names == {EX["graph-a"], EX["graph-b"]}


def test_query_page_for_browsers(server: LiveServer) -> None:
    response = requests.get(endpoint(server), headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.select_one("form.sparql textarea[name=query]") is not None
    titles = [s.get_text() for s in soup.select(".examples summary")]
    assert {
        "Programmes by country",
        "Programmes by credits",
        "Language requirements",
        "Application deadlines",
    } <= set(titles)


def test_results_table_links_iris(server: LiveServer) -> None:
    query = "SELECT ?s ?t WHERE { ?s <http://example.org/title> ?t } ORDER BY ?s"
    response = requests.get(
        endpoint(server), params={"query": query}, headers={"Accept": "text/html"}, timeout=30
    )
    soup = BeautifulSoup(response.text, "html.parser")
    links = {a.get_text(): a["href"] for a in soup.select(".results tbody a.iri")}
    assert links["https://w3id.org/prospectus/id/programme/fixture"] == "/doc/programme/fixture"
    assert links["http://example.org/pioneer"] == "http://example.org/pioneer"
    cells = [td.get_text(" ", strip=True) for td in soup.select(".results tbody td")]
    assert "ICT in de publieke sector @nl" in cells


def test_cors(server: LiveServer) -> None:
    response = requests.get(
        endpoint(server),
        params={"query": "ASK {}"},
        headers={"Origin": "https://example.net"},
        timeout=30,
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(
        endpoint(server),
        timeout=30,
        headers={
            "Origin": "https://example.net",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code in (200, 204)
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()
    error = requests.get(
        endpoint(server),
        params={"query": "SELECT"},
        timeout=30,
        headers={"Origin": "https://example.net"},
    )
    assert error.status_code == 400
    assert error.headers["Access-Control-Allow-Origin"] == "*"


def test_json_results_are_json(server: LiveServer) -> None:
    response = requests.get(endpoint(server), params={"query": TITLES}, timeout=30)
    assert json.loads(response.content)["head"]["vars"] == ["s", "t"]


# -- allowlisted FROM ------------------------------------------------------------------------


class _Documents(http.server.BaseHTTPRequestHandler):
    """Serves one Turtle document and records every request it gets."""

    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        type(self).hits.append(self.path)
        body = b'<http://example.org/remote> <http://example.org/title> "fetched"@en .\n'
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return None


def test_from_is_fetched_only_when_allowlisted(servers: Callable[..., LiveServer]) -> None:
    documents = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Documents)
    thread = threading.Thread(target=documents.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{documents.server_address[1]}"
    _Documents.hits = []
    try:
        server = servers(settings={"service_allowlist": f"{base}/allowed.ttl"})
        query = (
            "SELECT ?s ?t FROM <{}> FROM <http://example.org/graph-a> "
            "WHERE {{ ?s <http://example.org/title> ?t }}"
        )
        accept = {"Accept": "application/sparql-results+json"}
        allowed = requests.get(
            endpoint(server),
            params={"query": query.format(f"{base}/allowed.ttl")},
            headers=accept,
            timeout=30,
        )
        assert allowed.status_code == 200, allowed.text
        assert json_rows(allowed.json()) == {
            (URIRef("http://example.org/remote"), Literal("fetched", lang="en")),
            (EX.pioneer, Literal("PIONEER", lang="en")),
        }
        other = requests.get(
            endpoint(server),
            params={"query": query.format(f"{base}/other.ttl")},
            headers=accept,
            timeout=30,
        )
        assert other.status_code == 200
        assert json_rows(other.json()) == {(EX.pioneer, Literal("PIONEER", lang="en"))}
        failing = requests.get(
            endpoint(server),
            timeout=30,
            headers=accept,
            params={"query": "SELECT * { SERVICE <" + base + "/allowed.ttl> { ?s ?p ?o } }"},
        )
        assert failing.status_code == 502  # allowlisted, but not a SPARQL endpoint
    finally:
        documents.shutdown()
        documents.server_close()
    assert _Documents.hits.count("/allowed.ttl") >= 1
    assert "/other.ttl" not in _Documents.hits
