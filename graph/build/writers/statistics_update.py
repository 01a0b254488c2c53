"""The statistics of a version adjusted from the previous version's after a small change
(graph/build/writers/statistics.py counts them in a pass over the whole file otherwise).

Most counts are sums over distinct triples (triples, the class and property partitions),
subjects (subjects, entities) or quads (quads, the triples of each named graph). A triple or
a subject counts in a version when a line of it is there: a changed line (added or removed)
or a line the change left alone, which both versions hold and the new dataset.nq shows
(the changed subjects' lines, found by binary search, less the added ones). So the previous
count, less what no longer counts, plus what counts now, is the count of a full pass. The
others are kept exact this way:

- distinct objects: each object term of a changed line counts one less when it was an
  object in the previous version and is none now, one more the other way round; IRIs and
  strings are looked up in each version's store (the full pass counts them there), other
  literals as written: the store finds the quads whose object has the same value, and the
  version's dataset.nq says whether one of them writes it the same way;
- the temporal coverage grows with the periods added; a removed period at either end of it
  takes the full pass;
- the countries and subject areas: a value added is one, a value removed stays while the new
  store still states it; the labels of a graph, country or area are read again when its own
  description changed;
- the examples (the five smallest programme IRIs): the new store is asked again when one of
  them is no programme any more.

A changed line with a blank-node object (the stores label blank nodes their own way), a
literal whose same-valued quads that could tell have blank-node subjects, or a previous
version counted by other code takes the full pass (`adjusted_statistics` returns None).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from ...iris import EU_COUNTRY, PRO
from ...store.sorted_nquads import SortedNQuads

RESOURCES_FILE = "resources.json"
EXAMPLE_LIMIT = 5
# Where temporal coverage is read from: intake starts, deadlines, the pages' own dates.
TEMPORAL_PROPERTIES = (PRO.startDate, PRO.date, DCTERMS.modified)


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


def _labels(quads_file: SortedNQuads, iris: set[str], label_props: set[str]) -> dict[str, str]:
    """The label of each of `iris` that has one (English or no language; the first in
    code-point order when there are several)."""
    labels: dict[str, str] = {}
    for iri in iris:
        found = [
            q.object
            for q in quads_file.describe(ox.NamedNode(iri))
            if q.predicate.value in label_props
            and isinstance(q.object, ox.Literal)
            and q.object.language in (None, "en")
        ]
        if found:
            labels[iri] = min(found, key=str).value
    return labels


_PLAIN = ("http://www.w3.org/2001/XMLSchema#string", str(RDF.langString))


def resource_digest(run: list[ox.Quad]) -> str:
    """SHA-256 of a resource's sorted quads."""
    return lines_digest([str(q).encode() for q in run])


def lines_digest(lines: list[bytes]) -> str:
    """SHA-256 of a resource's sorted quads, given as their N-Quads lines without " ."
    (a quad's text; UTF-8 keeps the code-point order)."""
    return hashlib.sha256(b"\n".join(sorted(lines))).hexdigest()


# Next to manifest.json in a version's folder: what its statistics were counted by and from.
BASIS_FILE = "statistics-basis.json"
CODE = hashlib.sha256(
    Path(__file__).read_bytes() + Path(__file__).with_name("statistics.py").read_bytes()
).hexdigest()[:16]
_TYPE = str(RDF.type)
_COUNTRY = "http://schema.org/addressCountry"
_AREA = str(PRO.sourceSubjectArea)
_PROGRAMME = str(PRO.StudyProgramme)
_LABELS = {str(RDFS.label), str(SKOS.prefLabel), str(DCTERMS.title)}
_TEMPORAL = {str(p) for p in TEMPORAL_PROPERTIES}
_CANDIDATES = 1000  # quads looked at for a literal as written before the full pass


class _Full(Exception):
    """The change cannot be counted from the previous version's statistics."""


def _changed(path: Path) -> list[tuple[bytes, ox.Quad]]:
    """The lines of a file of changed lines, each with its quad."""
    lines = path.read_bytes().splitlines()
    quads = list(ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_QUADS)) if lines else []
    if len(quads) != len(lines):
        raise _Full
    return list(zip(lines, quads, strict=True))


def _triple_text(line: bytes, quad: ox.Quad) -> bytes:
    """How the lines of the quad's triple start, in any graph: the line without its graph."""
    graph = b"" if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name).encode()
    end = line.rstrip()
    if not end.endswith(b" .") or not end[:-2].rstrip().endswith(graph):
        raise _Full
    return end[:-2].rstrip()[: len(end[:-2].rstrip()) - len(graph)].rstrip() + b" "


