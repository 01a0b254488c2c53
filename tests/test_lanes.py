"""The writers in two lanes (graph/build/lanes.py): a version written with some writers in a
forked process is the version written by all of them one after the other, and what goes
wrong in the forked lane fails the build with its own message, publishing nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from graph import versions
from graph.build import lanes, pipeline
from graph.build.context import BuildContext, Writer
from graph.build.lanes import WriterFailed, changed_entries, merge_manifest
from graph.errors import ProspectusError, PublishError
from graph.synthetic.generate import generate_folder
from graph.versions import STAGING_PREFIX
from tests.support.builds import build_folder, products
from tests.support.edits import change_title

# Enough that one programme's source is a small change (graph/store/nquads_diff.py).
PROGRAMMES = 40


def _build(sources: Path, data_dir: Path, workers: int) -> versions.Version:
    return build_folder(sources, data_dir, build_workers=workers)


def _manifest(version: versions.Version) -> dict[str, object]:
    """The manifest without what names the version or the time."""
    kept = dict(version.manifest)
    for key in ("version", "previous", "created", "ldes", "changes"):
        kept.pop(key, None)
    return kept


def _lanes_run(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The writers each build put in the forked lane, recorded."""
    forked: list[list[str]] = []
    run_lanes = lanes.run_lanes

    def recording(ctx: BuildContext, here: Sequence[Writer], beside: Sequence[Writer]) -> None:
        forked.append([getattr(w, "__name__", "") for w in beside])
        run_lanes(ctx, here, beside)

    monkeypatch.setattr(pipeline, "run_lanes", recording)
    return forked


def test_two_lanes_write_what_one_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forked = _lanes_run(monkeypatch)
    sources = tmp_path / "sources"
    generate_folder(sources, 8)
    one, two = _build(sources, tmp_path / "one", 1), _build(sources, tmp_path / "two", 2)
    # a first version (a large change): with two workers, the writers that keep one core
    # busy go beside the dumps and the ELM export
    assert forked == [[], [w.__name__ for w in pipeline.BESIDE_LARGE]]
    assert products(one) == products(two)
    assert _manifest(one) == _manifest(two)

    change_title(sorted(sources.glob("synthetic-programme-*.nq"))[2])
    again_one = _build(sources, tmp_path / "one", 1)
    again_two = _build(sources, tmp_path / "two", 2)
    assert forked[2:] == [[], [w.__name__ for w in pipeline.BESIDE]]
    assert products(again_one) == products(again_two)
    assert _manifest(again_one) == _manifest(again_two)
    files = [d["file"] for d in again_two.manifest["dumps"]]
    assert files[-1] == "elm.ttl" and len(files) == 5  # the dumps' entries, then ELM's
    sums = (again_two.path / "dumps" / "SHA256SUMS").read_text(encoding="ascii").splitlines()
    assert sorted(line.split()[1] for line in sums) == sorted(files)


def test_after_a_large_change_the_change_stream_waits_for_both_lanes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, list[str], list[str]]] = []
    run_lanes, run_writers = lanes.run_lanes, lanes.run_writers

    def names(writers: Sequence[Writer]) -> list[str]:
        return [getattr(w, "__name__", "") for w in writers]

    def lanes_recorded(ctx: BuildContext, here: Sequence[Writer], beside: Sequence[Writer]) -> None:
        calls.append(("lanes started", names(here), names(beside)))
        run_lanes(ctx, here, beside)
        calls.append(("lanes done", [], []))

    def writers_recorded(ctx: BuildContext, writers: Sequence[Writer], *args: object) -> None:
        calls.append(("writers", names(writers), []))
        run_writers(ctx, writers, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "run_lanes", lanes_recorded)
    monkeypatch.setattr(pipeline, "run_writers", writers_recorded)
    sources = tmp_path / "sources"
    generate_folder(sources, 8)
    version = _build(sources, tmp_path / "data", 2)
    beside = [w.__name__ for w in pipeline.BESIDE_LARGE]
    assert calls == [
        ("lanes started", ["write_dumps", "write_changes", "write_elm"], beside),
        ("lanes done", [], []),
        ("writers", ["write_ldes"], []),
    ]
    assert version.manifest["ldes"]["members"] == 8

    calls.clear()  # a small change: the change stream runs in this lane, beside the other
    change_title(sorted(sources.glob("synthetic-programme-*.nq"))[2])
    _build(sources, tmp_path / "data", 2)
    assert calls[0] == (
        "lanes started",
        ["write_changes", "write_elm", "write_ldes"],
        [w.__name__ for w in pipeline.BESIDE],
    )
    assert ("writers", ["write_ldes"], []) not in calls


def test_the_forked_lane_runs_in_another_process_beside_this_one(tmp_path: Path) -> None:
    seen: dict[str, int] = {}

    def here(ctx: BuildContext) -> None:
        seen["here"] = os.getpid()
        ctx.manifest["here"] = 1

    def beside(ctx: BuildContext) -> None:
        (ctx.path / "beside.txt").write_text(str(os.getpid()), encoding="ascii")
        ctx.manifest["beside"] = [1, 2]

    sources = tmp_path / "sources"
    generate_folder(sources, PROGRAMMES)
    first, _ = _publish(sources, tmp_path / "data", (here, beside), (beside,), leave_out=1)
    assert int((first.path / "beside.txt").read_text(encoding="ascii")) == os.getpid()
    version, _ = _publish(sources, tmp_path / "data", (here, beside), (beside,))
    assert seen["here"] == os.getpid()
    assert int((version.path / "beside.txt").read_text(encoding="ascii")) != os.getpid()
    assert version.manifest["here"] == 1 and version.manifest["beside"] == [1, 2]


