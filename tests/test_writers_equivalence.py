"""The writers that read the version in place (statistics, facets, ELM in batches, the change
stream's members) write what main's writers wrote at 3fd16af from the whole catalogue in
memory: the fixture of tests/data/writers/ was generated with that commit's code by
tests/support/writers_reference.py, from the same N-Quads, at the same time. RDF is compared
as canonical N-Quads (RDFC-1.0), JSON as data; the ELM export is checked against the
official shapes batch by batch on the way."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from graph.build.pipeline import publish_dataset
from graph.build.writers.elm.write import ELM_FILE, write_elm
from graph.build.writers.facets import write_facets
from graph.build.writers.ldes import ldes_writer
from graph.build.writers.statistics import write_statistics
from tests.conftest import REF
from tests.support.writers_reference import CATALOGUES, CREATED, OUT, stream_summary


def _json(path: Path) -> Any:
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return json.load(fh)
    return json.loads(path.read_text(encoding="utf-8"))


def _canonical(turtle: bytes) -> list[str]:
    triples = ox.parse(turtle, format=ox.RdfFormat.TURTLE)
    dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(str(q) for q in dataset)


def _elm_entry(manifest: dict[str, Any]) -> dict[str, Any]:
    """The ELM export's entry among the dumps, without its bytes (the Turtle's layout)."""
    entry = next(d for d in manifest["dumps"] if d["file"] == ELM_FILE)
    return {k: v for k, v in entry.items() if k not in ("bytes", "sha256")}


@pytest.fixture(scope="module", params=CATALOGUES)
def published(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    name = request.param
    expected = OUT / name
    with gzip.open(expected / "dataset.nq.gz", "rt", encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    writers = (
        write_statistics,
        partial(write_elm, batch_size=40),  # several batches even for the bundled sources
        write_facets,
        ldes_writer(),
    )
    version, _ = publish_dataset(
        tmp_path_factory.mktemp(name) / "data",
        lines,
        writers=writers,
        reference_dir=REF,
        now=datetime.fromisoformat(CREATED),
        load_store=True,
    )
    return expected, version.path


def test_the_fixture_is_what_the_reference_script_writes() -> None:
    assert (OUT / "COMMIT").read_text(encoding="utf-8").strip() == "3fd16af"
    for name in CATALOGUES:
        assert sorted(p.name for p in (OUT / name).iterdir()) == [
            "dataset.nq.gz",
            "elm.ttl.gz",
            "facets.json",
            "ldes.json.gz",
            "manifest.json",
            "resources.json.gz",
        ]


def test_statistics_and_resources_are_unchanged(published: tuple) -> None:
    expected, path = published
    manifest, before = _json(path / "manifest.json"), _json(expected / "manifest.json")
    assert manifest["version"] == before["version"]
    assert manifest["statistics"] == before["statistics"]
    assert _json(path / "resources.json") == _json(expected / "resources.json.gz")


def test_facet_counts_are_unchanged(published: tuple) -> None:
    expected, path = published
    assert _json(path / "facets.json") == _json(expected / "facets.json")


def test_elm_export_is_the_same_graph(published: tuple) -> None:
    expected, path = published
    manifest, before = _json(path / "manifest.json"), _json(expected / "manifest.json")
    assert manifest["elm"] == {**before["elm"], "checked": True}
    assert _elm_entry(manifest) == _elm_entry(before)
    written = _canonical((path / "dumps" / ELM_FILE).read_bytes())
    assert written == _canonical(gzip.decompress((expected / "elm.ttl.gz").read_bytes()))
    assert len(written) == _elm_entry(manifest)["statements"]


def test_change_stream_members_are_unchanged(published: tuple) -> None:
    expected, path = published
    manifest, before = _json(path / "manifest.json"), _json(expected / "manifest.json")
    assert manifest["ldes"] == before["ldes"]
    assert stream_summary(path / "ldes") == _json(expected / "ldes.json.gz")
