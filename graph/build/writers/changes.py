"""What changed between two published versions, per named graph, as RDF.

The model (documented in docs/harvesting.md) combines PROV-O
(https://www.w3.org/TR/prov-o/) and the Changeset vocabulary
(https://vocab.org/changeset/, `cs:`), whose reified statements keep the record readable as
plain Turtle or JSON-LD:

    <{base}dataset/prospectus/{v}/changes> a prov:Activity ;       # publishing version v
        prov:used <{base}dataset/prospectus/{previous}> ;
        prov:generated <{base}dataset/prospectus/{v}> ;
        prov:endedAtTime "…"^^xsd:dateTime ;
        dct:hasPart <…/changes/source/pioneer-topuniversities> .
    <…/changes/source/pioneer-topuniversities> a cs:ChangeSet ;
        cs:subjectOfChange <{base}source/pioneer-topuniversities> ;   # the named graph
        cs:createdDate "…"^^xsd:dateTime ;
        cs:changeReason "…"@en ;
        cs:addition [ a rdf:Statement ; rdf:subject … ; rdf:predicate … ; rdf:object … ] ;
        cs:removal  [ a rdf:Statement ; … ] .

One cs:ChangeSet per named graph whose triples differ; a graph that appears or disappears
has only additions or only removals. The first version has no change sets. The difference
is found by one merge walk over the previous and the new dataset.nq (both sorted), so no
version is held in memory; a graph whose difference involves blank nodes is compared whole,
up to blank-node labels (rdflib.compare.graph_diff), so relabelling alone is no change
(graph/build/diff.py; BuildContext.changes). The record is written at build time to
`changes.ttl` in the version's folder and the totals to the manifest under "changes".
"""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from ... import iris
from ...canonical import literals_as_written, oxigraph_triples, turtle
from ...iris import CHANGESET as CS
from ...iris import PROV
from ...versions import Version
from ..context import BuildContext

CHANGES_FILE = "changes.ttl"
CREATOR = "prospectus build"


def record_iri(base_iri: str, version_id: str) -> URIRef:
    return iris.dataset("prospectus", iris.version_slug(version_id), "changes", base=base_iri)


def version_iri(base_iri: str, version_id: str) -> URIRef:
    return iris.dataset("prospectus", iris.version_slug(version_id), base=base_iri)


def _changeset_iri(record: URIRef, graph: str, base_iri: str) -> URIRef:
    local = iris.local_path(graph, base_iri)
    parts = local.split("/") if local else ["graph", iris.slugify(graph)]
    return URIRef(str(record) + "/" + "/".join(iris.slugify(p) for p in parts))


def _statement(g: Graph, changeset: URIRef, link: URIRef, triple: tuple) -> None:
    node = BNode()
    g.add((changeset, link, node))
    g.add((node, RDF.type, RDF.Statement))
    g.add((node, RDF.subject, triple[0]))
    g.add((node, RDF.predicate, triple[1]))
    g.add((node, RDF.object, triple[2]))


def record(
    version_id: str,
    created: str,
    previous_id: str | None,
    changes: dict[str, tuple[Graph, Graph]],
    base_iri: str,
) -> Graph:
    """The change record of one version as an RDF graph."""
    g = Graph()
    g.bind("cs", CS)
    g.bind("prov", PROV)
    g.bind("dct", DCTERMS)
    activity = record_iri(base_iri, version_id)
    when = Literal(created, datatype=XSD.dateTime)
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, PROV.generated, version_iri(base_iri, version_id)))
    g.add((activity, PROV.endedAtTime, when))
    if previous_id is None:
        g.add(
            (activity, RDFS.label, Literal(f"First publication: version {version_id}", lang="en"))
        )
        return g
    g.add(
        (
            activity,
            RDFS.label,
            Literal(f"Changes from version {previous_id} to version {version_id}", lang="en"),
        )
    )
    g.add((activity, PROV.used, version_iri(base_iri, previous_id)))
    for graph, (added, removed) in sorted(changes.items()):
        changeset = _changeset_iri(activity, graph, base_iri)
        g.add((activity, DCTERMS.hasPart, changeset))
        g.add((changeset, RDF.type, CS.ChangeSet))
        g.add((changeset, CS.subjectOfChange, URIRef(graph)))
        g.add((changeset, CS.createdDate, when))
        g.add((changeset, CS.creatorName, Literal(CREATOR)))
        g.add(
            (
                changeset,
                CS.changeReason,
                Literal(
                    f"{len(added)} triple(s) added to and {len(removed)} removed from "
                    f"graph <{graph}>",
                    lang="en",
                ),
            )
        )
        for triple in sorted(added):
            _statement(g, changeset, CS.addition, triple)
        for triple in sorted(removed):
            _statement(g, changeset, CS.removal, triple)
    return g


def read_changes(g: Graph) -> dict[str, tuple[set[tuple], set[tuple]]]:
    """The inverse of `record`: graph IRI -> (added triples, removed triples)."""
    found: dict[str, tuple[set[tuple], set[tuple]]] = {}
    for changeset in g.subjects(RDF.type, CS.ChangeSet):
        graph = str(g.value(changeset, CS.subjectOfChange))
        sets: tuple[set[tuple], set[tuple]] = (set(), set())
        for index, link in enumerate((CS.addition, CS.removal)):
            for st in g.objects(changeset, link):
                sets[index].add(
                    (g.value(st, RDF.subject), g.value(st, RDF.predicate), g.value(st, RDF.object))
                )
        found[graph] = sets
    return found


def write_changes(ctx: BuildContext) -> None:
    """Writer: changes.ttl and manifest["changes"] (per graph: added / removed counts)."""
    previous = ctx.previous
    changes = ctx.changes
    g = record(
        ctx.version_id,
        ctx.manifest["created"],
        previous.id if previous else None,
        changes,
        ctx.base_iri,
    )
    # Written by pyoxigraph: rdflib's Turtle writer turns "80"^^xsd:decimal into 80.0.
    (ctx.path / CHANGES_FILE).write_bytes(turtle(oxigraph_triples(g)))
    ctx.manifest["changes"] = {
        "previous": previous.id if previous else None,
        "added": sum(len(a) for a, _r in changes.values()),
        "removed": sum(len(r) for _a, r in changes.values()),
        "graphs": {
            name: {"added": len(a), "removed": len(r)} for name, (a, r) in sorted(changes.items())
        },
    }


def read_record(version: Version) -> Graph:
    g = Graph()
    path = version.path / CHANGES_FILE
    if path.is_file():
        with literals_as_written():
            g.parse(path, format="turtle")
    return g
