"""A rebuild after a small change updates the statistics, the search index and the facet
index with its counts from the previous version's (graph/build/writers/statistics.py,
search_index.py, facets.py) and writes exactly what a build from scratch of the same data
writes: generated programmes are published, changed (titles, an organisation's name, an
address's city and country, a programme's language, a source gone), published again over the
first version and, apart, into an empty data folder; each product of the two is compared. A
large change, and a previous version made by other code, take the full computation, with the
same products."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from graph.build.pipeline import publish_dataset
from graph.build.writers.facets import write_facets
from graph.build.writers.search_index import write_search_index
from graph.build.writers.statistics import RESOURCES_FILE, write_statistics
from graph.build.writers.statistics_update import BASIS_FILE
from graph.read.facet_index import FACET_INDEX_FILE
from graph.read.facets import FACETS_FILE
from graph.search import INDEX_FILE, SearchIndex
from graph.synthetic.generate import generate
from graph.versions import Version

PROGRAMMES = 30
WRITERS = (write_statistics, write_search_index, write_facets)
TITLE = re.compile(r'^(<[^>]*/programme/[^>]*> <http://purl.org/dc/terms/title> ")([^"]*)(")')
POSITION = re.compile(r'^(<[^>]*/programme/[^>]*> <[^>]*#listPosition> )("[^"]*")(.*)$')
CREDITS = re.compile(
    r'^(<[^>]*/credits> <http://www.w3.org/1999/02/22-rdf-syntax-ns#value> )"(\d+)"(.*)$'
)
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
WORDS = ("science", "master", "renamed", "revised", "university", "bordeaux", "engineering", "law")


def _publish(data_dir: Path, lines: list[str], when: str) -> Version:
    version, published = publish_dataset(
        data_dir, lines, writers=WRITERS, now=datetime.fromisoformat(when), load_store=True
    )
    assert published
    return version


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    path = tmp_path_factory.mktemp("generated") / "catalogue.nq"
    generate(path, PROGRAMMES, seed=3)
    return path.read_text(encoding="utf-8").splitlines()


def _small_change(lines: list[str]) -> list[str]:
    """Every 7th programme title revised, the first programme's provider renamed, its address
    moved to another city and country, another programme's language changed, one source's
    graph gone, a programme out of the catalogue order, another at a new position, and a
    credit value written another way ("120.0" for "120")."""
    provider = next(line.split()[2][1:-1] for line in lines if "/elm/providedBy> <" in line)
    language_changed = gone = credits = None
    out, titles, positions = [], 0, 0
    for line in lines:
        if gone is None and "/source/synthetic-programme-000004> ." in line:
            gone = line.split()[-2]
        if gone is not None and line.endswith(f"{gone} ."):
            continue
        if TITLE.match(line):
            titles += 1
            if titles % 7 == 0:
                line = TITLE.sub(r"\1\2 (revised)\3", line)
        if line.startswith(f"<{provider}> ") and '"@en' in line:
            line = line.replace('"@en', ' (renamed)"@en')
        if line.startswith(f"<{provider}/address> "):
            line = re.sub(r'(addressLocality> ")[^"]*', r"\1Utrecht", line)
            line = re.sub(f"<{COUNTRY}[A-Z]+>", f"<{COUNTRY}NLD>", line)
        if POSITION.match(line):
            positions += 1
            if positions == 1:
                continue  # a programme leaves the catalogue order
            if positions == 2:
                line = POSITION.sub(r'\1"999"\3', line)  # a position no line had
        if credits is None and CREDITS.match(line):
            credits = line
            line = CREDITS.sub(r'\1"\2.0"\3', line)  # the same number, written otherwise
        if language_changed is None and "/elm/defaultLanguage> " in line and provider not in line:
            language_changed = line
            line = re.sub(f"<{LANGUAGE}[A-Z]+>", f"<{LANGUAGE}DEU>", line)
        out.append(line)
    assert gone is not None and language_changed is not None and credits is not None
    assert positions > 2
    return out


def _large_change(lines: list[str]) -> list[str]:
    """Every English text changed: more than the share a rebuild starts from the previous."""
    return [line.replace('"@en', ' (second edition)"@en') for line in lines]


def _index(version: Version) -> dict[str, Any]:
    """What the index holds and answers, apart from its documents' numbers."""
    path = version.path / INDEX_FILE
    db = sqlite3.connect(path)
    try:
        docs = dict(db.execute("SELECT iri, fields FROM docs").fetchall())
        facets = sorted(
            db.execute(
                "SELECT d.iri, v.facet, v.value FROM facets f JOIN docs d ON d.id = f.doc "
                "JOIN facet_values v ON v.id = f.value"
            ).fetchall()
        )
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    finally:
        db.close()
    index = SearchIndex(path)
    answers = {}
    for word in WORDS:
        result = index.search(word, limit=100)
        answers[word] = (result.total, result.hits, result.facets)
    return {"docs": docs, "facets": facets, "meta": meta, "answers": answers}


