"""How values are written for people: dates spelled out, durations in words, tidy numbers,
one label from several languages, readable names for IRIs without a label.

Used by the pages (server/views/pages.py), the resource descriptions (graph/read/describe.py),
the schema.org data and the ELM export (graph/build/writers/elm/), which spells out months.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from rdflib import Literal
from rdflib.namespace import XSD
from rdflib.term import Node

from ..iris import DATA_BASE, ONTOLOGY_IRI, PREFIXES

FALLBACK_LANGUAGE = "en"

# -- languages and labels ----------------------------------------------------------------------


def language_preferences(accepted: Iterable[str]) -> tuple[str, ...]:
    """The reader's languages (Accept-Language order), then English, then untagged."""
    prefs: list[str] = []
    for tag in accepted:
        tag = tag.strip().lower()
        if not tag or tag == "*" or not re.fullmatch(r"[a-z]{1,8}(-[a-z0-9]{1,8})*", tag):
            continue
        for candidate in (tag, tag.split("-", 1)[0]):
            if candidate not in prefs:
                prefs.append(candidate)
    if FALLBACK_LANGUAGE not in prefs:
        prefs.append(FALLBACK_LANGUAGE)
    return tuple(prefs)


def pick_literal(literals: Iterable[Node], languages: Sequence[str]) -> Literal | None:
    """The literal in the most preferred language; untagged next; then any, stably."""
    candidates = sorted((lit for lit in literals if isinstance(lit, Literal)), key=str)
    if not candidates:
        return None

    def rank(lit: Literal) -> int:
        lang = (lit.language or "").lower()
        if not lang:
            return len(languages)
        for i, pref in enumerate(languages):
            if lang == pref or lang.split("-", 1)[0] == pref:
                return i
        return len(languages) + 1

    # Ties go to the longest (usually the most complete) form, then alphabetically.
    return min(candidates, key=lambda lit: (rank(lit), -len(str(lit)), str(lit)))


def local_name(iri: str) -> str:
    tail = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    return tail or iri


def humanise(name: str) -> str:
    """'creditPoint' -> 'credit point', 'EQFLevel' -> 'EQF level', 'semester-1' -> 'semester 1'."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    words = re.split(r"[\s_\-]+", spaced)
    return " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words if w)


def prefixed(iri: str) -> str | None:
    for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return None


def fallback_label(iri: str) -> str:
    """A readable name for an IRI that has no label in the graph."""
    if iri.startswith(DATA_BASE):
        parts = iri[len(DATA_BASE) :].split("/")
        return humanise(parts[-1]) if len(parts) > 1 else iri
    return humanise(local_name(iri))


# -- literals ----------------------------------------------------------------------------------

# English month names: dates spelled out on the pages and in the ELM export
# (graph/build/writers/elm/).
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def literal_date(lit: Literal) -> date | None:
    """The first day a date-like literal can mean (2020-03 -> 2020-03-01), else None."""
    m = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", str(lit))
    if not m or lit.datatype not in (XSD.date, XSD.dateTime, XSD.gYearMonth, XSD.gYear, None):
        return None
    try:
        return date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))
    except ValueError:
        return None


def format_literal(lit: Node) -> str:
    """A reader's form of a literal: dates spelled out, durations in words, numbers tidy
    (any other node: its text)."""
    text = str(lit)
    if not isinstance(lit, Literal):
        return text
    dt = lit.datatype
    if dt == XSD.date:
        m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", text)
        if m and 1 <= int(m.group(2)) <= 12:
            return f"{int(m.group(3))} {MONTHS[int(m.group(2)) - 1]} {m.group(1)}"
    if dt == XSD.gYearMonth:
        m = re.match(r"^(\d{4})-(\d{2})", text)
        if m and 1 <= int(m.group(2)) <= 12:
            return f"{MONTHS[int(m.group(2)) - 1]} {m.group(1)}"
    if dt == XSD.gMonth:
        m = re.match(r"^--(\d{2})", text)
        if m and 1 <= int(m.group(1)) <= 12:
            return MONTHS[int(m.group(1)) - 1]
    if dt == XSD.duration:
        return format_duration(text)
    if dt in (XSD.decimal, XSD.double, XSD.float):
        try:
            number = Decimal(text)
        except InvalidOperation:
            return text
        if number == number.to_integral_value():
            return f"{int(number):,}"
        return f"{number.normalize():,}"
    if dt == XSD.boolean:
        return "yes" if text.strip().lower() in ("true", "1") else "no"
    return text


def format_duration(text: str) -> str:
    m = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?", text)
    if not m or not any(m.groups()):
        return text
    parts = []
    for amount, unit in zip(m.groups(), ("year", "month", "week", "day"), strict=True):
        if amount:
            n = int(amount)
            parts.append(f"{n} {unit}{'' if n == 1 else 's'}")
    return ", ".join(parts)


def is_ontology_term(iri: str) -> bool:
    return iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_IRI + "#")
