"""The programme list's facets: what each one counts, as a SPARQL path from a programme, and
the file the build writes with their counts over the whole catalogue (`facets.json`).

A facet value is a key: the IRI of the value (country, institution, EQF level, ISCED-F field,
language, mode of study), or for credits a range (`CREDIT_RANGES`). A programme counts once
per value however many graphs state it. The build's writer (graph/build/writers/facets.py)
counts the unfiltered catalogue once per version; graph/read/listing.py counts a filtered view
by one SPARQL query through the store's bounded path, with the same paths as here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib.namespace import RDF

from ..iris import ELM, PRO, SCHEMA

FACETS_FILE = "facets.json"


@dataclass(frozen=True)
class FacetDef:
    name: str  # request parameter and key in facets.json
    label: str
    path: str  # SPARQL property path from the programme to the value


# The provider's address's country. An alternative path (`address/country|country`) would
# also read a country stated on the organisation itself, but costs Oxigraph 10 times more
# on every filtered page (measured at 10k: 0.34 s against 0.03 s); no source states it so.
_ADDRESS_COUNTRY = f"{SCHEMA.address.n3()}/{SCHEMA.addressCountry.n3()}"
FACETS: tuple[FacetDef, ...] = (
    FacetDef("country", "Country", f"{ELM.providedBy.n3()}/{_ADDRESS_COUNTRY}"),
    FacetDef("institution", "Institution", ELM.providedBy.n3()),
    FacetDef("eqf", "EQF level", f"{PRO.awards.n3()}/{ELM.EQFLevel.n3()}"),
    FacetDef("field", "Field of education (ISCED-F)", PRO.fieldOfEducation.n3()),
    FacetDef("language", "Language", ELM.defaultLanguage.n3()),
    FacetDef("mode", "Mode of study", ELM.mode.n3()),
    FacetDef("credits", "Credits (ECTS)", f"{ELM.creditPoint.n3()}/{RDF.value.n3()}"),
)
BY_NAME = {f.name: f for f in FACETS}
# Credit ranges: (key, label, above, up to); a programme's credits fall in (above, up to].
CREDIT_RANGES: tuple[tuple[str, str, float | None, float | None], ...] = (
    ("-60", "up to 60", None, 60),
    ("61-90", "61 to 90", 60, 90),
    ("91-120", "91 to 120", 90, 120),
    ("121-", "more than 120", 120, None),
)
CREDIT_LABELS = {key: label for key, label, _a, _b in CREDIT_RANGES}


def path_steps(path: str) -> list[str] | None:
    """The predicates (IRIs) of a sequence path `<a>/<b>`, or None for any other path."""
    steps = re.findall(r"<([^>]*)>", path)
    return steps if "/".join(f"<{s}>" for s in steps) == path else None


def credit_range(value: float) -> str:
    """The key of the range `value` falls in."""
    for key, _label, above, upto in CREDIT_RANGES:
        if (above is None or value > above) and (upto is None or value <= upto):
            return key
    raise AssertionError("the ranges cover every number")


def credit_range_sparql(var: str) -> str:
    """A SPARQL expression giving the range key of the numeric `var`."""
    expr = f'"{CREDIT_RANGES[-1][0]}"'
    for key, _label, _above, upto in reversed(CREDIT_RANGES[:-1]):
        expr = f'IF({var} <= {upto:g}, "{key}", {expr})'
    return expr


def credit_filter_sparql(var: str, key: str) -> str | None:
    """A FILTER keeping numeric `var` inside the range `key` (None for an unknown key)."""
    for k, _label, above, upto in CREDIT_RANGES:
        if k == key:
            tests = [f"isNumeric({var})"]
            if above is not None:
                tests.append(f"{var} > {above:g}")
            if upto is not None:
                tests.append(f"{var} <= {upto:g}")
            return f"FILTER({' && '.join(tests)})"
    return None


_IRI = re.compile(r"^[a-z][a-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$", re.I)


def valid_value(name: str, value: str) -> bool:
    """Whether `value` can be a value of facet `name` (an IRI, or a credit range key)."""
    if name == "credits":
        return value in CREDIT_LABELS
    return bool(_IRI.match(value))


@dataclass(frozen=True)
class CatalogueCounts:
    """The programmes of a view and every facet's counts (facets.json holds the unfiltered
    ones); `programmes` is None and a facet is in `missing` when its count ran out of time."""

    programmes: int | None
    facets: dict[str, dict[str, int]]
    missing: frozenset[str] = frozenset()


def read_counts(version_dir: Path) -> CatalogueCounts | None:
    """The counts a version's build wrote, or None (no file: `serve --data`, older builds)."""
    try:
        data: dict[str, Any] = json.loads((version_dir / FACETS_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    facets = data.get("facets")
    if not isinstance(facets, dict) or not isinstance(data.get("programmes"), int):
        return None
    return CatalogueCounts(
        data["programmes"],
        {str(k): {str(v): int(n) for v, n in vs.items()} for k, vs in facets.items()},
    )
