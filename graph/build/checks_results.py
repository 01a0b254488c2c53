"""The SPARQL constraints' results kept between builds: a rebuild runs a constraint again
only where what changed can reach it, and takes the rest of its results from the previous
build's, exactly as a run over the whole store would give them.

After the constraints' store (graph/build/checks_store.py) is brought up to date, its
`Changes` say which statements were added or removed. For each constraint
(graph/build/sparql_reads.py):

- when no changed statement can match a pattern of its queries (`reads`), it is not run:
  its results are the previous build's;
- else, when it is `local` (its results for a node depend only on the statements that
  mention the node), it runs on a store of the statements that mention the changed nodes
  and its results for those nodes replace the previous ones (a node no changed statement
  mentions keeps its results, and stays a focus node or not);
- else it runs over the whole store.

The constraints run in `threads` threads (the `build_workers` setting): pyoxigraph lets go
of the GIL while it evaluates a query and while it reads the next solution, so two
constraints run at once on two cores; the results are put together in the constraints'
order, as one thread gives them.

The previous results are used only when they were made over the store as it was before this
update (the record's digest), by the same constraints and this code; otherwise every
constraint runs. A reused result keeps the source file(s) it named, as a fresh run names
them: read again from the store only when the changed statements mention its focus node
(the graphs stating something about it may differ) or a graph has another file name than
in the previous build. The results, with the file name of each graph, are written next to
the store after every run.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import URIRef

from ..errors import Violation
from . import progress, sparql_checks, sparql_reads
from .atomic import write_atomic
from .checks_store import Changes, Made
from .sparql_checks import SparqlCheck, algebra_of, read_shapes, run, source_files_of, split

RESULTS = "sparql-checks-results.json"
FORMAT = 2  # 2: each result keeps its source file(s); the file names of the graphs are kept
# A local constraint is run on the statements mentioning the changed nodes while they are at
# most this many; past it, over the whole store.
LOCAL_QUADS = 200_000


def _code() -> str:
    digest = hashlib.sha256()
    for module in (__file__, sparql_checks.__file__, sparql_reads.__file__):
        digest.update(Path(module or "").read_bytes())
    return digest.hexdigest()[:16]


def check_id(check: SparqlCheck) -> str:
    return hashlib.sha256(repr(check).encode()).hexdigest()[:24]


Kept = dict[str, list[dict[str, Any]]]  # check id -> its results, each with its focus term


def _read(cache: Path, before: str | None) -> tuple[Kept, dict[str, str]] | None:
    """The previous build's results and the file names of its graphs, when they were made
    over the store as it was before this update (`before`) by this code."""
    if before is None:
        return None
    try:
        data = json.loads((cache / RESULTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or (data.get("format"), data.get("code")) != (FORMAT, _code()):
        return None
    checks, files = data.get("checks"), data.get("files")
    if data.get("store") != before or not isinstance(checks, dict) or not isinstance(files, dict):
        return None
    return checks, files


def _term(text: str) -> ox.NamedNode | ox.BlankNode:
    return ox.BlankNode(text[2:]) if text.startswith("_:") else ox.NamedNode(text[1:-1])


def _kept(violation: Violation, focus: str) -> dict[str, Any]:
    return {**asdict(violation), "focus": focus}


def _focus(violation: Violation) -> str:
    """The focus node of a result as an N-Triples term (results name IRIs bare)."""
    node = violation.focus_node
    return node if node.startswith("_:") else f"<{node}>"


@dataclass(frozen=True)
class _Where:
    """Where kept results' source files are found: `store` and `files` (graph -> file
    name); a result keeps its own when its focus node is not among `moved` (the nodes the
    changed statements mention: the graphs stating something about any other are those of
    the previous build) and `same_names` (no graph has another file name than then)."""

    store: ox.Store
    files: dict[str, str]
    moved: frozenset[str]
    same_names: bool

    def again(self, entries: Iterable[dict[str, Any]]) -> list[Violation]:
        """Results kept from the previous build, their source files as a fresh run names
        them (read again from the store where they may differ)."""
        found = []
        where: dict[str, str | None] = {}
        for entry in entries:
            fields = {k: v for k, v in entry.items() if k != "focus"}
            focus = entry["focus"]
            if not self.same_names or focus in self.moved:
                if focus not in where:
                    where[focus] = source_files_of(self.store, _term(focus), self.files)
                fields["source_file"] = where[focus]
            found.append(Violation(**fields))
        return found


class _Around:
    """An in-memory store of the statements that mention the changed nodes and of every
    rdfs:subClassOf statement (what class targets read), made when first asked for; None
    past LOCAL_QUADS statements."""

    def __init__(self, store: ox.Store, nodes: Iterable[str]):
        self.store, self.nodes = store, nodes
        self.made = False
        self.part: ox.Store | None = None
        self.lock = threading.Lock()  # made once, whichever constraint's thread asks first

    def get(self) -> ox.Store | None:
        with self.lock:
            if not self.made:
                self.made, self.part = True, self._make()
            return self.part

    def _make(self) -> ox.Store | None:
        subclass = ox.NamedNode(sparql_reads.SUBCLASS)
        quads: set[ox.Quad] = set(self.store.quads_for_pattern(None, subclass, None))
        for text in self.nodes:
            node = _term(text)
            quads.update(self.store.quads_for_pattern(node, None, None))
            quads.update(self.store.quads_for_pattern(None, None, node))
            if len(quads) > LOCAL_QUADS:
                return None
        part = ox.Store()
        part.extend(quads)
        return part


def checked(
    store: ox.Store, files: Mapping[URIRef, str], cache: Path, made: Made, threads: int = 1
) -> list[Violation]:
    """The results of the shapes' SPARQL constraints over `store` (which holds a release
    whose graphs come from `files`: graph IRI -> source file, Release.files), each
    constraint run only where the changes since the previous build reach it, in `threads`
    threads."""
    checks = split(read_shapes())[1]
    results, counts = check_with_previous(store, files, cache, made, checks, threads)
    progress.note(
        "SPARQL constraints: " + ", ".join(f"{n} {how}" for how, n in counts.items() if n)
    )
    return results


def check_with_previous(
    store: ox.Store,
    graph_files: Mapping[URIRef, str],
    cache: Path,
    made: Made,
    checks: Sequence[SparqlCheck],
    threads: int = 1,
) -> tuple[list[Violation], dict[str, int]]:
    """The results of `checks` (run in `threads` threads: module doc), and how many
    constraints were run, run around the changes and not run. `graph_files`: graph IRI ->
    source file (Release.files)."""
    files = {str(graph): name for graph, name in graph_files.items()}
    read = _read(cache, made.before)
    previous, names = read if read is not None else (None, {})
    changes = made.changes if previous is not None else None
    results: list[Violation] = []
    kept: Kept = {}
    counts = {"run": 0, "around the changes": 0, "not run": 0}
    around = _Around(store, changes.nodes) if changes is not None else None
    same_names = all(names.get(graph, name) == name for graph, name in files.items())
    where = _Where(store, files, changes.nodes if changes else frozenset(), same_names)

    # rdflib's SPARQL parser (pyparsing) is not made for threads: every query's algebra is
    # worked out here, once (algebra_of keeps it), before the constraints' threads ask.
    for query in {q for check in checks for q in sparql_reads.queries(check)}:
        algebra_of(query)

    def one(check: SparqlCheck) -> tuple[list[Violation], str]:
        before = previous.get(check_id(check)) if previous is not None else None
        return _one(check, store, files, changes, before, around, where)

    with ThreadPoolExecutor(max(1, threads), thread_name_prefix="constraint") as pool:
        answers = progress.each(pool.map(one, checks), "SPARQL constraints", len(checks),
                                "constraints")  # fmt: skip
        for check, (found, how) in zip(checks, answers, strict=True):
            ident = check_id(check)
            counts[how] += 1
            results += found
            kept[ident] = [_kept(v, _focus(v)) for v in found]
    data = {
        "format": FORMAT,
        "code": _code(),
        "store": made.after,
        "files": files,
        "checks": kept,
    }
    write_atomic(cache / RESULTS, json.dumps(data).encode("utf-8"))
    return results, counts


def _one(
    check: SparqlCheck,
    store: ox.Store,
    files: dict[str, str],
    changes: Changes | None,
    before: list[dict[str, Any]] | None,
    around: _Around | None,
    where: _Where,
) -> tuple[list[Violation], str]:
    """One constraint's results, and how they were made."""
    if changes is None or before is None or around is None:
        return run([check], store, files), "run"
    read = sparql_reads.reads(check)
    if read is not None and not sparql_reads.can_match(read, changes.keys):
        return where.again(before), "not run"
    if sparql_reads.local(check) and sparql_reads.SUBCLASS not in changes.keys:
        part = around.get()
        if part is not None:
            fresh = [v for v in run([check], part, files) if _focus(v) in changes.nodes]
            unchanged = [e for e in before if e["focus"] not in changes.nodes]
            return where.again(unchanged) + fresh, "around the changes"
    return run([check], store, files), "run"
