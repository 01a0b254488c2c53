"""The shapes' SPARQL-based constraints (SHACL §5, `sh:sparql`), run over a pyoxigraph store.

They are the checks that look across nodes and sources (unique `pro:listPosition`, dates of
an offering against its programme's, what a segment quotes, blank nodes referenced from
elsewhere, …). pySHACL evaluates each of them once per focus node with rdflib's SPARQL
engine, which was 90% of a build's time; here each runs in Oxigraph over the union of the
dataset's graphs, set at a time where rdflib's algebra of its query shows that this gives
what the pre-binding of SHACL §5.3.1 gives: once over the whole store, `?this` left free
(`whole_store`), or once with the target pattern joined in before its FILTERs
(`joined_select`); otherwise once per focus node with `$this` pre-bound (pyoxigraph's
`substitutions`). `split()` takes them out of the shapes given to pySHACL
(graph/build/validate.py) and `run()` gives their results in the same form, each naming the
source file of its focus node. The build's store for them is graph/build/checks_store.py's.

Only constraints of node shapes move (none of the project's shapes has one on a property
shape, whose `$PATH` would need substituting); a constraint of a property shape stays with
pySHACL. Message templates are filled as pySHACL fills them ({?var} or {$var} by the
variable's value as a string); a result without `?value` has its focus node as value.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import islice
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef, Variable
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

from .. import paths
from ..errors import Violation
from . import progress
from .groups import parse_lines
from .load import parse_into
from .publish import write_lines
from .release import Release
from .release_copy import load_file

PROJECTS_THIS = re.compile(r"SELECT\s+(DISTINCT\s+|REDUCED\s+)?[^{]*[$?]this\b", re.IGNORECASE)


@dataclass(frozen=True)
class SparqlCheck:
    """One `sh:sparql` constraint of a node shape, with what selects its focus nodes."""

    shape: str
    severity: str
    messages: tuple[str, ...]
    select: str
    prefixes: str
    target_classes: tuple[str, ...]
    target_selects: tuple[str, ...]


def _prefixes(shapes: Graph, holder: Node) -> str:
    lines = []
    for prefixes in shapes.objects(holder, SH.prefixes):
        for decl in shapes.objects(prefixes, SH.declare):
            prefix, namespace = shapes.value(decl, SH.prefix), shapes.value(decl, SH.namespace)
            if prefix is not None and namespace is not None:
                lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines))) + "\n"


def _drop(shapes: Graph, node: Node) -> None:
    """Remove `node`'s description (and the blank nodes only it holds)."""
    for _s, p, o in list(shapes.triples((node, None, None))):
        shapes.remove((node, p, o))
        if isinstance(o, BNode) and p != SH.prefixes:
            _drop(shapes, o)


def split(shapes: Graph) -> tuple[Graph, list[SparqlCheck]]:
    """(the shapes without the SPARQL constraints of node shapes, those constraints)."""
    rest = Graph()
    rest += shapes
    checks = []
    for shape, constraint in sorted(shapes.subject_objects(SH.sparql)):
        if (shape, SH.path, None) in shapes or (constraint, SH.deactivated, None) in shapes:
            continue
        select = shapes.value(constraint, SH.select)
        if select is None or not PROJECTS_THIS.search(str(select)):
            continue  # pre-binding needs $this in the projection: left to pySHACL
        targets = []
        for target in shapes.objects(shape, SH.target):
            if (target, RDF.type, SH.SPARQLTarget) in shapes:
                targets.append((_prefixes(shapes, target), str(shapes.value(target, SH.select))))
        if len(targets) != len(set(shapes.objects(shape, SH.target))):
            continue  # a target kind this module does not evaluate
        if any((shape, p, None) in shapes for p in (SH.targetNode, SH.targetSubjectsOf,
                                                     SH.targetObjectsOf)):  # fmt: skip
            continue
        messages = list(shapes.objects(constraint, SH.message)) or list(
            shapes.objects(shape, SH.message)
        )
        severity = shapes.value(shape, SH.severity) or SH.Violation
        checks.append(
            SparqlCheck(
                shape=str(shape),
                severity=str(severity).rsplit("#", 1)[-1],
                messages=tuple(str(m) for m in messages),
                select=str(select),
                prefixes=_prefixes(shapes, constraint),
                target_classes=tuple(sorted(str(c) for c in shapes.objects(shape, SH.targetClass))),
                target_selects=tuple(prefixes + query for prefixes, query in targets),
            )
        )
        rest.remove((shape, SH.sparql, constraint))
        _drop(rest, constraint)
        if not _constrains(rest, shape):
            _drop(rest, shape)  # its target would be evaluated for nothing
    return rest, checks


