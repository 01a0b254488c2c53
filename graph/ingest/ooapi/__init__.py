"""The Open Education API v5 importer (OOAPI, https://openonderwijsapi.nl; the schemas of
its OpenAPI document, ooapi.json): programs, their offerings and their organizations.

`walk` reads the endpoint (or a folder of its JSON documents), `mapping` turns each object
into a record with the tables of `tables` (both ways: OOAPI field <-> our property), and this
module runs an import: walk, map, check against the shapes, write.

Each program, offering and organization is a record of its own (graph/ingest/records.py):
one source graph `source/ooapi/{institution}/{program|offering|organization}/{id}`, where
the institution is the slug of the endpoint's root organization's `shortName` (an OOAPI
endpoint serves one institution). The record's bytes are its JSON object with expanded
references replaced by their ids, keys sorted: the same record gives the same SHA-256 however
it was reached. The mapping, field by field, is tables.py and docs/import.md.

Imported by the CLI (`prospectus import ooapi`) and the tests, like the rest of graph/ingest/.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from functools import partial
from pathlib import Path

from ... import iris
from ...errors import SourceUnreadable
from .. import records
from ..client import Client, is_url
from ..records import Record, Unmappable
from ..report import ImportReport
from .mapping import Context, map_offering, map_organization, map_program
from .tables import FORMAT, PAGE_SIZES
from .walk import Collected, Item, canonical_json, read_endpoint, read_folder

__all__ = ["FORMAT", "PAGE_SIZES", "canonical_json", "import_collected", "run"]


def _root(collected: Collected) -> str | None:
    roots = sorted(
        org_id
        for org_id, item in collected.organizations.items()
        if item.obj.get("organizationType") == "root"
    )
    return roots[0] if roots else None


def institution_of(collected: Collected, root: str | None) -> str:
    if root is not None:
        short = collected.organizations[root].obj.get("shortName")
        name = short if isinstance(short, str) and short.strip() else root
        return iris.record_slug(name)
    where = urllib.parse.urlsplit(collected.source)
    return iris.record_slug(where.netloc or Path(where.path).name or "ooapi")


def import_collected(collected: Collected, into: Path, report: ImportReport) -> ImportReport:
    """Map every collected object, check them against the shapes, write them into `into`."""
    root = _root(collected)
    ctx = Context(institution_of(collected, root), root, collected.organizations)
    mapped: list[Record] = []
    refused_files: list[str] = []

    def attempt(item: Item, key: str, mapper: Callable[[], Record]) -> Record | None:
        value = item.obj.get(key)
        ident = value if isinstance(value, str) else ""
        try:
            record = mapper()
        except Unmappable as exc:
            parts = (FORMAT, ctx.institution, item.kind, iris.record_slug(ident)) if ident else None
            records.refuse(report, refused_files, item.url, ident, exc, parts)
            return None
        mapped.append(record)
        return record

    programmes: dict[str, str] = {}
    for item in collected.programs:
        if attempt(item, "programId", partial(map_program, ctx, item)) is not None:
            programmes[item.obj["programId"]] = item.url
    for item in collected.offerings:
        attempt(item, "offeringId", partial(map_offering, ctx, item, programmes))
    for item in sorted(collected.organizations.values(), key=lambda i: i.url):
        attempt(item, "organizationId", partial(map_organization, ctx, item))
    prefix = records.scope_prefix(FORMAT, ctx.institution)
    report.requests = collected.requests
    return records.finish(report, mapped, refused_files, into, prefix)


def run(source: str, into: Path, client: Client, page_size: int = 100) -> ImportReport:
    """`prospectus import ooapi URL|DIR`."""
    if page_size not in PAGE_SIZES:
        raise SourceUnreadable(source, f"pageSize must be one of {PAGE_SIZES}")
    if is_url(source):
        collected = read_endpoint(source, client, page_size)
    else:
        collected = read_folder(Path(source), client.now)
    report = ImportReport("OOAPI", collected.source, str(into))
    return import_collected(collected, into, report)
