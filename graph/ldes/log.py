"""The stream as the build stores it in a version: `ldes/` beside the dumps.

    ldes/index.json        the stream and its pages (id, member count, member times,
                           full or open, gone, SHA-256): all that serving needs besides
                           the pages themselves
    ldes/pages/{id}.nq     the members of one page, N-Quads, in stream order; a page only
                           ever grows, and a full page never changes again
    ldes/state.json.gz     per programme: its latest member, the digest of its
                           description and the terms that description looked up (the
                           build's memory between versions; never served)

Each version carries the whole stream (full pages are hard links to the previous
version's files where the file system allows), so that pruning old versions
(`retain_versions`) loses nothing and serving a page is one file read.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ProspectusError
from .members import Reads

FOLDER = "ldes"
INDEX = "index.json"
STATE = "state.json.gz"
PAGES = "pages"
LAYOUT = 1  # the layout of these files; another number is read as no stream


class StreamError(ProspectusError):
    """The stream of a version cannot be read or written."""

    exit_code = 2


@dataclass
class Page:
    """One page (tree:Node) of members, in stream order."""

    id: int
    members: int
    times: list[str]  # the distinct member times on the page, ascending
    full: bool  # holds `page_size` members: never changes again
    sha256: str = ""
    size: int = 0
    gone: bool = False  # dropped by the retention policy (served as 410 Gone)

    @property
    def file(self) -> str:
        return f"{PAGES}/{self.id}.nq"

    @property
    def first(self) -> str:
        return self.times[0]

    @property
    def last(self) -> str:
        return self.times[-1]


@dataclass
class Entry:
    """The latest member of one programme, and what its description looked up."""

    member: str
    time: str
    deleted: bool
    page: int
    digest: str | None = None
    reads: Reads = field(default_factory=lambda: Reads(frozenset(), frozenset()))


@dataclass
class Index:
    """ldes/index.json: what serving reads."""

    stream: str
    base_iri: str
    page_size: int
    retention_days: int
    pages: list[Page]

    @property
    def live(self) -> list[Page]:
        return [p for p in self.pages if not p.gone]

    @property
    def latest(self) -> str | None:
        return self.pages[-1].last if self.pages else None

    def page(self, page_id: int) -> Page | None:
        return next((p for p in self.pages if p.id == page_id), None)

    def upper_bound(self, page: Page) -> str | None:
        """The first member time after every member of `page` (None: no later member)."""
        later = [t for p in self.pages if p.id > page.id for t in p.times if t > page.last]
        return min(later) if later else None

    def to_json(self) -> dict[str, Any]:
        return {
            "layout": LAYOUT,
            "stream": self.stream,
            "base_iri": self.base_iri,
            "page_size": self.page_size,
            "retention_days": self.retention_days,
            "pages": [asdict(p) for p in self.pages],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Index:
        return cls(
            data["stream"],
            data["base_iri"],
            int(data["page_size"]),
            int(data["retention_days"]),
            [Page(**p) for p in data["pages"]],
        )


def folder(version_dir: Path) -> Path:
    return version_dir / FOLDER


def read_index(version_dir: Path) -> Index | None:
    """The stream of a version, or None when the version has none (built before it)."""
    path = folder(version_dir) / INDEX
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StreamError(f"{path}: cannot read the stream's index: {exc}") from None
    if data.get("layout") != LAYOUT:
        return None
    return Index.from_json(data)


def read_state(version_dir: Path) -> dict[str, Entry]:
    path = folder(version_dir) / STATE
    try:
        data = json.loads(gzip.decompress(path.read_bytes()))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise StreamError(f"{path}: cannot read the stream's state: {exc}") from None
    terms: list[str] = data["terms"]
    entries = {}
    for programme, e in data["programmes"].items():
        reads = Reads(  # compact (members.Reads): each term one string, kept as written
            tuple(terms[i] for i in e["subjects"]),
            tuple(terms[i] for i in e["objects"]),
            e["unkeyed"],
        )
        entries[programme] = Entry(
            e["member"], e["time"], e["deleted"], e["page"], e["digest"], reads
        )
    return entries


def state_bytes(entries: dict[str, Entry]) -> bytes:
    """The state file: terms interned once, programmes sorted; gzip with mtime 0."""
    numbers: dict[str, int] = {}

    def number(term: str) -> int:
        if term not in numbers:
            numbers[term] = len(numbers)
        return numbers[term]

    programmes = {}
    for programme in sorted(entries):
        e = entries[programme]
        programmes[programme] = {
            "member": e.member,
            "time": e.time,
            "deleted": e.deleted,
            "page": e.page,
            "digest": e.digest,
            "subjects": [number(t) for t in sorted(e.reads.subjects)],
            "objects": [number(t) for t in sorted(e.reads.objects)],
            "unkeyed": e.reads.unkeyed,
        }
    text = json.dumps({"terms": list(numbers), "programmes": programmes}, separators=(",", ":"))
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def link_or_copy(source: Path, target: Path) -> None:
    """A full page is the same file in every version: hard-link it where possible."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def write_index(staging: Path, index: Index) -> None:
    path = folder(staging) / INDEX
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(index.to_json(), indent=1, sort_keys=True) + "\n", encoding="utf-8")


def write_state(staging: Path, entries: dict[str, Entry]) -> None:
    path = folder(staging) / STATE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(state_bytes(entries))
