"""Publishing a version into a remote SPARQL store (`prospectus publish --to URL`), so that
servers with `store = "remote"` read it there (docs/deploy.md).

The version's canonical N-Quads dump is read once, as a stream, and split into one
N-Triples file per named graph in a temporary folder (never the whole catalogue in memory).
Then, one graph at a time:

* SPARQL 1.1 Graph Store HTTP Protocol: `PUT <graph_store>?graph=<g>` with the graph's
  N-Triples as the body, streamed from its file; PUT replaces, so a re-run never duplicates.
* SPARQL 1.1 Update, where that is all the store offers: `DROP SILENT GRAPH <g>`, then
  `INSERT DATA { GRAPH <g> { … } }` in batches (a graph with blank nodes goes in one request,
  since a blank node label lives only as long as one request).

Each request is retried with exponential backoff when the store does not answer, or answers
408, 429 or 5xx; any other refusal stops the publish with a PublishError naming the graph,
the method, the URL and the HTTP status. Graphs under `base_iri` that the remote holds but
the version does not are removed. Last, the remote's quad count of every graph is compared
with the version's.
"""

from __future__ import annotations

import gzip
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import IO, Any

import pyoxigraph as ox
import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from ..errors import ProspectusError
from ..versions import CANONICAL_DUMP, DATASET_FILE, DUMPS_DIR, Version

NTRIPLES = "application/n-triples"
RESULTS_JSON = "application/sparql-results+json"
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
OPEN_FILES = 128  # graph files kept open at once while splitting the dump
DEFAULT_GRAPH = "default"  # the key of the default graph's triples, if a version has any


class PublishError(ProspectusError):
    """The remote store refused or could not be reached, or holds other counts (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Target:
    """Where and how to publish. `query` is the SPARQL query endpoint (what the servers'
    `remote_endpoint` becomes); `graph_store` and/or `update` are where to write."""

    query: str
    graph_store: str = ""
    update: str = ""
    user: str = ""
    password: str = ""
    auth: str = "basic"  # or "digest" (Virtuoso's /sparql-graph-crud-auth and /sparql-auth)
    attempts: int = 4
    timeout: float = 120.0
    batch: int = 5000  # triples per INSERT DATA

    def __post_init__(self) -> None:
        if not (self.graph_store or self.update):
            raise PublishError(
                f"no way to write to {self.query}: give a Graph Store endpoint "
                "(--graph-store) or a SPARQL Update endpoint (--update)"
            )


@dataclass
class GraphFile:
    """One graph of the version, split out of its dump."""

    name: str  # the graph's IRI, or DEFAULT_GRAPH
    path: Path
    quads: int = 0
    blank_nodes: bool = False


@dataclass
class Report:
    version: str
    graphs: dict[str, int] = field(default_factory=dict)  # graph -> quads written
    removed: list[str] = field(default_factory=list)
    requests: int = 0
    retries: int = 0


def dump_of(version: Version) -> tuple[Path, bool]:
    """The version's N-Quads: its gzipped canonical dump, or its dataset.nq."""
    dump = version.path / DUMPS_DIR / CANONICAL_DUMP
    if dump.is_file():
        return dump, True
    return version.path / DATASET_FILE, False


def split_graphs(version: Version, folder: Path) -> list[GraphFile]:
    """Stream the version's dump into one N-Triples file per graph, in `folder`."""
    path, gzipped = dump_of(version)
    files: dict[str, GraphFile] = {}
    handles: OrderedDict[str, IO[bytes]] = OrderedDict()
    opener: Callable[..., Any] = gzip.open if gzipped else open
    try:
        with opener(path, "rb") as stream:
            for quad in ox.parse(stream, format=ox.RdfFormat.N_QUADS):
                g = quad.graph_name
                name = DEFAULT_GRAPH if isinstance(g, ox.DefaultGraph) else g.value
                entry = files.get(name)
                if entry is None:
                    entry = files[name] = GraphFile(name, folder / f"{len(files)}.nt")
                handle = handles.pop(name, None)
                if handle is None:
                    if len(handles) >= OPEN_FILES:
                        handles.popitem(last=False)[1].close()
                    handle = entry.path.open("ab")
                handles[name] = handle
                handle.write(f"{quad.subject} {quad.predicate} {quad.object} .\n".encode())
                entry.quads += 1
                if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
                    entry.blank_nodes = True
    except (OSError, SyntaxError) as exc:
        raise PublishError(f"{path}: cannot read the version's dump: {exc}") from None
    finally:
        for handle in handles.values():
            handle.close()
    return [files[name] for name in sorted(files)]


