"""What a version holds, counted at build time: the statistics the dataset description
(graph/read/dataset_description.py) states as VoID, and when each resource last changed.

`write_statistics` (a writer of the build) stores the counts in the manifest under
"statistics" (triples, entities, class and property partitions, one subset per named graph,
temporal and spatial coverage, subject areas, examples, vocabularies, URI space), and
writes `resources.json`: each resource's digest and the time it last changed, carried over
from the previous version while the digest stays the same (the sitemap's lastmod).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from ...iris import EU_COUNTRY, PRO
from ...store.sorted_nquads import SortedNQuads, subject_runs
from ...versions import STORE_DIR
from ..context import BuildContext
from .statistics_update import (
    EXAMPLE_LIMIT,
    RESOURCES_FILE,
    TEMPORAL_PROPERTIES,
    _labels,
    _namespace,
    _period,
    adjusted_statistics,
    basis_of,
    lines_digest,
    merge_resources,
    write_basis,
)

_graph = itemgetter(3)
_triple = itemgetter(1, 2)
_predicate = itemgetter(0)
_object = itemgetter(1)

# How the objects are counted (VoID's distinctObjects): each distinct term once, as
# dataset.nq writes it. pyoxigraph writes every term one way (a string without its datatype,
# an IRI and a language tag as read), so two IRIs, blank nodes or strings are the same term
# exactly when written alike, as the store counts them; another literal is counted as
# written ("120.0" and "120" are two, where the store would count one value). Each is kept
# as its hash (64 bits in this process: a collision among millions is rare), some 70 bytes
# a distinct object (589,359 at 20,000 programmes). It replaces the store's GROUP BY over
# every quad, which at that size took 2 to 6 of the writer's 17 CPU seconds (docs/build.md).


def _iri(term: bytes) -> bool:
    """Whether a term as written is an IRI (not a triple term, `<<(`)."""
    return term[0] == 60 and term[1] != 60  # "<"


def _value(line: bytes) -> ox.Literal | None:
    """The literal object of `line` read by pyoxigraph (its value unescaped)."""
    obj = next(iter(ox.parse(line + b" .", format=ox.RdfFormat.N_QUADS))).object
    return obj if isinstance(obj, ox.Literal) else None


def compute_statistics(
    quads_file: SortedNQuads,
    base_iri: str,
    each_run: Callable[[str, list[bytes]], None] | None = None,
    area_labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Counts and coverage of one version, as JSON-serialisable values: one streaming pass
    over the lines of the sorted N-Quads (terms as written; each subject's triples are
    distinct within its run of lines), then a lookup of the few labels the counts name.
    The distinct objects are counted as written (the note at `_object`). `each_run` is given
    each resource's IRI (a subject under the base) and its lines without " ." on the way (the
    resource digests are made in the same pass); `area_labels` is given each subject area's
    IRI and label ("" for none)."""
    rdf_type = f"<{RDF.type}>".encode()
    temporal = {f"<{p}>".encode() for p in TEMPORAL_PROPERTIES}
    country_prop = b"<http://schema.org/addressCountry>"
    area_prop = f"<{PRO.sourceSubjectArea}>".encode()
    programme_class = f"<{PRO.StudyProgramme}>".encode()
    eu_country = f"<{EU_COUNTRY}".encode()
    base = f"<{base_iri}".encode()
    looked_at = {rdf_type, *temporal, country_prop, area_prop}
    triples = subjects = entities = quads = 0
    predicates: Counter[bytes] = Counter()
    classes: Counter[bytes] = Counter()
    graphs: Counter[bytes | None] = Counter()
    start: date | None = None
    end: date | None = None
    countries: set[bytes] = set()
    areas: set[bytes] = set()
    examples: list[str] = []  # the smallest programme IRIs, kept sorted
    objects: set[int] = set()  # the distinct objects' hashes (at `_object`)
    for subject, lines, terms in subject_runs(quads_file.path):
        entity = subject.startswith(base)
        if entity and each_run is not None:
            each_run(subject[1:-1].decode(), lines)
        quads += len(lines)
        graphs.update(map(_graph, terms))
        distinct = dict(zip(map(_triple, terms), lines, strict=True))
        triples += len(distinct)
        subjects += 1
        entities += entity
        predicates.update(map(_predicate, distinct))
        objects.update(map(hash, map(_object, distinct)))
        for (predicate, obj), line in distinct.items():
            if predicate not in looked_at:
                continue
            if predicate == rdf_type and _iri(obj):
                classes[obj] += 1
                if obj == programme_class and _iri(subject):
                    examples = sorted({*examples, subject[1:-1].decode()})[:EXAMPLE_LIMIT]
            elif predicate in temporal and obj[0] == 34:
                literal = _value(line)
                span = literal and _period(literal.value, literal.datatype.value)
                if span:
                    start = span[0] if start is None else min(start, span[0])
                    end = span[1] if end is None else max(end, span[1])
            elif predicate == country_prop and obj.startswith(eu_country):
                countries.add(obj)
            elif predicate == area_prop and _iri(obj):
                areas.add(obj)
    distinct_objects = len(objects)
    graph_iris = {g[1:-1].decode(): n for g, n in graphs.items() if g is not None and _iri(g)}
    names = {*graph_iris} | {o[1:-1].decode() for o in (*countries, *areas)}
    labels = _labels(quads_file, names, {str(RDFS.label), str(SKOS.prefLabel), str(DCTERMS.title)})
    area_iris = sorted(a[1:-1].decode() for a in areas)
    if area_labels is not None:
        area_labels.update({a: labels.get(a, "") for a in area_iris})
    property_iris = {p[1:-1].decode(): n for p, n in predicates.items()}
    class_iris = {c[1:-1].decode(): n for c, n in classes.items()}
    country_iris = sorted(c[1:-1].decode() for c in countries)
    vocabularies = sorted(
        {_namespace(p) for p in property_iris} | {_namespace(c) for c in class_iris}
    )
    return {
        "triples": triples,
        "quads": quads,
        "entities": entities,
        "distinct_subjects": subjects,
        "distinct_objects": distinct_objects,
        "properties": len(property_iris),
        "classes": len(class_iris),
        "class_partitions": dict(sorted(class_iris.items())),
        "property_partitions": dict(sorted(property_iris.items())),
        "graphs": {
            g: {"triples": n, "label": labels.get(g)} for g, n in sorted(graph_iris.items())
        },
        "temporal": [start.isoformat(), end.isoformat()] if start and end else None,
        "countries": {c: labels.get(c, c.rsplit("/", 1)[-1]) for c in country_iris},
        "subject_areas": sorted({labels.get(a, "") for a in area_iris} - {""}),
        "examples": examples,
        "vocabularies": vocabularies,
        "uri_space": base_iri,
    }


