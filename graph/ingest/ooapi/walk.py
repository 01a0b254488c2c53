"""Reading an OOAPI v5 endpoint (the walk) or a folder of its JSON documents.

`read_endpoint`, over HTTP with the polite client (graph/ingest/client.py):
1. `GET /programs?pageSize=…&pageNumber=…`, every page while `hasNextPage`;
2. for each program, `GET /programs/{programId}/offerings`, every page;
3. for each organization a program or offering names and that no answer has expanded yet,
   `GET /organizations/{organizationId}?expand=parent`: the parent comes in the same answer,
   so a unit and its faculty cost one request; the chain is followed up to the root.
`read_folder` reads the same objects from a folder of JSON files (collection pages, lists or
single objects, recognised by their id fields; an offering without `program` belongs to the
program of its path `programs/{programId}/offerings…`).
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ...errors import SourceUnreadable
from ..client import Client, Fetched, read_file

MAX_PAGES = 10_000


@dataclass
class Item:
    """One object of the endpoint, where it was read, and when."""

    kind: str  # program | offering | organization
    obj: dict[str, Any]
    url: str  # the record's URL
    retrieved_from: str  # the answer that held it
    fetched: datetime
    program_id: str | None = None  # offerings: the program whose list held it


@dataclass
class Collected:
    source: str
    programs: list[Item] = field(default_factory=list)
    offerings: list[Item] = field(default_factory=list)
    organizations: dict[str, Item] = field(default_factory=dict)
    requests: int = 0


def _id_of(value: Any, key: str) -> str | None:
    """An id field that may be expanded: the id string, or the expanded object's id."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get(key), str):
        return value[key]
    return None


def _flatten(obj: dict[str, Any]) -> dict[str, Any]:
    """The object with expanded references replaced by their ids (the record's own bytes)."""
    out = dict(obj)
    for key, id_key in (
        ("organization", "organizationId"),
        ("parent", "organizationId" if "organizationId" in obj else "programId"),
        ("program", "programId"),
        ("educationSpecification", "educationSpecificationId"),
        ("academicSession", "academicSessionId"),
    ):
        if isinstance(out.get(key), dict):
            out[key] = _id_of(out[key], id_key)
    if isinstance(out.get("children"), list):
        id_key = "organizationId" if "organizationId" in obj else "programId"
        out["children"] = [_id_of(c, id_key) for c in out["children"]]
    return out


