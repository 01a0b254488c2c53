"""bench/processor.py: the processor probe does the same work every round and says so."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from bench import processor
from graph.synthetic.generate import generate_folder


def test_a_round_handles_every_statement_of_the_generated_programmes(tmp_path: Path) -> None:
    generate_folder(tmp_path, 3, seed=1)
    files = sorted(tmp_path.glob("*.nq"))
    nquads = ox.RdfFormat.N_QUADS
    triples = [{q.triple for q in ox.parse(path=path, format=nquads)} for path in files]
    distinct, per_file = set().union(*triples), sum(len(found) for found in triples)
    assert processor._work(files) == per_file >= len(distinct) > 100


def test_the_probe_reports_its_rounds_and_the_line_names_each_probe() -> None:
    probe = processor.speed(rounds=3, programmes=2)
    assert probe["rounds"] == 3 and probe["statements"] > 100
    assert 0 < probe["fastest_s"] <= probe["median_s"]
    text = processor.line([("at the start", probe), ("at the end", probe)])
    assert f"{probe['statements']:,} statements" in text
    assert f"at the start, {probe['median_s']} s" in text and "at the end, " in text
    assert processor.line([]) == ""
