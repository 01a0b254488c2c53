"""OOAPI `ProgramOffering`s from our `pro:Offering`s (one intake of a programme).

OOAPI requires a full start and end date, one enrolment deadline and one teaching language;
what we hold differs (a start month, deadlines per applicant group, fees per year), so some
values are derived, each by a rule of docs/ooapi.md: a month is its first (start) or last
(end, deadline) day; without an end date the intake ends the day before start + duration
(the offering's, else the programme's); the enrolment deadline is the latest stated one; a
field the offering does not state is its programme's. An offering whose start or end cannot be
told is not served.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import SKOS, XSD

from ..ingest.ooapi.tables import (
    CODE_TYPE_IRI,
    COST_TYPE_BY_PERIOD,
    COST_TYPE_FEE,
    COST_TYPE_OTHER,
    MODE_OF_DELIVERY_OUT,
    OFFERING_FIELDS,
    PERIOD_WORDS,
)
from ..iris import ELM, PRO
from ..read.text import literal_date
from ..store.base import Store
from . import ids, programs
from .read import (
    Stated,
    amount,
    code_of,
    drop_empty,
    labels,
    language_typed,
    linked,
    select,
    source_dates,
    stated,
)

F = OFFERING_FIELDS
TITLE, DESCRIPTION, PROGRAMME = F["name"], F["description"], F["program"]
START, END, OPENS, DEADLINE = F["startDate"], F["endDate"], F["enrollStartDate"], F["enrollEndDate"]
FEE, LANGUAGE, MODE, MAXIMUM = (
    F["priceInformation"],
    F["teachingLanguage"],
    F["modeOfDelivery"],
    F["maxNumberStudents"],
)
LINK, CODES = F["link"], F["primaryCode"]
GROUP = PRO.appliesToApplicantGroup
DIRECT: tuple[URIRef, ...] = (PROGRAMME, TITLE, DESCRIPTION, START, PRO.startMonth)
DIRECT += (PRO.intakeYear, END, OPENS)
DIRECT += (LANGUAGE, MODE, MAXIMUM, LINK, ELM.duration)
VIA = (DEADLINE, FEE, CODES)
NESTED: tuple[URIRef, ...] = (PRO.date, GROUP, PRO.amount, PRO.currency, PRO.billingPeriod)
NESTED += (PRO.isTotalCost,)
NESTED += (SKOS.notation, programs.SCHEME_NAME)
DURATION_PARTS = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T.*)?$")


@dataclass
class Offered:
    """One offering as OOAPI shows it: its JSON and what lists sort and filter on."""

    iri: URIRef
    programme: URIRef
    start: date
    end: date
    document: dict[str, Any]


class Offerings:
    """What a set of offerings (and their programmes) state, read in a few queries."""

    def __init__(self, store: Store, iris: Sequence[URIRef]):
        self.iris = list(iris)
        self.facts = stated(store, self.iris, DIRECT)
        self.nested = linked(store, self.iris, VIA, NESTED)
        graphs = set().union(*(f.graphs([TITLE, DESCRIPTION]) for f in self.facts.values()))
        self.dates = source_dates(store, graphs)
        self.programme_of = {
            o: p for o in self.iris if isinstance(p := self.facts[o].one(PROGRAMME), URIRef)
        }
        self.programmes = programs.Programmes(store, sorted(set(self.programme_of.values())))
        groups = {
            g
            for o in self.iris
            for via in (FEE, DEADLINE)
            for node in self.nested[o].get(via, {}).values()
            for g in node.all(GROUP)
            if isinstance(g, URIRef)
        }
        self.group_names = labels(store, sorted(groups), SKOS.prefLabel)

    def offered(self, iri: URIRef) -> Offered | None:
        """The offering as OOAPI shows it, or None when its dates cannot be told."""
        facts, nested = self.facts[iri], self.nested[iri]
        programme = self.programme_of.get(iri)
        if programme is None:
            return None
        p = self.programmes
        start = _start(facts)
        duration = str(facts.one(ELM.duration) or p.duration(programme) or "")
        end = _end(facts, start, duration)
        if start is None or end is None:
            return None
        names = facts.per_language(TITLE, self.dates) or p.names(programme)
        descriptions = facts.per_language(DESCRIPTION, self.dates) or p.descriptions(programme)
        language = programs.iso639(facts.one(LANGUAGE)) or p.teaching_language(programme)
        modes = sorted(
            {
                MODE_OF_DELIVERY_OUT[m]
                for m in facts.all(MODE)
                if isinstance(m, URIRef) and m in MODE_OF_DELIVERY_OUT
            }
        )
        organization = p.organization(programme)
        maximum = facts.one(MAXIMUM)
        homepage = facts.one(LINK)
        document = drop_empty(
            {
                "offeringId": ids.ooapi_id(iri),
                "primaryCode": {"codeType": CODE_TYPE_IRI, "code": str(iri)},
                "offeringType": "program",
                "name": language_typed(names) or [{"value": str(iri)}],
                "description": language_typed(descriptions) or [{"value": str(iri)}],
                "teachingLanguage": language,
                "modeOfDelivery": modes or p.modes_of_delivery(programme),
                "maxNumberStudents": int(str(maximum)) if _whole(maximum) else None,
                "resultExpected": True,
                "link": str(homepage) if homepage is not None else None,
                "otherCodes": programs.identifier_codes(nested.get(CODES, {})),
                "startDate": start.isoformat(),
                "endDate": end.isoformat(),
                "enrollStartDate": _day(facts.one(OPENS)),
                "enrollEndDate": _deadline(nested.get(DEADLINE, {})),
                "priceInformation": self._costs(nested.get(FEE, {})),
                "program": ids.ooapi_id(programme),
                "organization": ids.ooapi_id(organization) if organization is not None else None,
            }
        )
        return Offered(iri, programme, start, end, document)

    def _costs(self, fees: dict[Any, Stated]) -> list[dict[str, Any]]:
        found = []
        for _node, fee in sorted(fees.items(), key=lambda item: str(item[0])):
            stated_amount, currency = fee.one(PRO.amount), fee.one(PRO.currency)
            value = amount(stated_amount) if stated_amount is not None else None
            code = code_of(currency) if currency is not None else ""
            if value is None or not re.fullmatch(r"[A-Z]{3}", code):
                continue
            total = str(fee.one(PRO.isTotalCost) or "").lower() in ("true", "1")
            period = str(fee.one(PRO.billingPeriod) or "")
            cost_type = COST_TYPE_FEE if total else COST_TYPE_BY_PERIOD.get(period, COST_TYPE_OTHER)
            words = f"{value} {code}"
            if cost_type in PERIOD_WORDS:
                words += f" {PERIOD_WORDS[cost_type]}"
            elif total:
                words += " in total"
            groups = [
                self.group_names.get(g, {}).get("en")
                for g in fee.all(GROUP)
                if isinstance(g, URIRef)
            ]
            named = [g for g in groups if g]
            if named:
                words += f" ({'; '.join(named)})"
            found.append(
                {
                    "costType": cost_type,
                    "amount": value,
                    "currency": code,
                    "displayAmount": [{"language": "en", "value": words}],
                }
            )
        return found


def _whole(value: Any) -> bool:
    return isinstance(value, Literal) and re.fullmatch(r"\d+", str(value)) is not None


def _day(value: Any) -> str | None:
    if isinstance(value, Literal) and value.datatype == XSD.date:
        day = literal_date(value)
        return day.isoformat() if day else None
    return None


def _last_day(value: Literal) -> date | None:
    """The last day a date or month literal can mean (2022-10 -> 2022-10-31)."""
    day = literal_date(value)
    if day is None:
        return None
    if value.datatype == XSD.gYearMonth:
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if value.datatype == XSD.gYear:
        return day.replace(month=12, day=31)
    return day


def _start(facts: Stated) -> date | None:
    for value in facts.all(START):
        if isinstance(value, Literal) and (day := literal_date(value)) is not None:
            return day
    month, year = facts.one(PRO.startMonth), facts.one(PRO.intakeYear)
    found_month = re.match(r"^--(\d{2})", str(month)) if month is not None else None
    found_year = re.match(r"^(\d{4})", str(year)) if year is not None else None
    if found_month and found_year and 1 <= int(found_month.group(1)) <= 12:
        return date(int(found_year.group(1)), int(found_month.group(1)), 1)
    return None


def _end(facts: Stated, start: date | None, duration: str) -> date | None:
    for value in facts.all(END):
        if isinstance(value, Literal) and (day := _last_day(value)) is not None:
            return day
    parts = DURATION_PARTS.match(duration)
    if start is None or parts is None or not any(parts.groups()):
        return None
    years, months, weeks, days = (int(g or 0) for g in parts.groups())
    total_months = start.month - 1 + months + 12 * years
    year, month = start.year + total_months // 12, total_months % 12 + 1
    day_of_month = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day_of_month) + timedelta(days=7 * weeks + days - 1)


def _deadline(deadlines: dict[Any, Stated]) -> str | None:
    days = [
        day
        for d in deadlines.values()
        for value in d.all(PRO.date)
        if isinstance(value, Literal) and (day := _last_day(value)) is not None
    ]
    return max(days).isoformat() if days else None


def of_programme(store: Store, programme: URIRef) -> list[URIRef]:
    rows = select(store, f"SELECT DISTINCT ?o WHERE {{ ?o {PROGRAMME.n3()} {programme.n3()} }}")
    return sorted(o for r in rows if isinstance(o := r.get("o"), URIRef))


def resolve(store: Store, ident: str) -> URIRef | None:
    """The offering whose id is `ident`, if it exists."""
    known = ids.remembered(ident)
    if known is not None:
        return known if any(store.quads(known, PROGRAMME, None, None)) else None
    rows = select(
        store,
        f"SELECT DISTINCT ?o WHERE {{ ?o {PROGRAMME.n3()} ?p {ids.sha1_filter('?o', ident)} }}",
    )
    for row in rows:
        found = row.get("o")
        if isinstance(found, URIRef) and ids.matches(found, ident):
            return found
    return None
