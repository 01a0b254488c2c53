"""SHACL validation (https://www.w3.org/TR/shacl/) with pySHACL, reported per source file.

`shacl()` is the one place the project calls pySHACL: the build validates with the project's
shapes (`validate`, `validate_release`, `validate_files`), and the ELM and DCAT-AP exports
are checked with it against the official shapes (graph/build/reference.py).

A Violation stops publishing; Warnings and Infos are reported and published.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path

from pyshacl import __version__ as pyshacl_version
from pyshacl import validate as shacl_validate
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from ..errors import ProspectusError, ValidationFailed, Violation
from ..iris import ORDER_GRAPH
from . import load, positions, progress, readahead, rudof_shacl, sparql_checks, validation_cache
from .groups import (
    SUPPORTED_REACH,
    Group,
    Sized,
    data_key,
    focus_key,
    group_data,
    group_sources,
    in_batches,
    inverse_predicates,
    locator,
    one_group,
    parse_lines,
    rdflib_graph,
    rdflib_triples,
    reach,
)
from .parse import ParsedSource, in_parallel
from .release import Release
from .sparql_checks import read_shapes
from .union_index import Part, Remembered, UnionIndex
from .unit_state import UnitState


class ShapesError(ProspectusError):
    """The shapes graph itself is broken (exit 2)."""


SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass
class Report:
    results: list[Violation] = field(default_factory=list)
    groups: int = 0  # groups of sources validated together (graph/build/groups.py)
    largest_group: int = 0  # statements in the data of the largest
    validated: int = 0  # groups validated (by the engine) in this run
    cached: int = 0  # groups whose results came from the validation cache

    def summary(self) -> str:
        return (f"{self.groups} groups of sources (the largest: {self.largest_group} statements): "
                f"{self.validated} validated, {self.cached} from the cache")  # fmt: skip

    @property
    def violations(self) -> list[Violation]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[Violation]:
        return [r for r in self.results if r.severity != "Violation"]

    @property
    def conforms(self) -> bool:
        return not self.violations

    def raise_for_violations(self) -> None:
        if self.violations:
            raise ValidationFailed(self.results)


def _short(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, URIRef):
        return str(node)
    with warnings.catch_warnings():  # rdflib warns about an ill-typed literal, as written
        warnings.simplefilter("ignore", UserWarning)
        return node.n3()


def _locator(dataset: Dataset, files: dict[URIRef, str]) -> Callable[[Node], str | None]:
    """focus node -> the source file(s) in which it is described (indexed once: looking
    through every graph for every result was quadratic in a catalogue's size)."""
    described: dict[Node, set[str]] = {}
    for g in dataset.graphs():
        name = files.get(URIRef(g.identifier))
        if name is not None:
            for subject in set(g.subjects()):
                described.setdefault(subject, set()).add(name)
    return lambda focus: ", ".join(sorted(described.get(focus, ()))) or None


def union(dataset: Dataset) -> Graph:
    graph = Graph()
    for ctx in dataset.graphs():
        for triple in ctx:
            graph.add(triple)
    return graph


def shacl(
    data: Graph,
    shapes: Graph,
    *,
    ontology: Graph | None = None,
    advanced: bool = False,
    locate: Callable[[Node], str | None] | None = None,
) -> Report:
    """Validate `data` against `shapes` with pySHACL: the project's one call of pySHACL, for
    the project's shapes (`validate`) and the official ones the exports are checked against
    (graph/build/reference.py). `advanced` enables SHACL-AF (the project's shapes use it);
    `locate` names the source file of a focus node. Results are sorted: the same data gives
    the same report."""
    _conforms, report_graph, _text = shacl_validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=advanced,
        allow_warnings=True,
        abort_on_first=False,
    )
    if not isinstance(report_graph, Graph):  # pyshacl's ValidationFailure: the shapes are broken
        raise ShapesError(f"the shapes could not be applied: {report_graph}")
    results = []
    # Only the report's own results: nested sh:detail results of sh:node/sh:qualified
    # constraints are not separate problems.
    top_level = [
        r
        for report in report_graph.subjects(RDF.type, SH.ValidationReport)
        for r in report_graph.objects(report, SH.result)
    ]
    for result in top_level:
        severity = report_graph.value(result, SH.resultSeverity)
        focus = report_graph.value(result, SH.focusNode)
        messages = sorted(str(m) for m in report_graph.objects(result, SH.resultMessage))
        results.append(
            Violation(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus_node=_short(focus) or "?",
                path=_short(report_graph.value(result, SH.resultPath)),
                value=_short(report_graph.value(result, SH.value)),
                message=" / ".join(messages) or "(the shape has no sh:message)",
                source_shape=_short(report_graph.value(result, SH.sourceShape)) or "?",
                source_file=locate(focus) if locate is not None and focus is not None else None,
            )
        )
    results.sort(key=result_order)
    return Report(results)


