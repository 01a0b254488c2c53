"""The shapes' SPARQL constraints over a store (graph/build/sparql_checks.py `check_store`):
a constraint run once over the whole store, ?this free and joined with the focus nodes,
gives what it gives run once per focus node with $this pre-bound, on every example of
tests/shapes/ and on the bundled sources; the constraints that do not allow it keep the
per-focus-node form."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from graph import paths
from graph.build import sparql_checks
from graph.build.release import read_release
from graph.build.sparql_checks import check_store, read_shapes, run, split, store_of_lines
from graph.build.validate import result_order
from graph.canonical import literals_as_written
from graph.errors import Violation
from tests.conftest import ROOT

EXAMPLES = sorted((ROOT / "tests" / "shapes").glob("*/*.ttl"))
CHECKS = split(read_shapes())[1]


def ordered(results: list[Violation]) -> list[tuple[str, ...]]:
    return sorted(tuple(str(v) for v in vars(r).values()) for r in results)


def example_lines(path: Path) -> list[str]:
    """The example with the vocabularies and the ontology, as N-Quads lines of one graph."""
    graph = Graph()
    with literals_as_written():
        graph.parse(path, format="turtle")
        for extra in [paths.ONTOLOGY_FILE, *sorted(paths.VOCAB_DIR.glob("*.ttl"))]:
            graph.parse(extra, format="turtle")
    name = "<https://example.org/graph>"
    return [f"{line[:-2]} {name} ." for line in graph.serialize(format="nt").splitlines() if line]


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_once_over_the_store_gives_what_once_per_focus_node_gives(path: Path) -> None:
    store = store_of_lines(example_lines(path))
    files = {"https://example.org/graph": path.name}
    whole = run(CHECKS, store, files, whole=True)
    each = run(CHECKS, store, files, whole=False)
    assert ordered(whole) == ordered(each)


def test_the_examples_exercise_the_constraints_run_over_the_whole_store() -> None:
    """The comparison above is not empty: the broken examples break most of them."""
    broken = set()
    for path in EXAMPLES:
        store = store_of_lines(example_lines(path))
        broken |= {r.source_shape for r in run(CHECKS, store, {}, whole=True)}
    whole = {c.shape for c in CHECKS if sparql_checks.whole_store(c)}
    assert len(broken & whole) >= 8
    joined = {c.shape for c in CHECKS if sparql_checks.joined_select(c) is not None}
    assert joined and joined <= broken


def test_only_a_where_of_filters_over_class_targets_is_joined_with_its_focus_nodes() -> None:
    joined = {c.shape.rsplit("#", 1)[-1] for c in CHECKS if sparql_checks.joined_select(c)}
    assert joined == {"ImportedDataIri", "TuitionFeeBillingPeriodStated"}
    fee = next(c for c in CHECKS if c.shape.endswith("#TuitionFeeBillingPeriodStated"))
    # A sub-select or a BIND in the filters, a pattern besides them, a SPARQL target: the
    # focus nodes joined in might not be what $this pre-bound would be.
    for select in [
        "SELECT $this WHERE { FILTER NOT EXISTS { SELECT ?p { $this pro:billingPeriod ?p } } }",
        "SELECT $this WHERE { FILTER NOT EXISTS { BIND ($this AS ?x) ?x pro:billingPeriod ?p } }",
        "SELECT $this WHERE { ?x pro:billingPeriod ?p . FILTER (?x != $this) }",
        "SELECT $this WHERE { FILTER NOT EXISTS { $this pro:billingPeriod ?p } MINUS { ?a ?b ?c} }",
    ]:
        assert sparql_checks.algebra_of(fee.prefixes + select) is not None, select
        assert sparql_checks.joined_select(replace(fee, select=select)) is None, select
    assert sparql_checks.joined_select(replace(fee, target_selects=("SELECT ?this {}",))) is None
    both = replace(fee, target_classes=(*fee.target_classes, "https://example.org/Fee"))
    assert "https://example.org/Fee" in (sparql_checks.joined_select(both) or "")


def test_a_store_of_lines_keeps_the_blank_node_labels_of_the_lines() -> None:
    lines = [
        '_:b1 <https://example.org/p> "_: in a literal" <https://example.org/g> .',
        "_:b1 <https://example.org/q> _:b2 <https://example.org/g> .",
        '<https://example.org/s> <https://example.org/p> "plain" <https://example.org/g> .',
    ]
    written = {str(q) for q in ox.parse("\n".join(lines).encode(), format=ox.RdfFormat.N_QUADS)}
    assert {str(q) for q in store_of_lines(lines)} == written
    assert any("_:b2" in q for q in written)


def test_a_constraint_with_no_pattern_binding_this_keeps_the_per_focus_node_form() -> None:
    kept = {c.shape.rsplit("#", 1)[-1] for c in CHECKS if not sparql_checks.whole_store(c)}
    # $this only in a FILTER, or in an aggregate's group: a free ?this would not be bound
    # where the constraint reads it.
    assert {"ImportedDataIri", "TuitionFeeBillingPeriodStated", "NoBlankNodes"} <= kept
    assert len(kept) < len(CHECKS) // 2


def test_check_store_over_the_bundled_sources_names_source_files() -> None:
    release = read_release()
    store = store_of_lines(release.lines())
    results = sorted(check_store(store, release), key=result_order)
    each = run(CHECKS, store, {str(g): n for g, n in release.files.items()}, whole=False)
    assert ordered(results) == ordered(each)
    assert all(r.source_file for r in results)