class Remote:
    """The HTTP exchanges with one remote store, each retried with backoff."""

    def __init__(self, target: Target, log: Callable[[str], None], report: Report):
        self.target = target
        self.log = log
        self.report = report
        self.session = requests.Session()
        self.auth: AuthBase | None = None
        if target.user:
            kind = HTTPDigestAuth if target.auth == "digest" else HTTPBasicAuth
            self.auth = kind(target.user, target.password)

    def send(
        self,
        what: str,
        method: str,
        url: str,
        *,
        body: Callable[[], Any] = lambda: None,
        ok: frozenset[int] = frozenset(),
        **kwargs: Any,
    ) -> requests.Response:
        """One request, retried; `body()` gives a fresh body for each attempt."""
        attempts = max(1, self.target.attempts)
        for attempt in range(1, attempts + 1):
            self.report.requests += 1
            data = body()
            try:
                response = self.session.request(
                    method, url, data=data, auth=self.auth, timeout=self.target.timeout, **kwargs
                )
            except requests.RequestException as exc:
                failure = f"no answer ({type(exc).__name__}: {exc})"
            else:
                if response.ok or response.status_code in ok:
                    return response
                failure = f"HTTP {response.status_code} {response.reason}{_said(response)}"
                if response.status_code not in RETRY_STATUSES:
                    raise PublishError(
                        f"{what}: the remote store refused {method} {_plain(url)}: {failure}"
                    )
            finally:
                if hasattr(data, "close"):
                    data.close()
            if attempt < attempts:
                self.report.retries += 1
                pause = min(30.0, 0.5 * 2 ** (attempt - 1))
                self.log(f"{what}: {failure}; attempt {attempt + 1} of {attempts} in {pause:g} s")
                time.sleep(pause)
        raise PublishError(
            f"{what}: {method} {_plain(url)} failed {attempts} time(s), last: {failure}"
        )

    # -- writing -----------------------------------------------------------------------------

    def put_graph(self, graph: GraphFile) -> None:
        what = f"graph {_label(graph.name)}"
        if self.target.graph_store:
            self.send(
                what,
                "PUT",
                self.target.graph_store,
                params=_graph_param(graph.name),
                body=lambda: graph.path.open("rb"),
                headers={"Content-Type": NTRIPLES},
            )
            return
        self.update(what, f"DROP SILENT {_graph_ref(graph.name)}")
        batch = graph.quads if graph.blank_nodes else max(1, self.target.batch)
        for lines in _batches(graph.path, batch):
            inner = "".join(lines)
            if graph.name == DEFAULT_GRAPH:
                self.update(what, f"INSERT DATA {{\n{inner}}}")
            else:
                self.update(what, f"INSERT DATA {{ GRAPH <{graph.name}> {{\n{inner}}} }}")

    def drop_graph(self, name: str) -> None:
        what = f"graph {_label(name)} (not in this version)"
        if self.target.graph_store:
            self.send(
                what,
                "DELETE",
                self.target.graph_store,
                params=_graph_param(name),
                ok=frozenset({404}),
            )
        else:
            self.update(what, f"DROP SILENT GRAPH <{name}>")

    def update(self, what: str, sparql: str) -> None:
        body = sparql.encode("utf-8")
        self.send(
            what,
            "POST",
            self.target.update,
            body=lambda: body,
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
        )

    # -- reading back ------------------------------------------------------------------------

    def select(self, what: str, sparql: str) -> list[dict[str, dict[str, str]]]:
        response = self.send(
            what,
            "POST",
            self.target.query,
            body=lambda: {"query": sparql},
            headers={"Accept": RESULTS_JSON},
        )
        try:
            bindings = response.json()["results"]["bindings"]
        except (ValueError, KeyError, TypeError):
            raise PublishError(
                f"{what}: {_plain(self.target.query)} did not answer SPARQL JSON results"
            ) from None
        return list(bindings)

    def counts(self) -> dict[str, int]:
        """Quads per named graph, as the remote holds them."""
        rows = self.select(
            "counting the remote's graphs",
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
        )
        try:
            return {row["g"]["value"]: int(row["n"]["value"]) for row in rows if "g" in row}
        except (KeyError, TypeError, ValueError):
            raise PublishError(
                f"{_plain(self.target.query)} answered graph counts that are not numbers"
            ) from None


