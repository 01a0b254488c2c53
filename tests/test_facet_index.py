"""The facet index (graph/read/facet_index.py) answers a filtered programme list exactly as
the SPARQL of graph/read/listing.py does over the same version: every page of a walk (with
its next and previous links) and every count, for common values (walked along the catalogue
order), rare ones (walked through their own programmes), two filters, credits and a value
nothing holds; and it is bounded by the query timeout like a store query."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from graph.read import listing
from graph.read.facet_index import _CHECK_EVERY, FacetIndex, open_facet_index
from graph.settings import load
from graph.store import Store, open_store
from graph.store.base import QueryTimedOut
from graph.versions import Version

from .support.catalogue import publish_synthetic

PROGRAMMES = 1500
NOWHERE = "http://publications.europa.eu/resource/authority/country/ATA"


@pytest.fixture(scope="module")
def version(tmp_path_factory: pytest.TempPathFactory) -> Version:
    return publish_synthetic(tmp_path_factory.mktemp("facet-index") / "data", PROGRAMMES)


@pytest.fixture(scope="module")
def store(version: Version) -> Iterator[Store]:
    settings = load({"store": "oxigraph", "store_in_memory": True, "threads": 2}, environ={})
    opened = open_store(settings, version.path)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def index(version: Version) -> FacetIndex:
    found = open_facet_index(version.path)
    assert found is not None
    return found


def _ranked(version: Version, facet: str) -> list[str]:
    """The values of `facet` in the unfiltered counts, commonest first."""
    counts = json.loads((version.path / "facets.json").read_text(encoding="utf-8"))
    values = counts["facets"][facet]
    return sorted(values, key=lambda v: (-values[v], v))


def _views(version: Version) -> list[dict[str, str]]:
    country, institution = _ranked(version, "country"), _ranked(version, "institution")
    field, mode = _ranked(version, "field"), _ranked(version, "mode")
    return [
        {"country": country[0]},  # common: along the catalogue order
        {"institution": institution[-1]},  # rare: through its own programmes
        {"country": country[0], "credits": "-60"},
        {"field": field[-1], "mode": mode[0]},
        {"country": NOWHERE},  # nothing holds it
        {"credits": "121-"},
    ]


def _walk(
    page: object, chosen: Mapping[str, str], after: int = 0
) -> list[tuple[tuple[tuple[str, int], ...], int | None, int | None]]:
    """Every page from `after` on: (programmes, next, previous)."""
    pages: list[tuple[tuple[tuple[str, int], ...], int | None, int | None]] = []
    next_after: int | None = after
    while next_after is not None:
        found = page(chosen, next_after)  # type: ignore[operator]
        programmes = tuple((str(p), n) for p, n in found.programmes)
        pages.append((programmes, found.next_after, found.prev_after))
        next_after = found.next_after
    return pages


def _normal(counts: listing.CatalogueCounts) -> tuple:
    facets = {name: values for name, values in counts.facets.items() if values}
    return counts.programmes, facets, counts.missing


def test_every_filtered_page_and_count_is_the_sparql_one(
    version: Version, store: Store, index: FacetIndex
) -> None:
    size = 20
    for chosen in _views(version):
        by_index = _walk(lambda c, a: listing.indexed_page(index, c, a, size, 60.0), chosen)
        by_sparql = _walk(lambda c, a: listing.page(store, c, a, size, True), chosen)
        assert by_index == by_sparql, chosen
        middle = by_sparql[len(by_sparql) // 2][0]
        if middle:  # from a position inside the list, with a previous page
            start = middle[len(middle) // 2][1]
            assert _walk(
                lambda c, a: listing.indexed_page(index, c, a, size, 60.0), chosen, start
            ) == _walk(lambda c, a: listing.page(store, c, a, size, True), chosen, start)
        indexed = listing.indexed_counts(index, chosen, 60.0)
        assert _normal(indexed) == _normal(listing.counts(store, chosen, True)), chosen
    shown = sum(
        len(p)
        for p, _n, _b in _walk(
            lambda c, a: listing.indexed_page(index, c, a, size, 60.0), _views(version)[0]
        )
    )
    assert 0 < shown < PROGRAMMES


def test_the_index_is_bounded_by_the_query_timeout(version: Version, index: FacetIndex) -> None:
    chosen = {"country": _ranked(version, "country")[0]}
    with pytest.raises(QueryTimedOut):
        index.counts(chosen, 0.0)
    with pytest.raises(QueryTimedOut):
        index.page({"credits": "-60"}, 0, 20, 0.0)
    out_of_time = listing.indexed_counts(index, chosen, 0.0)
    assert out_of_time.programmes is None and out_of_time.missing
    assert index.counts(chosen, 60.0).programmes  # the same query in time


def test_a_query_too_short_for_the_progress_handler_is_bounded_too(
    version: Version, index: FacetIndex
) -> None:
    """A rare value's page takes fewer steps than the handler waits between looks at the
    clock; ending past the deadline, it is refused all the same (the catalogue page's timeout
    test got 200 from it on a busy machine)."""
    chosen = {"institution": _ranked(version, "institution")[-1]}
    db = index._connections.get()
    steps = []
    db.set_progress_handler(lambda: steps.append(1) and 0, 1)
    try:
        index.page(chosen, 0, 20, None)
    finally:
        db.set_progress_handler(None, 0)
    assert len(steps) < _CHECK_EVERY  # the handler would never have looked at the clock
    with pytest.raises(QueryTimedOut):
        index.page(chosen, 0, 20, 1e-9)
    assert index.page(chosen, 0, 20, 60.0)[0]  # in time


def test_a_version_without_an_index_is_answered_by_sparql(version: Version, tmp_path: Path) -> None:
    assert open_facet_index(tmp_path) is None
    (tmp_path / "facets.sqlite").write_bytes(b"not a database")
    assert open_facet_index(tmp_path) is None
