"""OOAPI `Program`s from our `pro:StudyProgramme`s, a page at a time.

The field tables are the importer's (graph/ingest/ooapi/tables.py, PROGRAM_FIELDS and the
`*_OUT` code tables), read the other way; docs/ooapi.md prints the mapping and what OOAPI
cannot hold. Listings follow the catalogue order the build precomputes (`pro:listPosition`,
by title): an unfiltered page is a range of positions (keyset), a filtered one the filter's
matches in that order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from ..ingest.codes import ISO639_2_B
from ..ingest.ooapi.tables import (
    CODE_TYPE_IRI,
    DURATION,
    ECTS,
    LEVEL_OF_QUALIFICATION,
    LEVEL_OF_QUALIFICATION_OUT,
    LEVEL_OUT,
    MODE_OF_DELIVERY_OUT,
    MODE_OF_STUDY_OUT,
    PROGRAM_FIELDS,
    PROGRAM_TYPE_OUT,
    QUALIFICATION,
    QUALIFICATION_OUT,
)
from ..iris import ELM, EQF, EU_LANGUAGE, ISCED_F, PRO, VOCAB
from ..store.base import Store
from . import ids
from .context import Context
from .params import MODES_OF_STUDY, SECTORS, Params
from .read import (
    Stated,
    code_of,
    drop_empty,
    language_typed,
    linked,
    number,
    one_of,
    select,
    source_dates,
    sparql_string,
    stated,
    text_filter,
)

F = PROGRAM_FIELDS
TITLE, DESCRIPTION, ACRONYM = F["name"], F["description"], F["abbreviation"]
KIND, LANGUAGE, CREDITS = F["programType"], F["teachingLanguage"], F["studyLoad"]
DURATION_P, SCHEDULE, MODE = F["duration"], F["modeOfStudy"], F["modeOfDelivery"]
AWARDS, EQF_LEVEL, FIELD = F["qualificationAwarded"], F["levelOfQualification"], F["fieldsOfStudy"]
OUTCOME, ADMISSION, LINK = F["learningOutcomes"], F["admissionRequirements"], F["link"]
PROVIDER, CODES = F["organization"], F["primaryCode"]
FRAMEWORK, SCHEME_NAME, QUALIFICATION_CLASS = ELM.framework, ELM.schemeName, ELM.Qualification
PROFICIENCY = PRO.proficiencyLanguage
DIRECT = (
    TITLE,
    DESCRIPTION,
    ACRONYM,
    KIND,
    LANGUAGE,
    DURATION_P,
    SCHEDULE,
    PRO.studyModeText,
    MODE,
    FIELD,
    PRO.primaryFieldOfEducation,
    LINK,
    PROVIDER,
    PRO.coordinatedBy,
)
VIA = (CREDITS, AWARDS, ADMISSION, OUTCOME, CODES)
NESTED: tuple[URIRef, ...] = (
    RDF.value,
    FRAMEWORK,
    EQF_LEVEL,
    PRO.degreeAbbreviation,
    DCTERMS.title,
)
NESTED += (DCTERMS.description, PROFICIENCY, SKOS.notation, SCHEME_NAME)
KIND_CODE = str(VOCAB) + "programme-kind/"


class Programmes:
    """What a page of programmes states, read in a few queries."""

    def __init__(self, store: Store, iris: Sequence[URIRef]):
        self.iris = list(iris)
        self.facts = stated(store, self.iris, DIRECT)
        self.nested = linked(store, self.iris, VIA, NESTED)
        graphs = set().union(*(f.graphs([TITLE, DESCRIPTION]) for f in self.facts.values()))
        self.dates = source_dates(store, graphs)

    def names(self, iri: URIRef) -> list[Literal]:
        return self.facts[iri].per_language(TITLE, self.dates)

    def descriptions(self, iri: URIRef) -> list[Literal]:
        """The descriptions; a programme without one is described by its name (OOAPI requires
        a description)."""
        return self.facts[iri].per_language(DESCRIPTION, self.dates) or self.names(iri)

    def organization(self, iri: URIRef) -> URIRef | None:
        """The one organisation OOAPI allows: the coordinator among the providers, else the
        first provider in code-point order."""
        facts = self.facts[iri]
        providers = [p for p in facts.all(PROVIDER) if isinstance(p, URIRef)]
        coordinators = [
            c for c in facts.all(PRO.coordinatedBy) if isinstance(c, URIRef) and c in providers
        ]
        return coordinators[0] if coordinators else (providers[0] if providers else None)

    def teaching_language(self, iri: URIRef) -> str:
        """ISO 639-2: the stated language (the first in code order), else the language of the
        programme's language requirement (as the ELM export derives it), else `und`."""
        stated_languages = [c for c in self.facts[iri].all(LANGUAGE) if iso639(c)]
        if not stated_languages:
            required = self.nested[iri].get(ADMISSION, {}).values()
            stated_languages = sorted(
                (lang for r in required for lang in r.all(PROFICIENCY) if iso639(lang)), key=str
            )
        return (iso639(stated_languages[0]) if stated_languages else None) or "und"

    def duration(self, iri: URIRef) -> str | None:
        values = [str(d) for d in self.facts[iri].all(DURATION_P) if DURATION.match(str(d))]
        return values[0] if values else None

    def modes_of_delivery(self, iri: URIRef) -> list[str]:
        modes = {
            MODE_OF_DELIVERY_OUT[m]
            for m in self.facts[iri].all(MODE)
            if isinstance(m, URIRef) and m in MODE_OF_DELIVERY_OUT
        }
        return sorted(modes)

    def mode_of_study(self, iri: URIRef) -> str | None:
        facts = self.facts[iri]
        for schedule in facts.all(SCHEDULE):
            if isinstance(schedule, URIRef) and schedule in MODE_OF_STUDY_OUT:
                return MODE_OF_STUDY_OUT[schedule]
        texts = [str(t) for t in facts.all(PRO.studyModeText) if str(t) in MODES_OF_STUDY]
        return texts[0] if texts else None

    def json(self, iri: URIRef, ctx: Context) -> dict[str, Any]:
        facts, nested = self.facts[iri], self.nested[iri]
        qualifications = nested.get(AWARDS, {})
        levels = sorted(
            code_of(level) for q in qualifications.values() for level in q.all(EQF_LEVEL)
        )
        levels = [level for level in levels if level in LEVEL_OF_QUALIFICATION_OUT]
        homepage = facts.one(LINK)
        organization = self.organization(iri)
        return drop_empty(
            {
                "programId": ids.ooapi_id(iri),
                "primaryCode": {"codeType": CODE_TYPE_IRI, "code": str(iri)},
                "programType": program_type(facts.all(KIND)),
                "name": language_typed(self.names(iri)) or [{"value": str(iri)}],
                "abbreviation": str(facts.one(ACRONYM) or ""),
                "description": language_typed(self.descriptions(iri)) or [{"value": str(iri)}],
                "teachingLanguage": self.teaching_language(iri),
                "studyLoad": _study_load(nested.get(CREDITS, {})),
                "qualificationAwarded": _qualification(qualifications),
                "modeOfStudy": self.mode_of_study(iri),
                "modeOfDelivery": self.modes_of_delivery(iri),
                "duration": self.duration(iri),
                "levelOfQualification": levels[0] if levels else None,
                "level": LEVEL_OUT.get(levels[0]) if levels else None,
                "fieldsOfStudy": _field(facts),
                "learningOutcomes": _outcomes(nested.get(OUTCOME, {})),
                "admissionRequirements": _admission(nested.get(ADMISSION, {})),
                "link": str(homepage) if homepage is not None else ctx.page(iri),
                "otherCodes": identifier_codes(nested.get(CODES, {})),
                "organization": ids.ooapi_id(organization) if organization is not None else None,
            }
        )


