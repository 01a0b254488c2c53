"""Shared fixtures: a built data folder, the app factory, and real servers on 127.0.0.1.

`live_server(...)` starts `prospectus serve` (gunicorn, a real socket) in a subprocess and
waits until it answers; tests then talk to it with SPARQLWrapper, rdflib, requests or a
browser. Everything binds 127.0.0.1 only.

Every live server renders its pages as of the same fixed day (`TODAY`, the `today` setting)
unless a test gives it another, so that no test depends on the date it runs on.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests

from graph import versions

from .support import cli, ldes_history
from .support.cli import PROSPECTUS, ROOT

SHARED = ROOT.parent / "shared"
REF = SHARED / "ref"
SEEDS = SHARED / "seeds"
# The day live servers take as today: after the 1 July 2026 deadline of the page fixtures
# and more than two years after their 2020 source.
TODAY = "2026-09-01"


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No PROSPECTUS_* setting leaks in from the caller's shell."""
    for name in list(os.environ):
        if name.startswith("PROSPECTUS_"):
            monkeypatch.delenv(name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log: Path
    settings: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        stop_all([self])


def stop_all(servers: list[LiveServer], timeout: float = 15) -> None:
    """SIGTERM to every server at once, then wait for each (killed past `timeout`)."""
    running = [s for s in servers if s.process.poll() is None]
    for server in running:
        server.process.terminate()
    deadline = time.monotonic() + timeout
    for server in running:
        try:
            server.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
            # Told on the real stderr, past pytest's capture: a warning would fail the
            # session (warnings are errors here) and leave the other servers running.
            tail = server.log.read_text(errors="replace").splitlines()[-3:]
            print(
                f"\nlive server {server.url} (settings {server.settings}) did not stop within "
                f"{timeout} s of SIGTERM and was killed; its log ends:",
                *tail,
                sep="\n",
                file=sys.__stderr__,
            )


def start_server(
    tmp: Path,
    *,
    settings: dict[str, str] | None = None,
    data_files: tuple[Path, ...] = (),
    timeout: float = 60.0,
) -> LiveServer:
    port = free_port()
    log = tmp / f"server-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROSPECTUS_")}
    for name, value in {"today": TODAY, **(settings or {})}.items():
        env["PROSPECTUS_" + name.upper()] = value
    cmd = [PROSPECTUS, "serve", "--host", "127.0.0.1", "--port", str(port)]
    for path in data_files:
        cmd += ["--data", str(path)]
    with open(log, "wb") as fh:
        process = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=tmp)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()}")
        try:
            requests.get(url + "/", timeout=5)
            return LiveServer(url, process, log, settings or {})
        except requests.RequestException:  # not listening yet, or a worker still booting
            time.sleep(0.2)
    process.kill()
    process.wait()
    raise RuntimeError(f"server did not answer within {timeout}s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def built_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled graph, built and published once for the whole session."""
    data_dir = tmp_path_factory.mktemp("published")
    cli.built(data_dir)
    return data_dir


@pytest.fixture(scope="session")
def live_server_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []
    tmp = tmp_path_factory.mktemp("servers")

    def factory(**kwargs) -> LiveServer:  # noqa: ANN003
        server = start_server(tmp, **kwargs)
        servers.append(server)
        return server

    yield factory
    stop_all(servers)


@pytest.fixture(scope="session")
def live_server(live_server_factory: Callable[..., LiveServer], built_data_dir: Path) -> LiveServer:
    """The bundled graph served by gunicorn on 127.0.0.1 (default settings)."""
    return live_server_factory(settings={"data_dir": str(built_data_dir)})


@pytest.fixture
def copy_tree() -> Callable[[Path, Path], Path]:
    def copy(src: Path, dst: Path) -> Path:
        shutil.copytree(src, dst)
        return dst

    return copy


# -- the change-stream tests' catalogue and its versions (tests/support/ldes_history.py) --------


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> list[ox.Quad]:
    """A small synthetic catalogue as quads (test_ldes, test_ldes_served; modules with a
    `catalogue` fixture of their own use theirs)."""
    return ldes_history.make_catalogue(tmp_path_factory)


@pytest.fixture(scope="module")
def history(
    catalogue: list[ox.Quad], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[versions.Version], list[str]]:
    """Three published versions of `catalogue` with the change stream written."""
    return ldes_history.make_history(catalogue, tmp_path_factory)