def result_order(r: Violation) -> tuple[int, str, str, str, str, str, str]:
    """Reports are sorted, in a total order: the same data gives the same report."""
    return (SEVERITY_ORDER.get(r.severity, 9), r.source_file or "", r.focus_node, r.path or "",
            r.message, r.value or "", r.source_shape)  # fmt: skip


def validate(
    dataset: Dataset,
    shapes: Graph,
    ontology: Graph | None = None,
    files: dict[URIRef, str] | None = None,
    extra: Iterable[Graph] = (),
) -> Report:
    """Validate the union of `dataset`'s graphs (plus `extra`) against the project's shapes,
    each result located in the source file(s) `files` names for its graphs."""
    data = union(dataset)
    for g in extra:
        for triple in g:
            data.add(triple)
    return shacl(
        data,
        shapes,
        ontology=ontology,
        advanced=True,
        locate=_locator(dataset, files or {}),
    )


def validate_release(
    release: Release,
    shapes: Graph | None = None,
    *,
    cache_dir: Path | None = None,
    workers: int = 1,
    sparql: bool = True,
    engine: str = "rudof",
    copy_lines_to: Path | None = None,
    settle_later: bool = False,
) -> Report:
    """The project's shapes over what a build read (graph/build/release.py): the core
    constraints with `engine` (rudof or pySHACL: ENGINES), group by group
    (graph/build/groups.py) in `workers` processes through the validation cache in
    `cache_dir` when given; the SPARQL-based constraints in Oxigraph over the whole release,
    once (graph/build/sparql_checks.py), unless `sparql` is False (the build runs them over
    the store it publishes). `copy_lines_to`: validate_groups' `copy`; `settle_later`: its
    own."""
    local, checks = sparql_checks.split(shapes or read_shapes())
    report = validate_groups(release, local, cache_dir=cache_dir, workers=workers, engine=engine,
                             copy=copy_lines_to, settle_later=settle_later)  # fmt: skip
    if sparql:
        store = sparql_checks.store_of_lines(release.lines())
        report.results = sorted(
            report.results + sparql_checks.check_store(store, release, checks), key=result_order
        )
    return report


def validate_union(release: Release, shapes: Graph | None = None) -> Report:
    """The union of everything `release` holds validated with ONE pySHACL call (all the
    shapes, SPARQL constraints included): what validate_release must equal."""
    data = rdflib_graph(release.lines())
    files = {str(g): name for g, name in release.files.items()}
    locate = locator([*release.sources, *release.builtin], files, release.order_lines)
    ontology = rdflib_graph(release.builtin[0].lines)
    return shacl(data, shapes or read_shapes(), ontology=ontology, advanced=True, locate=locate)


# What a cached result depends on besides its data: this code, the engine and its version.
CODE_VERSION = hashlib.sha256(
    b"".join(
        (Path(__file__).parent / f"{name}.py").read_bytes()
        for name in "validate groups positions readahead rudof_shacl union_index unit_state".split()
    )
).hexdigest()[:16]
# The engines of the group validation (setting `shacl_engine`), with their versions.
ENGINES = {"rudof": rudof_shacl.VERSION, "pyshacl": pyshacl_version}
# Statements of group data per engine call: pySHACL has a fixed cost per call; rudof little
# (docs/build.md, "Validation": measured at 1,000 programmes).
BATCH_STATEMENTS = {"rudof": 24000, "pyshacl": 12000}

