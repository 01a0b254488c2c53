"""graph/build/heap.py `give_back`: the memory a step let go returns to the system, measured
on a process of its own (the test process's heap is not the subject); `no_collection`
pauses the garbage collector for a block and puts it back as it was."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap

import pytest

from graph.build import heap
from graph.build.heap import no_collection

SCRIPT = textwrap.dedent(
    """
    from graph.build.heap import give_back

    def anonymous_kb():
        for line in open("/proc/self/status"):
            if line.startswith("RssAnon:"):
                return int(line.split()[1])

    # 200,000 blocks of 1 kB from malloc (not CPython's small-object arenas), every 100th
    # kept: the free ones are spread over the heap, below live blocks, and stay in the
    # process when let go.
    held = [bytes(1000) + bytes([n % 256]) for n in range(200_000)]
    kept = held[::100]
    del held
    before = anonymous_kb()
    give_back()
    print(before, anonymous_kb(), len(kept))
    """
)


def test_glibc_malloc_trim_is_found() -> None:
    assert heap._TRIM is not None  # the build runs on glibc (Debian)


def test_give_back_returns_the_free_heap_pages() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True
    )
    before, after, kept = (int(x) for x in done.stdout.split())
    assert kept == 2_000
    assert before > 150_000  # the blocks let go are still held: about 200 MB
    assert after < before - 100_000  # most of them returned


def test_no_collection_pauses_the_collector_and_restores_what_it_was() -> None:
    assert gc.isenabled()
    with no_collection():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with no_collection():
            assert not gc.isenabled()
        assert not gc.isenabled(), "a collector paused before stays paused"
    finally:
        gc.enable()
    with pytest.raises(ValueError), no_collection():
        raise ValueError
    assert gc.isenabled(), "restored when the block raises"
