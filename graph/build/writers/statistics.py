"""What a version holds, counted at build time: the statistics the dataset description
(graph/read/dataset_description.py) states as VoID, and when each resource last changed.

`write_statistics` (a writer of the build) stores the counts in the manifest under
"statistics" (triples, entities, class and property partitions, one subset per named graph,
temporal and spatial coverage, subject areas, examples, vocabularies, URI space), and
writes `resources.json`: each resource's digest and the time it last changed, carried over
from the previous version while the digest stays the same (the sitemap's lastmod).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from itertools import groupby
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from ...iris import EU_COUNTRY, PRO
from ...store.sorted_nquads import SortedNQuads
from ...versions import STORE_DIR
from ..context import BuildContext
from .statistics_update import (
    _PLAIN,
    EXAMPLE_LIMIT,
    RESOURCES_FILE,
    TEMPORAL_PROPERTIES,
    _labels,
    _namespace,
    _period,
    adjusted_statistics,
    basis_of,
    merge_resources,
    resource_digest,
    write_basis,
)


def _iri(term: Any) -> str | None:
    return term.value if isinstance(term, ox.NamedNode) else None


def _subject_runs(quads_file: SortedNQuads) -> Iterator[tuple[Any, list[ox.Quad]]]:
    """The file's quads one subject at a time (a sorted file keeps a subject's lines together)."""
    for subject, run in groupby(quads_file.quads(), key=lambda q: q.subject):
        yield subject, list(run)


def compute_statistics(
    quads_file: SortedNQuads,
    store: ox.Store,
    base_iri: str,
    each_run: Callable[[Any, list[ox.Quad]], None] | None = None,
    area_labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Counts and coverage of one version, as JSON-serialisable values: one streaming pass
    over the sorted N-Quads (terms as written; each subject's triples are distinct within
    its run of lines), then a lookup of the few labels the counts name. Distinct IRIs,
    blank nodes and strings among the objects are counted by the store, in a thread during
    the pass. `each_run` is given
    each subject's quads on the way (the resource digests are made in the same pass);
    `area_labels` is given each subject area's IRI and label ("" for none)."""
    rdf_type = ox.NamedNode(str(RDF.type))
    label_props = {str(RDFS.label), str(SKOS.prefLabel), str(DCTERMS.title)}
    temporal = {str(p) for p in TEMPORAL_PROPERTIES}
    country_prop = "http://schema.org/addressCountry"
    area_prop = str(PRO.sourceSubjectArea)
    programme_class = str(PRO.StudyProgramme)
    triples = subjects = entities = quads = 0
    predicates: Counter[str] = Counter()
    classes: Counter[str] = Counter()
    graphs: Counter[str] = Counter()
    start: date | None = None
    end: date | None = None
    countries: set[str] = set()
    areas: set[str] = set()
    examples: list[str] = []  # the smallest programme IRIs, kept sorted
    typed: set[int] = set()  # typed literal objects other than strings, as written (hashed)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the store counts in a thread of its own (it lets go of the GIL) during the pass
        counted = pool.submit(_distinct_objects, store, set())
        for subject, run in _subject_runs(quads_file):
            if each_run is not None:
                each_run(subject, run)
            quads += len(run)
            for q in run:
                name = _iri(q.graph_name)
                if name:
                    graphs[name] += 1
            distinct = {q.triple for q in run}
            triples += len(distinct)
            subjects += 1
            if isinstance(subject, ox.NamedNode) and subject.value.startswith(base_iri):
                entities += 1
            for t in distinct:
                predicate = t.predicate.value
                predicates[predicate] += 1
                obj = t.object
                if isinstance(obj, ox.Literal) and obj.datatype.value not in _PLAIN:
                    typed.add(_short_hash(str(obj)))
                if t.predicate == rdf_type and isinstance(obj, ox.NamedNode):
                    classes[obj.value] += 1
                    if obj.value == programme_class and isinstance(subject, ox.NamedNode):
                        examples = sorted({*examples, subject.value})[:EXAMPLE_LIMIT]
                elif predicate in temporal and isinstance(obj, ox.Literal):
                    span = _period(obj.value, obj.datatype.value)
                    if span:
                        start = span[0] if start is None else min(start, span[0])
                        end = span[1] if end is None else max(end, span[1])
                elif predicate == country_prop and isinstance(obj, ox.NamedNode):
                    if obj.value.startswith(str(EU_COUNTRY)):
                        countries.add(obj.value)
                elif predicate == area_prop and isinstance(obj, ox.NamedNode):
                    areas.add(obj.value)
        distinct_objects = counted.result() + len(typed)
    labels = _labels(quads_file, {*graphs, *countries, *areas}, label_props)
    if area_labels is not None:
        area_labels.update({a: labels.get(a, "") for a in sorted(areas)})
    vocabularies = sorted({_namespace(p) for p in predicates} | {_namespace(c) for c in classes})
    return {
        "triples": triples,
        "quads": quads,
        "entities": entities,
        "distinct_subjects": subjects,
        "distinct_objects": distinct_objects,
        "properties": len(predicates),
        "classes": len(classes),
        "class_partitions": dict(sorted(classes.items())),
        "property_partitions": dict(sorted(predicates.items())),
        "graphs": {g: {"triples": n, "label": labels.get(g)} for g, n in sorted(graphs.items())},
        "temporal": [start.isoformat(), end.isoformat()] if start and end else None,
        "countries": {c: labels.get(c, c.rsplit("/", 1)[-1]) for c in sorted(countries)},
        "subject_areas": sorted({labels.get(a, "") for a in areas} - {""}),
        "examples": examples,
        "vocabularies": vocabularies,
        "uri_space": base_iri,
    }


