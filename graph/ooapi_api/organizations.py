"""OOAPI `Organization`s: the catalogue as the root, the organisations that provide or
administer a programme, and the organisations they are units of.

ooapi.json asks each endpoint for a single organization of type `root`, "the Educational
Institution itself". We publish many institutions, so the root is the catalogue
(`id:dataset/catalog`, "Prospectus catalogue"); every organisation without an `org:unitOf` is
an `institute` under it, and a unit's type is the word of its English name that names one
(`Faculty of Science` -> faculty), else `department`.

Which organisations exist is known only from every programme's providers (a scan), so the set
is computed once per store (a published version never changes; a new one is a new store)
or, for a remote store, whose data may change, at most once per INDEX_SECONDS: the index
holds each organisation's parent, children, type and sort key, a few hundred bytes each.
Their other fields are read a page at a time.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import ORG, SKOS

from ..ingest.codes import ALPHA2_BY_ALPHA3
from ..ingest.ooapi.tables import (
    ADDRESS_TYPE,
    CODE_TYPE_IRI,
    CODE_TYPE_ROR,
    NESTED_FIELDS,
    ORGANIZATION_FIELDS,
    ORGANIZATION_TYPE_BY_WORD,
    ORGANIZATION_TYPE_TOP,
    ORGANIZATION_TYPE_UNIT,
    PROGRAM_FIELDS,
)
from ..iris import ELM, PRO, dataset
from ..store.base import Store
from ..store.remote import RemoteStore
from . import ids
from .context import Context
from .read import (
    Stated,
    code_of,
    drop_empty,
    english,
    labels,
    language_typed,
    linked,
    select,
    source_dates,
    stated,
    text_filter,
)

INDEX_SECONDS = 60.0
ROOT_NAME = "Prospectus catalogue"
ROOT_SHORT_NAME = "Prospectus"
ROOT_DESCRIPTION = (
    "The catalogue of study programmes published by Prospectus. It is not an institution: "
    "the institutions that provide the programmes are its children."
)
NAME = ORGANIZATION_FIELDS["name"]
SHORT_NAME = ORGANIZATION_FIELDS["shortName"]
DESCRIPTION = ORGANIZATION_FIELDS["description"]
ADDRESS = ORGANIZATION_FIELDS["addresses"]
LINK = ORGANIZATION_FIELDS["link"]
CODES = ORGANIZATION_FIELDS["primaryCode"]
STREET = next(p for p, f in NESTED_FIELDS.items() if f == "addresses.street")
POSTAL_CODE = next(p for p, f in NESTED_FIELDS.items() if f == "addresses.postalCode")
CITY = next(p for p, f in NESTED_FIELDS.items() if f == "addresses.city")
COUNTRY = next(p for p, f in NESTED_FIELDS.items() if f == "addresses.countryCode")


def root_iri(ctx: Context) -> URIRef:
    return dataset("catalog", base=ctx.base_iri)


@dataclass
class OrgIndex:
    """Every organisation served, with what listing and linking need."""

    root: URIRef
    parent: dict[URIRef, URIRef] = field(default_factory=dict)  # the root's parent is absent
    children: dict[URIRef, list[URIRef]] = field(default_factory=dict)
    kind: dict[URIRef, str] = field(default_factory=dict)
    sort_key: dict[URIRef, tuple[str, str]] = field(default_factory=dict)
    by_id: dict[str, URIRef] = field(default_factory=dict)

    def __contains__(self, iri: object) -> bool:
        return iri in self.kind

    def ordered(self) -> list[URIRef]:
        return sorted(self.kind, key=lambda o: (self.sort_key[o], str(o)))

    def below(self, org: URIRef) -> list[URIRef]:
        """`org` and every unit under it."""
        found, todo = [], [org]
        while todo:
            node = todo.pop()
            found.append(node)
            todo += self.children.get(node, [])
        return found


_cache: weakref.WeakKeyDictionary[Any, tuple[float, str, OrgIndex]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()
_build_lock = threading.Lock()  # one thread builds; the others wait for its index


def _cached(store: Store, ctx: Context) -> OrgIndex | None:
    with _cache_lock:
        cached = _cache.get(store)
    if cached is None or cached[1] != ctx.base_iri:
        return None
    # A published version never changes (a new one is a new store); a remote store may.
    stale = isinstance(store, RemoteStore) and time.monotonic() - cached[0] >= INDEX_SECONDS
    return None if stale else cached[2]


def index(store: Store, ctx: Context) -> OrgIndex:
    """The organisation index of `store`, computed once (a remote store's: at most once per
    INDEX_SECONDS)."""
    try:
        weakref.ref(store)
    except TypeError:  # a store that cannot be weakly referenced: no cache
        return _build(store, ctx)
    found = _cached(store, ctx)
    if found is not None:
        return found
    with _build_lock:
        found = _cached(store, ctx)
        if found is None:
            began = time.monotonic()
            found = _build(store, ctx)
            with _cache_lock:
                _cache[store] = (began, ctx.base_iri, found)
    return found


def _build(store: Store, ctx: Context) -> OrgIndex:
    providers = select(
        store,
        f"""SELECT DISTINCT ?x WHERE {{ {{ ?p {PROGRAM_FIELDS["organization"].n3()} ?x }}
            UNION {{ ?p {PRO.administeredBy.n3()} ?x }} FILTER(isIRI(?x)) }}""",
    )
    edges = select(store, f"SELECT DISTINCT ?u ?up WHERE {{ ?u {ORG.unitOf.n3()} ?up }}")
    up: dict[URIRef, URIRef] = {}
    for row in sorted(edges, key=lambda r: str(r.get("up"))):
        u, parent = row.get("u"), row.get("up")
        if isinstance(u, URIRef) and isinstance(parent, URIRef) and u not in up:
            up[u] = parent  # the first parent in code-point order
    root = root_iri(ctx)
    idx = OrgIndex(root)
    for row in providers:
        node = row.get("x")
        seen: set[URIRef] = set()
        while isinstance(node, URIRef) and node not in seen:
            seen.add(node)
            idx.kind.setdefault(node, "")
            node = up.get(node)
    names = labels(store, list(idx.kind), NAME)
    for org in list(idx.kind):
        parent = up.get(org)
        if parent is None or parent not in idx.kind:
            parent = root
            idx.kind[org] = ORGANIZATION_TYPE_TOP
        else:
            idx.kind[org] = _unit_type(english(names.get(org, {})) or "")
        idx.parent[org] = parent
        idx.children.setdefault(parent, []).append(org)
        texts = names.get(org, {})
        idx.sort_key[org] = min(((t, lang) for lang, t in texts.items()), default=(str(org), ""))
    idx.kind[root] = "root"
    idx.sort_key[root] = (ROOT_NAME, "en")
    for org in idx.kind:
        idx.by_id[ids.ooapi_id(org)] = org
    for kids in idx.children.values():
        kids.sort(key=lambda o: (idx.sort_key[o], str(o)))
    return idx


def _unit_type(name: str) -> str:
    words = set(re.findall(r"[a-z]+", name.lower()))
    for word, kind in ORGANIZATION_TYPE_BY_WORD.items():
        if word in words:
            return kind
    return ORGANIZATION_TYPE_UNIT


def _root_json(ctx: Context, idx: OrgIndex) -> dict[str, Any]:
    root = idx.root
    document: dict[str, Any] = {
        "organizationId": ids.ooapi_id(root),
        "primaryCode": {"codeType": CODE_TYPE_IRI, "code": str(root)},
        "organizationType": "root",
        "name": [{"language": "en", "value": ROOT_NAME}],
        "shortName": ROOT_SHORT_NAME,
        "description": [{"language": "en", "value": ROOT_DESCRIPTION}],
        "link": ctx.page(root),
    }
    return document


def organizations_json(
    store: Store,
    ctx: Context,
    idx: OrgIndex,
    orgs: Sequence[URIRef],
    expand: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """The Organization objects of `orgs` (served ones), in their order."""
    real = [o for o in orgs if o != idx.root and o in idx]
    props = [NAME, SKOS.altLabel, SHORT_NAME, DESCRIPTION, LINK, PRO.ror]
    facts = stated(store, real, props)
    nested = linked(
        store,
        real,
        [ADDRESS, CODES],
        [STREET, POSTAL_CODE, CITY, COUNTRY, SKOS.notation, ELM.schemeName],
    )
    dates = source_dates(
        store, set().union(*(f.graphs([NAME, DESCRIPTION]) for f in facts.values()))
    )
    related: list[URIRef] = []
    if "parent" in expand:
        related += [idx.parent[o] for o in orgs if o in idx.parent]
    if "children" in expand:
        related += [c for o in orgs for c in idx.children.get(o, [])]
    objects = {}
    if related:
        for obj in organizations_json(store, ctx, idx, sorted(set(related))):
            objects[obj["organizationId"]] = obj
    out = []
    for org in orgs:
        if org == idx.root:
            document = _root_json(ctx, idx)
        elif org in idx:
            document = _org_json(ctx, idx, org, facts[org], nested[org], dates)
        else:
            continue
        parent = idx.parent.get(org)
        if parent is not None:
            pid = ids.ooapi_id(parent)
            document["parent"] = objects.get(pid, pid) if "parent" in expand else pid
        if "children" in expand:
            document["children"] = [objects[ids.ooapi_id(c)] for c in idx.children.get(org, [])]
        out.append(document)
    return out


def _org_json(
    ctx: Context,
    idx: OrgIndex,
    org: URIRef,
    facts: Stated,
    nested: dict[URIRef, dict[Any, Stated]],
    dates: dict[URIRef, str],
) -> dict[str, Any]:
    names = language_typed(facts.per_language(NAME, dates)) or [{"value": str(org)}]
    short = facts.one(SHORT_NAME)
    if short is None:  # the shortest alternative label ("TalTech"), else none
        alternatives = sorted(facts.all(SKOS.altLabel), key=lambda a: (len(str(a)), str(a)))
        short = alternatives[0] if alternatives else None
    other = [
        {"codeType": str(n.one(ELM.schemeName) or "identifier"), "code": str(n.one(SKOS.notation))}
        for n in nested.get(CODES, {}).values()
        if n.one(SKOS.notation) is not None
    ]
    other += [{"codeType": CODE_TYPE_ROR, "code": str(r)} for r in facts.all(PRO.ror)]
    homepage = facts.one(LINK)
    return drop_empty(
        {
            "organizationId": ids.ooapi_id(org),
            "primaryCode": {"codeType": CODE_TYPE_IRI, "code": str(org)},
            "organizationType": idx.kind[org],
            "name": names,
            "shortName": str(short) if short is not None else "",
            "description": language_typed(facts.per_language(DESCRIPTION, dates)),
            "addresses": _addresses(nested.get(ADDRESS, {})),
            "link": str(homepage) if homepage is not None else ctx.page(org),
            "otherCodes": sorted(other, key=lambda c: (c["codeType"], c["code"])),
        }
    )


def _addresses(nodes: dict[Any, Stated]) -> list[dict[str, Any]]:
    found = []
    for _node, facts in sorted(nodes.items(), key=lambda item: str(item[0])):
        country = facts.one(COUNTRY)
        address = drop_empty(
            {
                "addressType": ADDRESS_TYPE,
                "street": _text(facts.one(STREET)),
                "postalCode": _text(facts.one(POSTAL_CODE)),
                "city": _text(facts.one(CITY)),
                "countryCode": ALPHA2_BY_ALPHA3.get(code_of(country)) if country else None,
            }
        )
        if len(address) > 1 and address not in found:
            found.append(address)
    return found


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, Literal) else None


def matching(store: Store, ctx: Context, idx: OrgIndex, text: str) -> set[URIRef]:
    """The organisations whose name, short name or description contains `text` (any case)."""
    props = (NAME, SKOS.altLabel, SHORT_NAME, DESCRIPTION)
    rows = select(store, f"SELECT DISTINCT ?o WHERE {{ {text_filter('?o', props, text)} }}")
    found = {o for r in rows if isinstance(o := r.get("o"), URIRef) and o in idx}
    needle = text.lower()
    if any(needle in t.lower() for t in (ROOT_NAME, ROOT_SHORT_NAME, ROOT_DESCRIPTION)):
        found.add(idx.root)
    return found
