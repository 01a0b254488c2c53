"""bench/sparql_paths.py: every query of the mix measured along each step of our path, the
steps agreeing on the answer."""

from __future__ import annotations

from pathlib import Path

from bench import run, sparql_paths


def test_every_query_is_measured_at_every_step_with_the_same_answer(tmp_path: Path) -> None:
    out = tmp_path / "paths.md"
    argv = ["--programmes", "20", "--repeat", "2", "--no-http", "--work", str(tmp_path)]
    assert sparql_paths.main([*argv, "--out", str(out)]) == 0
    result = sparql_paths.measure(20, 2, (), False, tmp_path)
    names = {q.name for q in run.load_queries()}
    assert set(result["table"]) == names
    assert result["distinct"] <= result["quads"]
    for name in names:
        times = result["table"][name]
        assert set(times) == {"oxigraph", "materialised", "rewrite", "engine"}
        assert all(median >= fastest > 0 for median, fastest in times.values())
        counts = result["rows"][name]
        assert len(set(counts.values())) == 1, (name, counts)  # every step, the same rows
    assert result["rows"]["lookup"]["engine"] > 0
    assert result["rows"]["count-per-field"]["engine"] >= 5
    table = out.read_text(encoding="utf-8")
    assert all(f"| {name} |" in table for name in names)