def _short_hash(text: str) -> int:
    """64 bits of a term's digest: a set of millions stays small, and a collision among
    millions has odds of about one in a million."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def _distinct_objects(store: ox.Store, typed: set[int]) -> int:
    """Distinct objects: IRIs, blank nodes and strings counted by the store, and `typed`,
    the other literals as written (the store would count "120.0" and "120" once)."""
    query = (
        "SELECT (COUNT(DISTINCT ?o) AS ?n) "
        "WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } "
        f"FILTER(!isLiteral(?o) || datatype(?o) IN (<{_PLAIN[0]}>, <{_PLAIN[1]}>)) }}"
    )
    for row in cast(ox.QuerySolutions, store.query(query)):
        return int(cast(ox.Literal, row["n"]).value) + len(typed)
    return len(typed)


def resource_digests(quads_file: SortedNQuads, base_iri: str) -> Iterator[tuple[str, str]]:
    """Each data resource (subject under the base) -> SHA-256 of its sorted quads, streamed."""
    for subject, run in _subject_runs(quads_file):
        if isinstance(subject, ox.NamedNode) and subject.value.startswith(base_iri):
            yield subject.value, resource_digest(run)


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

        def each_run(subject: Any, run: list[ox.Quad]) -> None:
            nonlocal separator
            if not (isinstance(subject, ox.NamedNode) and subject.value.startswith(base_iri)):
                return
            digest = resource_digest(run)
            old = before.get(subject.value)
            modified = old[1] if old is not None and old[0] == digest else created
            entry = json.dumps({"modified": modified, "sha256": digest}, sort_keys=True)
            out.write(f"{separator}{json.dumps(subject.value)}: {entry}")
            separator = ",\n"

        with SortedNQuads(ctx.nquads_path) as quads_file:
            ctx.manifest["statistics"] = compute_statistics(
                quads_file, ctx.store, base_iri, each_run, areas
            )
        out.write("{}\n" if separator == "{\n" else "\n}\n")
    write_basis(ctx.path, "counted", areas)
