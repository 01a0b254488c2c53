"""What the ELM export chose and derived, recorded in the export itself.

The LOQ shapes are closed, but only for ELM classes: the node {base}dataset/prospectus-elm
(a prov:Entity) carries one pro:QualityNote per value the export selected (one title per
language from the newest source, one duration), derived (date-times, NQF levels, titles of
parts, …) or carried over as the editors' inference, naming the statement, the rule and what
it was made from; `summary_text` says the same in words for a programme's elm:additionalNote.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS
from rdflib.term import Node

from ....iris import ELM, PRO, PROV, vocab
from ....read.text import format_literal, literal_date

INFERRED = vocab("quality-flag", "inferred")
DERIVED = vocab("quality-flag", "derived")
SELECTED = vocab("quality-flag", "selected")
# The rules the export applies, as recorded with each value it chose or derived.
RULE_NEWEST = (
    "One {what} per language: the one stated by the newest source (the page's own "
    "last-updated date, else its capture date, else the day it was read); among equals, "
    "the first in code-point order."
)
RULE_FIRST = "One {what}: the first in code-point order of those the sources state."
RULE_LANGUAGE = (
    "No teaching language is stated: the language of the programme's language requirement."
)
RULE_PART_LANGUAGE = "A part is given the teaching language of its programme."
RULE_DEADLINE = (
    "ELM needs a date-time: a deadline stated as a day becomes 23:59:59 that day, a month "
    "23:59:59 on its last day (no time zone is stated)."
)
RULE_START = (
    "ELM needs a date-time: a start stated as a day or a month becomes 00:00:00 on its first day."
)
RULE_NQF = (
    "The national qualification framework level of the qualification's EQF level in the "
    "country of a provider."
)
RULE_TITLE_FROM_ABBREVIATION = "The qualification has no stated title: its degree abbreviation."
RULE_PART_TITLE = "A part has no title in the sources: it is named from its type, order and host."
RULE_PART_OUTCOME = "A part states no learning outcome: its description is used as one."
RULE_FIELD = (
    "ELM puts the field of education on the qualification: the programme's ISCED-F fields, "
    "as the editors classified them (curation graph)."
)
# How the summary note (elm:additionalNote) names the values derived by each rule.
RULE_WORDS = {
    RULE_LANGUAGE: "the teaching language (the language requirement's)",
    RULE_PART_LANGUAGE: "the parts' teaching language (the programme's)",
    RULE_DEADLINE: "application deadlines as date-times (23:59:59)",
    RULE_START: "the start as a date-time",
    RULE_NQF: "NQF levels (from the EQF level and the providers' countries)",
    RULE_TITLE_FROM_ABBREVIATION: "the qualification's title (its abbreviation)",
    RULE_PART_TITLE: "the parts' titles",
    RULE_PART_OUTCOME: "the parts' learning outcomes (their descriptions)",
    RULE_FIELD: "the fields of education on the qualification",
}


def sorted_nodes(nodes: Iterable[Node]) -> list[Any]:
    return sorted(set(nodes), key=lambda n: (type(n).__name__, str(n)))


def first_node(nodes: Iterable[Node]) -> Any:
    found = sorted_nodes(nodes)
    return found[0] if found else None


def langs(data: Graph, node: Node, prop: URIRef) -> list[Literal]:
    """The language-tagged values of `prop` on `node`, in code-point order."""
    return [
        o for o in sorted_nodes(data.objects(node, prop)) if isinstance(o, Literal) and o.language
    ]


class Choices:
    """The quality notes of one export: `data` is the canonical graph, `out` the export."""

    def __init__(self, data: Graph, out: Graph, export: URIRef):
        self.data = data
        self.out = out
        self.export = export
        self.records: list[BNode] = []

    def add(self, s: Node, p: URIRef, o: Node) -> None:
        self.out.add((s, p, o))

    def record(
        self,
        flag: URIRef,
        statement: tuple[Node, URIRef, Node],
        rule: str,
        made_from: Iterable[Node] = (),
        comment: str | None = None,
    ) -> None:
        """A quality note on one statement of the export (outside the ELM classes)."""
        note = BNode()
        s, p, o = statement
        self.add(self.export, PRO.qualityNote, note)
        self.add(note, RDF.type, PRO.QualityNote)
        self.add(note, DCTERMS.type, flag)
        self.add(note, RDF.subject, s)
        self.add(note, RDF.predicate, p)
        self.add(note, RDF.object, o)
        self.add(note, PRO.rule, Literal(rule, lang="en"))
        for source in sorted_nodes(made_from):
            self.add(note, PROV.wasDerivedFrom, source)
        if comment:
            self.add(note, RDFS.comment, Literal(comment, lang="en"))
        self.records.append(note)

    def inferred_note(self, s: Node, p: URIRef, o: Node) -> Node | None:
        """The editors' inferred note on a statement of the canonical graph, if any."""
        for note in sorted_nodes(self.data.subjects(RDF.object, o)):
            if (
                (note, RDF.subject, s) in self.data
                and (note, RDF.predicate, p) in self.data
                and (note, DCTERMS.type, INFERRED) in self.data
            ):
                return note
        return None

    def carry_inferred(self, source: tuple[Node, URIRef, Node], exported: tuple) -> None:
        """An exported statement the editors concluded keeps their note (rule, evidence)."""
        note = self.inferred_note(*source)
        if note is not None:
            rule = str(first_node(self.data.objects(note, PRO.rule)) or "")
            made = [*self.data.objects(note, PROV.wasDerivedFrom), *self.curation()]
            self.record(INFERRED, exported, rule, made)

    def curation(self) -> list[URIRef]:
        """The graphs of the editors' decisions: curation records attributed to an agent (the
        catalogue order the build computes is a curation record too, but nobody's decision,
        and the export does not use it)."""
        return sorted_nodes(
            r
            for r in self.data.subjects(RDF.type, PRO.CurationRecord)
            if (r, PROV.wasAttributedTo, None) in self.data
        )

    def sources_of(self, s: Node, p: URIRef, o: Node) -> list[URIRef]:
        """The page segments a statement is read from (its citations)."""
        return sorted_nodes(
            segment
            for citation in self.data.subjects(RDF.object, o)
            if (citation, RDF.subject, s) in self.data and (citation, RDF.predicate, p) in self.data
            for segment in self.data.objects(citation, PROV.wasDerivedFrom)
        )

    def dated(self, segment: Node) -> tuple[str, str]:
        """(a sortable ISO date, how the segment is dated) of a page segment."""
        modified = first_node(self.data.objects(segment, DCTERMS.modified))
        if isinstance(modified, Literal) and (day := literal_date(modified)) is not None:
            return day.isoformat(), f"last updated {format_literal(modified)}"
        capture = first_node(self.data.objects(segment, PROV.wasDerivedFrom))
        for prop in (PROV.generatedAtTime, DCTERMS.created):
            when = first_node(self.data.objects(capture, prop)) if capture is not None else None
            if isinstance(when, Literal):
                return str(when)[:10], f"captured {str(when)[:10]}"
        activity = first_node(self.data.objects(segment, PROV.wasGeneratedBy))
        read = first_node(self.data.objects(activity, PROV.endedAtTime)) if activity else None
        if isinstance(read, Literal):
            return str(read)[:10], f"no date stated, read {str(read)[:10]}"
        return "", "no date stated"

    def source_label(self, segment: Node) -> str:
        return str(first_node(self.data.objects(segment, RDFS.label)) or segment)

    def newest(self, subject: URIRef, prop: URIRef, what: str) -> list[Literal]:
        """One literal per language, from the newest source, recorded as selected."""
        by_language: dict[str, list[tuple[str, Literal, list[URIRef]]]] = {}
        for literal in langs(self.data, subject, prop):
            segments = self.sources_of(subject, prop, literal)
            when = max((self.dated(seg)[0] for seg in segments), default="")
            by_language.setdefault(str(literal.language), []).append((when, literal, segments))
        chosen = []
        for language in sorted(by_language):
            candidates = by_language[language]
            newest_date = max(c[0] for c in candidates)
            _when, literal, segments = min(
                (c for c in candidates if c[0] == newest_date), key=lambda c: str(c[1])
            )
            chosen.append(literal)
            if segments:
                used = "; ".join(
                    f"{self.source_label(seg)} ({self.dated(seg)[1]})" for seg in segments
                )
                others = sorted(
                    {self.source_label(seg) for c in candidates if c[1] != literal for seg in c[2]}
                )
                comment = f"Stated by {used}" + (
                    f"; also given differently by {', '.join(others)}." if others else "."
                )
                self.record(
                    SELECTED,
                    (subject, prop, literal),
                    RULE_NEWEST.format(what=what),
                    segments,
                    comment,
                )
        return chosen

    def summary(self, programme: URIRef, records: list[BNode]) -> None:
        """An elm:additionalNote saying in words what the export chose and derived."""
        parts = []
        for prop, what in ((DCTERMS.title, "Title"), (DCTERMS.description, "Description")):
            chosen = [o for o in self.out.objects(programme, prop) if isinstance(o, Literal)]
            segments = sorted_nodes(s for o in chosen for s in self.sources_of(programme, prop, o))
            if not segments:
                continue
            stating = {
                s
                for o in langs(self.data, programme, prop)
                for s in self.sources_of(programme, prop, o)
            }
            used = "; ".join(f"{self.source_label(s)} ({self.dated(s)[1]})" for s in segments)
            newest = f", the newest of the {len(stating)} sources that give one"
            parts.append(f"{what} as stated by {used}{newest if len(stating) > 1 else ''}.")
        derived = sorted(
            {
                RULE_WORDS[str(rule)]
                for n in records
                if (n, DCTERMS.type, DERIVED) in self.out
                for rule in self.out.objects(n, PRO.rule)
                if str(rule) in RULE_WORDS
            }
        )
        if derived:
            parts.append(
                "Derived by this export, not stated by a source (the rule and the source of "
                f"each are in the export's quality notes): {'; '.join(derived)}."
            )
        if parts:
            note = BNode()
            self.add(programme, ELM.additionalNote, note)
            self.add(note, RDF.type, ELM.Note)
            self.add(note, ELM.noteLiteral, Literal(" ".join(parts), lang="en"))
