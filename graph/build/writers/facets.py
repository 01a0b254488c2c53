"""The programme list's facet counts over the whole catalogue, counted once per version:
`facets.json` (graph/read/facets.py says what each facet counts), so that the unfiltered
`/programmes` and the home page never count at request time.

The programmes are the IRI subjects with `pro:listPosition` (the catalogue order). Each counts
once per value of a facet: one SPARQL query per facet (its path, graph/read/facets.py) over the
version's store (the union of its graphs), grouped by value, so nothing grows with the
catalogue in Python but the credit values (read as numbers: the store's canonical form of
"75.0" is "75", the same number).

A rebuild after a small change (BuildContext.changed_lines) counts only what changed: the
counts are a sum over programmes of each programme's set of values, so the previous version's
facets.json less the affected programmes' values in the previous store plus their values in
the new store is the count a full pass gives. A programme is affected when a changed line's
predicate is on a facet's path and the programme reaches the line's subject by the part of
the path before it, in either store, or when it has a pro:listPosition in one store only. A
changed line whose subject is a blank node past the path's first step (the stores label blank
nodes their own way), a previous version counted by other definitions, or no previous store:
every programme is counted again.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

from ...iris import PRO
from ...read.facets import BY_NAME, CREDIT_RANGES, FACETS, FACETS_FILE, credit_range
from ...versions import STORE_DIR
from ..context import BuildContext

_PROGRAMME = f"?p <{PRO.listPosition}> ?position . FILTER(isIRI(?p))"
# What the counts were made by: a previous facets.json counted by other definitions is not
# adjusted but counted again.
DEFINITIONS = hashlib.sha256(
    repr(([(f.name, f.path) for f in FACETS], CREDIT_RANGES, _PROGRAMME, 1)).encode()
).hexdigest()[:16]
_BATCH = 200  # programmes per VALUES block


def _rows(store: ox.Store, query: str) -> ox.QuerySolutions:
    return cast(ox.QuerySolutions, store.query(query, use_default_graph_as_union=True))


def facet_counts(store: ox.Store) -> dict[str, Any]:
    """{"programmes": N, "facets": {facet: {value key: programmes}}} of the version in
    `store`."""
    programmes = 0
    for row in _rows(store, f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {_PROGRAMME} }}"):
        programmes = int(cast(ox.Literal, row["n"]).value)
    counts: dict[str, Counter[str]] = {f.name: Counter() for f in FACETS}
    for facet in FACETS:
        if facet.name == "credits":
            continue
        query = (
            f"SELECT ?v (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {_PROGRAMME} "
            f"?p {facet.path} ?v . FILTER(isIRI(?v)) }} GROUP BY ?v"
        )
        for row in _rows(store, query):
            value = cast(ox.NamedNode, row["v"]).value
            counts[facet.name][value] = int(cast(ox.Literal, row["n"]).value)
    ranges: dict[str, set[str]] = {}
    query = (
        f"SELECT DISTINCT ?p ?v WHERE {{ {_PROGRAMME} "
        f"?p {BY_NAME['credits'].path} ?v . FILTER(isLiteral(?v)) }}"
    )
    for row in _rows(store, query):
        try:
            key = credit_range(float(cast(ox.Literal, row["v"]).value))
        except ValueError:
            continue
        ranges.setdefault(cast(ox.NamedNode, row["p"]).value, set()).add(key)
    counts["credits"].update(key for keys in ranges.values() for key in keys)
    return _result(programmes, counts)


def _result(programmes: int, counts: dict[str, Counter[str]]) -> dict[str, Any]:
    return {
        "programmes": programmes,
        "facets": {
            name: dict(sorted((k, n) for k, n in c.items() if n)) for name, c in counts.items()
        },
    }


def _steps(path: str) -> list[str] | None:
    """The predicates of a sequence path `<a>/<b>`, or None for any other path."""
    steps = re.findall(r"<([^>]*)>", path)
    return steps if "/".join(f"<{s}>" for s in steps) == path else None


def _batches(items: list[str]) -> Iterable[str]:
    for start in range(0, len(items), _BATCH):
        yield " ".join(f"<{iri}>" for iri in items[start : start + _BATCH])


def _affected(changed: tuple[Path, Path], stores: tuple[ox.Store, ...]) -> set[str] | None:
    """The programmes whose facet values may differ between the two versions (IRIs, found in
    each of `stores`), or None when they cannot be found from the changed lines."""
    steps = {f.name: _steps(f.path) for f in FACETS}
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
            for row in _rows(store, f"SELECT DISTINCT ?x WHERE {{ ?x {prefix} <{subject}> }}"):
                node = row["x"]
                if isinstance(node, ox.NamedNode):
                    affected.add(node.value)
    return affected


def _values(store: ox.Store, programmes: list[str]) -> dict[str, dict[str, set[str]]]:
    """Each of `programmes` that is one in `store` -> facet -> its value keys."""
    found: dict[str, dict[str, set[str]]] = {}
    for block in _batches(programmes):
        query = f"SELECT DISTINCT ?p WHERE {{ VALUES ?p {{ {block} }} {_PROGRAMME} }}"
        for row in _rows(store, query):
            found[cast(ox.NamedNode, row["p"]).value] = {f.name: set() for f in FACETS}
        for facet in FACETS:
            kind = "isLiteral" if facet.name == "credits" else "isIRI"
            query = (
                f"SELECT DISTINCT ?p ?v WHERE {{ VALUES ?p {{ {block} }} "
                f"?p {facet.path} ?v . FILTER({kind}(?v)) }}"
            )
            for row in _rows(store, query):
                values = found.get(cast(ox.NamedNode, row["p"]).value)
                if values is None:
                    continue
                value = row["v"]
                if facet.name != "credits":
                    values[facet.name].add(cast(ox.NamedNode, value).value)
                    continue
                try:
                    values[facet.name].add(credit_range(float(cast(ox.Literal, value).value)))
                except ValueError:
                    continue
    return found


def adjusted_counts(
    previous: dict[str, Any], old: ox.Store, new: ox.Store, changed: tuple[Path, Path]
) -> dict[str, Any] | None:
    """The counts of the version in `new`, from the `previous` version's counts (in store
    `old`) and the lines that changed; None when the affected programmes cannot be told."""
    affected = _affected(changed, (old, new))
    if affected is None:
        return None
    programmes = int(previous["programmes"])
    counts = {f.name: Counter(previous["facets"].get(f.name, {})) for f in FACETS}
    ordered = sorted(affected)
    for sign, store in ((-1, old), (1, new)):
        for values in _values(store, ordered).values():
            programmes += sign
            for name, keys in values.items():
                for key in keys:
                    counts[name][key] += sign
    return _result(programmes, counts)


def _previous_counts(ctx: BuildContext) -> dict[str, Any] | None:
    previous = ctx.previous
    if previous is None or previous.manifest.get("facets", {}).get("definitions") != DEFINITIONS:
        return None
    try:
        found = json.loads((previous.path / FACETS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) and "facets" in found else None


def write_facets(ctx: BuildContext) -> None:
    """Writer: `facets.json`, the unfiltered facet counts of the programme list, adjusted
    from the previous version's after a small change, else counted over the store."""
    counts, made = None, "counted"
    previous, before = ctx.previous, _previous_counts(ctx)
    changed = ctx.changed_lines if before is not None else None
    if previous is not None and before is not None and changed is not None:
        if (previous.path / STORE_DIR).is_dir():
            old = ox.Store.read_only(str(previous.path / STORE_DIR))
            try:
                counts = adjusted_counts(before, old, ctx.store, changed)
            finally:
                del old  # closed before later writers fork
            made = "adjusted" if counts is not None else made
    if counts is None:
        counts = facet_counts(ctx.store)
    (ctx.path / FACETS_FILE).write_text(json.dumps(counts, sort_keys=True) + "\n", encoding="utf-8")
    ctx.manifest["facets"] = {"definitions": DEFINITIONS, "made": made}