# What a shape may say besides its constraints.
NOT_CONSTRAINTS = frozenset({SH.target, SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
                             SH.targetObjectsOf, SH.severity, SH.message, SH.deactivated,
                             SH.prefixes, SH.name, SH.description, SH.order, SH.group})  # fmt: skip


def _constrains(shapes: Graph, shape: Node) -> bool:
    """Whether `shape` has a constraint left (a SHACL parameter other than its targets,
    severity and messages)."""
    return any(
        str(p).startswith(str(SH)) and p not in NOT_CONSTRAINTS
        for p in shapes.predicates(shape, None)
    )


def store_of(dataset: Dataset, extra: Graph | None = None) -> ox.Store:
    """An in-memory Oxigraph store holding `dataset` (and `extra` in its default graph)."""
    store = ox.Store()
    data = dataset.serialize(format="nquads", encoding="utf-8")
    store.bulk_load(data, format=ox.RdfFormat.N_QUADS)
    if extra is not None and len(extra):
        store.bulk_load(extra.serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    return store


def _focus_nodes(check: SparqlCheck, store: ox.Store) -> list[ox.NamedNode | ox.BlankNode]:
    found: dict[str, ox.NamedNode | ox.BlankNode] = {}
    queries = [
        f"SELECT DISTINCT ?this WHERE {{ ?this a/<{RDFS_SUBCLASS}>* <{cls}> }}"
        for cls in check.target_classes
    ] + list(check.target_selects)
    for query in queries:
        for row in store.query(query, use_default_graph_as_union=True):  # type: ignore[union-attr]
            node = row["this"]
            if isinstance(node, ox.NamedNode | ox.BlankNode):
                found.setdefault(str(node), node)
    return [found[key] for key in sorted(found)]


RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"


def _text(term: object) -> str:
    """A term as pySHACL puts it into a message (rdflib's str())."""
    return str(getattr(term, "value", term))


def _reported(term: object) -> str:
    """A term as graph/build/validate.py reports it: IRIs bare, others in N-Triples."""
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return BNode(term.value).n3()
    if isinstance(term, ox.Literal):
        lang, datatype = term.language, term.datatype
        literal = Literal(term.value, lang=lang, datatype=None if lang else URIRef(datatype.value))
        return literal.n3()
    return str(term)


def _message(template: str, bindings: dict[str, object]) -> str:
    for name, value in bindings.items():
        template = template.replace("{?" + name + "}", _text(value))
        template = template.replace("{$" + name + "}", _text(value))
    return template


def source_files_of(
    store: ox.Store, focus: ox.NamedNode | ox.BlankNode, files: Mapping[str, str]
) -> str | None:
    """The source file(s) whose graphs describe `focus` (hold a statement about it)."""
    graphs = {
        quad.graph_name.value
        for quad in store.quads_for_pattern(focus, None, None)
        if isinstance(quad.graph_name, ox.NamedNode)
    }
    return ", ".join(sorted({files[g] for g in graphs if g in files})) or None


def _mentions_this(node: object) -> bool:
    if isinstance(node, Variable):
        return node == THIS
    if isinstance(node, CompValue):
        return any(_mentions_this(v) for k, v in node.items() if k != "_vars")
    if isinstance(node, list | tuple | set):
        return any(_mentions_this(v) for v in node)
    return False


def _binds_this(node: object) -> bool:
    """Whether every solution of the algebra `node` binds ?this."""
    if not isinstance(node, CompValue):
        return False
    if node.name == "BGP":
        return any(THIS in (t[0], t[2]) for t in node.get("triples") or [])
    if node.name == "Join":
        return _binds_this(node.get("p1")) or _binds_this(node.get("p2"))
    if node.name == "Union":
        return _binds_this(node.get("p1")) and _binds_this(node.get("p2"))
    if node.name == "LeftJoin":
        return _binds_this(node.get("p1"))
    if node.name in {"SelectQuery", "Project", "Filter", "Extend", "Distinct", "Reduced",
                     "Slice", "OrderBy"}:  # fmt: skip
        return _binds_this(node.get("p"))
    return False


def algebra_nodes(node: object) -> list[CompValue]:
    if isinstance(node, CompValue):
        return [node, *(n for k, v in node.items() if k != "_vars" for n in algebra_nodes(v))]
    if isinstance(node, list | tuple):
        return [n for v in node for n in algebra_nodes(v)]
    return []


@lru_cache(maxsize=256)
def algebra_of(query: str) -> CompValue | None:
    """rdflib's algebra of `query` (parsed once a process), or None when rdflib cannot parse
    it (then the check keeps the form that needs no analysis)."""
    try:
        return prepareQuery(query).algebra
    except Exception:
        return None


def whole_store(check: SparqlCheck) -> bool:
    """Whether `check` may run once over the whole store, ?this left free and its solutions
    kept for the focus nodes, instead of once per focus node with $this pre-bound: when a
    required triple pattern at the top of the query binds ?this (so that a FILTER, OPTIONAL
    or EXISTS sees it bound as it would see it pre-bound), with no aggregate, sub-select or
    VALUES, and no BIND that reads or sets ?this (a BIND before the pattern would see it
    unbound)."""
    algebra = algebra_of(check.prefixes + check.select)
    if algebra is None:
        return False
    nodes = algebra_nodes(algebra)
    if any(n.name in {"Group", "AggregateJoin", "ToMultiSet", "values"} for n in nodes):
        return False
    if sum(n.name == "Project" for n in nodes) > 1:
        return False
    if any(n.name == "Extend" and (n.get("var") == THIS or _mentions_this(n.get("expr")))
           for n in nodes):  # fmt: skip
        return False
    return _binds_this(algebra)


# What a query whose WHERE holds only FILTERs may hold, for `joined_select`: no BIND,
# sub-select, VALUES, MINUS, aggregate or SERVICE, in the filters' EXISTS patterns either.
NOT_JOINABLE = frozenset(
    {"Extend", "SubSelect", "ToMultiSet", "values", "InlineData", "Minus", "MinusGraphPattern",
     "Group", "AggregateJoin", "Bind", "ServiceGraphPattern", "Service", "GraphGraphPattern",
     "Graph"}
)  # fmt: skip
WHERE_OPENS = re.compile(r"\s*SELECT\s[^{]*\{", re.IGNORECASE)


def joined_select(check: SparqlCheck) -> str | None:
    """`check`'s query with its focus nodes joined in, when that gives what pre-binding gives:
    its WHERE holds FILTERs only (`$this` read there, in EXISTS or not) and its targets are
    classes. Each solution of the target pattern put first in the WHERE binds ?this alone, so
    the filters see it bound, EXISTS patterns included, as they see `$this` substituted; and
    that pattern is the one `_focus_nodes` selects with. None when not."""
    if check.target_selects or not check.target_classes:
        return None
    algebra = algebra_of(check.prefixes + check.select)
    if algebra is None:
        return None
    project = algebra.get("p")
    where = project.get("p") if isinstance(project, CompValue) else None
    inner = where.get("p") if isinstance(where, CompValue) else None
    if not (isinstance(project, CompValue) and project.name == "Project"
            and isinstance(where, CompValue) and where.name == "Filter"
            and isinstance(inner, CompValue) and inner.name == "BGP"
            and not inner.get("triples")):  # fmt: skip
        return None
    nodes = algebra_nodes(algebra)
    if any(n.name in NOT_JOINABLE for n in nodes) or sum(n.name == "Project" for n in nodes) > 1:
        return None
    opens = WHERE_OPENS.match(check.select)
    if opens is None:
        return None
    targets = " UNION ".join(
        f"{{ ?this a/<{RDFS_SUBCLASS}>* <{cls}> }}" for cls in check.target_classes
    )
    end = opens.end()
    return check.prefixes + check.select[:end] + f" {{ {targets} }}\n" + check.select[end:]


def run(
    checks: Iterable[SparqlCheck],
    store: ox.Store,
    files: Mapping[str, str],
    *,
    whole: bool = True,
) -> list[Violation]:
    """The results of `checks` over `store` (the union of its graphs is the data graph), each
    located by `files` (graph IRI -> source file). With `whole`, a check that allows it runs
    once: over the whole store (`whole_store`), or with its focus nodes joined in
    (`joined_select`); the others run once per focus node."""
    results = []
    where: dict[str, str | None] = {}
    for check in checks:
        joined = joined_select(check) if whole else None
        if whole and whole_store(check):
            keys = partial(_focus_keys, check, store)
            rows = _rows_once(store, check.prefixes + check.select, keys)
        elif joined is not None:
            rows = _rows_once(store, joined, None)
        else:
            rows = _rows_each(check, store, _focus_nodes(check, store))
        for focus, solutions in rows:
            if str(focus) not in where:
                where[str(focus)] = source_files_of(store, focus, files)
            results += [_violation(check, focus, bound, where[str(focus)]) for bound in solutions]
    return results


Solutions = list[dict[str, object]]


def _focus_keys(check: SparqlCheck, store: ox.Store) -> set[str]:
    return {str(f) for f in _focus_nodes(check, store)}


def _distinct(variables: list[str], answer: Iterable[ox.QuerySolution]) -> Solutions:
    """The solutions, each once: a statement in two graphs matches twice in the union of a
    store's graphs, once in the union pySHACL validates."""
    seen: set[tuple[str, ...]] = set()
    found = []
    for row in answer:
        solution = tuple(str(row[name]) for name in variables)
        if solution not in seen:
            seen.add(solution)
            found.append({name: row[name] for name in variables if row[name] is not None})
    return found


def _rows_each(check: SparqlCheck, store: ox.Store, focus_nodes: list[ox.NamedNode | ox.BlankNode]
               ) -> list[tuple[ox.NamedNode | ox.BlankNode, Solutions]]:  # fmt: skip
    prepared = check.prefixes + check.select
    found = []
    for focus in focus_nodes:
        answer = store.query(prepared, use_default_graph_as_union=True,
                             substitutions={ox.Variable("this"): focus})  # fmt: skip
        variables = [v.value for v in answer.variables]  # type: ignore[union-attr]
        found.append((focus, _distinct(variables, answer)))  # type: ignore[arg-type]
    return found


def _rows_once(store: ox.Store, query: str, focus: Callable[[], set[str]] | None
               ) -> list[tuple[ox.NamedNode | ox.BlankNode, Solutions]]:  # fmt: skip
    """The solutions of `query` (run once, ?this free) by their ?this, kept for the focus
    nodes (`focus`, computed only when there is a solution; None: every ?this is one)."""
    answer = store.query(query, use_default_graph_as_union=True)
    variables = [v.value for v in answer.variables]  # type: ignore[union-attr]
    by_focus: dict[str, tuple[ox.NamedNode | ox.BlankNode, list[ox.QuerySolution]]] = {}
    for row in answer:  # type: ignore[union-attr]
        this = row["this"]
        if isinstance(this, ox.NamedNode | ox.BlankNode):
            by_focus.setdefault(str(this), (this, []))[1].append(row)
    kept = focus() if focus is not None and by_focus else None
    return [
        (node, _distinct(variables, rows))
        for key, (node, rows) in sorted(by_focus.items())
        if kept is None or key in kept
    ]


def _violation(check: SparqlCheck, focus: ox.NamedNode | ox.BlankNode, bound: dict[str, object],
               source_file: str | None) -> Violation:  # fmt: skip
    bound.setdefault("this", focus)
    value = bound.get("value", focus)
    path = bound.get("path")
    messages = sorted(_message(m, bound) for m in check.messages)
    return Violation(
        severity=check.severity,
        focus_node=_reported(focus),
        path=_reported(path) if path is not None else None,
        value=_reported(value),
        message=" / ".join(messages) or "(the shape has no sh:message)",
        source_shape=check.shape,
        source_file=source_file,
    )


THIS = Variable("this")


def store_of_lines(
    lines: Iterable[str], path: Path | None = None, through: Path | None = None
) -> ox.Store:
    """An Oxigraph store of N-Quads `lines` (on disk in the new folder `path` when given,
    else in memory), blank nodes keeping their labels (results name them as the lines do),
    loaded through the file `through` when given (`add_lines`). On disk, the store is
    optimised (compacted) once loaded: the constraints then read it many times."""
    store = ox.Store() if path is None else ox.Store(str(path))
    add_lines(store, lines, through)
    return optimized(store) if path is not None else store


def optimized(store: ox.Store) -> ox.Store:
    """`store` (on disk) compacted and flushed."""
    store.optimize()
    store.flush()
    return store


class _LinesReader(io.RawIOBase):
    """N-Quads `lines` as a binary stream, encoded a batch of lines at a time: one
    `bulk_load` reads them all without their text being held at once."""

    def __init__(self, lines: Iterable[str], batch: int = 10_000) -> None:
        self._lines = iter(lines)
        self._batch = batch
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            chunk = list(islice(self._lines, self._batch))
            if not chunk:
                return 0
            self._pending = memoryview(("\n".join(chunk) + "\n").encode("utf-8"))
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def add_lines(store: ox.Store, lines: Iterable[str], through: Path | None = None) -> None:
    """Add N-Quads `lines` to `store`, blank nodes keeping their labels: the lines without
    "_:" in one `bulk_load` (parsed in Oxigraph, which would relabel blank nodes; one call:
    a call per chunk of lines left the store in as many overlapping runs of files for every
    query to look through), the others parsed into quads first (`bulk_extend` keeps
    labels). Either way the same quads. With `through`, `bulk_load` reads that file, the
    lines written to it first (Oxigraph parses a file in parallel, a stream in one thread),
    and the blank nodes' lines are appended after: it is left holding every non-empty line."""
    blank: list[str] = []

    def plain() -> Iterator[str]:
        for line in lines:
            if "_:" in line:
                blank.append(line)
            else:
                yield line

    if through is not None:
        write_lines(plain(), through)
        load_file(store, through, blank)
        return
    stream = io.BufferedReader(_LinesReader(plain()), buffer_size=1 << 20)
    store.bulk_load(stream, format=ox.RdfFormat.N_QUADS)
    if blank:
        store.bulk_extend(parse_lines(blank))


def check_store(
    store: ox.Store, release: Release, checks: Sequence[SparqlCheck] | None = None
) -> list[Violation]:
    """The shapes' SPARQL constraints (`checks`, default: the project's) over `store`, which
    holds `release` (the union of its graphs is the data graph), each result naming the
    source file(s) of its focus node."""
    if checks is None:
        checks = split(read_shapes())[1]
    files = {str(graph): name for graph, name in release.files.items()}
    steps = progress.each(checks, "SPARQL constraints", unit="constraints")
    return run(steps, store, files)


def read_shapes(path: Path = paths.SHAPES_FILE) -> Graph:
    """The project's shapes (shapes/prospectus-shapes.ttl)."""
    graph = Graph()
    parse_into(graph, path)
    return graph
