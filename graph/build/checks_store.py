"""The store the shapes' SPARQL constraints run on (graph/build/sparql_checks.py), kept in
the cache folder between builds and brought up to date from what changed.

It holds every line of the release with the canonical IRIs and the lines' own blank-node
labels (`store_of_lines`; neither holds in the published store, which is rebased and whose
`bulk_load` relabels blank nodes). Every line of a release is in a named graph: one per
source, the ontology's, the vocabularies' and the order graph. Next to the store, a record
(`RECORD`) gives, for each named graph, a digest of the lines the store holds in it. A build
compares the release's digests with the record, removes the graphs that changed or went and
adds the lines of those that changed or came, instead of loading every line again. Since the
labels are the lines' own, the store then holds exactly what one loaded from all the lines
would hold.

Loaded from every line with a copy of them kept (a first build: `copy_lines_to`), the lines
are written to that file first and the store bulk-loaded from its path (sparql_checks
`add_lines`), where Oxigraph parses
in parallel; streamed into `bulk_load`, one Python generator feeding its parser, the load kept
one core busy (100,000 programmes, the page cache emptied: 369.8 s and 343 s CPU streamed,
329.0 s and 283 s CPU through the file, the file's writing included; the same bytes read and
written). Lines with a blank node stay out of the file until the load is done (a load by
path relabels blank nodes), are added as quads that keep their labels, then appended to it.
When the union index was written afresh in the same build, it wrote that file as it read
the lines (graph/build/release_copy.py), and the store is loaded from it without reading
the parse cache again.

The record is removed before the store is written to and written again (whole or not at all)
only once the store is flushed: a build that fails or is interrupted in between leaves a
store without a record, and the next build makes it again from all the lines, as it does
when the record cannot be read or was written by another FORMAT.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..iris import ORDER_GRAPH
from ..store.base import StoreError
from . import release_copy
from .atomic import write_atomic
from .groups import parse_lines
from .heap import no_collection
from .parse import digest, lines_of
from .release import Release
from .sparql_checks import add_lines, optimized, store_of_lines
from .sparql_reads import statement_key

STORE_DIR = "sparql-checks-store"
RECORD = "sparql-checks-store.json"
FORMAT = 1  # raised when what the store holds, or how the record digests it, changes


@dataclass(frozen=True)
class Changes:
    """What an incremental update changed in the store: the keys of the statements added or
    removed (graph/build/sparql_reads.statement_key) and the nodes they mention (N-Triples
    terms; literals left out)."""

    keys: frozenset[str]
    nodes: frozenset[str]


@dataclass(frozen=True)
class Made:
    """How `open_checks_store` made the store: "bulk load" or "incremental", with the named
    graphs it removed and (re)loaded; the digests of the record before (None: no store to
    start from) and after, and, incremental only, what changed and the named graphs whose
    lines differ (gone, changed or new)."""

    how: str
    removed: int = 0
    loaded: int = 0
    before: str | None = None
    after: str = ""
    changes: Changes | None = None
    graphs: frozenset[str] = frozenset()

    def summary(self) -> str:
        if self.how == "incremental":
            return f"incremental ({self.removed} graph(s) removed, {self.loaded} loaded)"
        return self.how


def graph_digests(release: Release) -> dict[str, str]:
    """Named graph IRI -> a digest of the release's lines in it."""
    parts: dict[str, list[str]] = defaultdict(list)
    for source, found in zip((*release.sources, *release.builtin), release.digests, strict=True):
        parts[source.graph_iri].append(found)
    digests = {graph: digest(found) for graph, found in parts.items()}
    digests[str(ORDER_GRAPH)] = digest(release.order_lines)
    return digests


def _graph_lines(release: Release, graphs: set[str]) -> Iterator[tuple[str, Sequence[str]]]:
    """(graph, lines) for each source of the release in one of `graphs`, then the order's,
    read one source at a time."""
    for source in (*release.sources, *release.builtin):
        if source.graph_iri in graphs:
            yield source.graph_iri, lines_of(source)
    if str(ORDER_GRAPH) in graphs:
        yield str(ORDER_GRAPH), release.order_lines


def _lines_of_graphs(release: Release, graphs: set[str]) -> Iterator[str]:
    """The release's lines of `graphs`, streamed (nothing held)."""
    for _graph, lines in _graph_lines(release, graphs):
        yield from lines


