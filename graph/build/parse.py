"""Reading one source file with pyoxigraph, in a worker process, into what the build needs.

`parse_file()` is what graph/build/release.py runs for each file of a sources folder, in
parallel (`parse_all`): it parses the file with pyoxigraph (literals kept as written), makes
the structure checks of graph/build/load.py (one source node per Turtle file, graphs named
by their source node, no triple outside a named graph), labels blank nodes canonically per
source (RDFC-1.0 on that source's graph, each label prefixed with a short digest of the
graph's IRI, so that two sources' labels never collide and the same content always gives
the same lines) and returns a `ParsedSource` per source: its N-Quads lines (data IRIs under
the canonical base, graph/iris.py DATA_BASE; the release rebases them when it streams them),
the digest of each subject's description (graph/build/groups.py groups sources by them) and
the titles and programmes the catalogue order needs (graph/build/order.py).
Read through the cache, a source's lines are not held: `lines_of()` reads them back from its
entry when a step needs them (the build streams them, a source at a time).

A parse result is cached on disk (`<data_dir>/cache/parse/`), keyed by the SHA-256 of the
file's bytes and of this module's code: a rebuild parses only the files that changed, and
reads only the files whose stat changed since the last build (graph/build/file_record.py). A
file that does not parse or breaks the layout gives a SourceSyntaxError or
SourceStructureError naming the file (and the line, for a syntax error).
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
from collections import defaultdict, deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from itertools import islice
from multiprocessing import get_context
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox

from ..errors import ProspectusError, SourceStructureError, SourceSyntaxError
from ..iris import ONTOLOGY_GRAPH, ORDER_GRAPH, PRO, VOCABULARY_GRAPH
from . import progress
from .atomic import write_atomic
from .file_record import FileRecord, stat_of
from .heap import give_back

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCT_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
PROGRAMME = f"<{PRO.StudyProgramme}>"
SOURCE_CLASSES = tuple(
    ox.NamedNode(str(c)) for c in (PRO.SourceSegment, PRO.CurationRecord, PRO.ImportedRecord)
)
RESERVED = frozenset(str(g) for g in (ONTOLOGY_GRAPH, VOCABULARY_GRAPH, ORDER_GRAPH))
FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS}

# The code a cached parse was made by: a change of this module makes every entry stale.
CODE_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Title = tuple[str, str, str]  # (subject IRI, lexical form, language tag)


@dataclass(frozen=True)
class ParsedSource:
    """One source (one named graph) of a file, as the build uses it."""

    path: str
    graph_iri: str
    lines: tuple[str, ...]  # N-Quads statements, blank nodes labelled canonically
    subjects: dict[str, str]  # subject (N-Triples term) -> digest of its description here
    counts: dict[str, int]  # subject -> how many statements about it the source makes
    titles: tuple[Title, ...]  # every dct:title literal stated in the source
    programmes: tuple[str, ...]  # IRIs typed pro:StudyProgramme in the source
    # Read through the cache, the lines stay on disk (`lines` is empty): the cache entry
    # and the source's place in it (`lines_of` reads them).
    stored: tuple[str, int] | None = None


# A parse cache entry is two pickles: ENTRY_FORMAT with the file's sources without their
# lines, then the lines of each. Taking an unchanged file's sources reads the first alone: a
# tenth of the entry (4.8 of 49.8 KB for a generated programme).
ENTRY_FORMAT = "prospectus parse entry 2"
# What reading an entry that is gone, damaged or of another format raises.
ENTRY_ERRORS = (
    OSError,
    pickle.UnpicklingError,
    EOFError,
    AttributeError,
    TypeError,
    IndexError,
    ValueError,
)


def write_entry(entry: Path, parsed: list[ParsedSource]) -> None:
    """Write the parse cache entry of a file's `parsed` sources (ENTRY_FORMAT above)."""
    head = (ENTRY_FORMAT, [replace(s, lines=()) for s in parsed])
    lines = [s.lines for s in parsed]
    data = pickle.dumps(head, protocol=pickle.HIGHEST_PROTOCOL)
    write_atomic(entry, data + pickle.dumps(lines, protocol=pickle.HIGHEST_PROTOCOL))


def read_entry(entry: Path, *, lines: bool = True) -> list[ParsedSource]:
    """The sources of a parse cache entry, with their lines or without (ENTRY_ERRORS when
    it is gone, damaged or of another format)."""
    with entry.open("rb") as fh:
        head = pickle.load(fh)
        if not (isinstance(head, tuple) and len(head) == 2 and head[0] == ENTRY_FORMAT):
            raise ValueError(f"{entry} is not a parse cache entry of this format")
        sources: list[ParsedSource] = head[1]
        if not lines:
            return sources
        found: list[tuple[str, ...]] = pickle.load(fh)
    return [replace(s, lines=held) for s, held in zip(sources, found, strict=True)]


