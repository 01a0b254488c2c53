"""Helpers shared by the SPARQL endpoint tests: a server factory and result parsing.

`server_factory` (the body of each test module's `servers` fixture) starts
`prospectus serve --data …` like conftest's live_server_factory, but waits through a slow
first answer (a worker still booting under load answers `/` after more than conftest's 2 s
read timeout) and always stops what it started, even when the start fails.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from rdflib import BNode, Literal, URIRef

from .conftest import PROSPECTUS, LiveServer, free_port

DATA_DIR = Path(__file__).parent / "data" / "sparql"
PROGRAMMES = DATA_DIR / "programmes.trig"
REF = Path(__file__).resolve().parent.parent.parent / "shared" / "ref"
W3C = REF / "w3c-sparql-protocol"


def start(
    tmp: Path,
    *,
    data_files: tuple[Path, ...],
    settings: dict[str, str] | None = None,
    timeout: float = 90.0,
) -> LiveServer:
    port = free_port()
    log = tmp / f"sparql-server-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROSPECTUS_")}
    env["PROSPECTUS_DATA_DIR"] = str(tmp / "no-published-data")
    for name, value in (settings or {}).items():
        env["PROSPECTUS_" + name.upper()] = value
    cmd = [PROSPECTUS, "serve", "--host", "127.0.0.1", "--port", str(port)]
    for path in data_files:
        cmd += ["--data", str(path)]
    with open(log, "wb") as fh:
        process = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=tmp)
    server = LiveServer(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{log.read_text()}")
            try:
                requests.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=10)
                return server
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        raise RuntimeError(f"server did not answer within {timeout}s:\n{log.read_text()}")
    except BaseException:
        server.stop()
        raise


def server_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., LiveServer]]:
    """The body of a `servers` fixture: yields a factory, stops every server afterwards."""
    servers: list[LiveServer] = []
    tmp = tmp_path_factory.mktemp("sparql-servers")

    def factory(
        *, data_files: tuple[Path, ...] = (PROGRAMMES,), settings: dict[str, str] | None = None
    ) -> LiveServer:
        server = start(tmp, data_files=data_files, settings=settings)
        servers.append(server)
        return server

    yield factory
    for server in servers:
        server.stop()


def term(value: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> object:
    """A pyoxigraph term as the equivalent rdflib term (for comparisons)."""
    if value is None:
        return None
    if isinstance(value, ox.NamedNode):
        return URIRef(value.value)
    if isinstance(value, ox.BlankNode):
        return BNode(value.value)
    datatype = value.datatype.value
    if value.language:
        return Literal(value.value, lang=value.language)
    return Literal(value.value, datatype=None if datatype.endswith("#string") else datatype)


def result_rows(body: bytes, fmt: ox.QueryResultsFormat) -> set[tuple]:
    """SELECT results (JSON, XML, TSV) as a set of rows of rdflib terms."""
    solutions = ox.parse_query_results(body, fmt)
    assert isinstance(solutions, ox.QuerySolutions), "expected SELECT results"
    names = [v.value for v in solutions.variables]
    return {tuple(term(solution[name]) for name in names) for solution in solutions}
