"""The eight endpoints, each a function of (store, context, path ids, checked parameters) that
returns the JSON document of a 200 answer or raises a Problem."""

from __future__ import annotations

from math import ceil
from typing import Any

from rdflib import URIRef

from ..store.base import Store
from . import ids, offerings, organizations, programs
from .context import Context
from .params import Params
from .problem import Problem, not_found
from .read import english


def paged(size: int, number: int, total: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A collection page (ooapi.json `Pagination` + items)."""
    pages = ceil(total / size)
    return {
        "pageSize": size,
        "pageNumber": number,
        "hasPreviousPage": number > 1,
        "hasNextPage": number < pages,
        "totalPages": pages,
        "items": items,
    }


def service(store: Store, ctx: Context, params: Params) -> dict[str, Any]:
    if not ctx.contact_email or not ctx.documentation:
        raise Problem(
            404,
            "the service metadata is not configured: the operator has not given the contact "
            "e-mail address and documentation URL this endpoint must name",
        )
    return {
        "contactEmail": ctx.contact_email,
        "specification": ctx.specification,
        "documentation": ctx.documentation,
    }


# -- programs ---------------------------------------------------------------------------------


def _programmes(
    store: Store, ctx: Context, params: Params, providers: list[URIRef] | None
) -> dict[str, Any]:
    size, number = params.page()
    params.sort()
    found, total = programs.page(store, params, providers)
    listed = programs.Programmes(store, found)
    return paged(size, number, total, [listed.json(p, ctx) for p in found])


def program_list(store: Store, ctx: Context, params: Params) -> dict[str, Any]:
    return _programmes(store, ctx, params, None)


def _programme(store: Store, ident: str) -> URIRef:
    ident = ids.parse(ident, "programId")
    found = programs.resolve(store, ident)
    if found is None:
        raise not_found("program", ident, "/programs")
    return found


def program(store: Store, ctx: Context, params: Params, ident: str) -> dict[str, Any]:
    expand = params.expand()
    overrides = params.boolean("returnTimelineOverrides")
    iri = _programme(store, ident)
    listed = programs.Programmes(store, [iri])
    document = listed.json(iri, ctx)
    organization = listed.organization(iri)
    if "organization" in expand and organization is not None:
        idx = organizations.index(store, ctx)
        expanded = organizations.organizations_json(store, ctx, idx, [organization])
        if expanded:
            document["organization"] = expanded[0]
    if "children" in expand:
        document["children"] = []  # no programme is a part of another in our model
    if "coordinators" in expand:
        document["coordinators"] = []  # persons are not published
    if overrides:
        document["timelineOverrides"] = []
    return document


def program_offerings(store: Store, ctx: Context, params: Params, ident: str) -> dict[str, Any]:
    size, number = params.page()
    since = params.day("since") or ctx.today
    until = params.day("until")
    language = params.teaching_language()
    text = (params.text("q") or "").lower()
    mode = params.enum("modeOfStudy", ("full-time", "part-time", "dual training", "self-paced"))
    result = params.boolean("resultExpected")
    sort = params.sort()
    iri = _programme(store, ident)
    held = offerings.Offerings(store, offerings.of_programme(store, iri))
    shown = []
    for offering in held.iris:
        offered = held.offered(offering)
        if offered is None or offered.start < since or (until and offered.end > until):
            continue
        doc = offered.document
        if language is not None and doc["teachingLanguage"] != language:
            continue
        if mode is not None and held.programmes.mode_of_study(iri) != mode:
            continue
        if result is False:
            continue  # every programme offering leads to a result
        if text and not any(
            text in t["value"].lower() for f in ("name", "description") for t in doc[f]
        ):
            continue
        shown.append(offered)
    keys = {
        "startDate": lambda o: (o.start, o.document["offeringId"]),
        "endDate": lambda o: (o.end, o.document["offeringId"]),
        "offeringId": lambda o: o.document["offeringId"],
        "name": lambda o: (_name_key(o.document), o.document["offeringId"]),
    }
    shown.sort(key=keys[sort.lstrip("-")], reverse=sort.startswith("-"))
    items = [o.document for o in shown[(number - 1) * size : number * size]]
    return paged(size, number, len(shown), items)


def _name_key(document: dict[str, Any]) -> str:
    names = {t.get("language", ""): t["value"] for t in document["name"]}
    return english(names) or ""


def offering(store: Store, ctx: Context, params: Params, ident: str) -> dict[str, Any]:
    ident = ids.parse(ident, "offeringId")
    expand = params.expand()
    iri = offerings.resolve(store, ident)
    offered = None
    if iri is not None:
        held = offerings.Offerings(store, [iri])
        offered = held.offered(iri)
    if iri is None or offered is None:
        raise not_found("offering", ident, "/programs/{programId}/offerings")
    document = offered.document
    if "program" in expand:
        document["program"] = held.programmes.json(offered.programme, ctx)
    organization = held.programmes.organization(offered.programme)
    if "organization" in expand and organization is not None:
        idx = organizations.index(store, ctx)
        expanded = organizations.organizations_json(store, ctx, idx, [organization])
        if expanded:
            document["organization"] = expanded[0]
    return document


# -- organizations ----------------------------------------------------------------------------


def organization_list(store: Store, ctx: Context, params: Params) -> dict[str, Any]:
    size, number = params.page()
    sort = params.sort()
    kind = params.enum(
        "organizationType",
        ("root", "institute", "department", "faculty", "branch", "academy", "school"),
    )
    code = params.text("primaryCode")
    text = params.text("q")
    idx = organizations.index(store, ctx)
    listed = idx.ordered()
    if kind is not None:
        listed = [o for o in listed if idx.kind[o] == kind]
    if code is not None:
        listed = [o for o in listed if str(o) == code]
    if text is not None:
        matching = organizations.matching(store, ctx, idx, text)
        listed = [o for o in listed if o in matching]
    if sort in ("organizationId", "-organizationId"):
        listed.sort(key=ids.ooapi_id)
    if sort.startswith("-"):
        listed.reverse()
    chosen = listed[(number - 1) * size : number * size]
    items = organizations.organizations_json(store, ctx, idx, chosen)
    return paged(size, number, len(listed), items)


def _organization(store: Store, ctx: Context, ident: str) -> tuple[organizations.OrgIndex, URIRef]:
    ident = ids.parse(ident, "organizationId")
    idx = organizations.index(store, ctx)
    found = idx.by_id.get(ident)
    if found is None:
        raise not_found("organization", ident, "/organizations")
    return idx, found


def organization(store: Store, ctx: Context, params: Params, ident: str) -> dict[str, Any]:
    expand = params.expand()
    idx, org = _organization(store, ctx, ident)
    return organizations.organizations_json(store, ctx, idx, [org], expand)[0]


def organization_programs(store: Store, ctx: Context, params: Params, ident: str) -> dict[str, Any]:
    params.page()  # a bad parameter is a 400 before an unknown id is a 404
    params.sort()
    programs.filters(params)
    idx, org = _organization(store, ctx, ident)
    providers = None if org == idx.root else idx.below(org)
    return _programmes(store, ctx, params, providers)