def _facet_index(version: Version) -> dict[str, tuple[int, list[tuple[str, str]]]]:
    """Each programme of the facet index: its position and its (facet, value) pairs; and the
    counts the index keeps per value."""
    db = sqlite3.connect(version.path / FACET_INDEX_FILE)
    try:
        found: dict[str, tuple[int, list[tuple[str, str]]]] = {}
        for iri, pos in db.execute("SELECT iri, pos FROM programmes"):
            found[iri] = (pos, [])
        for iri, facet, value in db.execute(
            "SELECT p.iri, v.facet, v.value FROM programme_values pv "
            "JOIN programmes p ON p.id = pv.programme JOIN facet_values v ON v.id = pv.value "
            "ORDER BY 1, 2, 3"
        ):
            found[iri][1].append((facet, value))
        kept = dict(db.execute("SELECT facet || ' ' || value, n FROM facet_values").fetchall())
        found["(counts)"] = (0, sorted(kept.items()))
    finally:
        db.close()
    return found


def _products(version: Version) -> dict[str, Any]:
    manifest = version.manifest
    resources = json.loads((version.path / RESOURCES_FILE).read_text(encoding="utf-8"))
    return {
        "statistics": manifest["statistics"],
        "digests": {iri: entry["sha256"] for iri, entry in resources.items()},
        "facets": json.loads((version.path / FACETS_FILE).read_text(encoding="utf-8")),
        "facet index": _facet_index(version),
        "index": _index(version),
    }


def _basis(version: Version) -> dict[str, Any]:
    basis: dict[str, Any] = json.loads((version.path / BASIS_FILE).read_text(encoding="utf-8"))
    return basis


def _resources_carry_over(first: Version, rebuilt: Version) -> None:
    """A resource keeps the time it last changed while its digest stays the same; the
    others changed with the rebuild."""
    old, new = (
        json.loads((v.path / RESOURCES_FILE).read_text(encoding="utf-8")) for v in (first, rebuilt)
    )
    assert list(new) == sorted(new, key=lambda iri: f"<{iri}>")  # the file's subject order
    kept = 0
    for iri, entry in new.items():
        if iri in old and old[iri]["sha256"] == entry["sha256"]:
            assert entry["modified"] == old[iri]["modified"]
            kept += 1
        else:
            assert entry["modified"] == rebuilt.manifest["created"]
    assert 0 < kept < len(new)


def _compare(rebuilt: Version, fresh: Version) -> None:
    ours, theirs = _products(rebuilt), _products(fresh)
    for product in ours:
        assert ours[product] == theirs[product], product


@pytest.mark.parametrize("change", ["small", "large"])
def test_a_rebuild_writes_what_a_build_from_scratch_writes(
    change: str, generated: list[str], tmp_path: Path
) -> None:
    first = _publish(tmp_path / "data", generated, "2026-11-01T10:00:00+00:00")
    changed = _small_change(generated) if change == "small" else _large_change(generated)
    rebuilt = _publish(tmp_path / "data", changed, "2026-11-02T10:00:00+00:00")
    fresh = _publish(tmp_path / "fresh", changed, "2026-11-02T10:00:00+00:00")
    _compare(rebuilt, fresh)
    made = rebuilt.manifest
    if change == "small":
        assert _basis(rebuilt)["made"] == "adjusted"
        assert made["facets"]["made"] == "updated"
        assert made["search"]["made"] == "updated"
        assert 0 < made["search"]["made_again"] < PROGRAMMES
        # what changed did change the products, so the comparison could fail
        before = _products(first)
        assert before["facets"] != _products(rebuilt)["facets"]
        assert before["facet index"] != _products(rebuilt)["facet index"]
        assert (
            before["index"]["answers"]["revised"]
            != _products(rebuilt)["index"]["answers"]["revised"]
        )
        _resources_carry_over(first, rebuilt)
    else:
        assert _basis(rebuilt)["made"] == "counted"
        assert made["facets"]["made"] == "made"
        assert made["search"]["made"] == "built"


def test_a_previous_version_made_by_other_code_is_not_updated(
    generated: list[str], tmp_path: Path
) -> None:
    first = _publish(tmp_path / "data", generated, "2026-11-01T10:00:00+00:00")
    basis = _basis(first)
    (first.path / BASIS_FILE).write_text(json.dumps({**basis, "code": "other"}), encoding="utf-8")
    for index, update in (
        (INDEX_FILE, "UPDATE meta SET value = '\"other\"' WHERE key = 'builder'"),
        (FACET_INDEX_FILE, "UPDATE meta SET value = 'other' WHERE key = 'definitions'"),
    ):
        db = sqlite3.connect(first.path / index)
        db.execute(update)
        db.commit()
        db.close()
    changed = _small_change(generated)
    rebuilt = _publish(tmp_path / "data", changed, "2026-11-02T10:00:00+00:00")
    fresh = _publish(tmp_path / "fresh", changed, "2026-11-02T10:00:00+00:00")
    assert _basis(rebuilt)["made"] == "counted"
    assert rebuilt.manifest["facets"]["made"] == "made"
    assert rebuilt.manifest["search"]["made"] == "built"
    _compare(rebuilt, fresh)
    _resources_carry_over(first, rebuilt)