# What a validation worker holds: set in the parent before the workers are forked.
_WORKER: dict[str, object] = {}


def _validate_batch(batch: list[tuple[list[str], frozenset[str]]]) -> list[list[Violation]]:
    """In a worker: one engine call over the union of the batch's group data (plus the
    ontology), the results split by the group owning their focus node."""
    owner: dict[str, int] = {}
    for n, (_lines, owned) in enumerate(batch):
        owner.update((focus, n) for focus in owned)
    if _WORKER["engine"] == "rudof":
        lines = sorted({*_WORKER["ontology_lines"], *(x for ls, _o in batch for x in ls)})  # type: ignore[misc]
        results = rudof_shacl.validate_lines(lines, _WORKER["rudof_shapes"])  # type: ignore[arg-type]
    else:
        data = Graph()
        for triple in _WORKER["ontology"]:  # type: ignore[attr-defined]
            data.add(triple)  # as in the union (pySHACL mixes in only part of its ont_graph)
        for lines, _owned in batch:
            for triple in rdflib_triples(lines):
                data.add(triple)
        ontology: Graph = _WORKER["ontology"]  # type: ignore[assignment]
        results = shacl(data, _WORKER["shapes"], ontology=ontology, advanced=True).results  # type: ignore[arg-type]
    found: list[list[Violation]] = [[] for _ in batch]
    for result in results:
        unit = owner.get(focus_key(result.focus_node))
        if unit is not None:
            found[unit].append(result)
    return found


def _start_rudof_worker(state: dict[str, object]) -> None:
    os.environ["RAYON_NUM_THREADS"] = "1"  # rudof's threads: one process per core already
    # rudof's read_data loads the system's CA certificates at every call (/etc/ssl/certs,
    # for an HTTP client the data given inline never uses): 0.08 s of about 1.1 s a call at
    # 24,000 statements. A validation worker fetches nothing: with both variables naming an
    # empty file, rustls-native-certs reads nothing (docs/build.md, "Validation").
    os.environ["SSL_CERT_FILE"] = os.environ["SSL_CERT_DIR"] = os.devnull
    _WORKER.update(state)


def _each_batch(jobs: list[list[Job]], workers: int, engine: str) -> Iterator[list[Gathered]]:
    """_validate_groups over `jobs`, in order. rudof runs in this process or in processes
    started afresh (forkserver), never in forked ones: a process forked from one that has
    run rudof inherits its thread pool without its threads, and its first rudof call hangs."""
    what = f"validating ({engine})"
    if engine != "rudof":
        yield from in_parallel(_validate_groups, jobs, workers, what, "batches")
        return
    if workers <= 1 or len(jobs) < 2 * workers:
        yield from map(_validate_groups, progress.each(jobs, what, total=len(jobs), unit="batches"))
        return
    context = get_context("forkserver")
    context.set_forkserver_preload([__name__])
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_rudof_worker, initargs=(dict(_WORKER),)
    ) as pool:
        yield from progress.each(pool.map(_validate_groups, jobs), what, len(jobs), "batches")


Gathered = tuple[list[Violation], int, list[str]]  # results, statements, nodes read


# A group to validate, with its sources (slimmed: the worker needs only their lines) and
# their lines' spans of the release copy (graph/build/readahead.py; None: read the source's).
Job = tuple[Group, list[ParsedSource], list[readahead.Span | None]]


def _job(group: Group, parts: Sequence[ParsedSource], layout: readahead.Layout | None) -> Job:
    slim: dict[str, object] = {"subjects": {}, "counts": {}, "titles": (), "programmes": ()}
    mine = [replace(parts[i], **slim) for i in group.members]  # type: ignore[arg-type]
    spans = readahead.spans(layout, [p.graph_iri for p in mine])
    return Group(tuple(range(len(mine))), group.owned), mine, spans


