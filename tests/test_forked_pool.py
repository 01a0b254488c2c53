"""graph/build/parse.py `forked_pool`: the build's forked workers, with the parent's objects
frozen out of the garbage collector while they run, and unfrozen after, error or not."""

from __future__ import annotations

import gc
import os
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest

from graph.build.parse import forked_pool, in_parallel, ordered_map


def _pid_and_square(n: int) -> tuple[int, int]:
    return os.getpid(), n * n


def test_the_workers_are_other_processes_and_the_parent_is_frozen_while_they_run() -> None:
    assert gc.get_freeze_count() == 0
    held = [{"n": n} for n in range(10_000)]  # containers the parent holds when it forks
    with forked_pool(2) as pool:
        assert gc.get_freeze_count() >= len(held)
        found = list(pool.map(_pid_and_square, range(20)))
    assert gc.get_freeze_count() == 0
    assert [square for _pid, square in found] == [n * n for n in range(20)]
    assert os.getpid() not in {pid for pid, _square in found}


def test_an_error_in_the_pool_unfreezes_the_parent() -> None:
    with pytest.raises(ZeroDivisionError), forked_pool(2) as pool:
        list(pool.map(_pid_and_square, range(4)))
        raise ZeroDivisionError
    assert gc.get_freeze_count() == 0


def test_in_parallel_keeps_the_order_of_its_items() -> None:
    found = list(in_parallel(_pid_and_square, list(range(100)), 2, "squares", "items"))
    assert [square for _pid, square in found] == [n * n for n in range(100)]
    assert gc.get_freeze_count() == 0


def test_ordered_map_keeps_at_most_ahead_items_submitted_and_not_taken() -> None:
    started: list[int] = []

    def record(n: int) -> int:
        started.append(n)
        return n * n

    with ThreadPoolExecutor(2) as pool:
        results = ordered_map(pool, record, range(100), ahead=3)
        assert next(results) == 0
        pool.submit(lambda: None).result()  # what was submitted before has started
        assert len(started) <= 4  # three ahead, plus the one submitted when 0 was taken
        assert list(results) == [n * n for n in range(1, 100)]
    assert sorted(started) == list(range(100))


def test_ordered_map_submits_nothing_more_once_the_caller_stops() -> None:
    started: list[int] = []

    def record(n: int) -> int:
        started.append(n)
        return n

    with ThreadPoolExecutor(1) as pool:
        results = ordered_map(pool, record, range(1000), ahead=8)
        assert next(results) == 0
        results.close()
    assert len(started) <= 9  # the window (8) and the one submitted when 0 was taken


def _mark(folder: Path, n: int) -> int:
    (folder / str(n)).touch()
    return n


@pytest.mark.parametrize("per_task", [1, 64])
def test_in_parallel_sends_its_items_per_task_as_asked(tmp_path: Path, per_task: int) -> None:
    """Items that are batches already go one a task: before the caller takes its first
    result, at most 4 tasks a worker (8 items, and the one submitted when the first result
    came) have started; in tasks of up to 64 (1,000 items: 62), the first task alone ran 62."""
    results = in_parallel(
        partial(_mark, tmp_path), list(range(1000)), 2, "marks", "items", per_task
    )
    assert next(results) == 0
    time.sleep(0.5)  # what was submitted has had time to run
    started = len(list(tmp_path.iterdir()))
    assert started <= 9 if per_task == 1 else started >= 62
    assert list(results) == list(range(1, 1000))
