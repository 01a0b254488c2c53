"""A rebuild's dataset.nq merged in a process of its own while the release is validated.

After a small change, the new dataset.nq is the previous one with the changed graphs' lines
replaced (graph/build/dataset_merge.py): one read and one write of the whole file, 4.3 GB at
100,000 programmes, which took 22-31 s of a 1% rebuild of 144-205 s, between the SPARQL
constraints and the writers, with one core mostly waiting on the disk. Which graphs changed is
known as soon as the release is read: their digests (checks_store.graph_digests) against the
record of the constraints' store, the comparison the store makes when it is brought up to date.

So `start` begins the merge then, in a process of its own, writing into the cache folder, while
the validation and the constraints run. The process is spawned, not forked: the 1.4 GB release
the build holds at that point would be copied page by page into a forked child's share as the
validation touched it. It reads the changed graphs' new lines from a file the build writes for
it (`INPUT`), not through its arguments, so that starting it never waits on its imports.

`Ahead.merger` hands the result to publishing (publish.publish's `merge`) only when the
constraints' store was brought up to date from exactly those graphs, from the record it was
started from, and the current version is still the one it merged from; otherwise the caller
uses the merge made in line (dataset_merge.merger). When the process fails (killed, the disk
full), publishing sorts every line instead, as a first build does, and says why. `close` ends
the process and removes its folder whatever happened: a build refused by its validation
publishes nothing and leaves nothing here.
"""

from __future__ import annotations

import os
import shutil
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from ..errors import PublishError
from ..store.executor import die_with_parent
from ..versions import DATASET_FILE, Version
from ..versions import current as current_version
from . import progress
from .checks_store import (
    DIFF_GRAPHS,
    STORE_DIR,
    Made,
    lines_by_graph,
    read_record,
    record_digest,
)
from .dataset_merge import LINES_RECORD, Merger, merge_dataset
from .publish import keep_index
from .release import Release

AHEAD_DIR = "merge-ahead"  # in the cache folder: INPUT, and OUTPUT once merged
INPUT = "input"  # the changed graphs (a line each), then their new lines
OUTPUT = "output"  # dataset.nq, its index and the lines that changed: moved into staging


@dataclass
class Ahead:
    """A merge running beside the build: from version `previous` and the constraints' store
    record `before` (its record_digest), replacing the lines of `graphs`."""

    previous: str
    before: str
    graphs: frozenset[str]
    folder: Path
    process: BaseProcess
    receiver: Connection
    answer: tuple[str, Any] | None = field(default=None, repr=False)

    def result(self) -> tuple[str, int]:
        """(SHA-256, lines) of the merged dataset.nq, once the process is done; a failure
        of the process raises (PublishError when it could not write)."""
        if self.answer is None:
            try:
                self.answer = self.receiver.recv()
            except EOFError:
                self.process.join()
                code = self.process.exitcode
                how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
                raise PublishError(f"the process merging dataset.nq ended without a word ({how})"
                                   ) from None  # fmt: skip
        kind, payload = self.answer
        if kind == "ok":
            (digest, count), seconds = payload
            progress.note(f"dataset.nq merged beside validation in {seconds:.2f} s")
            return digest, count
        if kind == "project":
            raise PublishError(f"merging dataset.nq: {payload}")
        raise RuntimeError(f"merging dataset.nq failed:\n{payload}")

    def merger(self, made: Made) -> Merger | None:
        """What publishes this merge (publish.publish's `merge`), when the constraints' store
        `made` was brought up to date from the record and the graphs this merge started
        from; None otherwise."""
        if made.how != "incremental" or made.before != self.before or made.graphs != self.graphs:
            return None

        def from_ahead(previous: Version, staging: Path) -> tuple[str, int] | None:
            if previous.id != self.previous:
                return None  # another version was published since: not what was merged
            try:
                merged = self.result()
            except (PublishError, RuntimeError) as error:
                progress.note(f"{error}: every line is sorted instead")
                return None
            for path in sorted((self.folder / OUTPUT).iterdir()):
                os.replace(path, staging / path.name)
            return merged

        return from_ahead

    def close(self) -> None:
        """End the process if it still runs, and remove the folder."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.receiver.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def start(release: Release, cache: Path, data_dir: Path, digests: Mapping[str, str]
          ) -> Ahead | None:  # fmt: skip
    """The merge of the next version's dataset.nq, started beside the build (module doc), or
    None when the build will not merge: no current version, no record of the constraints'
    store, a current version of other lines than that record held, or more than DIFF_GRAPHS
    graphs changed. `digests`: checks_store.graph_digests(release)."""
    folder = cache / AHEAD_DIR
    shutil.rmtree(folder, ignore_errors=True)  # what a build killed outright left
    previous = current_version(data_dir)
    held = read_record(cache) if (cache / STORE_DIR).is_dir() else None
    if previous is None or held is None:
        return None
    before = record_digest(held)
    if previous.manifest.get(LINES_RECORD) != before:
        return None
    graphs = frozenset(g for g in held.keys() | digests.keys() if held.get(g) != digests.get(g))
    if len(graphs) > DIFF_GRAPHS:
        return None
    try:
        _write_input(folder, graphs, lines_by_graph(release, graphs))
    except OSError as exc:  # the disk full, …: the merge is made in line, or fails there
        progress.note(f"the merge beside validation could not start: {exc}")
        shutil.rmtree(folder, ignore_errors=True)
        return None
    context = get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_merge,
        args=(previous.path / DATASET_FILE, folder, sender),
        name="prospectus merge",
        daemon=True,
    )
    process.start()
    sender.close()
    return Ahead(previous.id, before, graphs, folder, process, receiver)


def _write_input(folder: Path, graphs: frozenset[str], lines: Mapping[str, list[str]]) -> None:
    (folder / OUTPUT).mkdir(parents=True)
    with (folder / INPUT).open("w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(f"{graph}\n" for graph in sorted(graphs))
        fh.write("\n")
        for held in lines.values():
            fh.writelines(line.rstrip("\n") + "\n" for line in held)


def _read_input(path: Path) -> tuple[list[str], list[str]]:
    """The graphs and the lines `start` wrote (the graphs end at the first empty line)."""
    with path.open(encoding="utf-8", newline="\n") as fh:
        graphs = []
        while (line := fh.readline()) not in ("\n", ""):
            graphs.append(line.rstrip("\n"))
        return graphs, fh.readlines()


def _merge(old: Path, folder: Path, sender: Connection) -> None:
    """In the spawned process: merge `old` with the input into OUTPUT, then send back
    ("ok", ((SHA-256, lines), seconds)) or what went wrong."""
    die_with_parent()  # not left writing into a cache folder the next build removes
    begun = time.perf_counter()
    answer: tuple[str, Any]
    try:
        graphs, lines = _read_input(folder / INPUT)
        merged = merge_dataset(old, folder / OUTPUT, graphs, {"": lines})
        keep_index(folder / OUTPUT / DATASET_FILE)  # while its pages are cached
        answer = ("ok", (merged, time.perf_counter() - begun))
    except OSError as exc:
        answer = ("project", f"{exc.strerror or exc} ({exc.filename or folder})")
    except BaseException:
        answer = ("bug", traceback.format_exc())
    try:
        sender.send(answer)
    finally:
        sender.close()
