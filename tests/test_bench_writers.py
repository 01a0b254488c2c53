"""bench/writers.py end to end at a tiny size: each writer measured with main's code (3fd16af,
from git) and this tree's, in processes of their own, and the results written as JSON and
Markdown with the machine."""

from __future__ import annotations

import json
from pathlib import Path

from bench import writers


def test_bench_writers_measures_before_and_after(tmp_path: Path) -> None:
    assert (
        writers.main(["--sizes", "20", "--writers", "statistics,facets", "--out", str(tmp_path)])
        == 0
    )
    (result,) = tmp_path.glob("writers-*.json")
    data = json.loads(result.read_text(encoding="utf-8"))
    assert data["before"] == "3fd16af"
    assert data["machine"]["cores"] >= 1
    (size,) = data["sizes"]
    assert size["programmes"] == 20 and size["quads"] > 0
    assert set(size["writers"]) == {"statistics", "facets"}
    for entry in size["writers"].values():
        for side in ("before", "after"):
            assert "error" not in entry[side], entry[side]
            assert entry[side]["seconds"] > 0 and entry[side]["peak_rss"] > 0
    assert result.with_suffix(".md").is_file()


def test_bench_writers_measures_the_elm_export_at_a_rebuild(tmp_path: Path) -> None:
    result = writers.elm_rebuild(30, tmp_path, None)
    assert result["build"] > 0 and result["rebuild"] > 0
    assert result["changed_programmes"] == 1
    assert 0 < result["reused"] < result["parts"] == 30
