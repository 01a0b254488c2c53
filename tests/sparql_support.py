"""Helpers shared by the SPARQL endpoint tests: a server factory and result parsing.

`server_factory` (the body of each test module's `servers` fixture) starts
`prospectus serve --data …` like conftest's live_server_factory, but waits through a slow
first answer (a worker still booting under load answers `/` after more than conftest's 2 s
read timeout) and always stops what it started, even when the start fails.
"""

from __future__ import annotations

import math
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
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


XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {
    XSD + name
    for name in (
        "integer decimal float double nonPositiveInteger negativeInteger long int short byte "
        "nonNegativeInteger unsignedLong unsignedInt unsignedShort unsignedByte positiveInteger"
    ).split()
}


# -- the order SPARQL 1.1 §15.1 asks for, as docs/sparql.md documents it --------------------


def _number(cell: dict) -> float | None:
    try:
        value = float(Decimal(cell["value"].strip()))
    except (InvalidOperation, ValueError):
        try:
            value = float(cell["value"].strip())
        except ValueError:
            return None
    return value


def _instant(lexical: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(lexical.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def order_key(cell: dict | None) -> tuple:
    """(kind, value) of a SPARQL JSON result cell in the documented total order."""
    if cell is None:
        return (0,)
    if cell["type"] == "bnode":
        return (1,)
    if cell["type"] == "uri":
        return (2, cell["value"])
    datatype = cell.get("datatype", XSD + "string")
    if cell.get("xml:lang") or datatype == XSD + "string":
        return (5, cell["value"])
    if datatype in NUMERIC:
        number = _number(cell)
        if number is not None:
            return (4,) if math.isnan(number) else (3, number)
    if datatype == XSD + "boolean" and cell["value"] in ("true", "false", "1", "0"):
        return (6, cell["value"] in ("true", "1"))
    if datatype == XSD + "dateTime" and _instant(cell["value"]) is not None:
        return (7, _instant(cell["value"]))
    return (8, cell["value"])


def assert_in_total_order(rows: list[dict | None]) -> None:
    keys = [order_key(row) for row in rows]
    for i in range(1, len(keys)):
        assert keys[i - 1] <= keys[i], f"out of order at row {i}: {rows[i - 1]} > {rows[i]}"
