"""What runs in the query processes: the zygote that forks them and the loop each one runs.

The worker side, which hands out jobs and enforces the limits, is graph/store/pool.py; the
design is in its docstring and in docs/sparql.md ("Timeout").

* The **zygote** is forked from the web worker when a store's pool starts. It is
  single-threaded and never evaluates anything. It answers two messages on its control socket
  (SOCK_SEQPACKET): b"x" with two descriptors (the executor's socket and its standard-error
  file) forks an executor and answers its pid; b"s" + pid answers how that executor ended
  (its wait status, -1 when unknown), for the worker to name the cause of a crash.
* An **executor** lowers its CPU priority (EXECUTOR_NICE), points its standard error at
  the file the worker holds, lets
  `faulthandler` name fatal signals there, keeps glibc to one malloc arena, and runs its loop
  on a thread with an EXECUTOR_STACK stack: warm, cap the address space at what it maps plus
  `query_memory_limit` MB (RLIMIT_AS), say READY, then one pickled job at a time, emptying
  its standard-error file before each.
"""

from __future__ import annotations

import ctypes
import faulthandler
import os
import pickle
import resource
import signal
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Protocol

from . import query_text
from .base import QueryRefused, QuerySyntaxError, QueryTooDeep, UpstreamError

PR_SET_PDEATHSIG = 1
M_ARENA_MAX = -8
EXECUTOR_STACK = 256 * 1024 * 1024
# Query processes yield the CPU to the web workers (pages, handing out queries) when both
# want it: at nice 10 a runaway gets about a tenth of what a worker gets on a busy core.
EXECUTOR_NICE = 10
STATUS_WAIT_SECONDS = 1.0
_RESET_SIGNALS = (
    "SIGTERM",
    "SIGINT",
    "SIGQUIT",
    "SIGHUP",
    "SIGUSR1",
    "SIGUSR2",
    "SIGWINCH",
    "SIGTTIN",
    "SIGTTOU",
    "SIGABRT",
    "SIGCHLD",
)


@dataclass(frozen=True)
class Job:
    """One query for an executor; `fmt` is a graph.formats name."""

    sparql: str
    default_graph_uris: tuple[str, ...]
    named_graph_uris: tuple[str, ...]
    fmt: str | None
    max_rows: int | None
    base_iri: str | None = None


class Engine(Protocol):
    """What runs inside an executor: the store's own evaluation, in-process."""

    def after_fork(self) -> None:
        """Called once in each new executor (e.g. to open an on-disk store)."""
        ...

    def warm(self) -> None:
        """Called once in each new executor, before it takes a job: touch the data so that
        the copy-on-write copy is made now rather than during the first query."""
        ...

    def run(self, job: Job) -> Any:
        """Evaluate a job and return a picklable answer."""
        ...


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def die_with_parent() -> None:
    """Have the kernel kill this process when its parent dies (Linux; elsewhere nothing)."""
    try:
        _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the EOF on the socket still ends it
        pass


def _one_malloc_arena() -> None:
    """Keep every thread on glibc's main arena, so that a new thread does not reserve 64 MB
    of address space that the memory limit would count."""
    try:
        _libc().mallopt(M_ARENA_MAX, 1)
    except (OSError, AttributeError):
        pass


def reset_signals() -> None:
    for name in _RESET_SIGNALS:
        sig = getattr(signal, name, None)
        if sig is not None:
            signal.signal(sig, signal.SIG_DFL)


def _address_space() -> int:
    """Bytes of address space this process maps now (VmSize)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _cap_memory(limit_mb: int) -> None:
    if limit_mb <= 0:
        return
    cap = _address_space() + limit_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


READY = b"ready"


def _answer(job: Job, engine: Engine) -> tuple[str, Any]:
    try:
        return "ok", engine.run(job)
    except QuerySyntaxError as exc:
        return "syntax", (exc.message, exc.line, exc.column)
    except QueryTooDeep as exc:
        return "too_deep", exc.message
    except QueryRefused as exc:
        return "refused", exc.message
    except UpstreamError as exc:
        return "upstream", exc.message
    except MemoryError:
        return "memory", None
    except RecursionError:
        return "too_deep", (
            "the query is nested too deeply for the store's evaluator; nest fewer groups, "
            "parentheses or brackets inside each other"
        )
    except Exception as exc:  # noqa: BLE001 - reported to the worker, which logs it
        if query_text.has_service(job.sparql):  # allowlisted SERVICE: the endpoint failed
            return "upstream", f"a SERVICE endpoint failed: {type(exc).__name__}: {exc}"
        return "error", f"{type(exc).__name__}: {exc}"


def _serve_jobs(conn: Connection, engine: Engine, memory_limit_mb: int) -> None:
    """The executor loop, on the evaluation thread: warm, cap the memory, say so, then one
    job at a time until the worker closes the socket."""
    engine.after_fork()
    engine.warm()
    _cap_memory(memory_limit_mb)
    try:
        conn.send_bytes(READY)
    except OSError:
        return
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        os.ftruncate(2, 0)  # standard error holds what this job writes, nothing older
        os.lseek(2, 0, os.SEEK_SET)
        reply = _answer(pickle.loads(data), engine)
        try:
            conn.send_bytes(pickle.dumps(reply, pickle.HIGHEST_PROTOCOL))
        except OSError:
            return
        if reply[0] == "memory":
            return  # a heap left fragmented by a MemoryError is not worth keeping


def _executor_main(conn: Connection, stderr_fd: int, engine: Engine, limit_mb: int) -> None:
    os.nice(EXECUTOR_NICE)
    os.dup2(stderr_fd, 2)
    os.close(stderr_fd)
    faulthandler.enable(file=sys.stderr, all_threads=True)
    _one_malloc_arena()
    threading.stack_size(EXECUTOR_STACK)
    evaluator = threading.Thread(target=_serve_jobs, args=(conn, engine, limit_mb))
    evaluator.start()
    evaluator.join()


ENDED_KEPT = 256


def _reap(ended: dict[int, int]) -> None:
    """Collect the exit statuses of executors that ended (zygote side)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        ended[pid] = status
        while len(ended) > ENDED_KEPT:
            del ended[next(iter(ended))]


def _status_of(pid: int, ended: dict[int, int]) -> int:
    """The wait status of executor `pid`; waits briefly for one whose socket closed just
    before it became a zombie. -1 when it is not known."""
    deadline = time.monotonic() + STATUS_WAIT_SECONDS
    while True:
        _reap(ended)
        if pid in ended:
            return ended.pop(pid)
        if time.monotonic() > deadline:
            return -1
        time.sleep(0.005)


def zygote_main(control: socket.socket, engine: Engine, memory_limit_mb: int) -> None:
    """Fork an executor for each b"x" message (with its socket and standard-error file),
    answer b"s" + pid with how that executor ended; leave when the worker's end closes."""
    ended: dict[int, int] = {}
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(control, 5, 2)
        except OSError:
            return
        _reap(ended)
        if msg[:1] == b"s" and len(msg) == 5:
            (pid,) = struct.unpack("!i", msg[1:])
            reply = _status_of(pid, ended)
        elif msg == b"x" and len(fds) == 2:
            reply = os.fork()
            if reply == 0:
                try:
                    control.close()
                    die_with_parent()
                    _executor_main(Connection(fds[0]), fds[1], engine, memory_limit_mb)
                finally:
                    os._exit(0)
        else:
            return  # the web worker closed its end: leave; executors follow (PDEATHSIG)
        for fd in fds:
            os.close(fd)
        try:
            control.sendall(struct.pack("!i", reply))
        except OSError:
            return
