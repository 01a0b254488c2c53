"""The query parameters of each endpoint, checked against ooapi.json before anything is read.

A parameter the endpoint does not take, a parameter given twice, or a value outside its
schema (pageSize not in 10/20/50/100/250, pageNumber below 1, teachingLanguage not three
lower-case letters, a date that is not a date, an enum value the specification does not
list, an `expand` the endpoint does not offer) is a 400 naming the parameter and what it
accepts. Values the schema allows but that name nothing we hold (a language no programme is
taught in) simply match nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ..ingest.ooapi.tables import LEVEL_OF_QUALIFICATION, PAGE_SIZES, PROGRAM_TYPE, QUALIFICATION
from .problem import bad_parameter, one_of

DEFAULT_PAGE_SIZE = 10  # the pageSize default of the specification

PROGRAM_TYPES = ("program", *PROGRAM_TYPE)
QUALIFICATIONS = (*QUALIFICATION, "None")
LEVELS_OF_QUALIFICATION = tuple(LEVEL_OF_QUALIFICATION)
SECTORS = (
    "secondary vocational education",
    "higher professional education",
    "university education",
)
MODES_OF_STUDY = ("full-time", "part-time", "dual training", "self-paced")
ORGANIZATION_TYPES = ("root", "institute", "department", "faculty", "branch", "academy", "school")

# The parameters of each endpoint (ooapi.json), besides the path's own.
PROGRAM_FILTERS = (
    "q",
    "teachingLanguage",
    "programType",
    "qualificationAwarded",
    "levelOfQualification",
    "sector",
    "fieldsOfStudy",
)
PAGING = ("pageSize", "pageNumber", "consumer", "sort")
PARAMETERS: dict[str, tuple[str, ...]] = {
    "service": (),
    "programs": ("primaryCode", *PAGING, *PROGRAM_FILTERS),
    "program": ("expand", "returnTimelineOverrides"),
    "program offerings": (
        *PAGING,
        "q",
        "teachingLanguage",
        "modeOfStudy",
        "resultExpected",
        "since",
        "until",
    ),
    "offering": ("expand",),
    "organizations": ("primaryCode", *PAGING, "q", "organizationType"),
    "organization": ("expand",),
    "organization programs": (*PAGING, *PROGRAM_FILTERS),
}
EXPAND: dict[str, tuple[str, ...]] = {
    "program": ("parent", "children", "coordinators", "organization", "educationSpecification"),
    "offering": (
        "program",
        "programOffering",
        "course",
        "courseOffering",
        "component",
        "organization",
        "academicSession",
    ),
    "organization": ("parent", "children"),
}
# Sorts the specification lists per endpoint; those we serve (see docs/ooapi.md).
SORTS: dict[str, tuple[str, ...]] = {
    "programs": ("programId", "name", "-programId", "-name"),
    "program offerings": (
        "offeringId",
        "name",
        "startDate",
        "endDate",
        "-offeringId",
        "-name",
        "-startDate",
        "-endDate",
    ),
    "organizations": ("organizationId", "name", "-organizationId", "-name"),
}
SORTS["organization programs"] = SORTS["programs"]
DEFAULT_SORT = {
    "programs": "name",
    "organization programs": "name",
    "program offerings": "startDate",
    "organizations": "name",
}
# Sorting every programme by its id would hash and sort the whole catalogue on each request.
SORTS_NOT_SERVED = {"programId", "-programId"}


@dataclass(frozen=True)
class Params:
    """The checked parameters of one request."""

    endpoint: str
    values: Mapping[str, str]

    @classmethod
    def check(cls, endpoint: str, args: Mapping[str, Sequence[str]]) -> Params:
        allowed = PARAMETERS[endpoint]
        values: dict[str, str] = {}
        for name, given in args.items():
            if name not in allowed:
                takes = ", ".join(allowed) if allowed else "no parameters"
                raise bad_parameter(name, f"not a parameter of this endpoint (it takes {takes})")
            if len(given) != 1:
                raise bad_parameter(name, "given more than once")
            values[name] = given[0]
        return cls(endpoint, values)

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def page(self) -> tuple[int, int]:
        """(pageSize, pageNumber), with the specification's defaults."""
        size = self._integer("pageSize", DEFAULT_PAGE_SIZE)
        if size not in PAGE_SIZES:
            raise one_of("pageSize", str(size), (str(s) for s in PAGE_SIZES))
        number = self._integer("pageNumber", 1)
        if number < 1:
            raise bad_parameter("pageNumber", f"{number} is below 1 (pages are numbered from 1)")
        if number > 2**31 - 1:
            raise bad_parameter("pageNumber", "larger than an int32")
        return size, number

    def _integer(self, name: str, default: int) -> int:
        text = self.values.get(name)
        if text is None:
            return default
        if not re.fullmatch(r"[+-]?\d{1,12}", text.strip()):
            raise bad_parameter(name, f"{text!r} is not a whole number")
        return int(text)

    def enum(self, name: str, allowed: Sequence[str]) -> str | None:
        value = self.values.get(name)
        if value is not None and value not in allowed:
            raise one_of(name, value, allowed)
        return value

    def expand(self) -> frozenset[str]:
        text = self.values.get("expand")
        if text is None:
            return frozenset()
        allowed = EXPAND[self.endpoint]
        wanted = [part.strip() for part in text.split(",")]
        for part in wanted:
            if part not in allowed:
                raise one_of("expand", part, allowed)
        return frozenset(wanted)

    def sort(self) -> str:
        value = self.values.get("sort")
        if value is None:
            return DEFAULT_SORT[self.endpoint]
        allowed = SORTS[self.endpoint]
        if "," in value:
            raise bad_parameter("sort", "one sort attribute is served, not a list")
        if value not in allowed:
            raise one_of("sort", value, allowed)
        if self.endpoint in ("programs", "organization programs") and value in SORTS_NOT_SERVED:
            raise bad_parameter(
                "sort",
                f"{value} is not served: it would hash and sort the whole catalogue on each "
                "request; programs are listed by name (`name` or `-name`; docs/ooapi.md)",
            )
        return value

    def teaching_language(self) -> str | None:
        value = self.values.get("teachingLanguage")
        if value is not None and not re.fullmatch(r"[a-z]{3}", value):
            raise bad_parameter(
                "teachingLanguage", f"{value!r} is not an ISO 639-2 code (three lower-case letters)"
            )
        return value

    def day(self, name: str) -> date | None:
        value = self.values.get(name)
        if value is None:
            return None
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError
            return date.fromisoformat(value)
        except ValueError:
            raise bad_parameter(name, f"{value!r} is not a date (YYYY-MM-DD)") from None

    def boolean(self, name: str) -> bool | None:
        value = self.values.get(name)
        if value is None:
            return None
        if value not in ("true", "false"):
            raise one_of(name, value, ("true", "false"))
        return value == "true"

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if value else None