def _present(term: ox.NamedNode | ox.Literal, store: ox.Store) -> bool:
    """Whether the store of a version holds `term` as an object (IRIs and strings: where the
    full pass counts them)."""
    return next(iter(store.quads_for_pattern(None, None, term, None)), None) is not None


def _unchanged_object(
    term: ox.Literal, store: ox.Store, quads_file: SortedNQuads, added: set[bytes]
) -> bool:
    """Whether a line the change left alone writes `term` (a typed literal) as its object,
    as written: the new store finds the quads with the same value, their subjects' lines in
    the new dataset.nq say how they write it."""
    written = str(term).encode()
    undecided = False  # a blank-node subject: the store's label is not the file's
    for looked, quad in enumerate(store.quads_for_pattern(None, None, term, None)):
        if looked >= _CANDIDATES:
            raise _Full
        if not isinstance(quad.subject, ox.NamedNode):
            undecided = True
            continue
        start = f"{quad.subject} {quad.predicate} ".encode() + written + b" "
        if any(
            line.startswith(start) and line not in added for line in quads_file.lines(quad.subject)
        ):
            return True
    if undecided:
        raise _Full
    return False


def _still_stated(store: ox.Store, predicate: str, value: str) -> bool:
    pattern = store.quads_for_pattern(None, ox.NamedNode(predicate), ox.NamedNode(value), None)
    return next(iter(pattern), None) is not None


def _examples(store: ox.Store) -> list[str]:
    query = (
        f"SELECT DISTINCT ?s WHERE {{ {{ ?s a <{_PROGRAMME}> }} UNION "
        f"{{ GRAPH ?g {{ ?s a <{_PROGRAMME}> }} }} FILTER(isIRI(?s)) }} "
        f"ORDER BY STR(?s) LIMIT {EXAMPLE_LIMIT}"
    )
    return [
        cast(ox.NamedNode, row["s"]).value for row in cast(ox.QuerySolutions, store.query(query))
    ]


def adjusted_statistics(
    before: dict[str, Any],
    basis: dict[str, Any],
    changed: tuple[Path, Path],
    old_store: ox.Store,
    new: tuple[SortedNQuads, ox.Store],
    base_iri: str,
) -> tuple[dict[str, Any], dict[str, str], set[str]] | None:
    """The statistics of the new version from the previous version's (`before`, and its
    `basis`: the subject areas' IRIs), the changed lines (added, removed), the previous
    version's store and the new one's dataset.nq and store; with the subject areas' labels
    and the changed subjects' IRIs. None when only the full pass can tell."""
    try:
        return _adjust(before, basis, changed, old_store, new, base_iri)
    except _Full:
        return None


