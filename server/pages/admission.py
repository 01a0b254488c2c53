"""The admission part of a programme page: who may apply with what (tests, scores, degrees),
one group per kind of applicant.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rdflib import Literal
from rdflib.namespace import DCTERMS, RDF, SKOS
from rdflib.term import Node

from graph.iris import PRO
from graph.read.describe import (
    ResourceDescription,
)
from graph.read.text import (
    format_literal,
)

from .programme_facts import group_text, offerings_of, scope_concluded, text_of
from .shown import Shower, Shown


@dataclass(frozen=True)
class RequirementRow:
    """One row of an applicant group's admission table."""

    kind: str
    details: tuple[Shown, ...]
    long_list: tuple[Shown, ...] = ()  # accepted degrees, shown folded


@dataclass(frozen=True)
class ApplicantGroup:
    label: str
    rows: tuple[RequirementRow, ...]
    exemptions: tuple[Shown, ...]


def _score(n: Node) -> str | None:
    return format_literal(n) if isinstance(n, Literal) else None


def _test_text(d: ResourceDescription, test: Node) -> str:
    name = ", ".join(d.label(t) for t in d.facts.nodes(test, PRO.languageTest)) or "Test"
    parts = []
    overall = d.facts.value(test, PRO.minimumOverallScore)
    if overall is not None:
        parts.append(f"at least {_score(overall.node)} overall")
    component = d.facts.value(test, PRO.minimumComponentScore)
    if component is not None:
        parts.append(f"at least {_score(component.node)} in each part")
    grade = d.facts.value(test, PRO.minimumGrade)
    if grade is not None:
        parts.append(f"grade {grade.node} or better")
    return f"{name}: {', '.join(parts)}" if parts else name


def admission_groups(d: ResourceDescription, shower: Shower) -> list[ApplicantGroup]:
    groups: dict[str, list[RequirementRow]] = defaultdict(list)
    exemptions: dict[str, list[Shown]] = defaultdict(list)
    requirements: list[Node] = list(d.facts.nodes(d.iri, PRO.admissionRequirement))
    for offering in offerings_of(d):
        requirements += d.facts.nodes(offering, PRO.admissionRequirement)
    for req in requirements:
        group = group_text(d, req) or "All applicants"
        types = d.facts.types(req)
        details: list[Shown] = []
        long_list: list[Shown] = []
        for p in (DCTERMS.description, PRO.admissionProcedure, PRO.requiredField):
            v = d.text(req, p)
            if v is not None:
                details.append(shower.value(v))
        for lv in d.facts.values(req, PRO.requiredDegreeLevel):
            details.append(shower.value(lv, text=f"Degree level: {d.label(lv.node)}"))
        if scope_concluded(d, req):
            scope = d.facts.values(req, PRO.appliesToApplicantGroup)[0]
            details.append(
                shower.value(scope, text="Listed for this group by where it stands on the page")
            )
        if PRO.LanguageRequirement in types:
            language = ", ".join(d.label(x) for x in d.facts.nodes(req, PRO.proficiencyLanguage))
            kind = f"Language ({language})" if language else "Language"
            for test in d.facts.nodes(req, PRO.acceptedTest):
                details.append(shower.built(_test_text(d, test), test))
            details += _scores(d, shower, req)
            for ex in d.facts.nodes(req, PRO.exemption):
                countries = ", ".join(
                    sorted(
                        d.label(c)
                        for p in (PRO.exemptCountry, PRO.exemptRegion)
                        for c in d.facts.nodes(ex, p)
                    )
                )
                condition = text_of(d, ex, PRO.condition)
                text = "Exempt: applicants from " + countries if countries else "Exempt"
                if condition:
                    text += f" ({condition})"
                exemptions[group].append(shower.built(text, ex))
        elif PRO.DegreeRequirement in types:
            kind = "Prior degree"
            for deg in d.facts.nodes(req, PRO.acceptedDegree):
                label = d.text(deg, SKOS.prefLabel)
                campuses = sorted(str(c) for c in d.facts.nodes(deg, PRO.campus))
                text = (str(label.node) if label else d.label(deg)) + (
                    f" ({', '.join(campuses)})" if campuses else ""
                )
                lang = label.node.language if label and isinstance(label.node, Literal) else None
                long_list.append(shower.built(text, deg, lang=lang))
        elif PRO.ExperienceRequirement in types:
            kind = "Professional experience"
        else:
            kind = ", ".join(d.label(t) for t in sorted(types, key=str)) or "Requirement"
        if not details and not long_list:
            details.append(shower.node(req))
        groups[group].append(RequirementRow(kind, tuple(details), tuple(long_list)))
    scores = _scores(d, shower, d.iri)
    if scores:
        groups["All applicants"].append(RequirementRow("Scores (no test named)", tuple(scores)))
    order = sorted(groups, key=lambda g: (g != "All applicants", g))
    return [
        ApplicantGroup(
            g, tuple(sorted(groups[g], key=lambda r: r.kind)), tuple(exemptions.get(g, ()))
        )
        for g in order
    ]


def _scores(d: ResourceDescription, shower: Shower, owner: Node) -> list[Shown]:
    """Scores a page gives without naming their test (on a requirement or the programme)."""
    shown = []
    for us in d.facts.nodes(owner, PRO.unattributedScore):
        scores = [n for n in d.facts.nodes(us, RDF.value) if isinstance(n, Literal)]
        text = text_of(d, us, PRO.sourceText) or (format_literal(scores[0]) if scores else "score")
        shown.append(shower.built(f"Score {text} (the page does not name the test)", us))
    return shown
