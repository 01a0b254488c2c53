"""What changed between two versions, per named graph, read from their sorted dataset.nq.

BuildContext.changes (graph/build/context.py) gives it once to every writer that needs it
(the change record, graph/build/writers/changes.py, and the change stream's `_touched`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import graph_diff, to_isomorphic

from ..canonical import rdflib_graph
from ..store.nquads_diff import diff_lines, graph_lines

Changes = dict[str, tuple[Graph, Graph]]
"""Named graph IRI -> (added, removed) triples, for the graphs that changed."""


def _by_graph(quads: Iterable[ox.Quad]) -> dict[str, list[ox.Quad]]:
    groups: dict[str, list[ox.Quad]] = defaultdict(list)
    for quad in quads:
        name = quad.graph_name
        groups[name.value if isinstance(name, ox.NamedNode) else ""].append(quad)
    return groups


def _parse(lines: Iterable[bytes]) -> list[ox.Quad]:
    data = b"".join(lines)
    return list(ox.parse(data, format=ox.RdfFormat.N_QUADS)) if data else []


def _graph(quads: Iterable[ox.Quad]) -> Graph:
    """An rdflib graph of the triples of `quads`, literals as written ("P24M" stays "P24M")."""
    return rdflib_graph(q.triple for q in quads)


def _has_blank(quads: Iterable[ox.Quad]) -> bool:
    return any(
        isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode) for q in quads
    )


def diff_files(old: Path, new: Path, lines: tuple[Path, Path] | None = None) -> Changes:
    """Named graph IRI -> (added, removed) triples, for every graph that changed between
    two versions' dataset.nq (sorted, distinct lines): the lines each holds alone, read
    from `lines` (added, removed) when given, else found by one merge walk over both files
    (graph/store/nquads_diff.py). A named graph whose difference involves blank nodes is
    then read whole from both files and compared up to blank-node labels (rdflib's
    graph_diff), so relabelling alone is no change."""
    added_lines: list[bytes] = []
    removed_lines: list[bytes] = []
    if lines is not None:
        added_lines, removed_lines = [lines[0].read_bytes()], [lines[1].read_bytes()]
    else:
        for is_added, line in diff_lines(old, new):
            (added_lines if is_added else removed_lines).append(line)
    added, removed = _by_graph(_parse(added_lines)), _by_graph(_parse(removed_lines))
    names = sorted(set(added) | set(removed))
    blank = {n for n in names if n and _has_blank([*added.get(n, ()), *removed.get(n, ())])}
    before = _by_graph(_parse(graph_lines(old, blank))) if blank else {}
    after = _by_graph(_parse(graph_lines(new, blank))) if blank else {}
    changed: Changes = {}
    for name in names:
        if name in blank:
            old_graph, new_graph = _graph(before.get(name, ())), _graph(after.get(name, ()))
            if to_isomorphic(old_graph) == to_isomorphic(new_graph):
                continue  # only blank-node labels differ
            _both, gone, new_triples = graph_diff(old_graph, new_graph)
            changed[name] = (new_triples, gone)
        else:
            changed[name] = (_graph(added.get(name, ())), _graph(removed.get(name, ())))
    return changed
