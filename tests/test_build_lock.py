"""One build at a time per data folder (graph/build/lock.py): a `prospectus build` started
while another holds the folder stops at once with a message naming the holder and exit 2,
leaving the folder as it was; a holder that dies, even by SIGKILL, frees it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graph.build.lock import LOCK_FILE, build_lock
from graph.errors import BuildRunning

from .conftest import ROOT
from .support import cli

HOLD = """
import sys, time
from pathlib import Path
from graph.build.lock import build_lock
with build_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(600)
"""


def _holder(data_dir: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(data_dir)], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


def test_a_second_build_stops_at_once_and_names_the_first(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    holder = _holder(data_dir)
    try:
        started = time.monotonic()
        result = cli.prospectus("build", data_dir=data_dir, timeout=120)
        assert result.returncode == 2, result.stderr
        assert "another build is running" in result.stderr
        assert f"pid {holder.pid}" in result.stderr
        assert "Traceback" not in result.stderr
        assert time.monotonic() - started < 60  # it did not read or validate anything
        assert sorted(p.name for p in data_dir.iterdir()) == [LOCK_FILE]
    finally:
        _stop(holder)


def _stop(holder: subprocess.Popen[str]) -> None:
    holder.kill()
    holder.wait()
    if holder.stdout is not None:
        holder.stdout.close()


def test_a_killed_holder_frees_the_folder(tmp_path: Path) -> None:
    holder = _holder(tmp_path)
    with pytest.raises(BuildRunning):
        with build_lock(tmp_path):
            pass
    os.kill(holder.pid, signal.SIGKILL)
    _stop(holder)
    with build_lock(tmp_path):
        assert f"pid {os.getpid()}," in (tmp_path / LOCK_FILE).read_text()
    with build_lock(tmp_path):  # released on leaving
        pass
