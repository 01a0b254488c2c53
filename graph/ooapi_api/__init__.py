"""The OOAPI v5 read API: the published graph as Open Education API 5.0 JSON.

Specification: OOAPI 5.0, ooapi.json (OpenAPI 3.0; https://openonderwijsapi.nl; the tests
validate every answer against a copy of it).
Endpoints (paths below the API's root, which the HTTP wiring mounts at /ooapi/v5):

    GET /                                       Service
    GET /programs                               Pagination of Program
    GET /programs/{programId}                   ProgramExpanded
    GET /programs/{programId}/offerings         Pagination of ProgramOffering
    GET /offerings/{offeringId}                 ProgramOffering
    GET /organizations                          Pagination of Organization
    GET /organizations/{organizationId}         Organization
    GET /organizations/{organizationId}/programs  Pagination of Program

`answer(store, method, path, args, ctx)` returns an `Answer` (status, JSON document): 200 with
the document, or an error in the specification's `Problem` shape (400 bad parameter, 404
unknown id or path, 405 other methods). Pure Python over the Store protocol: no Flask, no
HTTP. Ids are UUIDs derived from our IRIs (ids.py); the mapping field by field, and what OOAPI
cannot hold, is docs/ooapi.md. Modules: `endpoints` (the eight answers), `programs`,
`offerings`, `organizations` (the objects), `params` (parameters checked against the
specification), `read` (SPARQL and the one-value rules), `ids`, `problem`, `context`.

Errors of the store (a timeout, a busy server) are not caught here: the HTTP wiring renders
them, in the Problem shape too.

Imported by the HTTP wiring (server/) and the tests; it reads through graph.store only, takes
its field and code tables from graph.ingest.ooapi.tables, and never imports server or Flask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..store.base import Store
from . import endpoints
from .context import Context
from .params import Params
from .problem import Problem

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
METHODS = ("GET", "HEAD")

Handler = Callable[..., dict[str, Any]]
# (path pattern, endpoint name of params.PARAMETERS, handler)
ROUTES: tuple[tuple[re.Pattern[str], str, Handler], ...] = (
    (re.compile(r"^/$"), "service", endpoints.service),
    (re.compile(r"^/programs$"), "programs", endpoints.program_list),
    (re.compile(r"^/programs/([^/]+)$"), "program", endpoints.program),
    (
        re.compile(r"^/programs/([^/]+)/offerings$"),
        "program offerings",
        endpoints.program_offerings,
    ),
    (re.compile(r"^/offerings/([^/]+)$"), "offering", endpoints.offering),
    (re.compile(r"^/organizations$"), "organizations", endpoints.organization_list),
    (re.compile(r"^/organizations/([^/]+)$"), "organization", endpoints.organization),
    (
        re.compile(r"^/organizations/([^/]+)/programs$"),
        "organization programs",
        endpoints.organization_programs,
    ),
)


@dataclass(frozen=True)
class Answer:
    status: int
    document: dict[str, Any]

    @property
    def media_type(self) -> str:
        return PROBLEM_JSON if self.status >= 400 else JSON


def answer(
    store: Store,
    method: str,
    path: str,
    args: Mapping[str, Sequence[str]],
    ctx: Context,
) -> Answer:
    """The answer to one request: `path` below the API's root (already URL-decoded), `args`
    the query parameters (each name with every value given)."""
    path = path if path == "/" else path.rstrip("/") or "/"
    try:
        for pattern, name, handler in ROUTES:
            found = pattern.match(path)
            if found is None:
                continue
            if method.upper() not in METHODS:
                raise Problem(405, f"{method} is not allowed here: this API only reads (GET)")
            params = Params.check(name, args)
            return Answer(200, handler(store, ctx, params, *found.groups()))
        raise Problem(
            404,
            f"{path} is not an endpoint of this API; it serves / , /programs, /offerings/{{id}} "
            "and /organizations (docs/ooapi.md)",
        )
    except Problem as problem:
        return Answer(problem.status, problem.document())


__all__ = ["Answer", "Context", "Problem", "answer"]