def read_record(cache: Path) -> dict[str, str] | None:
    """The record of the store in `cache` (graph -> digest), or None when there is none
    that this code wrote."""
    try:
        with no_collection():  # a digest per named graph, all kept
            record = json.loads((cache / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        return None
    graphs = record.get("graphs")
    if not isinstance(graphs, dict) or not all(isinstance(v, str) for v in graphs.values()):
        return None
    return graphs


def loads_all(cache: Path) -> bool:
    """Whether `open_checks_store` will load the store in `cache` from every line (no store,
    or no record of what it holds): the build then has the union index copy the lines
    (graph/build/release_copy.py)."""
    return not (cache / STORE_DIR).is_dir() or read_record(cache) is None


def loads_from_copy(cache: Path, copy: Path | None) -> bool:
    """Whether `open_checks_store` will load the store in `cache` from every line, read from
    the union index's complete copy `copy` (graph/build/release_copy.py): it then reads
    nothing from the release, which its caller may let go first."""
    return copy is not None and copy.is_file() and loads_all(cache)


def open_checks_store(
    release: Release | None,
    cache: Path,
    copy_lines_to: Path | None = None,
    digests: dict[str, str] | None = None,
) -> tuple[ox.Store, Made]:
    """The store of `release` in `cache` (made or brought up to date; module doc), and how
    it was made. When it is made by a bulk load of every line, the lines are also written
    to `copy_lines_to` (as publishing writes them: the file is then the release's
    publish.LinesFile; module doc), or read from it when it is already there, the union
    index's copy (graph/build/release_copy.py); otherwise that file is not written. The
    caller deletes the store object when done (a RocksDB store left open crashed the
    writers' forked workers). `digests`: graph_digests(release), when the caller has them.
    `release` may be None, with `digests` given, when `loads_from_copy(cache, copy_lines_to)`:
    at 100,000 programmes the release held 1.4 GB that the bulk load's own 2 GB came on top
    of."""
    if release is None and (digests is None or not loads_from_copy(cache, copy_lines_to)):
        raise RuntimeError("the constraints' store is made without the release only from a copy")
    cache.mkdir(parents=True, exist_ok=True)
    try:
        if digests is None:
            assert release is not None  # (checked above)
            digests = graph_digests(release)
        return _open(release, cache, copy_lines_to, digests)
    except OSError as exc:  # another build holding it, the disk full, …
        message = f"could not write the SPARQL constraints' store in {cache}: {exc}"
        raise StoreError(message) from exc


def record_digest(graphs: dict[str, str]) -> str:
    return digest([json.dumps(graphs, sort_keys=True)])


def _open(
    release: Release | None, cache: Path, copy_lines_to: Path | None, wanted: dict[str, str]
) -> tuple[ox.Store, Made]:
    folder = cache / STORE_DIR
    held = read_record(cache) if folder.is_dir() else None
    store = ox.Store(str(folder))  # first: a store another build holds is left alone
    (cache / RECORD).unlink(missing_ok=True)
    after = record_digest(wanted)
    if held is None:
        del store
        shutil.rmtree(folder, ignore_errors=True)
        if copy_lines_to is not None and copy_lines_to.is_file():  # the union index's copy
            store = ox.Store(str(folder))
            release_copy.load(store, copy_lines_to)
            optimized(store)
        else:
            assert release is not None  # (open_checks_store)
            store = store_of_lines(release.lines(), folder, through=copy_lines_to)
        made = Made("bulk load", after=after)
    else:
        assert release is not None  # (open_checks_store)
        gone = {graph for graph, found in held.items() if wanted.get(graph) != found}
        changed = {graph for graph, found in wanted.items() if held.get(graph) != found}
        try:
            changes: Changes | None = None
            lines: Iterable[str] = _lines_of_graphs(release, changed)
            if len(gone | changed) <= DIFF_GRAPHS:  # each changed graph's lines read once
                new = lines_by_graph(release, changed)
                changes = _changes(store, new, gone | changed)
                lines = (line for found in new.values() for line in found)
            for graph in sorted(gone):
                store.remove_graph(ox.NamedNode(graph))
            add_lines(store, lines)
            store.flush()
        except BaseException:
            del store  # closed now, not when the traceback goes; the record stays removed
            raise
        made = Made(
            "incremental",
            len(gone),
            len(changed),
            record_digest(held),
            after,
            changes,
            frozenset(gone | changed),
        )
    write_atomic(cache / RECORD, json.dumps({"format": FORMAT, "graphs": wanted}).encode())
    return store, made


# Past this many changed graphs, what changed is not worked out: the constraints all run.
DIFF_GRAPHS = 5000


def lines_by_graph(release: Release, graphs: Iterable[str]) -> dict[str, list[str]]:
    """The release's lines of each of `graphs`."""
    found: dict[str, list[str]] = defaultdict(list)
    for graph, lines in _graph_lines(release, set(graphs)):
        found[graph] += lines
    return found


def _changes(store: ox.Store, new: dict[str, list[str]], graphs: set[str]) -> Changes:
    """The statements that differ between the store's `graphs` and their `new` lines, as keys
    and mentioned nodes. The new lines are compared as a store gives them back: a typed
    literal comes back in canonical form ("75.0"^^xsd:decimal as "75", "P24M" as "P2Y"), so
    compared as written every such statement of a changed graph looked changed, and a title
    change ran the constraints that read fees, scores and durations."""
    keys: set[str] = set()
    nodes: set[str] = set()
    stored = ox.Store()  # in memory: the changed graphs' new lines only
    stored.extend(parse_lines(line for lines in new.values() for line in lines))
    for graph in sorted(graphs):
        name = ox.NamedNode(graph)
        before = set(store.quads_for_pattern(None, None, None, name))
        for quad in before ^ set(stored.quads_for_pattern(None, None, None, name)):
            obj = quad.object
            keys.add(statement_key(quad.predicate.value, getattr(obj, "value", str(obj))))
            nodes.add(str(quad.subject))
            if not isinstance(obj, ox.Literal):
                nodes.add(str(obj))
    return Changes(frozenset(keys), frozenset(nodes))
