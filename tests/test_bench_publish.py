"""bench/publish.py end to end at a tiny size: publishing, the bulk-load floor and the 1%
republish are measured, with the steps' own times."""

from __future__ import annotations

import json
from pathlib import Path

from bench import publish


def test_the_publishing_benchmark_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "results"
    assert publish.main(["--sizes", "3", "--work", str(tmp_path / "work"), "--out", str(out)]) == 0
    [json_file] = out.glob("publish-*.json")
    [size] = json.loads(json_file.read_text(encoding="utf-8"))["sizes"]
    assert size["programmes"] == 3 and size["quads"] > 300
    assert size["republish"]["changed_titles"] >= 1
    for run in ("publish", "floor", "republish"):
        assert size[run]["seconds"] > 0 and size[run]["peak_tree_rss_mb"] > 0
    for run in ("publish", "republish"):
        assert {"sort", "store", "writer write_dumps", "writer write_changes"} <= set(
            size[run]["steps"]
        )
    assert (out / json_file.name.replace(".json", ".md")).is_file()