def canonical_json(obj: dict[str, Any]) -> bytes:
    return json.dumps(
        _flatten(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def _json(fetched: Fetched) -> Any:
    try:
        return json.loads(fetched.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise SourceUnreadable(fetched.url, f"not JSON ({exc})") from None


def _add_organization(
    collected: Collected, obj: Any, url: str, fetched: Fetched, base: str
) -> None:
    """Collect an organization object, and its parent when the answer expanded it."""
    if not isinstance(obj, dict) or not isinstance(obj.get("organizationId"), str):
        return
    org_id = obj["organizationId"]
    if org_id not in collected.organizations:
        collected.organizations[org_id] = Item(
            "organization", obj, f"{base}/organizations/{org_id}", url, fetched.fetched
        )
    if isinstance(obj.get("parent"), dict):
        _add_organization(collected, obj["parent"], url, fetched, base)


def _pages(client: Client, url: str, page_size: int) -> Iterator[tuple[Fetched, list[Any]]]:
    for number in range(1, MAX_PAGES + 1):
        separator = "&" if "?" in url else "?"
        page_url = f"{url}{separator}pageSize={page_size}&pageNumber={number}"
        fetched = client.get(page_url)
        page = _json(fetched)
        if not isinstance(page, dict) or not isinstance(page.get("items"), list):
            raise SourceUnreadable(page_url, "not an OOAPI collection page (no `items` array)")
        yield fetched, page["items"]
        if page.get("hasNextPage") is not True or not page["items"]:
            return
    raise SourceUnreadable(url, f"more than {MAX_PAGES} pages")


def read_endpoint(base: str, client: Client, page_size: int = 100) -> Collected:
    """Walk an OOAPI v5 endpoint (its base URL, e.g. https://example.edu/ooapi/v5)."""
    base = base.rstrip("/")
    collected = Collected(base)
    for fetched, items in _pages(client, f"{base}/programs", page_size):
        for obj in items:
            if isinstance(obj, dict):
                pid = obj.get("programId") if isinstance(obj.get("programId"), str) else None
                url = f"{base}/programs/{pid}" if pid else fetched.url
                collected.programs.append(Item("program", obj, url, fetched.url, fetched.fetched))
                _add_organization(collected, obj.get("organization"), fetched.url, fetched, base)
    for program in collected.programs:
        pid = program.obj.get("programId")
        if not isinstance(pid, str):
            continue
        path = urllib.parse.quote(pid, safe="")
        for fetched, items in _pages(client, f"{base}/programs/{path}/offerings", page_size):
            for obj in items:
                if isinstance(obj, dict):
                    oid = obj.get("offeringId") if isinstance(obj.get("offeringId"), str) else None
                    url = f"{base}/offerings/{oid}" if oid else fetched.url
                    collected.offerings.append(
                        Item("offering", obj, url, fetched.url, fetched.fetched, pid)
                    )
                    _add_organization(
                        collected, obj.get("organization"), fetched.url, fetched, base
                    )
    for org_id in _missing_organizations(collected):
        path = urllib.parse.quote(org_id, safe="")
        fetched = client.get(f"{base}/organizations/{path}?expand=parent")
        obj = _json(fetched)
        if not isinstance(obj, dict) or obj.get("organizationId") != org_id:
            raise SourceUnreadable(fetched.url, f"not the organization {org_id}")
        _add_organization(collected, obj, fetched.url, fetched, base)
    collected.requests = client.requests
    return collected


def _missing_organizations(collected: Collected) -> Iterator[str]:
    """Organization ids named by programs, offerings or organizations and not yet read,
    until none is left (so parents are followed up to the root)."""
    while True:
        named = [
            _id_of(item.obj.get("organization"), "organizationId")
            for item in (*collected.programs, *collected.offerings)
        ]
        named += [
            _id_of(item.obj.get("parent"), "organizationId")
            for item in collected.organizations.values()
        ]
        missing = sorted({n for n in named if n and n not in collected.organizations})
        if not missing:
            return
        yield missing[0]


def read_folder(folder: Path, now: Callable[[], datetime] | None = None) -> Collected:
    """The same objects from a folder of JSON files (pages, lists or single objects)."""
    if not folder.is_dir():
        raise SourceUnreadable(str(folder), "not a folder")
    files = sorted(folder.rglob("*.json"))
    if not files:
        raise SourceUnreadable(str(folder), "holds no *.json file")
    collected = Collected(folder.resolve().as_uri())
    for path in files:
        fetched = read_file(path, now) if now else read_file(path)
        data = _json(fetched)
        objects = data.get("items") if isinstance(data, dict) and "items" in data else data
        if isinstance(objects, dict):
            objects = [objects]
        if not isinstance(objects, list):
            raise SourceUnreadable(fetched.url, "neither an OOAPI object, a list nor a page")
        parts = path.relative_to(folder).parts
        program_of_path = parts[parts.index("programs") + 1] if "programs" in parts[:-2] else None
        for obj in objects:
            if not isinstance(obj, dict):
                continue
            for key, kind in (
                ("programId", "program"),
                ("offeringId", "offering"),
                ("organizationId", "organization"),
            ):
                if isinstance(obj.get(key), str):
                    url = f"{fetched.url}#{obj[key]}"
                    item = Item(kind, obj, url, fetched.url, fetched.fetched, program_of_path)
                    if kind == "program":
                        collected.programs.append(item)
                        _add_organization(
                            collected, obj.get("organization"), fetched.url, fetched, ""
                        )
                    elif kind == "offering":
                        collected.offerings.append(item)
                        _add_organization(
                            collected, obj.get("organization"), fetched.url, fetched, ""
                        )
                    else:
                        collected.organizations.setdefault(obj[key], item)
                        if isinstance(obj.get("parent"), dict):
                            _add_organization(collected, obj["parent"], fetched.url, fetched, "")
                    break
    for item in collected.organizations.values():
        if not item.url.startswith("file:"):  # an expanded parent: its file is the child's
            item.url = f"{item.retrieved_from}#{item.obj['organizationId']}"
    return collected
