"""The build step that adds a version's members to the stream (`ldes_writer`).

Run after the change record (graph/build/writers/changes.py): it reads the staged version
in place (its store and sorted N-Quads, graph/store/staged_batch.py), the changes the record
is made of (BuildContext.changes) and the previous version's stream, then writes the whole
stream into the staged version (graph/ldes/log.py). The programmes to describe go in
batches of BATCH to graph/ldes/bulk.py, in `workers` forked processes (the `build_workers`
setting) when there are enough batches; their members come back in stream order and are
written as they come.

1. Programmes that appeared (or came back) are described and get an `as:Create` member;
   programmes whose last description looked up a term the change record touched are
   described again and get an `as:Update` member when the description differs; programmes
   gone from the version get an `as:Delete` tombstone. A version without a previous
   stream (the first one, or one built before the stream existed) starts the stream: every
   programme gets a Create member.
2. Members are appended in stream order (time, then member IRI) to the open page; a page
   that reaches `page_size` members is full and never changes again; the next member
   opens a new page.
3. With `retention_days` > 0, pages whose members are all older than the window (plus a
   day of safety margin) are dropped, unless they hold the latest version of a programme
   (a tombstone only while it is in the window): the stream keeps the full log of the
   window and the latest version of everything (docs/harvesting.md, "Retention").
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Sequence
from contextlib import closing
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from rdflib import URIRef

from ... import iris
from ...iris import ACTIVITY_STREAMS as AS
from ...ldes import bulk, log, members
from ...ldes.log import Index, Page
from ...ldes.state import Entry, State, read_state, write_state
from ...store.sorted_nquads import SortedNQuads
from ...store.staged_batch import TermLookup
from ...versions import STORE_DIR, Version
from ..context import BuildContext, Writer
from ..parse import forked_pool, ordered_map, workers_for
from . import changes

DEFAULT_PAGE_SIZE = 250
BATCH = 100  # programmes described in one pass (graph/ldes/bulk.py), one worker's task
XSD_DATE_TIME = "%Y-%m-%dT%H:%M:%SZ"


def ldes_writer(
    page_size: int = DEFAULT_PAGE_SIZE, retention_days: int = 0, workers: int = 1
) -> Writer:
    """A build writer (graph/build/context.py) for the change stream, with the
    `ldes_page_size` and `ldes_retention_days` settings, describing programmes in `workers`
    processes."""
    if page_size < 1:
        raise log.StreamError(
            f"ldes_page_size must be at least 1 (members per page), not {page_size}"
        )
    if retention_days < 0:
        raise log.StreamError(
            f"ldes_retention_days must be 0 (keep everything) or more, not {retention_days}"
        )

    def write_ldes(ctx: BuildContext) -> None:
        write_stream(ctx, page_size=page_size, retention_days=retention_days, workers=workers)

    return write_ldes


def member_time(created: str, latest: str | None) -> str:
    """The version's creation time as xsd:dateTime in UTC; never before the stream's latest
    member (a stream is in time order even if a build machine's clock went back)."""
    when = datetime.fromisoformat(created).astimezone(UTC).strftime(XSD_DATE_TIME)
    return max(when, latest) if latest else when


def _touched(ctx: BuildContext, hidden: set[str]) -> members.Touched:
    """What the version changed: the changes its record is made of (BuildContext.changes,
    found once for the change record's writer before this one; not its Turtle parsed
    again, 0.2 s at 30,000 programmes after a 1% change)."""
    found = {g: (set(added), set(removed)) for g, (added, removed) in ctx.changes.items()}
    return members.Touched.of(found, sorted(hidden))


def write_stream(
    ctx: BuildContext,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    retention_days: int = 0,
    workers: int = 1,
) -> None:
    with SortedNQuads(ctx.nquads_path) as quads_file:
        try:
            _write_stream(
                ctx, quads_file, page_size=page_size, retention_days=retention_days, workers=workers
            )
        finally:
            bulk.close_lookups()


def _described(batches: Sequence[bulk.Batch], workers: int) -> Generator[bulk.Described]:
    """The programmes of `batches` described, in order: in this process, or in `workers`
    forked processes when there are enough (each reads the version through its own
    lookup, graph/ldes/bulk.py)."""
    if workers <= 1 or len(batches) < 2 * workers:
        for batch in batches:
            yield from bulk.describe_batch(batch)
        return
    with forked_pool(workers) as pool:
        for found in ordered_map(pool, bulk.describe_batch, batches, 4 * workers):
            yield from found


def _write_stream(
    ctx: BuildContext,
    quads_file: SortedNQuads,
    *,
    page_size: int,
    retention_days: int,
    workers: int,
) -> None:
    staging, manifest, previous, base = ctx.path, ctx.manifest, ctx.previous, ctx.base_iri
    hidden = {base + "graph/order"}  # the catalogue order is not part of a description
    # The version read in place (graph/store/staged_batch.py): its programmes found in its
    # store; described a batch at a time (graph/ldes/bulk.py); never the catalogue in memory.
    lookup = TermLookup(quads_file, ctx.store, hidden=hidden)
    old_index = log.read_index(previous.path) if previous is not None else None
    if old_index is not None and old_index.base_iri != base:
        old_index = None  # another base is another stream
    state = read_state(previous.path) if previous is not None and old_index is not None else State()
    entries, terms = state.entries, state.terms
    time = member_time(manifest["created"], old_index.latest if old_index else None)
    stream = iris.ldes_stream(base)
    activity = changes.record_iri(base, manifest["version"])

    now = bulk.programmes(lookup)
    live_before = {p for p, e in entries.items() if not e.deleted}
    if old_index is None or previous is None:
        candidates = now
    else:
        touched = _touched(ctx, hidden)
        candidates = [
            p for p in now if p not in live_before or touched.may_change(entries[p].reads)
        ]
    retired = sorted(live_before.difference(now))
    # Stream order within a version is the member IRI's: know it before describing, so that
    # each member goes to its page as soon as it is made (nothing accumulates in memory).
    plan = sorted(
        [(str(iris.ldes_member(p, manifest["version"], base)), p, False) for p in candidates]
        + [(str(iris.ldes_member(p, manifest["version"], base)), p, True) for p in retired]
    )

    index = Index(str(stream), base, page_size, retention_days, [])
    if old_index is not None:
        index.pages = [Page(**{**vars(p), "times": list(p.times)}) for p in old_index.pages]
    counts = {"created": 0, "updated": 0, "deleted": 0}
    pages = PageWriter(staging, index, previous, time)
    jobs: list[bulk.Job] = []
    for member, programme, retiring in plan:
        entry = entries.get(programme)
        if not retiring:
            live = entry.digest if entry is not None and not entry.deleted else None
            jobs.append(bulk.Job(member, programme, live))
    batch = partial(
        bulk.Batch,
        ctx.nquads_path,
        ctx.path / STORE_DIR,
        tuple(sorted(hidden)),
        base,
        str(stream),
        str(activity),
        time,
    )
    batches = [batch(tuple(jobs[i : i + BATCH])) for i in range(0, len(jobs), BATCH)]
    with closing(_described(batches, workers)) as described:
        for member, programme, retiring in plan:
            if retiring:
                quads = members.member_quads(
                    URIRef(member),
                    URIRef(programme),
                    stream=stream,
                    kind=AS.Delete,
                    time=time,
                    payload=None,
                )
                entries[programme] = Entry(member, time, True, pages.add(bulk.member_bytes(quads)))
                counts["deleted"] += 1
                continue
            entry = entries.get(programme)
            found = next(described)
            if found.data is None:
                assert entry is not None
                # the same description, perhaps made from other reads
                entry.reads = terms.numbered_reads(found.reads)
                continue
            kind = "updated" if entry is not None and not entry.deleted else "created"
            entries[programme] = Entry(
                member, time, False, pages.add(found.data), found.digest,
                terms.numbered_reads(found.reads),
            )  # fmt: skip
            counts[kind] += 1
    pages.close()
    _retain(index, entries, time, retention_days)
    _link_unchanged(staging, index, previous, pages.written)
    log.write_index(staging, index)
    write_state(staging, state)
    manifest["ldes"] = {
        "members": sum(counts.values()),
        **counts,
        "described": len(candidates),
        "programmes": len(now),
        "pages": len(index.live),
        "gone": len(index.pages) - len(index.live),
        "open_page": next((p.id for p in index.live if not p.full), None),
        "started": old_index is None,
    }


class PageWriter:
    """Appends members to the open page (copied from the previous version) and to new
    pages, each compressed into its file as it comes (graph/ldes/log.py); keeps each page's
    digest and size, of its N-Quads."""

    def __init__(self, staging: Path, index: Index, previous: Version | None, time: str):
        self.staging, self.index, self.previous, self.time = staging, index, previous, time
        self.written: set[int] = set()
        self._page: Page | None = None
        self._file: BinaryIO | None = None
        self._compressor = log.page_compressor()
        self._digest = hashlib.sha256()
        (log.folder(staging) / log.PAGES).mkdir(parents=True, exist_ok=True)

    def _open(self) -> Page:
        last = self.index.pages[-1] if self.index.pages else None
        if last is not None and not last.full and last.id not in self.written:
            page = last  # the open page: its members so far, then the new ones
            assert self.previous is not None
            old = log.read_page(self.previous.path, page)
        else:
            page = Page(max((p.id for p in self.index.pages), default=0) + 1, 0, [], False)
            self.index.pages.append(page)
            old = b""
        self._file = open(log.folder(self.staging) / page.file, "wb")  # noqa: SIM115
        self._compressor = log.page_compressor()
        self._digest = hashlib.sha256(old)
        self._file.write(self._compressor.compress(old))
        self.written.add(page.id)
        return page

    def add(self, data: bytes) -> int:
        """Write one member (its N-Quads lines); the id of its page."""
        if self._page is None or self._page.full:
            self.close()
            self._page = self._open()
        page = self._page
        assert self._file is not None
        self._file.write(self._compressor.compress(data))
        self._digest.update(data)
        page.members += 1
        if not page.times or page.times[-1] != self.time:
            page.times.append(self.time)
        page.full = page.members >= self.index.page_size
        page.sha256, page.size = self._digest.hexdigest(), page.size + len(data)
        return page.id

    def close(self) -> None:
        if self._file is not None:
            self._file.write(self._compressor.flush())
            self._file.close()
            self._file = None


def _retain(index: Index, entries: dict[str, Entry], now: str, retention_days: int) -> None:
    if retention_days <= 0 or not index.pages:
        return
    start = datetime.strptime(now, XSD_DATE_TIME).replace(tzinfo=UTC) - timedelta(
        days=retention_days + 1
    )
    window = start.strftime(XSD_DATE_TIME)
    needed = {p.id for p in index.pages if p.last >= window or not p.full}
    needed |= {e.page for e in entries.values() if not e.deleted or e.time >= window}
    for page in index.pages:
        if page.id not in needed:
            page.gone = True


def _link_unchanged(
    staging: Path, index: Index, previous: Version | None, written: set[int]
) -> None:
    """The pages this version did not write are the previous version's files (under their
    names: a page an older version stored as is stays so, graph/ldes/log.py `page_path`)."""
    for page in index.pages:
        if page.gone or page.id in written:
            continue
        assert previous is not None
        source = log.page_path(previous.path, page)
        log.link_or_copy(source, log.folder(staging) / log.PAGES / source.name)


def settings_writer(settings: Any) -> Writer:
    """The writer with the `ldes_page_size` and `ldes_retention_days` settings."""
    return ldes_writer(
        settings.ldes_page_size,
        settings.ldes_retention_days,
        workers_for(settings.build_workers),
    )
