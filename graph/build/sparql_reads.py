"""What a SPARQL constraint can read, from rdflib's algebra of its queries, so that a rebuild
runs again only the constraints a change can reach (graph/build/checks_results.py).

Two properties, both decided conservatively (None / False when the algebra holds anything
not understood here):

- `reads(check)`: the keys of the statements its queries (the constraint's and the target's)
  can match: the predicate IRIs of their triple patterns and paths, and for `rdf:type` the
  class (`type <C>`; `type *` when the class is a variable). A statement whose key is not
  among them matches no triple pattern, so adding or removing it changes no solution of the
  query: the constraint's results are the same. None when a pattern's predicate is a
  variable or a negated property set, or the query names graphs.
- `local(check)`: every triple pattern of its queries has `?this` as subject or object and
  a predicate (no path, which reads the nodes it goes through), and every sub-select
  projects `?this`: the results for one focus node, and whether it is one,
  then depend only on the statements that mention that node (`check_results` evaluates such
  a constraint again only for the nodes the changed statements mention).

A class target reads every `rdf:type` statement (an instance of any subclass of its class is
one of its focus nodes) and every `rdfs:subClassOf` statement.
"""

from __future__ import annotations

from rdflib import URIRef, Variable
from rdflib.namespace import RDF, RDFS
from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath
from rdflib.plugins.sparql.parserutils import CompValue

from .sparql_checks import SparqlCheck, algebra_nodes, algebra_of

ANY_TYPE = "type *"
SUBCLASS = str(RDFS.subClassOf)
THIS = Variable("this")
_OPAQUE = frozenset({"Graph", "GraphGraphPattern", "ServiceGraphPattern", "Service"})


def type_key(cls: str) -> str:
    return f"type {cls}"


def statement_key(predicate: str, obj: str) -> str:
    """The key of a statement (`obj`: its object's IRI, or any text for another term), as
    `reads` names what a query can match."""
    return type_key(obj) if predicate == str(RDF.type) else predicate


def can_match(read: frozenset[str], keys: frozenset[str]) -> bool:
    """Whether a statement with one of `keys` can match a pattern of a query that reads
    `read`."""
    if read & keys:
        return True
    return ANY_TYPE in read and any(k.startswith("type ") for k in keys)


def _path(path: object) -> set[str] | None:
    """The predicates a property path can follow (None: any, or not understood)."""
    if isinstance(path, URIRef):
        return {str(path)}
    if isinstance(path, SequencePath | AlternativePath):
        found: set[str] = set()
        for part in path.args:
            more = _path(part)
            if more is None:
                return None
            found |= more
        return found
    if isinstance(path, InvPath):
        return _path(path.arg)
    if isinstance(path, MulPath):
        return _path(path.path)
    return None


def _triples(node: CompValue) -> list[tuple[object, object, object]]:
    """The triple patterns a node of the algebra holds (BGPs, and the parse form that
    EXISTS patterns keep)."""
    if node.name == "BGP":
        return [tuple(t) for t in node.get("triples") or []]  # type: ignore[misc]
    if node.name == "TriplesBlock":
        found = []
        for run in node.get("triples") or []:
            found += [tuple(run[i : i + 3]) for i in range(0, len(run) - 2, 3)]
        return found  # type: ignore[return-value]
    return []


def _patterns(query: str) -> tuple[list[CompValue], list[tuple[object, object, object]]] | None:
    algebra = algebra_of(query)
    if algebra is None:
        return None
    nodes = algebra_nodes(algebra)
    if any(n.name in _OPAQUE for n in nodes):
        return None
    return nodes, [t for n in nodes for t in _triples(n)]


def queries(check: SparqlCheck) -> list[str]:
    """The constraint's SELECT and its SPARQL targets', with their prefixes."""
    return [check.prefixes + check.select, *check.target_selects]


def reads(check: SparqlCheck) -> frozenset[str] | None:
    """The statement keys `check` can read (module doc), or None: any statement."""
    found: set[str] = set()
    if check.target_classes:  # `?this a/rdfs:subClassOf* C`: a type of any subclass
        found |= {ANY_TYPE, SUBCLASS}
    for query in queries(check):
        read = query_reads(query)
        if read is None:
            return None
        found |= read
    return frozenset(found)


def query_reads(query: str) -> frozenset[str] | None:
    """The statement keys the triple patterns and paths of `query` (a SELECT with its
    prefixes) can match, or None: any statement."""
    parsed = _patterns(query)
    if parsed is None:
        return None
    found: set[str] = set()
    for _s, predicate, obj in parsed[1]:
        if predicate == RDF.type:
            found.add(type_key(str(obj)) if isinstance(obj, URIRef) else ANY_TYPE)
            continue
        followed = _path(predicate)
        if followed is None:
            return None
        found |= followed
        if str(RDF.type) in followed:
            found.add(ANY_TYPE)
    return frozenset(found)


def predicates(keys: frozenset[str]) -> frozenset[str]:
    """The predicate IRIs of statement keys (a type key's is rdf:type)."""
    return frozenset(str(RDF.type) if key.startswith("type ") else key for key in keys)


def _projects_this(node: CompValue) -> bool:
    return THIS in (node.get("PV") or [])


def local(check: SparqlCheck) -> bool:
    """Whether `check`'s results for a node depend only on the statements mentioning it
    (module doc). A class target is local but for its subclass statements, which
    `check_results` treats as touching every node."""
    for query in queries(check):
        parsed = _patterns(query)
        if parsed is None:
            return False
        nodes, triples = parsed
        if any(THIS not in (s, o) for s, _p, o in triples):
            return False
        if any(not isinstance(p, URIRef | Variable) for _s, p, _o in triples):
            return False  # a path reads the statements of the nodes it goes through
        projects = [n for n in nodes if n.name == "Project"]
        if any(not _projects_this(n) for n in projects):
            return False
    return True
