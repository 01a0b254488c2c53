"""How far a build is: a progress bar with counts and an ETA on a terminal (tqdm), plain lines
otherwise (at the start, every tenth and the end of a step), or nothing.

Off unless `enable()` is called: `prospectus build` enables it on standard error; the
library (importers, tests, `prospectus validate`) runs silently. Steps call `each()` around
what they iterate over, or `note()` for a step that cannot count.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

from tqdm import tqdm

T = TypeVar("T")

_stream: TextIO | None = None
_plain = False  # plain lines even on a terminal (`plain()`)


def enable(stream: TextIO | None = None) -> None:
    """Report progress on `stream` (standard error by default)."""
    global _stream
    _stream = stream if stream is not None else sys.stderr


def disable() -> None:
    global _stream
    _stream = None


def note(message: str) -> None:
    """One line about a step that cannot count (one pySHACL call)."""
    if _stream is not None:
        print(message, file=_stream, flush=True)


def _eta(done: int, total: int, elapsed: float) -> str:
    if done == 0 or done >= total:
        return ""
    return f", about {elapsed / done * (total - done):.0f} s left"


def each(items: Iterable[T], what: str, total: int | None = None, unit: str = "") -> Iterator[T]:
    """Yield `items`, reporting how many of `total` are done (`what`: the step, in words)."""
    if _stream is None:
        yield from items
        return
    if total is None:
        total = len(items) if hasattr(items, "__len__") else 0  # type: ignore[arg-type]
    if _stream.isatty() and not _plain:
        yield from tqdm(items, desc=what, total=total or None, unit=f" {unit}" if unit else "it",
                        file=_stream, dynamic_ncols=True)  # fmt: skip
        return
    start = time.monotonic()
    step = max(1, total // 10)
    done = 0
    print(f"{what}: 0/{total}", file=_stream, flush=True)
    for item in items:
        yield item
        done += 1
        if done % step == 0 and done < total:
            elapsed = time.monotonic() - start
            print(f"{what}: {done}/{total} ({100 * done // max(total, 1)}%), {elapsed:.0f} s"
                  f"{_eta(done, total, elapsed)}", file=_stream, flush=True)  # fmt: skip
    print(f"{what}: {done}/{total} done in {time.monotonic() - start:.1f} s", file=_stream,
          flush=True)  # fmt: skip


def plain() -> None:
    """Report in plain lines even on a terminal: for a process beside the one drawing the bar
    (graph/build/lanes.py)."""
    global _plain
    _plain = True