def _validate_groups(jobs: list[Job]) -> list[Gathered]:
    """In a worker: groups `jobs`, each gathered once from the union's index on disk
    (with the nodes it read, for graph/build/union_index.py) and validated in one batch;
    the members' lines read from the release copy where it holds them."""
    inverse, leave_out = _WORKER["inverse"], _WORKER.get("leave_out")
    union = Remembered(_WORKER["union"])  # type: ignore[arg-type]
    members = readahead.held([(p, s) for _g, p, s in jobs], _WORKER.get("copy"))  # type: ignore[arg-type]
    batch, reads = [], []
    for (group, _p, _s), parts in zip(jobs, members, strict=True):
        read: set[str] = set()
        lines = group_data(group, parts, union, inverse, leave_out, read)  # type: ignore[arg-type]
        batch.append((lines, group.owned))
        reads.append(read)
    found = _validate_batch(batch)
    return [
        (r, len(lines), sorted(read))
        for r, (lines, _o), read in zip(found, batch, reads, strict=True)
    ]


def _validate_positions(
    found: list[str], shapes: Graph, state: UnitState, salt: str, cache_dir: Path | None
) -> list[Violation]:
    """The catalogue order's unit (graph/build/positions.py), in this process, with the
    engine the batches used and the shapes that read positions, through the cache."""
    # Only their types (kept between builds: UnitState.types): reading every statement about
    # every programme held the whole catalogue's descriptions in this process at once.
    typed = state.types({line.split(" ", 1)[0] for line in found})
    lines, owned = positions.position_unit(
        found, lambda node: [(t, None) for t in typed.get(node, ())]
    )
    digest = validation_cache.shapes_digest(shapes)
    key = data_key([*lines, "", *sorted(owned)], f"{salt}\npositions\n{digest}")
    cached = validation_cache.load(cache_dir, key)
    if cached is not None:
        return cached
    engine = {"rudof_shapes": rudof_shacl.prepare(shapes)} if _WORKER["engine"] == "rudof" else {}
    held = dict(_WORKER)
    _WORKER.update(shapes=shapes, **engine)
    try:
        [results] = _validate_batch([(lines, owned)])
    finally:
        _WORKER.clear()
        _WORKER.update(held)
    validation_cache.store(cache_dir, key, results)
    return results