def lines_of(source: ParsedSource) -> tuple[str, ...]:
    """The N-Quads lines of `source`: held, or read back from its parse cache entry."""
    if source.stored is None:
        return source.lines
    entry, index = source.stored
    try:
        return read_entry(Path(entry))[index].lines
    except ENTRY_ERRORS:
        raise SourceStructureError(
            Path(source.path), f"its parse cache entry {entry} went missing during the build"
        ) from None


def digest(lines: Iterable[str]) -> str:
    """A short digest of a set of statements (order does not matter)."""
    h = hashlib.sha256()
    for line in sorted(lines):
        h.update(line.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()[:32]


def content_digest(source: ParsedSource) -> str:
    """A digest of a source's graph name and statements, made from its subjects' description
    digests (held in memory: the lines themselves may be in the parse cache, on disk); equal
    for equal content, wherever it was read from. What the union index and the SPARQL checks'
    store record of each graph."""
    h = hashlib.sha256(source.graph_iri.encode())
    for subject, described in sorted(source.subjects.items()):
        h.update(b"\0" + subject.encode() + b"\0" + described.encode())
    return h.hexdigest()[:32]


def _syntax_error(path: Path, exc: SyntaxError) -> SourceSyntaxError:
    message = exc.msg if isinstance(exc.msg, str) else str(exc)
    return SourceSyntaxError(path, exc.lineno if isinstance(exc.lineno, int) else None, message)


def parse_quads(path: Path, data: bytes, fmt: ox.RdfFormat) -> list[ox.Quad]:
    """Every statement of `data` (the bytes of `path`), SourceSyntaxError if it does not parse."""
    try:
        return list(
            ox.parse(data, format=fmt, base_iri=path.resolve().as_uri(), rename_blank_nodes=True)
        )
    except SyntaxError as exc:
        raise _syntax_error(path, exc) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise SourceSyntaxError(path, None, str(exc)) from None


def canonical(triples: Sequence[ox.Triple], graph: str) -> list[ox.Triple]:
    """`triples` with their blank nodes relabelled by RDFC-1.0, each label prefixed with a
    digest of `graph` (the source's IRI), so that labels of two sources never collide."""
    if not any(
        isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples
    ):
        return list(triples)
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    prefix = "b" + hashlib.sha256(graph.encode("utf-8")).hexdigest()[:10]

    def relabel(
        term: ox.NamedNode | ox.BlankNode | ox.Literal,
    ) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        return ox.BlankNode(prefix + term.value) if isinstance(term, ox.BlankNode) else term

    return [ox.Triple(relabel(q.subject), q.predicate, relabel(q.object)) for q in dataset]  # type: ignore[arg-type]


def source_of(
    path: Path, triples: Sequence[ox.Triple], graph: ox.NamedNode | None, what: str
) -> ParsedSource:
    """The ParsedSource of one source's triples (`graph`: the graph it was read from, None
    for a Turtle file, whose graph is named by its source node)."""
    heads = {t.subject for t in triples if t.predicate == RDF_TYPE and t.object in SOURCE_CLASSES}
    if len(heads) != 1:
        found = ", ".join(sorted(str(h).strip("<>") for h in heads)) or "none"
        raise SourceStructureError(
            path,
            f"{what} describes exactly one pro:SourceSegment, pro:CurationRecord or "
            f"pro:ImportedRecord (the name of its graph); found {found}",
        )
    head = heads.pop()
    if not isinstance(head, ox.NamedNode):
        raise SourceStructureError(path, "the source node must have an IRI, not a blank node")
    if graph is not None and head != graph:
        raise SourceStructureError(
            path,
            f"graph <{graph.value}> describes the source <{head.value}>; a source's graph is "
            "named by its pro:SourceSegment or pro:CurationRecord",
        )
    if head.value in RESERVED:
        raise SourceStructureError(path, f"graph {head.value} is the build's own, not a source's")
    return describe(str(path), head.value, triples)


def describe(path: str, graph_iri: str, triples: Sequence[ox.Triple]) -> ParsedSource:
    """The ParsedSource of `triples` loaded into the graph `graph_iri`."""
    unique = canonical(list(dict.fromkeys(triples)), graph_iri)
    name = f"<{graph_iri}>"
    lines: list[str] = []
    by_subject: dict[str, list[str]] = defaultdict(list)
    titles: list[Title] = []
    programmes: list[str] = []
    for t in unique:
        statement = str(t)
        lines.append(f"{statement} {name} .")
        by_subject[str(t.subject)].append(statement)
        if t.predicate == DCT_TITLE and isinstance(t.object, ox.Literal):
            titles.append((str(t.subject).strip("<>"), t.object.value, t.object.language or ""))
        elif t.predicate == RDF_TYPE and str(t.object) == PROGRAMME:
            programmes.append(str(t.subject).strip("<>"))
    subjects = {s: digest(statements) for s, statements in by_subject.items()}
    return ParsedSource(
        path,
        graph_iri,
        tuple(sorted(lines)),
        subjects,
        {s: len(statements) for s, statements in by_subject.items()},
        tuple(sorted(titles)),
        tuple(sorted(programmes)),
    )


def parse_file(path: Path) -> list[ParsedSource]:
    """The sources one file of a sources folder holds (SourceStructureError or
    SourceSyntaxError when it breaks the layout or does not parse)."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SourceStructureError(path, f"not a source file; sources are {', '.join(FORMATS)}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceStructureError(path, f"cannot read the file: {exc.strerror or exc}") from None
    return parse_bytes(path, data, fmt)


def parse_bytes(path: Path, data: bytes, fmt: ox.RdfFormat) -> list[ParsedSource]:
    quads = parse_quads(path, data, fmt)
    if fmt == ox.RdfFormat.TURTLE:
        return [source_of(path, [q.triple for q in quads], None, "a source file")]
    graphs: dict[ox.NamedNode, list[ox.Triple]] = defaultdict(list)
    loose = 0
    for q in quads:
        if isinstance(q.graph_name, ox.DefaultGraph):
            loose += 1
        elif isinstance(q.graph_name, ox.BlankNode):
            raise SourceStructureError(path, "a graph is named by a blank node, not an IRI")
        else:
            graphs[q.graph_name].append(q.triple)
    if loose:
        raise SourceStructureError(
            path,
            f"{loose} triple(s) outside a named graph; in a TriG or N-Quads source every "
            "triple is in the named graph of the source it belongs to",
        )
    if not graphs:
        raise SourceStructureError(path, "holds no named graph, so no source")
    return [
        source_of(path, graphs[g], g, f"graph <{g.value}>")
        for g in sorted(graphs, key=lambda g: g.value)
    ]


# -- the cache and the worker pool ---------------------------------------------------------

Outcome = tuple[str, list[ParsedSource] | ProspectusError]


def cache_key(data: bytes) -> str:
    return hashlib.sha256(CODE_VERSION.encode() + b"\0" + data).hexdigest()


def _cached(path: Path, cache_dir: Path | None) -> list[ParsedSource]:
    """parse_file through the cache: an entry per file content (path-independent). Read
    through the cache, a source's lines stay in its entry (ParsedSource.stored)."""
    if cache_dir is None:
        return parse_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceStructureError(path, f"cannot read the file: {exc.strerror or exc}") from None
    entry = cache_dir / f"{cache_key(data + path.suffix.lower().encode())}.pickle"
    found = _from_entry(entry, path) if entry.is_file() else None
    if found is not None:
        return found
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        return parse_file(path)  # refused, with its message
    parsed = parse_bytes(path, data, fmt)
    write_entry(entry, parsed)
    return [replace(s, lines=(), stored=(str(entry), i)) for i, s in enumerate(parsed)]


def _from_entry(entry: Path, path: Path) -> list[ParsedSource] | None:
    """The sources of `path` from its cache entry, their lines left in it (None when the
    entry is gone or damaged: the file is parsed again)."""
    try:
        parsed = read_entry(entry, lines=False)
    except ENTRY_ERRORS:
        return None
    return [
        replace(_moved(s, str(path)), lines=(), stored=(str(entry), i))
        for i, s in enumerate(parsed)
    ]


def _from_record(entry: Path, held: Sequence[ParsedSource]) -> list[ParsedSource]:
    """A file's sources as the file record keeps them (graph/build/file_record.py), their
    lines left in `entry`."""
    return [replace(s, stored=(str(entry), i)) for i, s in enumerate(held)]


def _moved(source: ParsedSource, path: str) -> ParsedSource:
    return source if source.path == path else replace(source, path=path)


def _work(args: tuple[Path, Path | None]) -> Outcome:
    """In a worker: the file's sources, or the typed error it gives (exceptions of the
    project are dataclasses, which do not cross a process boundary as raised)."""
    path, cache_dir = args
    try:
        return str(path), _cached(path, cache_dir)
    except (SourceStructureError, SourceSyntaxError) as exc:
        return str(path), exc


def workers_for(setting: int) -> int:
    """The processes the `build_workers` setting asks for (0: one per core)."""
    return setting if setting > 0 else (os.cpu_count() or 1)


T = TypeVar("T")
R = TypeVar("R")


@contextmanager
def forked_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of `workers` forked processes, with the parent's objects frozen out of the
    garbage collector while it lives (`gc.freeze`): a collection in a worker visits every
    container object it inherited and writes to each, which copies the parent's pages into
    the worker (copy-on-write) instead of sharing them. The heap's free pages are given back
    first (graph/build/heap.py): the workers do not start from a parent holding them."""
    give_back()
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork")) as pool:
            yield pool
    finally:
        gc.unfreeze()


def ordered_map(
    pool: Executor, function: Callable[[T], R], items: Iterable[T], ahead: int
) -> Generator[R]:
    """`function` over `items` in `pool`, results in order, with at most `ahead` submitted
    and not yet taken: results the caller has not taken yet do not pile up in this process
    (`Executor.map` submits every item at once and keeps every result until it is taken:
    with a caller slower than its workers, the change stream's first version could come to
    hold every programme's member)."""
    source = iter(items)
    pending: deque[Future[R]] = deque(pool.submit(function, i) for i in islice(source, ahead))
    try:
        while pending:
            result = pending.popleft().result()
            pending.extend(pool.submit(function, i) for i in islice(source, 1))
            yield result
    finally:
        for future in pending:
            future.cancel()


def _each(function: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [function(item) for item in chunk]


def in_parallel(
    function: Callable[[T], R],
    items: Sequence[T],
    workers: int,
    what: str,
    unit: str,
    per_task: int = 64,
) -> Iterator[R]:
    """`function` over `items` in `workers` processes (in this one when 1, or for so few
    items that starting processes costs more), results in order, with progress. Items go
    to the workers in tasks of up to `per_task` (fewer for a few items), 4 tasks a worker
    at most submitted and not yet taken: items that are batches already (the ELM export's
    500 programmes) go one a task, or the results waiting for the caller grow with the
    catalogue (at 100,000 programmes, tasks of 12 batches held up to 48,000 programmes'
    parts)."""
    if workers <= 1 or len(items) < 4 * workers:
        yield from (function(i) for i in progress.each(items, what, total=len(items), unit=unit))
        return
    # Forked: a worker inherits what the parent prepared for it (the validator's shapes).
    with forked_pool(workers) as pool:
        size = max(1, min(per_task, len(items) // (8 * workers)))
        chunks = [items[first : first + size] for first in range(0, len(items), size)]
        done = ordered_map(pool, partial(_each, function), chunks, 4 * workers)
        results = (result for chunk in done for result in chunk)
        yield from progress.each(results, what, total=len(items), unit=unit)


def parse_all(
    files: Sequence[Path], cache_dir: Path | None = None, workers: int = 1
) -> list[ParsedSource]:
    """Every source of `files`, parsed in `workers` processes (through the cache in
    `cache_dir` when given); the first file that fails raises its error. No two sources
    may name the same graph. Through the cache, a file whose stat is the one recorded by
    the last build (graph/build/file_record.py) is taken from the record here, neither it
    nor its entry read; the others go to the workers."""
    found: list[list[ParsedSource] | ProspectusError | None] = [None] * len(files)
    record: FileRecord[ParsedSource] | None = (
        FileRecord(cache_dir, CODE_VERSION) if cache_dir is not None else None
    )
    stats = [stat_of(path) for path in files] if record is not None else []
    todo = list(range(len(files)))
    if record and cache_dir is not None:
        todo = []
        for i, path in enumerate(progress.each(files, "finding unchanged sources", unit="files")):
            recorded = record.sources(path, stats[i])
            found[i] = _from_record(*recorded) if recorded is not None else None
            if found[i] is None:
                todo.append(i)
    jobs = [(files[i], cache_dir) for i in todo]
    for i, (_name, outcome) in zip(
        todo, in_parallel(_work, jobs, workers, "reading sources", "files"), strict=True
    ):
        found[i] = outcome
    sources: list[ParsedSource] = []
    seen: dict[str, str] = {}
    failed: ProspectusError | None = None
    for i, read in enumerate(found):
        if read is None or isinstance(read, ProspectusError):
            failed = failed or read
            continue
        outcome = read
        if record is not None and outcome and outcome[0].stored is not None:
            held = tuple(replace(s, lines=(), stored=None) for s in outcome)
            record.note(files[i], stats[i], Path(outcome[0].stored[0]).name, held)
        for source in outcome:
            if source.graph_iri in seen and failed is None:
                failed = SourceStructureError(
                    Path(source.path),
                    f"graph {source.graph_iri} is also declared by {seen[source.graph_iri]}",
                )
            seen.setdefault(source.graph_iri, source.path)
            sources.append(source)
    if record is not None:
        record.save()
    if failed is not None:
        raise failed
    return sources


__all__ = ["ParsedSource", "describe", "lines_of", "parse_all", "parse_file", "workers_for"]