def iso639(concept: Any) -> str | None:
    code = code_of(concept).lower() if str(concept).startswith(str(EU_LANGUAGE)) else ""
    return code if re.fullmatch(r"[a-z]{3}", code) else None


def program_type(kinds: Sequence[Any]) -> str:
    """programType: the first kind that OOAPI names, else `program`."""
    for kind in kinds:
        code = str(kind)[len(KIND_CODE) :] if str(kind).startswith(KIND_CODE) else ""
        if code in PROGRAM_TYPE_OUT:
            return PROGRAM_TYPE_OUT[code]
    return "program"


def _study_load(credits: dict[Any, Stated]) -> dict[str, Any] | None:
    stated_values = [
        number(value)
        for credit in credits.values()
        if credit.one(FRAMEWORK) in (None, ECTS)
        for value in credit.all(RDF.value)
    ]
    values = sorted(v for v in stated_values if v is not None and v >= 0)
    return {"studyLoadUnit": "ects", "value": values[0]} if values else None


def _qualification(qualifications: dict[Any, Stated]) -> str | None:
    for _node, q in sorted(qualifications.items(), key=lambda item: str(item[0])):
        for abbreviation in q.all(PRO.degreeAbbreviation):
            if str(abbreviation) in QUALIFICATION:
                return str(abbreviation)
        for title in q.all(DCTERMS.title):
            if str(title).lower() in QUALIFICATION_OUT:
                return QUALIFICATION_OUT[str(title).lower()]
    return None