def _adjust(
    before: dict[str, Any],
    basis: dict[str, Any],
    changed: tuple[Path, Path],
    old_store: ox.Store,
    new: tuple[SortedNQuads, ox.Store],
    base_iri: str,
) -> tuple[dict[str, Any], dict[str, str], set[str]]:
    added_lines, removed_lines = (_changed(path) for path in changed)
    added = [q for _, q in added_lines]
    removed = [q for _, q in removed_lines]
    if any(isinstance(q.object, ox.BlankNode) for q in (*added, *removed)):
        raise _Full
    if any(isinstance(q.subject, ox.Triple) for q in (*added, *removed)):
        raise _Full
    new_file, new_store = new
    counts: Counter[str] = Counter(
        {k: before[k] for k in ("triples", "quads", "entities", "distinct_subjects")}
    )
    counts["subjects"] = counts.pop("distinct_subjects")
    counts.update({"p " + p: n for p, n in before["property_partitions"].items()})
    counts.update({"c " + c: n for c, n in before["class_partitions"].items()})
    graphs = Counter({g: v["triples"] for g, v in before["graphs"].items()})
    counts["quads"] += len(added) - len(removed)
    for sign, quads in ((1, added), (-1, removed)):
        for q in quads:
            if isinstance(q.graph_name, ox.NamedNode):
                graphs[q.graph_name.value] += sign
    # A triple counts in a version when a line of it is there: an added (removed) line, or
    # a line the change left alone, which both versions hold.
    added_set = {line for line, _ in added_lines}
    triples: dict[bytes, tuple[ox.Quad, bool, bool]] = {}
    for line, quad in added_lines:
        triples[_triple_text(line, quad)] = (quad, True, False)
    for line, quad in removed_lines:
        text = _triple_text(line, quad)
        quad_, was_added, _ = triples.get(text, (quad, False, False))
        triples[text] = (quad_, was_added, True)
    subject_lines: dict[ox.NamedNode | ox.BlankNode, list[bytes]] = {}
    for text, (quad, in_added, in_removed) in triples.items():
        subject = cast(ox.NamedNode | ox.BlankNode, quad.subject)
        if subject not in subject_lines:
            subject_lines[subject] = new_file.lines(subject)
        if in_added == in_removed:
            continue
        kept = any(
            line.startswith(text) and line not in added_set for line in subject_lines[subject]
        )
        if kept:
            continue
        sign = 1 if in_added else -1
        counts["triples"] += sign
        counts["p " + quad.predicate.value] += sign
        if quad.predicate.value == _TYPE and isinstance(quad.object, ox.NamedNode):
            counts["c " + quad.object.value] += sign
    removed_subjects = {q.subject for q in removed}
    for subject, lines in subject_lines.items():
        now = bool(lines)
        then = subject in removed_subjects or any(line not in added_set for line in lines)
        sign = int(now) - int(then)
        counts["subjects"] += sign
        if isinstance(subject, ox.NamedNode) and subject.value.startswith(base_iri):
            counts["entities"] += sign
    subjects = set(subject_lines)
    distinct = int(before["distinct_objects"])
    added_objects = {q.object for q in added}
    removed_objects = {q.object for q in removed}
    for term in cast(set[ox.NamedNode | ox.Literal], added_objects ^ removed_objects):
        if not isinstance(term, ox.Literal) or term.datatype.value in _PLAIN:
            distinct += int(_present(term, new_store)) - int(_present(term, old_store))
        elif not _unchanged_object(term, new_store, new_file, added_set):
            distinct += 1 if term in added_objects else -1
    # temporal coverage: grows with what is added; a removed end takes the full pass
    span = before["temporal"]
    start = date.fromisoformat(span[0]) if span else None
    end = date.fromisoformat(span[1]) if span else None
    for q in removed:
        if q.predicate.value in _TEMPORAL and isinstance(q.object, ox.Literal):
            period = _period(q.object.value, q.object.datatype.value)
            if period and (period[0] == start or period[1] == end):
                raise _Full
    for q in added:
        if q.predicate.value in _TEMPORAL and isinstance(q.object, ox.Literal):
            period = _period(q.object.value, q.object.datatype.value)
            if period:
                start = period[0] if start is None else min(start, period[0])
                end = period[1] if end is None else max(end, period[1])
    countries = set(before["countries"])
    areas = set(basis["subject_areas"])
    for q in added:
        if isinstance(q.object, ox.NamedNode):
            if q.predicate.value == _COUNTRY and q.object.value.startswith(str(EU_COUNTRY)):
                countries.add(q.object.value)
            elif q.predicate.value == _AREA:
                areas.add(q.object.value)
    for q in removed:
        if isinstance(q.object, ox.NamedNode) and q.predicate.value in (_COUNTRY, _AREA):
            if not _still_stated(new[1], q.predicate.value, q.object.value):
                (countries if q.predicate.value == _COUNTRY else areas).discard(q.object.value)
    examples = list(before["examples"])
    lost = [
        q.subject.value
        for q in removed
        if q.predicate.value == _TYPE
        and isinstance(q.object, ox.NamedNode)
        and q.object.value == _PROGRAMME
        and isinstance(q.subject, ox.NamedNode)
        and q.subject.value in examples
        and not _still_stated_subject(new[1], q.subject)
    ]
    if lost:
        examples = _examples(new[1])
    else:
        gained = {
            q.subject.value
            for q in added
            if q.predicate.value == _TYPE
            and isinstance(q.object, ox.NamedNode)
            and q.object.value == _PROGRAMME
            and isinstance(q.subject, ox.NamedNode)
        }
        examples = sorted({*examples, *gained})[:EXAMPLE_LIMIT]
    # labels: read again for what changed or is new, the others kept
    changed_iris = {s.value for s in subjects if isinstance(s, ox.NamedNode)}
    live_graphs = {g for g, n in graphs.items() if n > 0}
    graph_labels: dict[str, str | None] = {g: v["label"] for g, v in before["graphs"].items()}
    country_labels: dict[str, str] = dict(before["countries"])
    area_labels: dict[str, str] = dict(basis["subject_areas"])
    stale = {
        iri
        for keys, known in (
            (live_graphs, graph_labels),
            (countries, country_labels),
            (areas, area_labels),
        )
        for iri in keys
        if iri in changed_iris or iri not in known
    }
    fresh = _labels(new[0], stale, _LABELS)
    for iri in stale:
        graph_labels[iri] = fresh.get(iri)
        country_labels[iri] = fresh.get(iri, iri.rsplit("/", 1)[-1])
        area_labels[iri] = fresh.get(iri, "")
    predicates = {k[2:]: n for k, n in counts.items() if k.startswith("p ") and n > 0}
    classes = {k[2:]: n for k, n in counts.items() if k.startswith("c ") and n > 0}
    area_names = {a: area_labels[a] for a in areas}
    statistics = {
        "triples": counts["triples"],
        "quads": counts["quads"],
        "entities": counts["entities"],
        "distinct_subjects": counts["subjects"],
        "distinct_objects": distinct,
        "properties": len(predicates),
        "classes": len(classes),
        "class_partitions": dict(sorted(classes.items())),
        "property_partitions": dict(sorted(predicates.items())),
        "graphs": {
            g: {"triples": graphs[g], "label": graph_labels[g]} for g in sorted(live_graphs)
        },
        "temporal": [start.isoformat(), end.isoformat()] if start and end else None,
        "countries": {c: country_labels.get(c) or c.rsplit("/", 1)[-1] for c in sorted(countries)},
        "subject_areas": sorted(set(area_names.values()) - {""}),
        "examples": examples,
        "vocabularies": sorted(
            {_namespace(p) for p in predicates} | {_namespace(c) for c in classes}
        ),
        "uri_space": base_iri,
    }
    return statistics, {a: n for a, n in sorted(area_names.items())}, changed_iris


