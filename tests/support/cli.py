"""The command line as a user runs it, from the tests: `prospectus ARGS` in a process of its
own, from the repository's root, output captured, with only the settings a test gives it
(no PROSPECTUS_* variable of the caller's shell leaks in, docs/settings.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROSPECTUS = str(Path(sys.executable).with_name("prospectus"))


def prospectus(
    *args: str,
    data_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """`prospectus ARGS`, its exit code not checked; `data_dir` sets PROSPECTUS_DATA_DIR,
    `env` any other variable."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PROSPECTUS_")}
    if data_dir is not None:
        environ["PROSPECTUS_DATA_DIR"] = str(data_dir)
    environ.update(env or {})
    return subprocess.run(
        [PROSPECTUS, *args],
        env=environ,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


def build(
    data_dir: Path, sources: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`prospectus build` into `data_dir`: of `sources` when given (--sources), else of what
    it publishes by default (the bundled sources and the imported ones)."""
    args = ("build", "--sources", str(sources)) if sources is not None else ("build",)
    return prospectus(*args, data_dir=data_dir, env=env)


def built(
    data_dir: Path, sources: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`build`, which must succeed (its output is the failure's message otherwise)."""
    done = build(data_dir, sources, env)
    assert done.returncode == 0, done.stdout + done.stderr
    return done
