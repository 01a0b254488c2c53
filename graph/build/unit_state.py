"""The validation's state, kept in the union index's file: each unit's results and the
nodes it read (graph/build/union_index.py's module doc says what they are and why they
make a recorded result exact)."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable
from contextlib import closing
from dataclasses import asdict, replace
from pathlib import Path

from ..errors import Violation
from .heap import no_collection
from .union_index import RDF_TYPE, WAIT, statements_with

Recorded = tuple[str, str, int, list[Violation]]  # owned digest, members digest, size, results
SETTLE_CACHE = -262144  # KiB of page cache while the reads are settled (256 MB)
# ... and while they are settled in the background (`UnitState.close`), beside the SPARQL
# constraints' store being loaded, the build's peak: an eighth of it (SQLite's sorter takes as
# much again), slower but adding little to that step's memory.
BACKGROUND_SETTLE_CACHE = -32768


class UnitState:
    """The validation's state in the index file (module doc), kept by the parent process.

    A unit to be validated again keeps its row and the nodes it read, without results (its
    results are NULL until `record` gives the new ones): when it is recorded again, only
    the nodes it no longer reads go and only those it reads now come. Deleting a unit's
    reads and putting most of them back wrote a page of `reads` for each (the table is
    ordered by node: a unit's rows are spread over the whole file).

    The reads a unit newly makes are appended to `reads_new`, in the transaction that
    records its results, and put into `reads` in order, all at once, when the state is
    closed (`settle`; or when it is opened, after a build stopped before). Inserted into
    `reads` as they came, a batch at a time, each unit's reads landed all over the table:
    recording 100,000 units of 60 reads in batches of 154 wrote 27 GB for an 837 MB table
    and took 154 s of the parent's time beside the workers (docs/build.md). So `reads`
    holds a unit's reads once settled; `readers` and `forget` settle first (nothing to do in
    a build: validate.py asks for them before recording any unit)."""

    def __init__(self, path: Path) -> None:
        finish_settling()  # a settle of this process's may still be writing the file
        self.path = path
        self.db = sqlite3.connect(path, timeout=WAIT)
        self._unsettled: set[str] = set()  # units whose reads are in reads_new
        self.settle()  # what a build stopped before its end recorded
        # The units the file holds: only theirs can have reads to compare (a first build's
        # units have none, and asking for each one's cost it time it shares with the workers).
        self._held = {name for (name,) in self.db.execute("SELECT name FROM units")}

    def settle(self) -> None:
        """Put the reads recorded since the last `settle` into `reads` (`_settle`)."""
        self._unsettled.clear()
        _settle(self.db, SETTLE_CACHE)

    def recorded(self) -> dict[str, Recorded | None]:
        """Every unit in the file, with its results (None: to be validated again)."""
        rows = self.db.execute("SELECT name, owned, members, size, results FROM units")
        with no_collection():  # a catalogue's results, all kept
            return {
                name: None
                if results is None
                else (owned, members, size, [Violation(**item) for item in json.loads(results)])
                for name, owned, members, size, results in rows
            }

    def readers(self, nodes: Iterable[str]) -> set[str]:
        """The units whose data was gathered from any of `nodes`."""
        self.settle()
        found: set[str] = set()
        query = "SELECT name FROM reads JOIN units ON units.id = reads.unit WHERE node = ?"
        for node in nodes:
            found.update(u for (u,) in self.db.execute(query, (node,)))
        return found

    def forget(self, units: Iterable[str], gone: Iterable[str] = ()) -> None:
        """Take back the results of `units` (to be validated again), and everything of the
        units `gone`."""
        self.settle()
        self.db.executemany("UPDATE units SET results = NULL WHERE name = ?", ((u,) for u in units))
        names = [(u,) for u in gone]
        self.db.executemany(
            "DELETE FROM reads WHERE unit = (SELECT id FROM units WHERE name = ?)", names
        )
        self.db.executemany("DELETE FROM units WHERE name = ?", names)
        self._held.difference_update(u for (u,) in names)
        self.db.execute("DELETE FROM pending")  # their readers are among `units` now
        self.db.commit()

    def record(self, units: Iterable[tuple[str, Recorded, Iterable[str]]]) -> None:
        for name, (owned, members, size, results), read in units:
            if name in self._unsettled:  # recorded twice before a settle: not in a build
                self.settle()
            items = [asdict(replace(r, source_file=None)) for r in results]
            [(unit,)] = self.db.execute(
                "INSERT INTO units (name, owned, members, size, results) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (name) DO UPDATE SET owned = excluded.owned,"
                " members = excluded.members, size = excluded.size, results = excluded.results"
                " RETURNING id",
                (name, owned, members, size, json.dumps(items, sort_keys=True)),
            ).fetchall()
            now, before = set(read), set()
            if name in self._held:
                query = "SELECT node FROM reads WHERE unit = ?"
                before = {n for (n,) in self.db.execute(query, (unit,))}
            self._held.add(name)
            self._unsettled.add(name)
            self.db.executemany(
                "DELETE FROM reads WHERE node = ? AND unit = ?", ((n, unit) for n in before - now)
            )
            self.db.executemany(  # into `reads` when settled, in order (OR IGNORE there: a
                "INSERT INTO reads_new VALUES (?, ?)",  # file whose units were lost kept reads)
                ((n, unit) for n in now - before),
            )
        self.db.commit()

    def types(self, nodes: set[str]) -> dict[str, list[str]]:
        """The rdf:type statements of each of `nodes` (the positions unit's data,
        validate.py), as UnionIndex.statements_with gives them: those kept from an earlier
        build, read from the index for the others, then kept. A node's are dropped when the
        node changes (`_update`), in the transaction that changes it. Reading a type from
        `about` for each of 100,000 programmes read a page of the file for each: a gigabyte
        read at random on a rebuild."""
        found: dict[str, list[str]] = {}
        kept: set[str] = set()
        for node, types in self.db.execute("SELECT s, types FROM position_types"):
            kept.add(node)
            if node in nodes and types:
                found[node] = types.split("\n")
        missing = sorted(nodes - kept)
        new = statements_with(self.db, missing, RDF_TYPE)
        found.update(new)
        self.db.executemany(
            "DELETE FROM position_types WHERE s = ?", ((n,) for n in sorted(kept - nodes))
        )
        self.db.executemany(
            "INSERT INTO position_types VALUES (?, ?)",
            ((n, "\n".join(new.get(n, ()))) for n in missing),
        )
        self.db.commit()
        return found

    def close(self, background: bool = False) -> None:
        """Settle, then close. With `background`, the settle runs in a thread of its own on a
        connection of its own, beside the build's next step (at 100,000 programmes the parent
        spent 37.6 s after the last batch with it, 13.5 without): `finish_settling` waits for
        it, and so does anything that opens the state again or forks this process. A settle
        that does not finish leaves the reads in `reads_new`, settled when the file is next
        opened."""
        if not background:
            self.settle()
            self.db.close()
            return
        self.db.commit()
        self.db.close()
        self._unsettled.clear()
        thread = _Settling(self.path)
        _SETTLING.append(thread)
        thread.start()


def _settle(db: sqlite3.Connection, cache_kib: int) -> None:
    """Put the reads recorded since the last settle into `reads`, sorted, in one
    transaction, with `cache_kib` of page cache. Into an empty `reads` (a first build), its
    index by unit is made afterwards from the sorted table rather than updated a row at a
    time."""
    if db.execute("SELECT 1 FROM reads_new LIMIT 1").fetchone() is None:
        return
    empty = db.execute("SELECT 1 FROM reads LIMIT 1").fetchone() is None
    db.commit()  # nothing of the caller's is left open in the transaction below
    db.execute(f"PRAGMA cache_size={cache_kib}")
    db.execute("BEGIN")
    if empty:
        db.execute("DROP INDEX reads_unit")
    db.execute("INSERT OR IGNORE INTO reads SELECT node, unit FROM reads_new ORDER BY node, unit")
    if empty:
        db.execute("CREATE INDEX reads_unit ON reads (unit)")
    db.execute("DELETE FROM reads_new")
    db.commit()
    db.execute("PRAGMA cache_size=-2000")  # SQLite's default again


class _Settling(threading.Thread):
    """A settle in the background (`UnitState.close`); what it raised is kept in `error`.
    (sqlite3 lets go of the GIL while SQLite works: the build's thread goes on.)"""

    def __init__(self, path: Path) -> None:
        super().__init__(name=f"settle {path.name}")
        self.path = path
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with closing(sqlite3.connect(self.path, timeout=WAIT)) as db:
                _settle(db, BACKGROUND_SETTLE_CACHE)
        except BaseException as error:  # noqa: BLE001 - raised again by finish_settling
            self.error = error


_SETTLING: list[_Settling] = []


def finish_settling(raise_errors: bool = True) -> None:
    """Wait for the settles running in the background (`UnitState.close`) and raise what
    one raised (or not: a settle that failed left its reads to be settled next time)."""
    while _SETTLING:
        thread = _SETTLING.pop(0)
        thread.join()
        if thread.error is not None and raise_errors:
            raise thread.error


def _wait_before_fork() -> None:
    """A forked process must not inherit a connection in the middle of a transaction (nor a
    thread that is not there): a fork waits for the settles; their errors are raised by the
    next `finish_settling`."""
    for thread in list(_SETTLING):
        thread.join()


os.register_at_fork(before=_wait_before_fork)