def _still_stated_subject(store: ox.Store, subject: ox.NamedNode) -> bool:
    pattern = store.quads_for_pattern(subject, ox.NamedNode(_TYPE), ox.NamedNode(_PROGRAMME), None)
    return next(iter(pattern), None) is not None


def _entries(path: Path) -> Iterator[tuple[str, str]]:
    """A resources.json's entries as (IRI, the entry's JSON), in the file's order."""
    decoder = json.JSONDecoder()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n").rstrip(",")
            if line in ("{", "}", "{}", ""):
                continue
            iri, end = decoder.raw_decode(line)
            yield iri, line[end + 2 :]


def merge_resources(
    previous: Path,
    target: Path,
    changed: set[str],
    new: SortedNQuads,
    base_iri: str,
    created: str,
) -> None:
    """resources.json of the new version: the previous version's entries, those of the
    `changed` IRIs made again from the new dataset.nq (gone when it no longer describes
    them), in the order a full pass writes them (the subjects' order in the file)."""

    def key(iri: str) -> str:
        return f"<{iri}>"

    fresh: dict[str, str] = {}
    for iri in changed:
        if not iri.startswith(base_iri):
            continue
        run = new.describe(ox.NamedNode(iri))
        if run:
            fresh[iri] = resource_digest(run)
    pending = sorted(fresh, key=key)
    with target.open("w", encoding="utf-8") as out:
        separator = "{\n"

        def write(iri: str, entry: str) -> None:
            nonlocal separator
            out.write(f"{separator}{json.dumps(iri)}: {entry}")
            separator = ",\n"

        def entry(iri: str, before: str | None) -> str:
            digest = fresh[iri]
            modified = created
            if before is not None:
                record = json.loads(before)
                if record.get("sha256") == digest:
                    modified = record["modified"]
            return json.dumps({"modified": modified, "sha256": digest}, sort_keys=True)

        index = 0
        for iri, text in _entries(previous):
            while index < len(pending) and key(pending[index]) < key(iri):
                write(pending[index], entry(pending[index], None))
                index += 1
            if iri in changed:
                if index < len(pending) and pending[index] == iri:
                    write(iri, entry(iri, text))
                    index += 1
                continue
            write(iri, text)
        for iri in pending[index:]:
            write(iri, entry(iri, None))
        out.write("{}\n" if separator == "{\n" else "\n}\n")


def basis_of(version: Path, manifest: dict[str, Any], base_iri: str) -> dict[str, Any] | None:
    """What a previous version's statistics can be adjusted from (its BASIS_FILE), when
    they were counted by this code under the same base."""
    try:
        basis = json.loads((version / BASIS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(basis, dict) or basis.get("code") != CODE:
        return None
    if manifest.get("statistics", {}).get("uri_space") != base_iri:
        return None
    return basis


def write_basis(version: Path, made: str, areas: dict[str, str]) -> None:
    """BASIS_FILE of a version: the code that counted its statistics, how, and the subject
    areas' IRIs with their labels (the statistics name the labels only)."""
    record = {"code": CODE, "made": made, "subject_areas": areas}
    (version / BASIS_FILE).write_text(json.dumps(record, sort_keys=True) + "\n", encoding="utf-8")
