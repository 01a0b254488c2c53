"""bench/writers_rebuild.py end to end at a tiny size: writers (the dumps, the search index,
the change record and the change stream here) timed in a build and a 1% rebuild with main's
code (from git) and this tree's, in processes of their own, and the results written as JSON
and Markdown with the machine."""

from __future__ import annotations

import json
from pathlib import Path

from bench import writers_rebuild


def test_bench_writers_rebuild_measures_before_and_after(tmp_path: Path) -> None:
    out = str(tmp_path)
    writers = ["--writers", "dumps,search_index,changes,ldes"]
    assert (
        writers_rebuild.main(["--programmes", "100", "--rounds", "1", "--out", out, *writers]) == 0
    )
    (result,) = tmp_path.glob("writers-rebuild-*.json")
    data = json.loads(result.read_text(encoding="utf-8"))
    assert data["machine"]["cores"] >= 1
    assert data["programmes"] == 100 and data["quads"] > 0 and data["changed"] >= 1
    for side in ("before", "after"):
        for step in ("build", "rebuild"):
            assert set(data["runs"][side][step]) == {
                "write_dumps",
                "write_search_index",
                "write_changes",
                "write_ldes",
            }
            assert all(seconds >= 0 for seconds in data["runs"][side][step].values())
    assert data["runs"]["after"]["rebuild"]["write_ldes"] > 0  # it ran, after the record
    assert "| write_ldes |" in result.with_suffix(".md").read_text(encoding="utf-8")
