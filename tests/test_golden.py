"""The golden files of tests/golden/ against what the code produces now (tests/golden_regen.py):
RDF compared as graphs (rdflib.compare.isomorphic), JSON as data. After an intended change,
`make golden` writes them again; review the diff before committing it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from . import golden_regen
from .golden_regen import GOLDEN, GOLDENS

HINT = "if the change is intended, run `make golden` and review the diff"


@pytest.fixture(scope="module")
def produced(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return golden_regen.produce_all(tmp_path_factory.mktemp("golden"))


def differences(expected: Graph, actual: Graph, limit: int = 10) -> str:
    _both, missing, extra = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
    lines = [f"- {' '.join(t.n3() for t in triple)}" for triple in sorted(missing)[:limit]]
    lines += [f"+ {' '.join(t.n3() for t in triple)}" for triple in sorted(extra)[:limit]]
    return "\n".join(lines)


def same_graph(expected_text: str, actual_text: str) -> tuple[bool, str]:
    expected = Graph().parse(data=expected_text, format="turtle")
    actual = Graph().parse(data=actual_text, format="turtle")
    if isomorphic(expected, actual):
        return True, ""
    return False, differences(expected, actual)


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda g: g.file)
def test_output_matches_its_golden_file(
    produced: dict[str, str], golden: golden_regen.Golden
) -> None:
    path = GOLDEN / golden.file
    assert path.is_file(), f"{path.name} is missing: {HINT}"
    expected, actual = path.read_text(encoding="utf-8"), produced[golden.file]
    if golden.kind == "json":
        assert json.loads(actual) == json.loads(expected), f"{golden.file} changed: {HINT}"
    else:
        same, diff = same_graph(expected, actual)
        assert same, f"{golden.file} changed ({HINT}):\n{diff}"


def test_every_golden_file_is_produced() -> None:
    on_disk = {p.name for p in GOLDEN.iterdir() if p.is_file()}
    assert on_disk == {g.file for g in GOLDENS}


def test_goldens_hold_no_run_specific_values(produced: dict[str, str]) -> None:
    """The version id and the dataset digest are placeholders, and the graphs are not empty."""
    assert golden_regen.VERSION_PLACEHOLDER in produced["description.ttl"]
    assert json.loads(produced["manifest.json"])["version"] == golden_regen.VERSION_PLACEHOLDER
    for golden in GOLDENS:
        if golden.kind == "turtle":
            assert len(Graph().parse(data=produced[golden.file], format="turtle")) > 20


def test_a_changed_triple_is_reported(produced: dict[str, str]) -> None:
    text = produced["resource-pioneer.ttl"]
    changed = Graph().parse(data=text, format="turtle")
    triple = next(iter(sorted(changed)))
    changed.remove(triple)
    same, diff = same_graph(text, changed.serialize(format="turtle"))
    assert not same
    assert diff.startswith("- ") and triple[0].n3() in diff


def test_regeneration_is_stable(tmp_path: Path, produced: dict[str, str]) -> None:
    """Two runs give the same text, so `make golden` rewrites nothing when nothing changed."""
    assert golden_regen.produce_all(tmp_path) == produced