def _publish(sources: Path, data: Path, writers: tuple, beside: tuple,  # type: ignore[type-arg]
             leave_out: int = 0) -> tuple[versions.Version, bool]:  # fmt: skip
    """Publish the lines of `sources` but the last `leave_out` files."""
    paths = sorted(sources.glob("*.nq"))
    lines = [
        line
        for path in paths[: len(paths) - leave_out]
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    return pipeline.publish_dataset(data, lines, writers=writers, beside=beside)


class Refused(ProspectusError):
    exit_code = 1

    def __str__(self) -> str:
        return "dumps/x.ttl: the export does not conform"


def _refuses(ctx: BuildContext) -> None:
    raise Refused()


def _dies(ctx: BuildContext) -> None:
    os._exit(3)


def _breaks(ctx: BuildContext) -> None:
    raise KeyError("no such thing")


def _slow(ctx: BuildContext) -> None:
    (ctx.path / "here.txt").write_text("here", encoding="ascii")


@pytest.mark.parametrize(
    ("writer", "error", "message", "code"),
    [
        (_refuses, WriterFailed, "dumps/x.ttl: the export does not conform", 1),
        (_dies, PublishError, "the process writing _dies ended without a word (exit code 3)", 2),
        (_breaks, RuntimeError, "KeyError: 'no such thing'", None),
    ],
)
def test_what_fails_in_the_forked_lane_fails_the_build_and_publishes_nothing(
    tmp_path: Path, writer: object, error: type[Exception], message: str, code: int | None
) -> None:
    sources, data = tmp_path / "sources", tmp_path / "data"
    generate_folder(sources, PROGRAMMES)
    first, _ = _publish(sources, data, (), (), leave_out=1)
    with pytest.raises(error) as raised:
        _publish(sources, data, (_slow, writer), (writer,))
    assert message in str(raised.value)
    if code is not None:
        assert getattr(raised.value, "exit_code", None) == code
    current = versions.current(data)
    assert current is not None and current.path == first.path
    assert not any(p.name.startswith(STAGING_PREFIX) for p in (data / "versions").iterdir())


def test_a_failure_in_this_lane_stops_the_forked_one(tmp_path: Path) -> None:
    started = tmp_path / "started"

    def waits(ctx: BuildContext) -> None:
        started.touch()
        import time

        time.sleep(60)

    def fails(ctx: BuildContext) -> None:
        import time

        while not started.exists():
            time.sleep(0.01)
        raise Refused()

    sources = tmp_path / "sources"
    generate_folder(sources, PROGRAMMES)
    _publish(sources, tmp_path / "data", (), (), leave_out=1)
    import time

    start = time.monotonic()
    with pytest.raises(Refused):
        _publish(sources, tmp_path / "data", (fails, waits), (waits,))
    assert time.monotonic() - start < 30  # the forked lane was killed, not waited for


def test_the_manifest_takes_the_forked_lanes_entries() -> None:
    before = {"version": "v", "dumps": [{"file": "a"}]}
    here = json.loads(json.dumps(before))
    here["elm"] = {"checked": True}
    here["dumps"].append({"file": "elm.ttl"})
    forked = json.loads(json.dumps(before))
    forked["statistics"] = {"triples": 3}
    forked["dumps"] = [{"file": "a"}, {"file": "b"}]
    merge_manifest(here, before, changed_entries(forked, before))
    assert here == {
        "version": "v",
        "elm": {"checked": True},
        "statistics": {"triples": 3},
        "dumps": [{"file": "a"}, {"file": "b"}, {"file": "elm.ttl"}],
    }
    with pytest.raises(PublishError, match='"elm"'):
        merge_manifest(here, before, {"elm": {"checked": False}})


def test_one_worker_writes_in_one_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[object] = []
    monkeypatch.setattr(lanes, "_forked", lambda *args: called.append(args))
    sources = tmp_path / "sources"
    generate_folder(sources, 8)
    _build(sources, tmp_path / "data", 1)
    change_title(sorted(sources.glob("synthetic-programme-*.nq"))[2])
    version = _build(sources, tmp_path / "data", 1)
    assert called == [] and len(version.manifest["dumps"]) == 5


def test_the_forked_lane_dies_with_the_build(tmp_path: Path) -> None:
    """A build killed outright does not leave its forked lane writing (PR_SET_PDEATHSIG)."""
    sources, data, pid_file = tmp_path / "sources", tmp_path / "data", tmp_path / "lane.pid"
    generate_folder(sources, PROGRAMMES)
    _publish(sources, data, (), (), leave_out=1)
    script = f"""
import os, sys, time
sys.path.insert(0, {str(Path(__file__).parents[1])!r})
from pathlib import Path
from tests.test_lanes import _publish

def waits(ctx):
    Path({str(pid_file)!r}).write_text(str(os.getpid()))
    time.sleep(120)

def idles(ctx):
    time.sleep(120)

_publish(Path({str(sources)!r}), Path({str(data)!r}), (idles, waits), (waits,))
"""
    build = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        lane = int(pid_file.read_text(encoding="ascii"))
        os.kill(build.pid, signal.SIGKILL)
        build.wait()
        deadline = time.monotonic() + 10
        while _alive(lane) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(lane)
    finally:
        build.kill()


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, dead but not yet reaped by init, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