def read_resources(version_dir: Path) -> dict[str, dict[str, str]]:
    try:
        return json.loads((version_dir / RESOURCES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _previous_resources(version_dir: Path) -> dict[str, tuple[str, str]]:
    """A previous version's resources.json as IRI -> (sha256, modified): half the memory of
    one dict per resource."""

    def pairs(items: list[tuple[str, Any]]) -> Any:
        record = dict(items)
        if set(record) == {"sha256", "modified"} and isinstance(record["sha256"], str):
            return (record["sha256"], record["modified"])
        return record

    try:
        with (version_dir / RESOURCES_FILE).open(encoding="utf-8") as fh:
            found = json.load(fh, object_pairs_hook=pairs)
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def write_statistics(ctx: BuildContext) -> None:
    """Writer: manifest["statistics"] and resources.json (when each resource last changed):
    after a small change, adjusted from the previous version's (statistics_update.py),
    else in one pass over the version's sorted N-Quads; resources.json is written as the
    resources come (one per line, in the file's order), never held whole."""
    if not _adjusted(ctx):
        _counted(ctx)


def _adjusted(ctx: BuildContext) -> bool:
    """The statistics adjusted from the previous version's, when it allows (True)."""
    previous = ctx.previous
    if previous is None or not (previous.path / STORE_DIR).is_dir():
        return False
    basis = basis_of(previous.path, previous.manifest, ctx.base_iri)
    changed = ctx.changed_lines if basis is not None else None
    if basis is None or changed is None:
        return False
    old_store = ox.Store.read_only(str(previous.path / STORE_DIR))
    try:
        found = adjusted_statistics(
            previous.manifest["statistics"],
            basis,
            changed,
            old_store,
            (ctx.quads_file, ctx.store),
            ctx.base_iri,
        )
    finally:
        del old_store  # closed before later writers fork
    if found is None:
        return False
    statistics, areas, subjects = found
    merge_resources(
        previous.path / RESOURCES_FILE,
        ctx.path / RESOURCES_FILE,
        subjects,
        ctx.quads_file,
        ctx.base_iri,
        ctx.manifest["created"],
    )
    ctx.manifest["statistics"] = statistics
    write_basis(ctx.path, "adjusted", areas)
    return True


def _counted(ctx: BuildContext) -> None:
    base_iri, created = ctx.base_iri, ctx.manifest["created"]
    before = _previous_resources(ctx.previous.path) if ctx.previous else {}
    areas: dict[str, str] = {}
    with (ctx.path / RESOURCES_FILE).open("w", encoding="utf-8") as out:
        separator = "{\n"

        def each_run(iri: str, lines: list[bytes]) -> None:
            nonlocal separator
            digest = lines_digest(lines)
            old = before.get(iri)
            modified = old[1] if old is not None and old[0] == digest else created
            entry = json.dumps({"modified": modified, "sha256": digest}, sort_keys=True)
            out.write(f"{separator}{json.dumps(iri)}: {entry}")
            separator = ",\n"

        with SortedNQuads(ctx.nquads_path) as quads_file:
            ctx.manifest["statistics"] = compute_statistics(quads_file, base_iri, each_run, areas)
        out.write("{}\n" if separator == "{\n" else "\n}\n")
    write_basis(ctx.path, "counted", areas)