def publish(
    version: Version,
    target: Target,
    base_iri: str,
    log: Callable[[str], None] = lambda _line: None,
) -> Report:
    """Load `version` into the remote store of `target` (see the module's docstring)."""
    report = Report(version.id)
    remote = Remote(target, log, report)
    held_before = remote.counts()  # also checks the query endpoint before writing anything
    with TemporaryDirectory(prefix="prospectus-publish-") as folder:
        graphs = split_graphs(version, Path(folder))
        for number, graph in enumerate(graphs, 1):
            remote.put_graph(graph)
            report.graphs[graph.name] = graph.quads
            log(f"[{number}/{len(graphs)}] {_label(graph.name)}: {graph.quads} quads")
    for name in sorted(set(held_before) - set(report.graphs)):
        if name.startswith(base_iri):
            remote.drop_graph(name)
            report.removed.append(name)
            log(f"removed {name} (not in version {version.id})")
    check(remote, report)
    return report


def check(remote: Remote, report: Report) -> None:
    """The remote holds as many quads in each graph as the version, and no dropped graph."""
    held = remote.counts()
    wrong = [
        f"{_label(name)}: {held.get(name, 0)} on the remote, {quads} in the version"
        for name, quads in report.graphs.items()
        if name != DEFAULT_GRAPH and held.get(name, 0) != quads
    ]
    wrong += [f"{name}: still on the remote" for name in report.removed if held.get(name)]
    if wrong:
        raise PublishError(
            f"after publishing version {report.version}, {_plain(remote.target.query)} "
            "does not hold what it should:\n  " + "\n  ".join(wrong)
        )


def _batches(path: Path, size: int) -> Iterator[list[str]]:
    with path.open(encoding="utf-8") as lines:
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch


def _graph_param(name: str) -> dict[str, str]:
    return {"default": ""} if name == DEFAULT_GRAPH else {"graph": name}


def _graph_ref(name: str) -> str:
    return "DEFAULT" if name == DEFAULT_GRAPH else f"GRAPH <{name}>"


def _label(name: str) -> str:
    return "the default graph" if name == DEFAULT_GRAPH else f"<{name}>"


def _plain(url: str) -> str:
    """A URL as said in messages, without any user:password in it."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}" if sep else url


def _said(response: requests.Response) -> str:
    text = " ".join(response.text.split())[:300] if response.text else ""
    return f" ({text})" if text else ""


# -- switching the servers' remote backend to the store -----------------------------------------


def config_path(environ: dict[str, str]) -> Path:
    """The settings file `graph.settings.load` reads: PROSPECTUS_CONFIG or prospectus.toml."""
    return Path(environ.get("PROSPECTUS_CONFIG", "prospectus.toml"))


def switch_settings(path: Path, query_endpoint: str) -> dict[str, str]:
    """Set `store = "remote"` and `remote_endpoint` in the TOML settings file at `path`
    (created when missing), keeping its other lines; return what was set."""
    wanted = {"store": "remote", "remote_endpoint": query_endpoint}
    try:
        lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    except OSError as exc:
        raise PublishError(f"{path}: cannot read the settings file: {exc}") from None
    out: list[str] = []
    seen: set[str] = set()
    top_level = True
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("["):
            top_level = False
        key = stripped.partition("=")[0].strip()
        if top_level and key in wanted and "=" in stripped:
            if key not in seen:
                out.append(f"{key} = {_toml_string(wanted[key])}")
                seen.add(key)
            continue
        out.append(line)
    missing = [f"{key} = {_toml_string(value)}" for key, value in wanted.items() if key not in seen]
    out = missing + out  # top-level keys go before any table
    try:
        path.write_text("\n".join(out) + "\n", encoding="utf-8")
    except OSError as exc:
        raise PublishError(f"{path}: cannot write the settings file: {exc}") from None
    return wanted


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
