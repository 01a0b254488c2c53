"""The stream as the build stores it in a version: `ldes/` beside the dumps.

    ldes/index.json        the stream and its pages (id, member count, member times,
                           full or open, gone, SHA-256): all that serving needs besides
                           the pages themselves
    ldes/pages/{id}.nq.gz  the members of one page, N-Quads, in stream order, gzip (one
                           stream, mtime 0); a page only ever grows, and a full page never
                           changes again. Versions built before 2026-12-02 stored the
                           N-Quads as they are (`{id}.nq`): those pages are read as they
                           are and linked as they are into later versions (`page_path`)
    ldes/state.json.gz     per programme: its latest member, the digest of its
                           description and the terms that description looked up (the
                           build's memory between versions; never served): state.py
    ldes/state-terms.gz    the table those terms are numbered in, one a line: state.py

Each version carries the whole stream (full pages are hard links to the previous
version's files where the file system allows), so that pruning old versions
(`retain_versions`) loses nothing and serving a page is one file read.

Pages are stored compressed because they are the largest thing a build writes after the
store: every member's lines carry the member's IRI as their graph, so the pages are twice
the version's dataset.nq (904 MB for 453 MB at 10,000 programmes, 9.0 GB at 100,000).
zlib's gzip level 1 made them 17 times smaller at about 300 MB/s of one core; zlib-ng's
level 2 (graph/compression.py) makes them as small at about two and a half times the speed
(PAGE_GZIP_LEVEL).
A page's SHA-256 (its ETag) and size are those of its N-Quads, not of the file.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..compression import gzip_compressor
from ..errors import ProspectusError

FOLDER = "ldes"
INDEX = "index.json"
PAGES = "pages"
LAYOUT = 1  # the layout of these files; another number is read as no stream
# gzip level of the pages. Measured on the pages of a 10,000-programme build (23.5 MB each,
# written a member at a time), zlib's: level 1 17x smaller at 301 MB/s, 3 18x at 272, 4 21x at
# 177; zlib-ng's level 2 against zlib's 1 on N-Quads in source order: 966 against 411 MB/s,
# 14.8x against 14.3x (graph/compression.py); the 20 pages of 5,000 programmes (473 MB) 17.4x
# smaller at 1,015 MB/s, against 16.7x for zlib's level 1.
PAGE_GZIP_LEVEL = 2


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
        """The page's file, as this code writes it (gzip)."""
        return f"{PAGES}/{self.id}.nq.gz"

    @property
    def plain_file(self) -> str:
        """The page's file as versions built before 2026-12-02 wrote it (N-Quads as is)."""
        return f"{PAGES}/{self.id}.nq"

    @property
    def first(self) -> str:
        return self.times[0]

    @property
    def last(self) -> str:
        return self.times[-1]


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


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def link_or_copy(source: Path, target: Path) -> None:
    """A full page is the same file in every version: hard-link it where possible."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def page_path(version_dir: Path, page: Page) -> Path:
    """The file holding `page` in a version: gzip, or as is when an older version wrote it
    (module doc)."""
    path = folder(version_dir) / page.file
    if path.exists():
        return path
    plain = folder(version_dir) / page.plain_file
    return plain if plain.exists() else path


def read_page(version_dir: Path, page: Page) -> bytes:
    """The N-Quads of `page`'s members, as written."""
    path = page_path(version_dir, page)
    try:
        data = path.read_bytes()
        return gzip.decompress(data) if path.name.endswith(".gz") else data
    except (OSError, EOFError, zlib.error) as exc:
        raise StreamError(f"{path}: cannot read the page: {exc}") from None


def page_compressor() -> Any:
    """A compressor of one page file: gzip (RFC 1952), mtime 0 and no file name, so the
    same members give the same bytes."""
    return gzip_compressor(PAGE_GZIP_LEVEL)


def write_index(staging: Path, index: Index) -> None:
    path = folder(staging) / INDEX
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(index.to_json(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
