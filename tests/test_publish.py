"""Atomic publishing: versions, the `current` switch, retention, interrupted builds."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from graph import versions
from graph.build import publish
from graph.build.pipeline import publish_dataset
from graph.errors import PublishError, ValidationFailed

QUAD = (
    "<https://w3id.org/prospectus/id/org/x> <http://www.w3.org/2000/01/rdf-schema#label>"
    ' "{}" <https://w3id.org/prospectus/id/source/s> .'
)


def lines(*labels: str) -> list[str]:
    return [QUAD.format(label) for label in labels]


def test_first_publish_creates_current(tmp_path: Path) -> None:
    version, new = publish.publish(tmp_path, lines("a", "b"))
    assert new
    assert versions.current(tmp_path) == version
    assert version.dataset_file.read_text().count("\n") == 2
    assert version.manifest["quads"] == 2
    assert version.previous is None


def test_same_content_is_not_published_again(tmp_path: Path) -> None:
    first, _ = publish.publish(tmp_path, lines("a", "b"))
    again, new = publish.publish(tmp_path, list(reversed(lines("a", "b"))))
    assert not new
    assert again.path == first.path
    assert len(versions.retained(tmp_path)) == 1


def test_new_content_points_back_to_previous(tmp_path: Path) -> None:
    first, _ = publish.publish(tmp_path, lines("a"))
    second, new = publish.publish(tmp_path, lines("a", "c"))
    assert new and second.previous == first.id
    assert versions.current(tmp_path).id == second.id
    assert first.path.is_dir(), "the previous version stays downloadable"


def test_retention_removes_oldest_but_never_current(tmp_path: Path) -> None:
    ids = [publish.publish(tmp_path, lines(str(i)), retain=2)[0].id for i in range(4)]
    kept = [v.id for v in versions.retained(tmp_path)]
    assert kept == ids[-2:]


def test_failing_writer_leaves_previous_version_current(tmp_path: Path) -> None:
    first, _ = publish.publish(tmp_path, lines("a"))

    def broken(staging: publish.Staging) -> None:
        (staging.path / "half-written.nt.gz").write_bytes(b"\x1f\x8b")
        raise OSError(28, "No space left on device", str(staging.path / "half-written.nt.gz"))

    with pytest.raises(PublishError, match="No space left on device"):
        publish.publish(tmp_path, lines("a", "b"), write=broken)
    assert versions.current(tmp_path).id == first.id
    assert [v.id for v in versions.retained(tmp_path)] == [first.id]
    assert not list(tmp_path.rglob("half-written*")), "no half-written file stays behind"


KILLED_BUILD = """
import os, sys
from pathlib import Path
from graph.build import publish
def killer(staging):
    (staging.path / "partial.nq.gz").write_bytes(b"partial")
    os._exit(137)  # killed half way: no cleanup runs
publish.publish(Path(sys.argv[1]), ['{quad}'], write=killer)
"""


def test_killed_build_changes_nothing_and_is_cleaned_up(tmp_path: Path) -> None:
    first, _ = publish.publish(tmp_path, lines("a"))
    script = KILLED_BUILD.format(quad=QUAD.format("killed"))
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=False)
    assert result.returncode == 137
    assert versions.current(tmp_path).id == first.id
    leftovers = [p for p in (tmp_path / "versions").iterdir() if p.name.startswith(".staging")]
    assert leftovers, "the killed build left its staging folder (nothing published from it)"
    publish.publish(tmp_path, lines("a", "d"))
    assert not [p for p in (tmp_path / "versions").iterdir() if p.name.startswith(".staging")]
    assert os.path.islink(tmp_path / "current")


def test_lines_in_any_order_with_repeats_publish_sorted_distinct_lines(tmp_path: Path) -> None:
    labels = ["z", "é", "a", "\U0001f600", "ß", "a", "z"]  # code point order is not locale order
    version, new = publish.publish(tmp_path, (line for line in lines(*labels)))
    assert new
    written = version.dataset_file.read_text(encoding="utf-8").splitlines()
    assert written == sorted(set(lines(*labels)))
    assert version.manifest["quads"] == 5
    data = version.dataset_file.read_bytes()
    assert version.manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert not (version.path / publish.UNSORTED_FILE).exists()


def test_a_failing_check_on_the_loaded_store_publishes_nothing(tmp_path: Path) -> None:
    first, _ = publish.publish(tmp_path, lines("a"))
    seen: list[int] = []

    def check(store: ox.Store) -> None:
        seen.append(len(store))
        raise ValidationFailed()

    with pytest.raises(ValidationFailed):
        publish_dataset(tmp_path, lines("a", "b"), writers=[], load_store=True, check=check)
    assert seen == [2], "the check ran on the loaded store, both quads in it"
    assert versions.current(tmp_path).id == first.id
    assert [v.id for v in versions.retained(tmp_path)] == [first.id]
    assert not [p for p in (tmp_path / "versions").iterdir() if p.name.startswith(".staging")]


def test_a_passing_check_runs_before_the_writers(tmp_path: Path) -> None:
    order: list[str] = []
    version, new = publish_dataset(
        tmp_path,
        lines("a", "b"),
        writers=[lambda ctx: order.append("writer")],
        check=lambda store: order.append(f"check {len(store)}"),
    )
    assert new and order == ["check 2", "writer"]
    assert versions.current(tmp_path).id == version.id
