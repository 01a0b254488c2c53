"""The store of a new version, made as a checkpoint of the build's SPARQL constraints' store
or from the previous version's (graph/build/pipeline.py, make_store; graph/store/oxigraph.py,
checkpoint and update_on_disk), holds exactly the quads a bulk load of its dataset.nq gives,
and the previous version's store is left as it was."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from graph import settings, versions
from graph.build.pipeline import build, publish_dataset
from graph.synthetic.generate import generate_folder
from tests.support.edits import change_title
from tests.support.publishing import canonical_nquads, fixture_dataset

EX = "http://example.org/"
DURATION = "http://www.w3.org/2001/XMLSchema#duration"


def canonical(quads: ox.Store) -> set[ox.Quad]:
    """The quads with blank nodes labelled canonically (a store gives loaded blank nodes
    identifiers of its own), so that two stores compare as datasets."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def store_quads(version: versions.Version) -> set[ox.Quad]:
    return canonical(ox.Store.read_only(str(version.path / versions.STORE_DIR)))


def loaded_quads(version: versions.Version) -> set[ox.Quad]:
    """What a bulk load of the version's dataset.nq holds (typed literals canonical too)."""
    store = ox.Store()
    store.bulk_load(path=str(version.dataset_file), format=ox.RdfFormat.N_QUADS)
    return canonical(store)


def publish(data_dir: Path, lines: list[str]) -> versions.Version:
    version, new = publish_dataset(data_dir, lines, writers=[], load_store=True)
    assert new
    return version


def test_a_small_change_updates_a_checkpoint_of_the_previous_store(tmp_path: Path) -> None:
    base = canonical_nquads(fixture_dataset())
    extra = [f'<{EX}s{i}> <{EX}p> "value {i}" <{EX}g{i % 7}> .' for i in range(400)]
    first = publish(tmp_path, [*base, *extra])
    assert first.manifest["store"] == {"made": "bulk load"}
    before = store_quads(first)
    changed = [
        *base,
        *extra[:-3],  # three quads removed
        f'<{EX}s1> <{EX}p> "P24M"^^<{DURATION}> <{EX}g1> .',  # kept as written in the dump
        f"<{EX}s2> <{EX}q> _:b1 <{EX}g2> .",
        f'_:b1 <{EX}p> "inside a blank node" <{EX}g2> .',
    ]
    second = publish(tmp_path, changed)
    assert second.manifest["store"] == {
        "made": "incremental",
        "changed_lines": 6,
        "graphs_reloaded": 1,
    }
    assert store_quads(second) == loaded_quads(second)
    assert store_quads(first) == before == loaded_quads(first), "the previous store is unchanged"
    leftovers = [p.name for p in second.path.iterdir() if p.suffix == ".nq" or "changed" in p.name]
    assert leftovers == ["dataset.nq"], "the lines of the change are not published"


def test_a_large_change_bulk_loads_the_store(tmp_path: Path) -> None:
    lines = [f'<{EX}s{i}> <{EX}p> "value {i}" <{EX}g> .' for i in range(100)]
    publish(tmp_path, lines)
    second = publish(tmp_path, [line.replace("value", "other") for line in lines])
    assert second.manifest["store"] == {"made": "bulk load"}
    assert store_quads(second) == loaded_quads(second)


def build_of(sources: Path, data_dir: Path, **overrides: str) -> versions.Version:
    loaded = settings.load({"data_dir": str(data_dir), **overrides}, environ={})
    result = build(loaded, source_files=sorted(sources.glob("*.nq")))
    assert result.published
    return result.version


def test_a_build_at_the_default_base_checkpoints_the_constraints_store(tmp_path: Path) -> None:
    """The version's store is a checkpoint of the SPARQL constraints' store (one bulk load of
    the quads per build, not two): it holds what a bulk load of dataset.nq holds, and the
    constraints' store written by the next build leaves it as it was."""
    sources = tmp_path / "sources"
    generate_folder(sources, 4)
    programmes = sorted(sources.glob("synthetic-programme-*.nq"))
    first = build_of(sources, tmp_path / "data")
    assert first.manifest["store"] == {"made": "checkpoint"}
    before = store_quads(first)
    assert before == loaded_quads(first)

    change_title(programmes[1])
    programmes[2].unlink()
    second = build_of(sources, tmp_path / "data")
    assert second.manifest["store"] == {"made": "checkpoint"}
    assert store_quads(second) == loaded_quads(second) != before
    assert store_quads(first) == before, "the first version's store is unchanged"


def test_a_build_at_another_base_loads_the_store_from_its_lines(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    generate_folder(sources, 3)
    version = build_of(sources, tmp_path / "data", base_iri="https://example.org/id/")
    assert version.manifest["store"] == {"made": "bulk load"}
    held = store_quads(version)
    assert held == loaded_quads(version)
    assert any(q.subject.value.startswith("https://example.org/id/") for q in held)