def _field(facts: Stated) -> str | None:
    for prop in (PRO.primaryFieldOfEducation, FIELD):
        codes = sorted(code_of(c) for c in facts.all(prop) if str(c).startswith(str(ISCED_F)))
        codes = [c for c in codes if re.fullmatch(r"\d{2,4}", c)]
        if codes:
            return codes[0]
    return None


def _outcomes(outcomes: dict[Any, Stated]) -> list[list[dict[str, str]]]:
    found = []
    for _node, outcome in sorted(outcomes.items(), key=lambda item: str(item[0])):
        texts = language_typed(t for t in outcome.all(DCTERMS.title) if isinstance(t, Literal))
        if texts:
            found.append(texts)
    return found


def _admission(requirements: dict[Any, Stated]) -> list[dict[str, str]]:
    """One text per language: the descriptions of the requirements, in IRI order."""
    by_language: dict[str | None, list[str]] = {}
    for _node, requirement in sorted(requirements.items(), key=lambda item: str(item[0])):
        for text in requirement.all(DCTERMS.description):
            if isinstance(text, Literal) and str(text).strip():
                by_language.setdefault(text.language, []).append(str(text))
    joined = [Literal("\n\n".join(texts), lang=lang) for lang, texts in by_language.items()]
    return language_typed(joined)


def identifier_codes(identifiers: dict[Any, Stated]) -> list[dict[str, str]]:
    found = [
        {"codeType": str(i.one(SCHEME_NAME) or "identifier"), "code": str(i.one(SKOS.notation))}
        for i in identifiers.values()
        if i.one(SKOS.notation) is not None
    ]
    return sorted(found, key=lambda c: (c["codeType"], c["code"]))


# -- listing ----------------------------------------------------------------------------------


NOTHING = "FILTER(false)"  # a filter value that no served programme has


