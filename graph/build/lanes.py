"""A version's writers in two lanes: some in this process, the others in a forked one beside.

Most writers keep one core busy (the dumps, the statistics, the search index, the facets);
on a machine with two, the other waits while they run. `run_lanes` runs the writers `beside`
in a process forked for them while the writers `here` run in this one, then takes back what
the forked lane added to the manifest (its writers' records) and raises what it raised. A
lane's writers run in their order; a writer reads nothing another lane's writer writes
(graph/build/context.py), with one exception made good here: the manifest's "dumps" list,
which the dumps writer sets and the ELM export extends. A list both lanes extended holds the
forked lane's entries first, then this lane's.

The fork happens before either lane opens the store or dataset.nq (a RocksDB store open in
the parent crashed the processes forked from it: pipeline.py), with the parent's objects
frozen out of the garbage collector (`forked_pool`'s reason) and the lines the version
changed already found (`BuildContext.changed_lines`, which both lanes read and would
otherwise both write).
"""

from __future__ import annotations

import copy
import gc
import pickle
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection
from typing import Any

from ..errors import ProspectusError, PublishError
from ..store.executor import die_with_parent
from . import progress, publish
from .context import BuildContext, Writer
from .heap import give_back


@dataclass
class WriterFailed(ProspectusError):
    """A writer of the forked lane failed with a project error: its message and exit code."""

    message: str
    code: int = 2

    def __post_init__(self) -> None:
        self.exit_code = self.code

    def __str__(self) -> str:
        return self.message


def run_writers(
    ctx: BuildContext, writers: Sequence[Writer], stop: Callable[[], bool] = lambda: False
) -> None:
    """`writers` one after the other, each step timed (`time writer <name>`), until `stop()`
    says to, asked after each."""
    for writer in writers:
        give_back()  # what the step before let go (graph/build/heap.py)
        with publish.timed(f"writer {getattr(writer, '__name__', 'writer')}"):
            writer(ctx)
        if stop():
            return


def _prepare(ctx: BuildContext) -> None:
    """What both lanes would otherwise make at once: the store when the build did not load
    one, the lines the version changed; then nothing of the version left open here."""
    ctx.store  # noqa: B018
    ctx.changed_lines  # noqa: B018
    ctx.close()


def run_lanes(ctx: BuildContext, here: Sequence[Writer], beside: Sequence[Writer]) -> None:
    """`here` in this process while `beside` runs in a forked process (module doc). A failure
    of either lane stops the other: this lane looks for the forked one's answer after each
    of its writers."""
    if not beside:
        run_writers(ctx, here)
        return
    _prepare(ctx)
    before = copy.deepcopy(ctx.manifest)
    give_back()
    gc.freeze()
    receiver, sender = get_context("fork").Pipe(duplex=False)
    lane = get_context("fork").Process(
        target=_forked, args=(ctx, beside, before, sender), name="prospectus writers"
    )
    try:
        lane.start()
    finally:
        gc.unfreeze()
    sender.close()
    answers: list[tuple[str, Any]] = []

    def failed() -> bool:
        if not answers and receiver.poll():
            answers.append(_receive(receiver, lane, beside))
        return bool(answers) and answers[0][0] != "ok"

    try:
        run_writers(ctx, here, failed)
        ctx.close()
        if not answers:
            answers.append(_receive(receiver, lane, beside))
    except BaseException:
        lane.kill()
        raise
    finally:
        receiver.close()
        lane.join()
    kind, payload = answers[0]
    if kind == "project":
        message, code = payload
        raise WriterFailed(message, code)
    if kind == "bug":
        raise RuntimeError(f"a writer of the forked lane failed:\n{payload}")
    merge_manifest(ctx.manifest, before, payload)


def _receive(receiver: Connection, lane: Any, beside: Sequence[Writer]) -> tuple[str, Any]:
    try:
        return receiver.recv()  # type: ignore[no-any-return]
    except EOFError:
        lane.join()
        names = ", ".join(getattr(w, "__name__", "writer") for w in beside)
        code = lane.exitcode
        how = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        raise PublishError(f"the process writing {names} ended without a word ({how})") from None


def _forked(
    ctx: BuildContext, writers: Sequence[Writer], before: dict[str, Any], sender: Connection
) -> None:
    """In the forked lane: run `writers`, then send back what they changed in the manifest,
    or what went wrong."""
    die_with_parent()  # not left writing into a staging folder the next build removes
    progress.plain()  # the bar on a terminal is this lane's parent's
    answer: tuple[str, Any]
    try:
        run_writers(ctx, writers)
        ctx.close()
        answer = ("ok", changed_entries(ctx.manifest, before))
    except ProspectusError as error:
        answer = ("project", (str(error), error.exit_code))
    except BaseException:
        answer = ("bug", traceback.format_exc())
    try:
        sender.send(answer)
    except (pickle.PicklingError, TypeError, AttributeError):
        sender.send(("bug", traceback.format_exc()))
    finally:
        sender.close()


def changed_entries(manifest: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """The entries of `manifest` that are new or other than in `before`."""
    return {key: value for key, value in manifest.items() if before.get(key, _NONE) != value}


_NONE = object()


def merge_manifest(manifest: dict[str, Any], before: dict[str, Any], forked: dict[str, Any]
                   ) -> None:  # fmt: skip
    """Add the forked lane's entries (`forked`, changed from `before`) to `manifest`; a list
    both lanes extended holds the forked lane's entries first (module doc)."""
    for key, value in forked.items():
        mine = manifest.get(key, _NONE)
        if mine == before.get(key, _NONE):
            manifest[key] = value
        elif isinstance(mine, list) and isinstance(value, list):
            old = before.get(key, [])
            manifest[key] = value + [item for item in mine if item not in old]
        else:
            raise PublishError(f'two writers set the manifest\'s "{key}" (one in each lane)')
