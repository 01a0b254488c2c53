"""Why a query process died, and saying so without flooding the log.

`diagnose()` turns an executor's wait status (from its zygote) and the tail of its standard
error (graph/store/executor.py) into the error the client gets: QueryMemoryExceeded when an
allocation hit `query_memory_limit`, QueryCrashed naming the panic message, the signal or the
exit otherwise. `CRASHES` logs each kind at most once per CRASH_LOG_SECONDS per process, with
the number left out since.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import threading
import time

from .base import QueryCrashed, QueryMemoryExceeded, StoreError

log = logging.getLogger(__name__)

CRASH_LOG_SECONDS = 60.0


_PANIC = re.compile(r"panicked at [^\n]*:\n([^\n]+)")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def diagnose(status: int, last_words: str, memory_limit_mb: int) -> StoreError:
    """The error for an executor that ended during a query, from its wait status (-1 when
    unknown) and what it wrote to standard error."""
    if "memory allocation of" in last_words or "MemoryError" in last_words:
        if memory_limit_mb > 0:
            return QueryMemoryExceeded(memory_limit_mb)
        return QueryCrashed("it ran out of memory", "killed")
    if "overflowed its stack" in last_words:
        return QueryCrashed("the engine's stack overflowed (a deeply recursive query)", "stack")
    panic = _PANIC.search(last_words)
    if panic:
        return QueryCrashed(f"the query engine panicked: {panic.group(1).strip()}", "panic")
    if status >= 0 and os.WIFEXITED(status):
        return QueryCrashed(f"it exited with status {os.WEXITSTATUS(status)}", "abort")
    number = os.WTERMSIG(status) if status >= 0 and os.WIFSIGNALED(status) else 0
    if number in (signal.SIGSEGV, signal.SIGBUS) or "Segmentation fault" in last_words:
        name = _signal_name(number or signal.SIGSEGV)
        return QueryCrashed(
            f"a segmentation fault in the query engine ({name}; deep recursion on a deeply "
            "nested query is the usual cause)",
            "segfault",
        )
    if number == signal.SIGABRT or "Aborted" in last_words:
        return QueryCrashed("the query engine aborted (SIGABRT)", "abort")
    if number and number != signal.SIGKILL:
        return QueryCrashed(f"it was stopped by {_signal_name(number)}", "killed")
    return QueryCrashed(
        "it was killed from outside (SIGKILL; most likely the system ran out of memory)",
        "killed",
    )


class CrashLog:
    """Logs each kind of crash at most once per `every` seconds, with the count since."""

    def __init__(self, every: float = CRASH_LOG_SECONDS):
        self.every = every
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._quiet: dict[str, int] = {}

    def report(self, error: StoreError) -> None:
        kind = getattr(error, "kind", "memory")
        now = time.monotonic()
        with self._lock:
            last = self._last.get(kind)
            if last is not None and now - last < self.every:
                self._quiet[kind] = self._quiet.get(kind, 0) + 1
                return
            self._last[kind] = now
            quiet = self._quiet.pop(kind, 0)
        more = f" ({quiet} more of this kind in the last {self.every:g} s)" if quiet else ""
        log.error("a query process ended during a query: %s%s", error, more)


CRASHES = CrashLog()
