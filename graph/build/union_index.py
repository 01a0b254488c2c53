"""The union's statements on disk, kept between builds, and what each unit of validation read.

graph/build/groups.py gathers a unit's data from the union's description of the nodes its
constraints read. `UnionIndex` holds that description in an SQLite file: each subject's
statements (`about`: the subject and the rest of the statement, its predicate and object, so
that no term is stored twice in a row), the statements pointing at a node over the
predicates the shapes follow backwards (`incoming`) and the catalogue positions set apart
(`positions`, graph/build/positions.py). A statement several graphs make is one row with a
count of the graphs making it: a portal that every programme's page names would otherwise
bring one row per page into every unit that reads it, a cost quadratic in the catalogue.

The file lives in the validation cache (`<data_dir>/cache/validation/union.sqlite`) and a
rebuild updates it instead of writing it again: `parts` records each graph (source, ontology,
vocabularies, catalogue order) with a digest of its content and where its lines are (its
parse cache entry, or the lines themselves), so a changed graph's old statements are taken
out and its new ones put in. The nodes whose rows differ are the CHANGED nodes.

Beside the index, the file keeps the validation's state: each unit's results (`units`, with
digests of the focus nodes it owns and of its members' content) and every node whose
description its data was gathered from (`reads`, by the unit's number: a unit's name is its
members' graph IRIs). A unit's data is a function of its members' lines, of the description
of the nodes it read and of the statements pointing at the nodes it owns; each of those
changes only if a part changed rows about that node, which makes the node changed. So a
unit whose members and owned nodes are the same and which read no changed node would be
given the same data again: its recorded results are exact (validate.py finds the others).
The nodes an update changes are kept (`pending`) in the transaction that updates the index
until the units that read them have had their results taken back (`UnitState.forget`,
graph/build/unit_state.py), so an interrupted build never leaves a stale result: the next
one finds those nodes again.

A rebuild changes the file by difference, for it is read and written at random (a source's
subjects, its offering, fees and components, are spread over the whole of `about`, and a
unit's reads over the whole of `reads`): a changed graph's rows that stay are left alone, a
unit validated again keeps its number and the reads it still makes, and the types the
positions unit reads are kept (`position_types`) and read again for the changed nodes only.
At 10,000 programmes after 100 changed, with the files out of the page cache, the validation
step read 56 MB from the disk instead of 128-141 MB and wrote 5 MB instead of 103 MB
(docs/build.md).

Written afresh, the index says where each part went (`UnionIndex.layout`: its lines' span of
the release copy, the pages allocated while its rows went in), from which the validation
reads the units' lines and asks for the pages ahead of its batches (graph/build/readahead.py).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .groups import Descriptions, main_subject, triples_of
from .parse import ENTRY_ERRORS, ParsedSource, content_digest, digest, read_entry
from .positions import is_position
from .publish import timed
from .readahead import Layout, Placed
from .union_rows import SortedRows, made_beside

SCHEMA = """
CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE parts (name TEXT PRIMARY KEY, digest TEXT NOT NULL, entry TEXT, idx INTEGER,
                    held TEXT);
CREATE TABLE about (s TEXT NOT NULL, po TEXT NOT NULL, n INTEGER NOT NULL,
                    PRIMARY KEY (s, po)) WITHOUT ROWID;
CREATE TABLE incoming (o TEXT NOT NULL, t TEXT NOT NULL, s TEXT NOT NULL, n INTEGER NOT NULL,
                       PRIMARY KEY (o, t)) WITHOUT ROWID;