def filters(params: Params) -> list[str]:
    """SELECT DISTINCT ?p subqueries, one per filter of a programme listing; each matches the
    served value the way `Programmes.json` derives it. (Oxigraph evaluates a UNION joined
    with other patterns badly, 30 s at 10,000 programmes; as a subquery it takes
    milliseconds: docs/ooapi.md.)"""
    groups = []
    language = params.teaching_language()
    if language is not None:
        concept = EU_LANGUAGE[ISO639_2_B.get(language, language).upper()].n3()
        groups.append(
            f"{{ ?p {LANGUAGE.n3()} {concept} }} UNION {{ ?r {PROFICIENCY.n3()} {concept} . "
            f"?p {ADMISSION.n3()} ?r FILTER NOT EXISTS {{ ?p {LANGUAGE.n3()} ?stated }} }}"
        )
    kind = params.enum("programType", ("program", *PROGRAM_TYPE_OUT.values()))
    if kind is not None:
        named = [URIRef(KIND_CODE + k) for k in PROGRAM_TYPE_OUT]
        if kind == "program":
            groups.append(
                f"?p {PRO.listPosition.n3()} ?any FILTER NOT EXISTS {{ ?p {KIND.n3()} ?kind "
                f"FILTER({one_of('?kind', named)}) }}"
            )
        else:
            kinds = [URIRef(KIND_CODE + k) for k, v in PROGRAM_TYPE_OUT.items() if v == kind]
            groups.append(" UNION ".join(f"{{ ?p {KIND.n3()} {k.n3()} }}" for k in kinds))
    awarded = params.enum("qualificationAwarded", (*QUALIFICATION, "None"))
    if awarded is not None and awarded != "None":
        title = sparql_string(QUALIFICATION[awarded][0].lower())
        groups.append(
            f"{{ ?q {PRO.degreeAbbreviation.n3()} {sparql_string(awarded)} . "
            f"?p {AWARDS.n3()} ?q }} UNION {{ ?q a {QUALIFICATION_CLASS.n3()} ; "
            f"{DCTERMS.title.n3()} ?t FILTER(LCASE(STR(?t)) = {title}) ?p {AWARDS.n3()} ?q }}"
        )
    elif awarded == "None":
        groups.append(NOTHING)  # never served: a qualification is named or left out
    level = params.enum("levelOfQualification", tuple(LEVEL_OF_QUALIFICATION))
    if level is not None:
        if level in LEVEL_OF_QUALIFICATION_OUT:
            groups.append(f"?q {EQF_LEVEL.n3()} {EQF[level].n3()} . ?p {AWARDS.n3()} ?q")
        else:
            groups.append(NOTHING)  # NLQF 4+ is never served: the levels served are EQF's
    if params.enum("sector", SECTORS) is not None:
        groups.append(NOTHING)  # we state no sector
    field = params.text("fieldsOfStudy")
    if field is not None:
        isced = ISCED_F[field].n3() if re.fullmatch(r"\d{2,4}", field) else None
        groups.append(
            f"{{ ?p {PRO.primaryFieldOfEducation.n3()} {isced} }} UNION "
            f"{{ ?p {FIELD.n3()} {isced} }}"
            if isced
            else NOTHING
        )
    text = params.text("q")
    if text is not None:
        groups.append(text_filter("?p", (TITLE, ACRONYM, DESCRIPTION), text))
    code = params.text("primaryCode")
    if code is not None:
        valid = re.fullmatch(r"[^\s<>\"{}|\\^`]+", code)
        groups.append(
            f"<{code}> {PRO.listPosition.n3()} ?any BIND(<{code}> AS ?p)" if valid else NOTHING
        )
    return groups


def page(
    store: Store,
    params: Params,
    providers: Sequence[URIRef] | None,
) -> tuple[list[URIRef], int]:
    """(the IRIs of the requested page, the number of programmes listed)."""
    size, number_ = params.page()
    descending = params.sort() == "-name"
    order = "DESC(?pos)" if descending else "?pos"
    position = PRO.listPosition.n3()
    groups = filters(params)
    if providers is not None:
        groups.insert(
            0,
            " UNION ".join(
                f"{{ ?p {link.n3()} {org.n3()} }}"
                for org in sorted(providers)
                for link in (PROVIDER, PRO.administeredBy)
            ),
        )
    if not groups:  # the whole catalogue: a range of positions (keyset)
        rows = select(store, f"SELECT (COUNT(?p) AS ?n) WHERE {{ ?p {position} ?pos }}")
        total = int(str(rows[0]["n"])) if rows else 0
        low = total - number_ * size if descending else (number_ - 1) * size
        rows = select(
            store,
            f"SELECT ?p ?pos WHERE {{ ?p {position} ?pos FILTER(?pos > {low} && "
            f"?pos <= {low + size}) }} ORDER BY {order}",
        )
    else:
        where = " ".join(f"{{ SELECT DISTINCT ?p WHERE {{ {g} }} }}" for g in groups)
        where += f" ?p {position} ?pos ."
        rows = select(store, f"SELECT (COUNT(?p) AS ?n) WHERE {{ {where} }}")
        total = int(str(rows[0]["n"])) if rows else 0
        rows = select(
            store,
            f"SELECT ?p ?pos WHERE {{ {where} }} ORDER BY {order} "
            f"LIMIT {size} OFFSET {(number_ - 1) * size}",
        )
    found = [p for r in rows if isinstance(p := r.get("p"), URIRef)]
    return found, total


def resolve(store: Store, ident: str) -> URIRef | None:
    """The programme whose id is `ident`, if we serve it."""
    known = ids.remembered(ident)
    if known is not None:
        return known if any(store.quads(known, PRO.listPosition, None, None)) else None
    rows = select(
        store,
        f"SELECT ?p WHERE {{ ?p {PRO.listPosition.n3()} ?pos {ids.sha1_filter('?p', ident)} }}",
    )
    for row in rows:
        found = row.get("p")
        if isinstance(found, URIRef) and ids.matches(found, ident):
            return found
    return None
