"""The SPARQL servers the benchmark measures, each started on 127.0.0.1 with the same data.

- `prospectus`: our production setup, `prospectus serve --data FILE` (gunicorn, several workers);
- `rdflib-endpoint`: the closest Python peer, as its own CLI serves a file (rdflib in memory);
- `virtuoso`: Debian's `virtuoso-opensource`, a private database under bench/work/ loaded with
  the bulk loader (`ld_dir` + `rdf_loader_run`), queried at /sparql.

Every server is a child process in its own session; `stop()` ends that process group only.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

READY_QUERY = "ASK { ?s ?p ?o }"


class PeerError(RuntimeError):
    """A server that could not be started, loaded or reached; the message says which and why."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass(kw_only=True)
class Server:
    """A SPARQL server process: `start()` returns once it answers a query."""

    name: str
    data: Path
    work: Path
    port: int = field(default_factory=free_port)
    path: str = "/sparql"
    ready_timeout: float = 1800.0
    startup_seconds: float = 0.0  # from spawn until the first answer (includes loading)
    load_seconds: float | None = None  # a separate load step, when the server has one
    _process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    @property
    def log_path(self) -> Path:
        return self.work / f"{self.name}.log"

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return dict(os.environ)

    def start(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        self.prepare()
        self._log = self.log_path.open("wb")
        began = time.perf_counter()
        self._process = subprocess.Popen(  # noqa: S603
            self.command(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.environment(),
            cwd=self.work,
            start_new_session=True,
        )
        try:
            self.wait_ready(began)
            self.after_start()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - began

    def prepare(self) -> None:
        """Work before the process starts (config files, databases)."""

    def after_start(self) -> None:
        """Work once the process answers (loading data)."""

    def wait_ready(self, began: float) -> None:
        url = urllib.parse.urlsplit(self.endpoint)
        target = f"{url.path}?{urllib.parse.urlencode({'query': READY_QUERY})}"
        while True:
            if self._process is not None and self._process.poll() is not None:
                raise PeerError(
                    f"{self.name} exited with {self._process.returncode} while "
                    f"starting; its log ({self.log_path}) ends:\n"
                    f"{_tail(self.log_path)}"
                )
            if time.perf_counter() - began > self.ready_timeout:
                raise PeerError(
                    f"{self.name} did not answer {self.endpoint} within "
                    f"{self.ready_timeout:.0f} s; see {self.log_path}"
                )
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", target, headers={"Accept": "application/sparql-results+json"})
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status == 200:
                    return
                if response.status in (404, 405, 501):
                    raise PeerError(
                        f"{self.name} answers HTTP {response.status} at "
                        f"{self.endpoint}: no SPARQL endpoint there"
                    )
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.25)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
            except ProcessLookupError:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _script(name: str) -> str:
    """A console script of the running virtualenv, e.g. `prospectus`."""
    candidate = Path(sys.executable).with_name(name)
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise PeerError(f"the command {name!r} is not installed; run `make venv`")
    return found


@dataclass(kw_only=True)
class Prospectus(Server):
    """Our production setup: `prospectus serve --data FILE` under gunicorn."""

    name: str = "prospectus"
    workers: int | None = None
    threads: int | None = None
    cache_bytes: int | None = None  # the sparql_cache_bytes setting (None: its default)

    def command(self) -> list[str]:
        return [
            _script("prospectus"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data",
            str(self.data.resolve()),
        ]

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PROSPECTUS_DATA_DIR"] = str((self.work / "var").resolve())
        if self.workers is not None:
            env["PROSPECTUS_WORKERS"] = str(self.workers)
        if self.threads is not None:
            env["PROSPECTUS_THREADS"] = str(self.threads)
        if self.cache_bytes is not None:
            env["PROSPECTUS_SPARQL_CACHE_BYTES"] = str(self.cache_bytes)
        return env


@dataclass(kw_only=True)
class RdflibEndpoint(Server):
    """rdflib-endpoint's own CLI: `rdflib-endpoint serve FILE` (rdflib memory store, uvicorn)."""

    name: str = "rdflib-endpoint"
    path: str = "/"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "rdflib_endpoint",
            "serve",
            str(self.data.resolve()),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]


VIRTUOSO_INI = """\
; Written by bench/peers.py: a private Virtuoso bound to 127.0.0.1 for the benchmark.
[Database]
DatabaseFile       = {db}/virtuoso.db
ErrorLogFile       = {db}/virtuoso.log
LockFile           = {db}/virtuoso.lck
TransactionFile    = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {db}/virtuoso-temp.db
TransactionFile    = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:{sql_port}
LiteMode                 = 0
DisableUnixSocket        = 1
DisableTcpSocket         = 0
MaxClientConnections     = 20
CheckpointInterval       = 60
O_DIRECT                 = 0
CaseMode                 = 2
MaxStaticCursorRows      = 5000
CheckpointAuditTrail     = 0
AllowOSCalls             = 0
SchedulerInterval        = 10
DirsAllowed              = ., {data_dir}, /usr/share/virtuoso-opensource-7/vad
ThreadCleanupInterval    = 0
ThreadThreshold          = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize        = 100000
SingleCPU                = 0
VADInstallDir            = /usr/share/virtuoso-opensource-7/vad/
PrefixResultNames        = 0
RdfFreeTextRulesSize     = 100
IndexTreeMaps            = 64
MaxMemPoolSize           = 200000000
MaxQueryMem              = 2G
VectorSize               = 1000
MaxVectorSize            = 1000000
AdjustVectorSize         = 0
ThreadsPerQuery          = 4
AsyncQueueMaxThreads     = 10
; about 8 KB each: the recommended setting for 4 GB of RAM
NumberOfBuffers          = 340000
MaxDirtyBuffers          = 250000

[HTTPServer]
ServerPort                  = 127.0.0.1:{http_port}
ServerRoot                  = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections        = 20
DavRoot                     = DAV
EnabledDavVSP               = 0
HTTPProxyEnabled            = 0
TempASPXDir                 = 0
ServerThreads               = 20
MaxKeepAlives               = 20
KeepAliveTimeout            = 10
HTTPThreadSize              = 280000
HttpPrintWarningsInOutput   = 0
Charset                     = UTF-8
EnabledGzipContent          = 0

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT  = 0
SQL_TXN_TIMEOUT    = 0

[SPARQL]
ResultSetMaxRows           = 1000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = {query_timeout}
DefaultQuery               = select distinct ?Concept where {{[] a ?Concept}} LIMIT 100
DeferInferenceRulesInit    = 0
"""


@dataclass(kw_only=True)
class Virtuoso(Server):
    """Debian's Virtuoso 7 with a private database in `work`, loaded once per data file."""

    name: str = "virtuoso"
    sql_port: int = field(default_factory=free_port)
    query_timeout: int = 60

    @property
    def db(self) -> Path:
        return self.work / "virtuoso-db"

    @property
    def ini(self) -> Path:
        return self.work / "virtuoso.ini"

    @property
    def marker(self) -> Path:
        return self.db / "loaded-from.txt"

    def _data_key(self) -> str:
        stat = self.data.stat()
        digest = hashlib.sha256(
            f"{self.data.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()
        ).hexdigest()
        return digest[:16]

    def command(self) -> list[str]:
        return [_binary("virtuoso-t"), "+foreground", "+configfile", str(self.ini.resolve())]

    def prepare(self) -> None:
        # A database already loaded from this very file is reused; anything else is rebuilt.
        if self.db.exists() and (
            not self.marker.exists() or self.marker.read_text() != self._data_key()
        ):
            shutil.rmtree(self.db)
        self.db.mkdir(parents=True, exist_ok=True)
        self.ini.write_text(
            VIRTUOSO_INI.format(
                db=self.db.resolve(),
                sql_port=self.sql_port,
                http_port=self.port,
                data_dir=self.data.resolve().parent,
                query_timeout=self.query_timeout,
            )
        )

    def after_start(self) -> None:
        if self.marker.exists():
            return
        began = time.perf_counter()
        directory = str(self.data.resolve().parent).replace("'", "''")
        name = self.data.name.replace("'", "''")
        self.isql(
            f"ld_dir('{directory}', '{name}', 'urn:bench:default');",
            "rdf_loader_run();",
            "checkpoint;",
        )
        errors = self.isql(
            "SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;"
        )
        if name in errors:
            raise PeerError(f"virtuoso could not load {self.data}:\n{errors}")
        self.load_seconds = time.perf_counter() - began
        self.marker.write_text(self._data_key())

    def isql(self, *statements: str) -> str:
        command = [
            _binary("isql-vt"),
            f"127.0.0.1:{self.sql_port}",
            "dba",
            "dba",
            "exec=" + " ".join(statements),
        ]
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=7200,  # noqa: S603
            check=False,
        )
        if result.returncode != 0 or "*** Error" in result.stdout + result.stderr:
            raise PeerError(f"isql failed on {statements}:\n{result.stdout}\n{result.stderr}")
        return result.stdout


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise PeerError(
            f"{name} is not installed; run `make system-bench-deps` "
            "(Debian package virtuoso-opensource)"
        )
    return found


PEERS = {"rdflib-endpoint": RdflibEndpoint, "virtuoso": Virtuoso}
