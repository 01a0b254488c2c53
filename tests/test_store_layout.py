"""`store_in_memory = "auto"` (graph/store/layout.py): a version small enough for the machine is
held in memory, a larger one on disk, decided once per version the server opens, so a new
version may switch the layout (server/publication.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import requests
from rdflib import Literal, URIRef
from rdflib.namespace import RDFS

from graph import versions
from graph.build.pipeline import publish_dataset
from graph.settings import load
from graph.store import layout
from server.publication import Publication

from .conftest import LiveServer
from .support.publishing import fixture_dataset, nquads

EXTRA = "https://w3id.org/prospectus/id/layout-test/"
GRAPH = URIRef("https://w3id.org/prospectus/id/graph/layout-test")


def publish(data_dir: Path, extra: int) -> versions.Version:
    """The dumps fixture plus `extra` labelled resources, with its on-disk store."""
    dataset = fixture_dataset()
    graph = dataset.graph(GRAPH)
    for n in range(extra):
        graph.add((URIRef(f"{EXTRA}{n}"), RDFS.label, Literal(f"resource {n}")))
    version, new = publish_dataset(data_dir, nquads(dataset), writers=(), load_store=True)
    assert new and version.store_dir.is_dir()
    return version


def settings(data_dir: Path, **values: object):  # noqa: ANN201
    return load(
        {"data_dir": str(data_dir), "workers": 1, "query_processes": 1, **values}, environ={}
    )


# -- the rule --------------------------------------------------------------------------------


def test_the_rule_weighs_every_copy_against_available_memory(tmp_path: Path) -> None:
    auto = settings(tmp_path)
    assert layout.copies(auto) == 3  # the master, one worker, its query process
    one_copy = 1000 * layout.BYTES_PER_QUAD
    fits = 2 * 3 * one_copy  # MEMORY_FRACTION is a half
    assert layout.in_memory(auto, {"quads": 1000}, tmp_path, available=fits)
    assert not layout.in_memory(auto, {"quads": 1000}, tmp_path, available=fits - 1)
    more = settings(tmp_path, workers=2, query_processes=2)
    assert not layout.in_memory(more, {"quads": 1000}, tmp_path, available=fits)
    # true and false keep their meaning, whatever the machine
    assert layout.in_memory(settings(tmp_path, store_in_memory=True), {"quads": 10**9}, tmp_path)
    assert not layout.in_memory(settings(tmp_path, store_in_memory="false"), {}, tmp_path, 10**15)
    # no quad count: estimated from dataset.nq; nothing to go by: on disk
    (tmp_path / "dataset.nq").write_bytes(b"x" * 1000)
    estimate = int(1000 * layout.DATASET_BYTES_FACTOR) * 3 * 2
    assert layout.in_memory(auto, {}, tmp_path, available=estimate)
    assert not layout.in_memory(auto, {}, tmp_path, available=estimate - 10)
    assert not layout.in_memory(auto, {}, tmp_path / "missing", available=10**15)


def test_memory_available_reads_meminfo(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemAvailable:   12000000 kB\n")
    assert layout.memory_available(meminfo) == 12000000 * 1024
    meminfo.write_text("MemTotal:       24000000 kB\n")
    assert layout.memory_available(meminfo) is None
    assert layout.memory_available(tmp_path / "none") is None


# -- a publication switching layout with its versions -----------------------------------------


def test_a_new_version_may_switch_the_layout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    small = publish(data_dir, 0)
    large_quads = small.manifest["quads"] + 500
    # room for three copies of the small version, not of the large one
    available = 2 * 3 * layout.BYTES_PER_QUAD * (small.manifest["quads"] + large_quads) // 2
    monkeypatch.setattr(layout, "memory_available", lambda: available)
    monkeypatch.setattr(sys.modules[Publication.__module__], "RECHECK_SECONDS", 0.0)
    publication = Publication(settings(data_dir))
    try:
        publication.open()  # the master: an in-memory store is kept for the workers
        assert publication.layout == "memory"
        assert not publication._opens_per_process()
        assert publication._store is not None

        large = publish(data_dir, 500)
        assert large.manifest["quads"] == large_quads
        assert publication.layout == "disk"
        assert publication._opens_per_process()
        assert publication.version is not None and publication.version.id == large.id
        assert publication.store.triple_count() == large_quads

        back = publish(data_dir, 1)
        assert publication.layout == "memory"
        assert publication.store.triple_count() == back.manifest["quads"]
    finally:
        publication.store.close()


def test_the_master_lets_a_large_version_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    publish(data_dir, 10)
    monkeypatch.setattr(layout, "memory_available", lambda: 1)
    publication = Publication(settings(data_dir))
    publication.open()
    assert publication._store is None  # each worker opens the on-disk store itself
    try:
        assert publication.layout == "disk"
    finally:
        publication.store.close()


def test_the_default_serves_a_small_catalogue_from_memory(live_server: LiveServer) -> None:
    health = requests.get(live_server.url + "/healthz", timeout=30).json()
    assert health["layout"] == "memory"
    assert health["quads"] > 0
