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
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from ...iris import EU_COUNTRY, PRO
from ..context import BuildContext

RESOURCES_FILE = "resources.json"
EXAMPLE_LIMIT = 5
# Where temporal coverage is read from: intake starts, deadlines, the pages' own dates.
TEMPORAL_PROPERTIES = (PRO.startDate, PRO.date, DCTERMS.modified)


def _iri(term: Any) -> str | None:
    return term.value if isinstance(term, ox.NamedNode) else None


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def _period(value: str, datatype: str) -> tuple[date, date] | None:
    """The first and last day a date-like literal covers."""
    xsd = str(XSD)
    try:
        if datatype in (xsd + "date", xsd + "dateTime"):
            day = date.fromisoformat(value[:10])
            return day, day
        if datatype == xsd + "gYearMonth":
            year, month = int(value[:4]), int(value[5:7])
            nxt = date(year + month // 12, month % 12 + 1, 1)
            return date(year, month, 1), date.fromordinal(nxt.toordinal() - 1)
        if datatype == xsd + "gYear":
            year = int(value[:4])
            return date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        return None
    return None


def compute_statistics(dataset: ox.Dataset, base_iri: str) -> dict[str, Any]:
    """Counts and coverage of one version, as JSON-serialisable values."""
    triples = {q.triple for q in dataset}
    subjects = {t.subject for t in triples}
    objects = {t.object for t in triples}
    predicates = Counter(str(t.predicate.value) for t in triples)
    rdf_type = ox.NamedNode(str(RDF.type))
    class_members: dict[str, set[Any]] = defaultdict(set)
    for t in triples:
        if t.predicate == rdf_type and isinstance(t.object, ox.NamedNode):
            class_members[t.object.value].add(t.subject)
    graphs: Counter[str] = Counter()
    for q in dataset:
        name = _iri(q.graph_name)
        if name:
            graphs[name] += 1
    labels: dict[str, str] = {}
    label_props = {str(RDFS.label), str(SKOS.prefLabel), str(DCTERMS.title)}
    for t in triples:
        if (
            t.predicate.value in label_props
            and isinstance(t.object, ox.Literal)
            and t.object.language in (None, "en")
            and isinstance(t.subject, ox.NamedNode)
        ):
            labels.setdefault(t.subject.value, t.object.value)
    start: date | None = None
    end: date | None = None
    temporal = {str(p) for p in TEMPORAL_PROPERTIES}
    for t in triples:
        if t.predicate.value in temporal and isinstance(t.object, ox.Literal):
            span = _period(t.object.value, t.object.datatype.value)
            if span:
                start = span[0] if start is None else min(start, span[0])
                end = span[1] if end is None else max(end, span[1])
    country_prop = "http://schema.org/addressCountry"
    countries = sorted(
        {
            t.object.value
            for t in triples
            if t.predicate.value == country_prop
            and isinstance(t.object, ox.NamedNode)
            and t.object.value.startswith(str(EU_COUNTRY))
        }
    )
    subject_areas = sorted(
        {
            labels.get(t.object.value, "")
            for t in triples
            if t.predicate.value == str(PRO.sourceSubjectArea)
            and isinstance(t.object, ox.NamedNode)
        }
        - {""}
    )
    examples = sorted(
        s.value
        for s in class_members.get(str(PRO.StudyProgramme), ())
        if isinstance(s, ox.NamedNode)
    )[:EXAMPLE_LIMIT]
    vocabularies = sorted(
        {_namespace(p) for p in predicates} | {_namespace(c) for c in class_members}
    )
    return {
        "triples": len(triples),
        "quads": len(dataset),
        "entities": sum(
            1 for s in subjects if isinstance(s, ox.NamedNode) and s.value.startswith(base_iri)
        ),
        "distinct_subjects": len(subjects),
        "distinct_objects": len(objects),
        "properties": len(predicates),
        "classes": len(class_members),
        "class_partitions": {c: len(m) for c, m in sorted(class_members.items())},
        "property_partitions": dict(sorted(predicates.items())),
        "graphs": {g: {"triples": n, "label": labels.get(g)} for g, n in sorted(graphs.items())},
        "temporal": [start.isoformat(), end.isoformat()] if start and end else None,
        "countries": {c: labels.get(c, c.rsplit("/", 1)[-1]) for c in countries},
        "subject_areas": subject_areas,
        "examples": examples,
        "vocabularies": vocabularies,
        "uri_space": base_iri,
    }


def resource_digests(dataset: ox.Dataset, base_iri: str) -> dict[str, str]:
    """Each data resource (subject under the base) -> SHA-256 of its sorted quads."""
    lines: dict[str, list[str]] = defaultdict(list)
    for q in dataset:
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(base_iri):
            lines[q.subject.value].append(str(q))
    return {
        s: hashlib.sha256("\n".join(sorted(ls)).encode()).hexdigest()
        for s, ls in sorted(lines.items())
    }


def read_resources(version_dir: Path) -> dict[str, dict[str, str]]:
    try:
        return json.loads((version_dir / RESOURCES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_statistics(ctx: BuildContext) -> None:
    """Writer: manifest["statistics"] and resources.json (when each resource last changed)."""
    dataset, base_iri = ctx.dataset, ctx.base_iri
    ctx.manifest["statistics"] = compute_statistics(dataset, base_iri)
    before = read_resources(ctx.previous.path) if ctx.previous else {}
    resources = {}
    for iri, digest in resource_digests(dataset, base_iri).items():
        old = before.get(iri)
        same = old is not None and old.get("sha256") == digest
        resources[iri] = {
            "sha256": digest,
            "modified": old["modified"] if old is not None and same else ctx.manifest["created"],
        }
    (ctx.path / RESOURCES_FILE).write_text(
        json.dumps(resources, indent=0, sort_keys=True) + "\n", encoding="utf-8"
    )