def validate_groups(
    release: Release,
    shapes: Graph,
    *,
    cache_dir: Path | None = None,
    workers: int = 1,
    engine: str = "rudof",
    copy: Path | None = None,
    settle_later: bool = False,
) -> Report:
    """`shapes` (without SPARQL constraints: sparql_checks.split) over `release`, group by
    group with `engine` (ENGINES), in `workers` processes. With `cache_dir`, the union's index
    and each group's results are kept there between builds (graph/build/union_index.py): a
    rebuild validates only the groups whose data changed. `copy`: UnionIndex.update's. With
    `settle_later` and `cache_dir`, the state kept there is settled in the background
    (UnitState.close): the caller waits for it with unit_state.finish_settling."""
    if engine not in ENGINES:
        raise ShapesError(
            f"setting shacl_engine: unknown SHACL engine {engine!r} (one of: {', '.join(ENGINES)})"
        )
    apart = reach(shapes) <= SUPPORTED_REACH
    groups = (group_sources if apart else one_group)(release.sources, release.builtin)
    parts = [*release.sources, *release.builtin]
    inverse = inverse_predicates(shapes)
    salt = "\n".join(
        [
            CODE_VERSION,
            engine,
            ENGINES[engine],
            validation_cache.shapes_digest(shapes),
            *(data_key(b.lines, "") for b in release.builtin),
        ]
    )
    progress.note(f"validating {len(parts)} graphs in {len(groups)} groups")
    ordered = positions.position_shapes(shapes) if apart else None
    order = Part.lines(str(ORDER_GRAPH), release.order_lines)
    graphs = [*(Part.of(p, d) for p, d in zip(parts, release.digests, strict=True)), order]
    names = [" ".join(parts[i].graph_iri for i in g.members) for g in groups]
    owned = [data_key(sorted(g.owned), "") for g in groups]
    members = [data_key([graphs[i].digest for i in g.members], "") for g in groups]
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="union-", dir=cache_dir) as folder:
        path = (cache_dir if cache_dir is not None else Path(folder)) / "union.sqlite"
        union, changed = UnionIndex.update(
            path, graphs, inverse, ordered is not None, salt, copy_to=copy
        )
        state = UnitState(path)
        recorded = state.recorded()
        readers = state.readers(changed) if changed is not None else set()
        results: list[list[Violation]] = [[] for _ in groups]
        sizes = [0] * len(groups)
        todo: list[Sized] = []
        for n, name in enumerate(names):
            held = recorded.get(name)
            if held is None or name in readers or held[:2] != (owned[n], members[n]):
                todo.append((n, sum(sum(parts[i].counts.values()) for i in groups[n].members)))
            else:
                results[n], sizes[n] = held[3], held[2]
        state.forget([names[n] for n, _s in todo], sorted({*recorded} - {*names}))
        leave_out = None if ordered is None else positions.is_position
        layout = union.layout
        _WORKER.update(union=union, inverse=inverse, leave_out=leave_out,
                       copy=layout.copy if layout is not None else None)  # fmt: skip
        if engine == "rudof":
            ontology_lines = sorted(
                {f"{q.triple} ." for q in parse_lines(release.builtin[0].lines)}
            )
            _WORKER.update(engine=engine, rudof_shapes=rudof_shacl.prepare(shapes),
                           ontology_lines=ontology_lines)  # fmt: skip
        else:
            _WORKER.update(
                engine=engine, shapes=shapes, ontology=rdflib_graph(release.builtin[0].lines)
            )
        main = {n: graphs[groups[n].members[0]].main for n, _s in todo if groups[n].members}
        batches = in_batches(todo, BATCH_STATEMENTS[engine], lambda n: main.get(n, ""))
        jobs = [[n for n, _size in batch] for batch in batches]
        work = [[_job(groups[n], parts, layout) for n in job] for job in jobs]
        ahead = readahead.Ahead(layout, [[p.graph_iri for w in job for p in w[1]] for job in work])
        done = zip(jobs, _each_batch(work, workers, engine), strict=True)
        for k, (job, found) in enumerate(done):
            ahead.done(k)  # the first AHEAD were advised when `ahead` was made
            for n, (group_results, size, _read) in zip(job, found, strict=True):
                results[n], sizes[n] = group_results, size
            state.record((names[n], (owned[n], members[n], sizes[n], results[n]), read)
                         for n, (_r, _s, read) in zip(job, found, strict=True))  # fmt: skip
        if ordered is not None:
            results.append(_validate_positions(union.positions(), ordered, state, salt, cache_dir))
        state.close(background=settle_later and cache_dir is not None)
        _WORKER.clear()
        union.close()
    files = {str(g): name for g, name in release.files.items()}
    focus = {focus_key(r.focus_node) for found in results for r in found}
    locate = locator(parts, files, release.order_lines, focus)
    located = [replace(r, source_file=locate(r.focus_node)) for found in results for r in found]
    return Report(
        sorted(located, key=result_order),
        groups=len(groups),
        largest_group=max(sizes, default=0),
        validated=len(todo),
        cached=len(groups) - len(todo),
    )


def validate_files(files: Sequence[Path], shapes: Graph | None = None) -> Report:
    """Validate arbitrary files (Turtle, TriG, JSON-LD, …) with the bundled vocabularies, as
    `prospectus validate FILES` does.

    TriG and N-Quads keep their named graphs; any other file forms one graph.
    """
    dataset = Dataset()
    names: dict[URIRef, str] = {}
    for path in files:
        for graph in load.read_any(path).graphs():
            if len(graph) == 0:
                continue
            target = dataset.graph(graph.identifier)
            for triple in graph:
                target.add(triple)
            names[URIRef(graph.identifier)] = str(path)
    return validate(
        dataset,
        shapes or read_shapes(),
        load.read_ontology(),
        names,
        extra=[load.read_vocabularies()],
    )
