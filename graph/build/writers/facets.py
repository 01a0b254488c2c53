"""The programme list's facets, once per version: the facet index (`facets.sqlite`,
graph/read/facet_index.py: every programme's position and facet values, which a filtered list
reads) and `facets.json`, the counts of the unfiltered catalogue read from it, so that the
unfiltered `/programmes` and the home page never count at request time.

The programmes are the IRI subjects with `pro:listPosition` (the catalogue order); a facet's
values are what its SPARQL path (graph/read/facets.py) reaches in the version's store, each
counted once per programme (credit values read as numbers: the store's canonical form of
"75.0" is "75", the same number).

A rebuild after a small change (BuildContext.changed_lines) updates the previous version's
index (graph/build/writers/facet_index.py) instead of reading every programme again: a
programme is affected when a changed line's predicate is on a facet's path and the programme
reaches the line's subject by the part of the path before it, in either store, or when it has
a pro:listPosition in one store only; a programme whose position line changed gets its new
position. A changed line whose subject is a blank node past the path's first step (the stores
label blank nodes their own way), a previous index made by other definitions, or no previous
store: the index is made afresh.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyoxigraph as ox

from ...iris import PRO
from ...read.facet_index import FACET_INDEX_FILE
from ...read.facets import CREDIT_RANGES, FACETS, FACETS_FILE, path_steps
from ...versions import STORE_DIR
from ..context import BuildContext
from . import facet_index

# What the index was made by: a previous index made by other definitions is made afresh.
DEFINITIONS = hashlib.sha256(
    repr(([(f.name, f.path) for f in FACETS], CREDIT_RANGES, facet_index.PROGRAMME, 2)).encode()
).hexdigest()[:16]


def _affected(
    changed: tuple[Path, Path], stores: tuple[ox.Store, ...]
) -> tuple[set[str], set[str]] | None:
    """The programmes whose facet values may differ between the two versions (IRIs, found in
    each of `stores`) and those whose position line changed, or None when they cannot be
    found from the changed lines."""
    steps = {f.name: path_steps(f.path) for f in FACETS}
    if any(s is None for s in steps.values()):
        return None
    at: dict[str, set[str]] = {}  # predicate -> the paths (as SPARQL) that lead to it
    for facet_steps in steps.values():
        assert facet_steps is not None
        for k, predicate in enumerate(facet_steps):
            at.setdefault(predicate, set()).add("/".join(f"<{s}>" for s in facet_steps[:k]))
    position = str(PRO.listPosition)
    affected: set[str] = set()
    moved: set[str] = set()  # a new position changes no value, only whether one is there
    lookups: set[tuple[str, str]] = set()  # (prefix path, subject IRI)
    for path in changed:
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
            if quad.predicate.value == position and isinstance(quad.subject, ox.NamedNode):
                moved.add(quad.subject.value)
            for prefix in at.get(quad.predicate.value, ()):
                subject = quad.subject
                if not isinstance(subject, ox.NamedNode):
                    if prefix:
                        return None
                    continue  # a blank node is no programme
                if prefix:
                    lookups.add((prefix, subject.value))
                else:
                    affected.add(subject.value)
    for subject in sorted(moved - affected):
        node, listed_at = ox.NamedNode(subject), ox.NamedNode(position)
        listed = {
            next(iter(store.quads_for_pattern(node, listed_at, None)), None) is None
            for store in stores
        }
        if len(listed) > 1:
            affected.add(subject)
    for prefix, subject in sorted(lookups):
        for store in stores:
            for row in facet_index.rows(
                store, f"SELECT DISTINCT ?x WHERE {{ ?x {prefix} <{subject}> }}"
            ):
                node = row["x"]
                if isinstance(node, ox.NamedNode):
                    affected.add(node.value)
    return affected, moved


def _previous_index(ctx: BuildContext) -> Path | None:
    """The previous version's index, when it was made by these definitions and its store is
    there to compare with."""
    previous = ctx.previous
    if previous is None or not (previous.path / STORE_DIR).is_dir():
        return None
    path = previous.path / FACET_INDEX_FILE
    return path if facet_index.updatable(path, DEFINITIONS) else None


def write_facets(ctx: BuildContext) -> None:
    """Writer: the facet index, updated from the previous version's after a small change,
    else made from the store; then `facets.json`, the unfiltered counts, read from it."""
    made = "made"
    path = ctx.path / FACET_INDEX_FILE
    before = _previous_index(ctx)
    changed = ctx.changed_lines if before is not None else None
    if before is not None and changed is not None and ctx.previous is not None:
        old = ox.Store.read_only(str(ctx.previous.path / STORE_DIR))
        try:
            found = _affected(changed, (old, ctx.store))
        finally:
            del old  # closed before later writers fork
        if found is not None:
            affected, moved = found
            facet_index.update(before, path, ctx.store, affected, moved, DEFINITIONS)
            made = "updated"
    if made == "made":
        facet_index.build(ctx.store, path, DEFINITIONS)
    counts = facet_index.counts(path)
    (ctx.path / FACETS_FILE).write_text(json.dumps(counts, sort_keys=True) + "\n", encoding="utf-8")
    ctx.manifest["facets"] = {"definitions": DEFINITIONS, "made": made}