CREATE TABLE positions (line TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE units (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, owned TEXT NOT NULL,
                    members TEXT NOT NULL, size INTEGER NOT NULL, results TEXT);
CREATE TABLE reads (node TEXT NOT NULL, unit INTEGER NOT NULL, PRIMARY KEY (node, unit))
                    WITHOUT ROWID;
CREATE INDEX reads_unit ON reads (unit);
CREATE TABLE reads_new (node TEXT NOT NULL, unit INTEGER NOT NULL);
CREATE TABLE position_types (s TEXT PRIMARY KEY, types TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE pending (node TEXT PRIMARY KEY) WITHOUT ROWID;
"""
# A rebuild in which more than this share of the parts changed writes the index afresh (and
# validates every unit again): taking a part out and putting it in again costs about three
# times writing it, and validating a unit far more.
REWRITE_SHARE = 0.5
WAIT = 600.0  # seconds a connection waits for another's lock (a worker reading, the parent writing)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"  # the positions unit's types


@dataclass(frozen=True)
class Part:
    """A graph of the union: its name (graph IRI), a digest of its content, and its lines:
    in a parse cache entry (`stored`) or held."""

    name: str
    digest: str
    stored: tuple[str, int] | None
    held: tuple[str, ...] = ()
    main: str = ""  # its main subject (groups.main_subject): the order the index is written in

    @classmethod
    def of(cls, source: ParsedSource, digest: str | None = None) -> Part:
        """The part of `source`, whose content_digest is `digest` (made here when None)."""
        main, digest = main_subject(source), digest or content_digest(source)
        if source.stored is not None:
            return cls(source.graph_iri, digest, source.stored, main=main)
        return cls(source.graph_iri, digest, None, source.lines, main)

    @classmethod
    def lines(cls, name: str, lines: tuple[str, ...]) -> Part:
        return cls(name, digest(lines), None, lines)

    def read(self) -> tuple[str, ...]:
        if self.stored is None:
            return self.held
        entry, index = self.stored
        return read_entry(Path(entry))[index].lines


Rows = tuple[set[tuple[str, str]], set[tuple[str, str, str]], set[str]]


def _object(po: str) -> str | None:
    """The object of an `about` row's predicate and object (N-Triples) when it is a node."""
    obj = po.split(" ", 1)[1]  # the predicate, an IRI, holds no space (as in _rows)
    return obj if _is_node(obj) else None


def _rows(name: str, lines: Iterable[str], inverse: frozenset[str], apart: bool) -> Rows:
    """(about rows, incoming rows, positions) of the N-Quads lines of the graph `name`."""
    about: set[tuple[str, str]] = set()
    incoming: set[tuple[str, str, str]] = set()
    kept: set[str] = set()
    wanted = {f"<{p}>" for p in inverse}

    def statements() -> Iterator[str]:
        for line in lines:
            if apart and is_position(line):
                kept.add(line)
            else:
                yield line

    for triple in triples_of(name, statements()):
        # N-Triples terms: an IRI or a blank node label holds no space, so the subject and
        # the predicate end at the first two; the object is the rest
        subject, rest = triple.split(" ", 1)
        about.add((subject, rest))
        predicate, obj = rest.split(" ", 1)
        if predicate in wanted and _is_node(obj):
            incoming.add((obj, f"{triple} .", subject))
    return about, incoming, kept


def _is_node(term: str) -> bool:
    """Whether an N-Triples term is an IRI or a blank node (not a literal or a quoted triple)."""
    return term.startswith("_:") or (term.startswith("<") and not term.startswith("<<"))


class UnionIndex:
    """The index file (module doc). Workers open it for themselves, read-only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self.layout: Layout | None = None  # where each part went, when written afresh

    @classmethod
    def update(
        cls,
        path: Path,
        parts: Sequence[Part],
        inverse: frozenset[str],
        apart: bool,
        salt: str,
        copy_to: Path | None = None,
    ) -> tuple[UnionIndex, set[str] | None]:
        """The index of `parts` in `path`, updated from what it held (or written afresh),
        and the changed nodes (None when written afresh: everything is new). `salt`: what
        the recorded results depend on besides the data (a different one starts afresh).
        Written afresh, every part's lines read for it are also copied to `copy_to` when
        given (graph/build/release_copy.py), and the index's `layout` says where each part
        went (graph/build/readahead.py); updated, no copy is written and `layout` is None."""
        meta = json.dumps([salt, sorted(inverse), apart])
        index = cls(path)
        with timed("union index"):  # a step of its own in bench/build.py's table
            changed = _update(path, parts, inverse, apart, meta)
            if changed is None:
                index.layout = _write(path, parts, inverse, apart, meta, copy_to)
        return index, changed

    def __getstate__(self) -> dict[str, object]:
        """Sent to a worker started afresh (the rudof engine's forkserver): the path only."""
        return {"path": self.path, "_db": None, "_pid": 0, "layout": None}

    def _open(self) -> sqlite3.Connection:
        if self._db is None or self._pid != os.getpid():  # a forked worker opens its own
            self._db = sqlite3.connect(f"{self.path.as_uri()}?mode=ro", uri=True, timeout=WAIT)
            self._pid = os.getpid()
        return self._db

    def describe(self, nodes: Iterable[str]) -> dict[str, list[tuple[str, str | None]]]:
        """(statement, its object when a node) of every statement about each of `nodes`
        (N-Triples; the nodes described), in a query per CHUNK nodes."""
        found: dict[str, list[tuple[str, str | None]]] = {}
        for chunk in _chunks(nodes):
            query = f"SELECT s, po FROM about WHERE s IN ({','.join('?' * len(chunk))})"
            for s, po in self._open().execute(query, chunk):
                found.setdefault(s, []).append((f"{s} {po} .", _object(po)))
        return found

    def statements_with(self, nodes: Iterable[str], predicate: str) -> dict[str, list[str]]:
        """The statements (N-Triples) about each of `nodes` whose predicate is the IRI
        `predicate`, read by their key's prefix (a row's predicate and object begin with the
        predicate): a node's other statements are not read. The nodes without any are left
        out."""
        return statements_with(self._open(), nodes, predicate)

    def pointing_at_any(self, nodes: Iterable[str]) -> set[str]:
        """The subjects of the statements whose object is one of `nodes`, over the inverse
        predicates."""
        found: set[str] = set()
        for chunk in _chunks(nodes):
            query = f"SELECT s FROM incoming WHERE o IN ({','.join('?' * len(chunk))})"
            found.update(s for (s,) in self._open().execute(query, chunk))
        return found

    def positions(self) -> list[str]:
        """The positions set apart (N-Quads lines)."""
        return [line for (line,) in self._open().execute("SELECT line FROM positions")]

    def close(self) -> None:
        if self._db is not None and self._pid == os.getpid():
            self._db.close()
        self._db = None


class Remembered:
    """A UnionIndex's descriptions remembered while one batch of units is gathered: what
    most units read besides their own nodes (concepts, organisations, portals) is read and
    split into rows once per batch, not once per unit (validate.py's `_validate_groups`)."""

    def __init__(self, union: Descriptions) -> None:
        self.union = union
        self._known: dict[str, list[tuple[str, str | None]]] = {}

    def describe(self, nodes: Iterable[str]) -> dict[str, list[tuple[str, str | None]]]:
        """As UnionIndex.describe (the lists are shared: not to be changed)."""
        nodes = list(nodes)
        missing = [node for node in nodes if node not in self._known]
        if missing:
            found = self.union.describe(missing)
            self._known.update((node, found.get(node, [])) for node in missing)
        return {node: self._known[node] for node in nodes if self._known[node]}

    def pointing_at_any(self, nodes: Iterable[str]) -> set[str]:
        return self.union.pointing_at_any(nodes)


CHUNK = 500  # nodes per query (SQLite allows 32,766 parameters)


def statements_with(
    db: sqlite3.Connection, nodes: Iterable[str], predicate: str
) -> dict[str, list[str]]:
    """UnionIndex.statements_with, on the connection `db` to the index file."""
    found: dict[str, list[str]] = {}
    query = "SELECT po FROM about WHERE s = ? AND po >= ? AND po < ?"
    prefix = f"<{predicate}> "
    for node in nodes:
        rows = db.execute(query, (node, prefix, prefix + "\U0010ffff"))
        statements = [f"{node} {po} ." for (po,) in rows]
        if statements:
            found[node] = statements
    return found


def _chunks(nodes: Iterable[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    for node in nodes:
        chunk.append(node)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write(
    path: Path,
    parts: Sequence[Part],
    inverse: frozenset[str],
    apart: bool,
    meta: str,
    copy_to: Path | None,
) -> Layout:
    """The index of `parts` written afresh (no recorded results), then moved into place;
    the parts' lines copied to `copy_to` as they are read, when given. Where each part
    went (graph/build/readahead.py)."""
    fresh = path.with_name(path.name + ".new")
    fresh.unlink(missing_ok=True)
    db = sqlite3.connect(fresh)
    placed: dict[str, Placed] = {}
    ordered = sorted(parts, key=lambda part: part.main)  # see _add
    try:
        db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;PRAGMA cache_size=-262144;" + SCHEMA
        )
        db.execute("INSERT INTO meta VALUES ('meta', ?)", (meta,))
        pages = _pages(db)
        # the parts read, copied and split beside (graph/build/union_rows.py)
        rows_of = partial(_rows, inverse=inverse, apart=apart)
        with closing(made_beside(ordered, rows_of, copy_to)) as made:
            for part, one in zip(ordered, made, strict=True):
                _add(db, part, one.rows)
                first, pages = pages, _pages(db)
                placed[part.name] = Placed(one.span, first, pages)
        [(page_size,)] = db.execute("PRAGMA page_size")
        db.commit()
    finally:
        db.close()
    os.replace(fresh, path)
    Path(f"{path}-journal").unlink(missing_ok=True)
    return Layout(path, page_size, copy_to, placed)


def _pages(db: sqlite3.Connection) -> int:
    """The pages of the file `db` writes, those its open transaction added included."""
    [(pages,)] = db.execute("PRAGMA page_count")
    return int(pages)


def _sorted(rows: Rows) -> SortedRows:
    about, incoming, kept = rows
    return sorted(about), sorted(incoming), sorted(kept)


def _add(db: sqlite3.Connection, part: Part, rows: SortedRows) -> None:
    """Put the rows of `part` in (each table's sorted: `_sorted`, or the reader's beside the
    writing, graph/build/union_rows.py). A new index is written a part at a time in the order of
    their main subjects (Part.main) and each part's rows sorted: the rows of each region of
    the tables (groups.main_subject) then go after those already written there, instead of
    into pages all over the file (8.4 GB written for a file of 4.8 at 100,000 programmes)."""
    about, incoming, kept = rows
    entry, index = part.stored or (None, None)
    held = "\n".join(part.held) if part.stored is None else None
    db.execute(
        "INSERT INTO parts VALUES (?, ?, ?, ?, ?)", (part.name, part.digest, entry, index, held)
    )
    db.executemany(
        "INSERT INTO about VALUES (?, ?, 1) ON CONFLICT (s, po) DO UPDATE SET n = n + 1", about
    )
    db.executemany(
        "INSERT INTO incoming VALUES (?, ?, ?, 1) ON CONFLICT (o, t) DO UPDATE SET n = n + 1",
        incoming,
    )
    db.executemany("INSERT OR IGNORE INTO positions VALUES (?)", ((line,) for line in kept))


def _remove(db: sqlite3.Connection, name: str, rows: Rows) -> None:
    about, incoming, kept = rows
    db.execute("DELETE FROM parts WHERE name = ?", (name,))
    keys = list(about)
    db.executemany("UPDATE about SET n = n - 1 WHERE s = ? AND po = ?", keys)
    db.executemany("DELETE FROM about WHERE s = ? AND po = ? AND n <= 0", keys)
    keys = [(o, t) for o, t, _s in incoming]
    db.executemany("UPDATE incoming SET n = n - 1 WHERE o = ? AND t = ?", keys)
    db.executemany("DELETE FROM incoming WHERE o = ? AND t = ? AND n <= 0", keys)
    db.executemany("DELETE FROM positions WHERE line = ?", ((line,) for line in kept))


def _minus(rows: Rows, other: Rows) -> Rows:
    """The rows of `rows` that `other` does not hold (table by table)."""
    return rows[0] - other[0], rows[1] - other[1], rows[2] - other[2]


def _update(
    path: Path, parts: Sequence[Part], inverse: frozenset[str], apart: bool, meta: str
) -> set[str] | None:
    """Update the index in `path` to `parts`; the changed nodes, or None when it must be
    written afresh (none, another salt, too many changes, an old part unreadable)."""
    if not path.is_file():
        return None
    db = sqlite3.connect(path, timeout=WAIT)
    try:
        try:
            [(held_meta,)] = db.execute("SELECT v FROM meta WHERE k = 'meta'").fetchall()
            before = {
                name: (d, (entry, index) if entry is not None else None, held)
                for name, d, entry, index, held in db.execute("SELECT * FROM parts")
            }
        except (sqlite3.DatabaseError, ValueError):
            return None
        now = {part.name: part for part in parts}
        gone = [
            name
            for name, (d, _e, _h) in before.items()
            if now.get(name, None) is None or now[name].digest != d
        ]
        new = [part for part in parts if part.name not in before or part.name in gone]
        if held_meta != meta or len(gone) + len(new) > REWRITE_SHARE * 2 * max(1, len(parts)):
            return None
        changed: set[str] = set()
        for name in gone:
            d, stored, held = before[name]
            try:
                old = Part(name, d, stored, tuple(held.split("\n")) if held else ()).read()
            except ENTRY_ERRORS:
                return None  # its parse cache entry was removed: start afresh
            old_rows = _rows(name, old, inverse, apart)
            part = now.get(name)
            new_rows = (
                _rows(part.name, part.read(), inverse, apart)
                if part is not None
                else (set(), set(), set())
            )
            changed.update(s for s, _po in old_rows[0] ^ new_rows[0])
            changed.update(o for o, _t, _s in old_rows[1] ^ new_rows[1])
            # Only the rows the graph no longer makes go and only its new ones come: taking
            # out and putting back a row it still makes would write (and first read) its page
            # for nothing, and a changed source's rows are spread over the whole file (its
            # subjects are its programme's offering, fees, components...).
            _remove(db, name, _minus(old_rows, new_rows))
            if part is not None:
                _add(db, part, _sorted(_minus(new_rows, old_rows)))
        for part in new:
            if part.name not in before:
                rows = _rows(part.name, part.read(), inverse, apart)
                changed.update(s for s, _po in rows[0])
                changed.update(o for o, _t, _s in rows[1])
                _add(db, part, _sorted(rows))
        db.executemany("DELETE FROM position_types WHERE s = ?", ((n,) for n in changed))
        # The changed nodes are kept until the units that read them are forgotten
        # (UnitState.forget): a build stopped in between finds them again.
        db.executemany("INSERT OR IGNORE INTO pending VALUES (?)", ((n,) for n in changed))
        changed.update(n for (n,) in db.execute("SELECT node FROM pending"))
        db.commit()
        return changed
    finally:
        db.close()


__all__ = ["Part", "UnionIndex"]
