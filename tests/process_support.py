"""Looking at a live server from a test: its processes (bench/processes.py: the tree under
`prospectus serve`, their memory) and the counts it publishes at /sparql/stats. Nothing here
sleeps to order events: `wait_for_stats` polls until the server reports the state a test
waits for."""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from bench.processes import alive, children, intact, pss_kb, status_kb, tree

from .conftest import LiveServer

__all__ = [
    "alive",
    "children",
    "intact",
    "pss_kb",
    "stats",
    "status_kb",
    "tree",
    "wait_for_stats",
    "wait_for_tree",
]


def stats(server: LiveServer) -> dict[str, int]:
    return requests.get(server.url + "/sparql/stats", timeout=30).json()["stats"]


def wait_for_stats(
    server: LiveServer, condition: Callable[[dict[str, int]], bool], timeout: float = 60.0
) -> dict[str, int]:
    """Poll /sparql/stats until `condition` holds (the test observes the server's state
    instead of sleeping and hoping)."""
    deadline = time.monotonic() + timeout
    while True:
        current = stats(server)
        if condition(current):
            return current
        if time.monotonic() > deadline:
            raise AssertionError(f"the server never reached the expected state: {current}")
        time.sleep(0.02)


def wait_for_tree(
    server: LiveServer, executors: int, timeout: float = 120.0
) -> dict[str, list[int]]:
    """The server's process tree once it runs `executors` query processes (every worker
    started and warmed its own), polled."""
    deadline = time.monotonic() + timeout
    while True:
        found = tree(server.process.pid)
        if len(found["executors"]) == executors:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"the server never ran {executors} query processes: {found}")
        time.sleep(0.05)
