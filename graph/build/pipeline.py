"""The build, step by step: read -> validate -> rebase -> publish -> write the products.

`build()` reads the sources (graph/build/release.py), validates them with the project's
shapes (graph/build/validate.py), moves the data IRIs under the `base_iri` setting and
publishes the result atomically (graph/build/publish.py): a failed or interrupted build
leaves the previously published version in place and serving. While the new version is
staged, the writers of graph/build/writers/ add its products, each given one BuildContext
(graph/build/context.py), in the order of WRITERS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path

import pyoxigraph as ox

from ..iris import DATA_BASE
from ..settings import Settings
from ..store.nquads_diff import changed_lines, forget_changed, store_changes
from ..store.oxigraph import checkpoint, create_on_disk, update_on_disk
from ..versions import DATASET_FILE, STORE_DIR, Version
from . import merge_ahead, progress, publish, reference, release_copy
from .checks_results import checked
from .checks_store import STORE_DIR as CHECKS_STORE_DIR
from .checks_store import graph_digests, loads_all, loads_from_copy, open_checks_store
from .context import BuildContext, Writer
from .dataset_merge import LINES_RECORD, Merger, merger
from .heap import give_back
from .lanes import run_lanes, run_writers
from .lock import build_lock
from .parse import workers_for
from .release import Release, default_sources, read_release
from .unit_state import finish_settling
from .validate import Report, result_order, validate_release
from .writers.changes import write_changes
from .writers.dumps import write_checksums, write_dumps
from .writers.elm.write import write_elm
from .writers.facets import write_facets
from .writers.ldes import settings_writer as ldes_writer
from .writers.search_index import write_search_index
from .writers.statistics import write_statistics

# What a version holds besides its store, written in this order: the dumps first (the ELM
# export is listed with them), then the statistics, the change record, the ELM export and
# the search index, then the facet counts of the programme list. `build()` adds the change
# stream (it reads the change record and needs the ldes_* settings): writers_for(settings).
WRITERS: tuple[Writer, ...] = (
    write_dumps,
    write_statistics,
    write_changes,
    write_elm,
    write_search_index,
    write_facets,
)


# The writers that run beside the others, in a forked process (graph/build/lanes.py), when
# the build has more than one worker and the version is a small change from the previous
# one: each keeps about one core busy, none reads what the others write. The change record,
# the ELM export and the change stream stay in the build's process, one after the other.
BESIDE: tuple[Writer, ...] = (write_dumps, write_statistics, write_search_index, write_facets)

# After a large change (a first version), when the build has more than one worker: the
# writers that keep about one core busy each run in the forked lane beside the dumps and the
# ELM export, which keep both cores busy most of the time but not all of it. The change
# stream, which uses every core and more memory than any other writer, starts once both
# lanes are done (`after`): the forked lane's memory is never added to its (docs/build.md).
BESIDE_LARGE: tuple[Writer, ...] = (write_statistics, write_search_index, write_facets)

# The release's lines as the SPARQL constraints' store read them when it was loaded from all
# of them (at the default base_iri), in the cache folder until they are moved into the
# version as its unsorted lines (publish.LinesFile); removed when the build ends otherwise.
RELEASE_LINES = "release-lines.nq"


def writers_for(settings: Settings) -> tuple[Writer, ...]:
    """Every writer a build with these settings runs: WRITERS, then the change stream (the
    last: the one that runs after the lanes, `publish_dataset`'s `after`)."""
    return (*WRITERS, ldes_writer(settings))


def make_store(staging: publish.Staging, snapshot: Path | None = None) -> None:
    """The staged version's store: a checkpoint of `snapshot`, a store that holds exactly
    the lines of dataset.nq (the build's SPARQL constraints' store at the default base_iri:
    graph/store/oxigraph.py, checkpoint); else from the previous version's store and the
    lines that changed (update_on_disk) when a previous version with a store exists and the
    change is small (graph/store/nquads_diff.py, changed_lines); else bulk-loaded from
    dataset.nq. manifest["store"] says which."""
    nquads, store_dir = staging.path / DATASET_FILE, staging.path / STORE_DIR
    if snapshot is not None:
        checkpoint(snapshot, store_dir)
        staging.manifest["store"] = {"made": "checkpoint"}
        return
    previous = staging.previous
    if previous is not None and (previous.path / STORE_DIR).is_dir():
        old = previous.path / DATASET_FILE
        changed = changed_lines(old, nquads, staging.path, staging.manifest["quads"])
        added, removed = staging.path / "store-added.nq", staging.path / "store-removed.nq"
        cleared = store_changes(changed, nquads, added, removed) if changed else None
        if changed is not None and cleared is not None:
            update_on_disk(previous.path / STORE_DIR, store_dir, added, removed, sorted(cleared))
            added.unlink()
            removed.unlink()
            staging.manifest["store"] = {
                "made": "incremental",
                "changed_lines": sum(publish.digest_and_count(path)[1] for path in changed),
                "graphs_reloaded": len(cleared),
            }
            return
    create_on_disk(nquads, store_dir)
    staging.manifest["store"] = {"made": "bulk load"}


@dataclass(frozen=True)
class BuildResult:
    version: Version
    published: bool  # False when the content equals the current version
    report: Report


def publish_dataset(
    data_dir: Path,
    lines: Iterable[str] | publish.LinesFile,
    *,
    base_iri: str = DATA_BASE,
    writers: Sequence[Writer] = WRITERS,
    reference_dir: Path | None = None,
    retain: int = 5,
    now: datetime | None = None,
    load_store: bool = False,
    store_from: Path | None = None,
    check: Callable[[ox.Store], None] | None = None,
    lines_record: str | None = None,
    merge: Merger | None = None,
    beside: Sequence[Writer] = (),
    beside_large: Sequence[Writer] = (),
    after: Sequence[Writer] = (),
    workers: int = 0,
) -> tuple[Version, bool]:
    """Publish N-Quads `lines` (already under `base_iri`; any order, duplicates allowed; or a
    publish.LinesFile of them) as a new version and run `writers` on it; (version, False) when
    the content equals the current version's. With `load_store`, the version gets a store
    (`make_store`; a checkpoint of `store_from` when given, which must hold exactly `lines`).
    `check` runs on the loaded store (read-only) before the writers; a violation it raises
    publishes nothing. The ELM export is checked against the official shapes in `reference_dir`
    when given. `lines_record`, the record of the constraints' store that `lines` equal, goes in
    the manifest (LINES_RECORD); `merge` may make dataset.nq from the previous version's
    (graph/build/dataset_merge.py). After a small change (BuildContext.changed_lines), the
    `writers` also in `beside` run in a forked process beside the others (graph/build/lanes.py);
    after a large one, those in `beside_large` do, and those in `after` wait for both lanes to
    be done. A writer forks at most `workers` processes (0: one per core)."""

    def write(staging: publish.Staging) -> None:
        ctx = BuildContext(staging, base_iri, reference_dir, workers)
        ctx.manifest["base_iri"] = base_iri
        if lines_record is not None:
            ctx.manifest[LINES_RECORD] = lines_record
        if check is not None:
            with publish.timed("check"):
                check(ctx.store)
        try:
            # After a small change the writers are light and keep one core busy each; after
            # a large one, the dumps and the ELM export use every core most of the time and
            # the change stream the most memory, so it runs alone (docs/build.md).
            small = bool(beside or beside_large) and ctx.changed_lines is not None
            forked = [w for w in writers if w in (beside if small else beside_large)]
            last = (
                [w for w in writers if w in after and w not in forked]
                if forked and not small
                else []
            )
            run_lanes(ctx, [w for w in writers if w not in forked and w not in last], forked)
            if forked and ctx.manifest.get("dumps"):
                write_checksums(ctx)  # of the dumps both lanes wrote
            run_writers(ctx, last)
        finally:
            ctx.close()
        forget_changed(staging.path)

    return publish.publish(
        data_dir,
        lines,
        write=write,
        store_loader=partial(make_store, snapshot=store_from) if load_store else None,
        merge=merge,
        retain=retain,
        now=now,
    )


def build(settings: Settings, *, source_files: Sequence[Path] | None = None) -> BuildResult:
    """Read, validate and publish the bundled and imported sources (or `source_files`), one
    build at a time per data folder (graph/build/lock.py)."""
    with build_lock(settings.data_path):
        return _build(settings, source_files)


def _build(settings: Settings, source_files: Sequence[Path] | None) -> BuildResult:
    cache, workers = settings.data_path / "cache", workers_for(settings.build_workers)
    release_copy.remove(cache / RELEASE_LINES)  # what a build killed outright left
    files = default_sources(settings) if source_files is None else source_files
    copy = cache / RELEASE_LINES if settings.base_iri == DATA_BASE else None
    try:
        with ExitStack() as stack:
            return _read_and_publish(settings, files, cache, workers, copy, stack)
    finally:
        finish_settling(raise_errors=False)  # a build that failed: before the lock goes
        if copy is not None:
            release_copy.remove(copy)  # moved into the version, or not wanted


def _read_and_publish(
    settings: Settings,
    files: Sequence[Path],
    cache: Path,
    workers: int,
    copy: Path | None,
    stack: ExitStack,
) -> BuildResult:
    with publish.timed("read"):
        release = read_release(files, cache_dir=cache / "parse", workers=workers)
    # After a small change, the new dataset.nq is merged from the previous one in a process
    # of its own while the release is validated (graph/build/merge_ahead.py); `stack` ends it.
    digests = graph_digests(release)
    ahead = merge_ahead.start(release, cache, settings.data_path, digests) if copy else None
    if ahead is not None:
        stack.callback(ahead.close)
    with publish.timed("validate"):
        report = validate_release(
            release,
            cache_dir=cache / "validation",
            workers=workers,
            sparql=False,
            engine=settings.shacl_engine,
            # the lines the constraints' store loads, copied as the union index reads them
            copy_lines_to=copy if copy is not None and loads_all(cache) else None,
            settle_later=True,  # beside the constraints' store being loaded
        )
    progress.note(report.summary())
    # The SPARQL constraints run on a store of the canonical IRIs whose blank nodes keep the
    # labels of the lines (the staged store is rebased and bulk_load relabels blank nodes),
    # kept on disk in the cache folder and brought up to date from the changed graphs
    # (graph/build/checks_store.py).
    # At the default base_iri the constraints' store holds exactly the version's lines (the
    # blank nodes keeping their labels): the version's store is a checkpoint of it, whose
    # files are hard links, instead of a second bulk load of the same quads; when that store
    # is loaded from every line, the lines it reads are kept as they come (`copy`), to be
    # sorted into the version's dataset.nq instead of read from the release a second time
    # (written by the union index as it read them, when it was written afresh:
    # graph/build/release_copy.py); and after a small change the version's dataset.nq is the
    # previous one's with the changed graphs' lines replaced (graph/build/dataset_merge.py),
    # instead of every line sorted again.
    same = copy is not None
    graph_files = release.files
    held: Release | None = release  # None once the release is let go
    del release
    with publish.timed("sparql checks"):
        if loads_from_copy(cache, copy):
            # Loaded from the union index's copy, the store reads nothing from the release,
            # nor does publishing a version made from every line: it goes before the bulk
            # load, whose own 2 GB came on top of its 1.4 GB at 100,000 programmes.
            held = None
        give_back()  # what validation let go, before the constraints' store is loaded
        store, made = open_checks_store(held, cache, copy_lines_to=copy, digests=digests)
        progress.note(f"SPARQL constraints' store: {made.summary()}")
        found = checked(store, graph_files, cache, made, workers)
        finish_settling()  # the validation's state, settled beside this step (UnitState.close)
        # Closed here, not when a reference cycle happens to be collected: a RocksDB
        # store still open when the writers fork their workers crashed them (SIGSEGV).
        del store
        give_back()
        report.results = sorted(report.results + found, key=result_order)
    report.raise_for_violations()
    progress.note("publishing: the store, the dumps, the statistics, the change record, ELM")
    # The release (every source's subjects and their digests: most of the 1.4 GB the
    # build held after reading 100,000 programmes) goes before the writers' forked
    # workers start: already gone when the constraints' store was loaded from the copy,
    # else now when its lines were kept, else once its lines' generator has written them.
    lines: Iterable[str] | publish.LinesFile
    if copy is not None and made.how == "bulk load":
        lines = publish.LinesFile(copy)
    else:
        assert held is not None  # let go only when the store was loaded from every line
        lines = held.lines(settings.base_iri)
    merge = (ahead.merger(made) if ahead else None) or (
        merger(made, held) if same and held is not None else None
    )
    del held, digests
    version, published = publish_dataset(
        settings.data_path,
        lines,
        base_iri=settings.base_iri,
        writers=(writers := writers_for(settings)),
        reference_dir=reference.folder(settings.reference_shapes_dir),
        retain=settings.retain_versions,
        load_store=True,
        store_from=cache / CHECKS_STORE_DIR if same else None,
        lines_record=made.after if same else None,
        merge=merge,
        beside=BESIDE if workers > 1 else (),
        beside_large=BESIDE_LARGE if workers > 1 else (),
        after=writers[-1:],  # the change stream
        workers=workers,
    )
    return BuildResult(version, published, report)
