"""Errors of the OOAPI read API, in the specification's `Problem` shape.

ooapi.json: every error answer is `application/problem+json` with a `Problem` object
(`status` as a string, `title`, `detail`). A parameter the specification does not allow, or a
value outside its schema, is a 400 naming the parameter and what it accepts; an id that names
nothing we serve is a 404 naming the id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..errors import ProspectusError

TITLES = {
    400: "Bad request",
    404: "Resource not found",
    405: "Method not allowed",
    500: "Internal server error",
    503: "Service unavailable",
}


class Problem(ProspectusError):
    """An answer in the specification's `Problem` shape."""

    def __init__(self, status: int, detail: str, title: str | None = None):
        super().__init__(status, detail)
        self.status = status
        self.title = title or TITLES.get(status, "Error")
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.status} {self.title}: {self.detail}"

    def document(self) -> dict[str, Any]:
        return {"status": str(self.status), "title": self.title, "detail": self.detail}


def bad_parameter(name: str, detail: str) -> Problem:
    return Problem(400, f"parameter `{name}`: {detail}")


def one_of(name: str, value: str, allowed: Iterable[str]) -> Problem:
    choices = ", ".join(allowed)
    return bad_parameter(name, f"{value!r} is not one of {choices}")


def not_found(kind: str, ident: str, listed_at: str) -> Problem:
    return Problem(404, f"no {kind} has the id {ident}; the ids are listed at {listed_at}")
