"""The benchmark harness end to end in its quickest mode: our server only (its result cache
off, then on), a tiny graph."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench import run

pytestmark = pytest.mark.live


def test_quick_run_writes_results_with_medians(tmp_path: Path) -> None:
    out, work = tmp_path / "results", tmp_path / "work"
    assert (
        run.main(
            [
                "--quick",
                "--sizes",
                "20",
                "--requests",
                "5",
                "--budget",
                "1",
                "--workers",
                "1",
                "--out",
                str(out),
                "--work",
                str(work),
            ]
        )
        == 0
    )
    [json_file] = out.glob("bench-*-quick.json")
    results = json.loads(json_file.read_text())
    queries = {q.name for q in run.load_queries()}
    [size] = results["sizes"]
    assert size["programmes"] == 20
    ours = size["servers"]["prospectus"]
    assert set(ours["queries"]) == queries
    for name, measured in ours["queries"].items():
        assert measured["errors"] == 0, (name, measured["error_samples"])
        assert measured["latency"]["median_ms"] > 0 and not math.isnan(
            measured["latency"]["median_ms"]
        )
        assert measured["throughput"]["rps"] > 0
        assert measured["rows"] is not None
    assert ours["queries"]["count-per-field"]["rows"] >= 5
    assert ours["queries"]["lookup"]["rows"] >= 20
    # the same server again with its result cache on: the same answers
    cached = size["servers"]["prospectus-cached"]
    for name, measured in cached["queries"].items():
        assert measured["errors"] == 0, (name, measured["error_samples"])
        assert measured["rows"] == ours["queries"][name]["rows"], name
    summary = json_file.with_suffix(".md").read_text()
    assert "20 programmes" in summary and "lookup" in summary
    assert "prospectus-cached" in summary
    assert results["machine"]["cores"] >= 1


def test_every_query_of_the_mix_has_its_parameters() -> None:
    summary = {
        "sample_programmes": ["https://w3id.org/prospectus/id/programme/a/b"],
        "countries": ["BEL"],
        "title_words": ["data"],
    }
    values = run.parameters(summary, 1000, seed=1)
    for query in run.load_queries():
        for text in query.instances(values):
            assert "{{" not in text, query.name
    assert values["offset"] == ["500", "600", "700", "800", "900"]
