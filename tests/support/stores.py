"""Writable SPARQL stores started on 127.0.0.1 for tests: the Oxigraph server (PyPI's
`oxigraph`) and Debian's Virtuoso 7 (`virtuoso-opensource`, installed by `make test`), each
with its database in a temporary folder, on free ports."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from .threaded import ThreadedServer

OXIGRAPH = str(Path(sys.executable).with_name("oxigraph"))
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class RunningStore:
    query: str  # SPARQL query endpoint
    graph_store: str  # Graph Store Protocol endpoint
    update: str  # SPARQL Update endpoint
    user: str = ""
    password: str = ""
    auth: str = "basic"


def _wait(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        try:
            if requests.get(url, params={"query": "ASK {}"}, timeout=5).ok:
                return
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.2)  # polling a starting server, not ordering events


@contextmanager
def oxigraph_server(folder: Path) -> Iterator[RunningStore]:
    """`oxigraph serve` (read-write) with the union of its graphs as the default graph."""
    port = free_port()
    log = folder / "oxigraph.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                OXIGRAPH,
                "serve",
                "--location",
                str(folder / "db"),
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        root = f"http://127.0.0.1:{port}"
        try:
            _wait(f"{root}/query", process, log)
            yield RunningStore(f"{root}/query", f"{root}/store", f"{root}/update")
        finally:
            process.terminate()
            process.wait(timeout=15)


VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {db}/virtuoso.db
ErrorLogFile       = {db}/virtuoso.log
LockFile           = {db}/virtuoso.lck
TransactionFile    = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {db}/virtuoso-temp.db
TransactionFile    = {db}/virtuoso-temp.trx
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:{sql_port}
DisableUnixSocket        = 1
MaxClientConnections     = 10
CheckpointInterval       = 60
CaseMode                 = 2
DirsAllowed              = ., /usr/share/virtuoso-opensource-7/vad
VADInstallDir            = /usr/share/virtuoso-opensource-7/vad/
NumberOfBuffers          = 10000
MaxDirtyBuffers          = 6000

[HTTPServer]
ServerPort                  = 127.0.0.1:{http_port}
ServerRoot                  = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections        = 10
ServerThreads               = 10
Charset                     = UTF-8
EnabledGzipContent          = 0

[SPARQL]
ResultSetMaxRows           = 100000
MaxQueryExecutionTime      = 60
"""


@contextmanager
def virtuoso(folder: Path) -> Iterator[RunningStore]:
    """virtuoso-t in the foreground on a generated virtuoso.ini; writes go through the Graph
    Store endpoint /sparql-graph-crud-auth and SPARQL Update /sparql-auth, digest dba/dba."""
    binary = shutil.which("virtuoso-t")
    if binary is None:
        raise RuntimeError("virtuoso-t is missing: `make system-test-deps` installs it")
    db = folder / "virtuoso-db"
    db.mkdir()
    port = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(db=db, sql_port=free_port(), http_port=port))
    log = folder / "virtuoso-stdout.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "+foreground", "+configfile", str(ini)],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        root = f"http://127.0.0.1:{port}"
        try:
            _wait(f"{root}/sparql", process, log)
            yield RunningStore(
                f"{root}/sparql",
                f"{root}/sparql-graph-crud-auth",
                f"{root}/sparql-auth",
                "dba",
                "dba",
                "digest",
            )
        finally:
            process.terminate()
            process.wait(timeout=30)


class FlakyProxy(ThreadedServer):
    """A proxy on 127.0.0.1 in front of `upstream` that answers the first `failures` write
    requests (PUT, DELETE) with 503 and forwards everything else: the store's bad moments."""

    def __init__(self, upstream: str, failures: int):
        self.upstream = upstream.rstrip("/")
        self.failures = failures
        self.refused: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.command in ("PUT", "DELETE") and len(proxy.refused) < proxy.failures:
                    proxy.refused.append(self.path)
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")
                }
                answer = requests.request(
                    self.command, proxy.upstream + self.path, data=body, headers=headers, timeout=60
                )
                self.send_response(answer.status_code)
                for name in ("Content-Type",):
                    if name in answer.headers:
                        self.send_header(name, answer.headers[name])
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_DELETE = _forward  # noqa: N815

        super().__init__(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
