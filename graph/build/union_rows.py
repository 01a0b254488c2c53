"""The rows of a union index written afresh, made in a forked process beside the one that
writes them (graph/build/union_index.py `_write`).

Writing the index afresh is two kinds of work: reading every part's lines (its parse cache
entry), copying them to the release copy (graph/build/release_copy.py) and splitting them
into rows, in Python (about 55 of the step's 164 s at 100,000 programmes); and putting the
rows in, in SQLite (the rest). Done one after the other they kept one core busy for the
whole step, the other idle. Here a forked process reads, copies and splits, the parts in
the order given, and sends their rows a batch at a time through a pipe to the process
writing the index, which puts them in as they come: the pipe holds one batch, so the reader
is at most a batch or two ahead and neither holds more than that.

The release copy is written and completed (`ReleaseCopy.close`) by the reading process, in
the parts' order, as before; a failure on either side leaves no copy behind (the reader
discards it when it fails or when the writer stops reading, and the writer removes it when
the reader ends without saying it is done). An error the reader meets (a parse cache entry
that cannot be read) is raised again in the writer.
"""

from __future__ import annotations

import gc
import io
import pickle
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from ..errors import ProspectusError
from . import release_copy
from .heap import give_back
from .release_copy import ReleaseCopy, Span


class Part(Protocol):
    """A graph of the union as the reader reads it (union_index.Part)."""

    @property
    def name(self) -> str: ...

    def read(self) -> tuple[str, ...]: ...


BATCH = 200  # parts a message (about 8 MB pickled at 160 statements a programme)
STOP_WAIT = 30.0  # seconds the writer waits for the reader to stop once it stopped reading

# The rows of one part: (about rows, incoming rows, positions), each sorted.
SortedRows = tuple[list[tuple[str, str]], list[tuple[str, str, str]], list[str]]
# union_index._rows of a part's name and lines
RowsOf = Callable[[str, tuple[str, ...]], tuple[set[Any], set[Any], set[str]]]


class UnionRowsError(ProspectusError):
    """The process reading the union's parts ended without finishing or saying why."""


@dataclass(frozen=True)
class Made:
    """One part's rows and where its lines went in the release copy (None: not all there, or
    no copy)."""

    span: Span | None
    rows: SortedRows


def _dumps(message: object) -> bytes:
    """`message` pickled without the memo (its strings are each sent once): less work for
    both sides than Connection.send's pickling."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(message)
    return buffer.getvalue()


def _read(parts: Sequence[Part], rows_of: RowsOf, copy_to: Path | None, out: Connection) -> None:
    """In the reading process: every part's rows, a batch at a time, then None (done), or
    the exception that stopped it."""
    copy = ReleaseCopy(copy_to) if copy_to is not None else None
    try:
        batch: list[Made] = []
        for part in parts:
            lines = part.read()
            span = copy.add(lines) if copy is not None else None
            about, incoming, kept = rows_of(part.name, lines)
            batch.append(Made(span, (sorted(about), sorted(incoming), sorted(kept))))
            if len(batch) == BATCH:
                out.send_bytes(_dumps(batch))
                batch = []
        if copy is not None:
            copy.close()
            copy = None
        out.send_bytes(_dumps(batch))
        out.send_bytes(_dumps(None))
    except BrokenPipeError:
        pass  # the writer stopped reading: it failed, and says why
    except BaseException as exc:  # noqa: BLE001 - sent to the writer, which raises it
        try:
            sent = pickle.dumps(exc)
        except Exception:  # noqa: BLE001 - an exception that does not pickle, described
            sent = pickle.dumps(UnionRowsError(f"reading the union's parts failed: {exc!r}"))
        try:
            out.send_bytes(sent)
        except OSError:
            pass
    finally:
        if copy is not None:
            copy.discard()
        out.close()


def _child(
    parts: Sequence[Part],
    rows_of: RowsOf,
    copy_to: Path | None,
    out: Connection,
    inherited: Connection,
) -> None:
    # the reading end, inherited: only the writer's may hold it open, so that its closing
    # breaks the pipe for this process's sending
    inherited.close()
    gc.freeze()  # inherited objects stay shared (copy-on-write): a collection would copy them
    _read(parts, rows_of, copy_to, out)


def made_beside(parts: Sequence[Part], rows_of: RowsOf, copy_to: Path | None) -> Generator[Made]:
    """Each of `parts`' rows (`rows_of(name, lines)`, sorted) and span in the copy at
    `copy_to` (written and completed by a forked process, module doc), in the parts' order.
    The copy is complete once the last is taken."""
    context = get_context("fork")
    receive, send = context.Pipe(duplex=False)
    give_back()  # the heap's free pages, not copied into the reader
    gc.freeze()
    try:
        reader = context.Process(
            target=_child,
            args=(parts, rows_of, copy_to, send, receive),
            name="union-rows",
            daemon=True,
        )
        reader.start()
    finally:
        gc.unfreeze()
    send.close()
    done = False
    try:
        while True:
            try:
                message = pickle.loads(receive.recv_bytes())
            except EOFError:
                reader.join(STOP_WAIT)
                raise UnionRowsError(
                    "the process reading the union's parts ended without finishing "
                    f"(exit code {reader.exitcode})"
                ) from None
            if message is None:
                done = True
                return
            if isinstance(message, BaseException):
                raise message
            yield from message
    finally:
        receive.close()  # a reader still sending gets a broken pipe and discards the copy
        reader.join(STOP_WAIT)
        if reader.is_alive():
            reader.kill()
            reader.join()
        if not done and copy_to is not None:
            release_copy.remove(copy_to)
