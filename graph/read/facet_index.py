"""The programme list's facet index: each programme's position in the catalogue order and its
facet values, one SQLite file per version (`facets.sqlite`), so that a filtered list is an
intersection of sorted integer sets instead of a SPARQL join over the catalogue.

The build's writer (graph/build/writers/facet_index.py) fills it with the values the facets'
SPARQL paths reach (graph/read/facets.py), the same values `facets.json` counts; a filtered
page and its counts are then answered here with the same results as graph/read/listing.py's
SPARQL (tests/test_catalogue_pages.py compares both with a reader's own SPARQL). Data served
without a build (`serve --data`) has no index and is answered by SPARQL.

Every query is bounded like a store query: past `timeout` seconds SQLite is interrupted
(a progress handler) and QueryTimedOut is raised, which the views answer as for /sparql; a
query that ends past it between two looks of the handler is refused the same way.

    programmes(id, iri, pos)            every programme with a pro:listPosition
    facet_values(id, facet, value, n)   one row per facet value key; n programmes have it
    programme_values(value, programme)  which programmes have which value (both ways indexed)
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from ..errors import ProspectusError
from ..sqlite_files import ReadOnlyConnections
from ..store.base import QueryTimedOut
from .facets import FACETS, CatalogueCounts

FACET_INDEX_FILE = "facets.sqlite"
FORMAT = 1
SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE programmes (id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, pos INTEGER NOT NULL);
CREATE INDEX programmes_pos ON programmes (pos);
CREATE TABLE facet_values (id INTEGER PRIMARY KEY, facet TEXT NOT NULL, value TEXT NOT NULL,
    n INTEGER NOT NULL DEFAULT 0, UNIQUE (facet, value));
CREATE TABLE programme_values (value INTEGER NOT NULL, programme INTEGER NOT NULL,
    PRIMARY KEY (value, programme)) WITHOUT ROWID;
CREATE INDEX programme_values_programme ON programme_values (programme, value);
"""
_CHECK_EVERY = 2000  # SQLite virtual machine steps between two looks at the clock
# A filter value held by fewer programmes than this share of the catalogue is walked through
# its own programmes; a commoner one, along the catalogue order until a page is full.
_RARE = 1 / 50


class FacetIndexError(ProspectusError):
    """The facet index could not be read."""


class FacetIndex:
    """One version's facet index, open read-only (a connection per thread and process)."""

    def __init__(self, path: Path):
        self.path = path
        self._connections = ReadOnlyConnections(path, "facet index", FacetIndexError)
        with self._query(None) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
            if row is None or row[0] != str(FORMAT):
                raise FacetIndexError(f"the facet index {path} is of another format")
            (self.programmes,) = db.execute("SELECT count(*) FROM programmes").fetchone()

    @contextmanager
    def _query(self, timeout: float | None) -> Iterator[sqlite3.Connection]:
        db = self._connections.get()
        deadline = None if timeout is None else time.monotonic() + timeout
        if deadline is not None:
            db.set_progress_handler(lambda: int(time.monotonic() > deadline), _CHECK_EVERY)
        try:
            yield db
            # the handler looks only every _CHECK_EVERY steps: a query that ended past the
            # deadline between two looks is over the limit too
            if deadline is not None and time.monotonic() > deadline:
                raise QueryTimedOut(timeout or 0.0)
        except sqlite3.OperationalError as exc:
            if timeout is not None and "interrupt" in str(exc):
                raise QueryTimedOut(timeout) from None
            raise FacetIndexError(f"the facet index {self.path} failed: {exc}") from exc
        except sqlite3.Error as exc:
            raise FacetIndexError(f"the facet index {self.path} failed: {exc}") from exc
        finally:
            db.set_progress_handler(None, 0)

    def _values(self, db: sqlite3.Connection, chosen: Mapping[str, str]) -> list[tuple[int, int]]:
        """(value id, programmes holding it) of each chosen value, rarest first; a value
        nothing holds is (0, 0)."""
        found = []
        for name, value in sorted(chosen.items()):
            if not value:
                continue
            row = db.execute(
                "SELECT id, n FROM facet_values WHERE facet = ? AND value = ?", (name, value)
            ).fetchone()
            found.append((row[0], row[1]) if row else (0, 0))
        return sorted(found, key=lambda v: v[1])

    def page(
        self, chosen: Mapping[str, str], after: int, size: int, timeout: float | None
    ) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        """The `size + 1` programmes after position `after` that hold every chosen value, and
        the `size` before it (latest first), as (IRI, position)."""
        with self._query(timeout) as db:
            values = self._values(db, chosen)
            if not values:
                raise ValueError("page() answers a filtered list; the unfiltered one is positions")
            if values[0][1] == 0:
                return [], []
            others = "".join(
                " AND EXISTS (SELECT 1 FROM programme_values o "
                f"WHERE o.value = {value} AND o.programme = p.id)"
                for value, _n in values[1:]
            )
            if values[0][1] < self.programmes * _RARE:  # through the rarest value's programmes
                source = (
                    "programme_values r JOIN programmes p ON p.id = r.programme "
                    f"WHERE r.value = {values[0][0]}"
                )
            else:  # along the catalogue order
                source = "programmes p WHERE EXISTS (SELECT 1 FROM programme_values r " + (
                    f"WHERE r.value = {values[0][0]} AND r.programme = p.id)"
                )
            later = db.execute(
                f"SELECT p.iri, p.pos FROM {source}{others} AND p.pos > ? ORDER BY p.pos LIMIT ?",
                (after, size + 1),
            ).fetchall()
            earlier = []
            if after > 0:
                earlier = db.execute(
                    f"SELECT p.iri, p.pos FROM {source}{others} AND p.pos <= ? "
                    "ORDER BY p.pos DESC LIMIT ?",
                    (after, size),
                ).fetchall()
        return later, earlier

    def counts(self, chosen: Mapping[str, str], timeout: float | None) -> CatalogueCounts:
        """The programmes holding every chosen value, and each facet's counts over them."""
        facets: dict[str, dict[str, int]] = {f.name: {} for f in FACETS}
        with self._query(timeout) as db:
            values = self._values(db, chosen)
            if values and values[0][1] == 0:
                return CatalogueCounts(0, facets)
            kept = " INTERSECT ".join(
                f"SELECT programme FROM programme_values WHERE value = {value}"
                for value, _n in values
            )
            (total,) = db.execute(f"SELECT count(*) FROM ({kept})").fetchone()
            rows = db.execute(
                "SELECT v.facet, v.value, count(*) FROM "
                f"({kept}) k JOIN programme_values pv ON pv.programme = k.programme "
                "JOIN facet_values v ON v.id = pv.value GROUP BY pv.value"
            )
            for facet, value, n in rows:
                facets.setdefault(facet, {})[value] = n
        return CatalogueCounts(total, facets)


@lru_cache(maxsize=8)
def _open(path: Path, _stamp: tuple[int, int]) -> FacetIndex | None:
    try:
        return FacetIndex(path)
    except FacetIndexError:
        return None


def open_facet_index(version_dir: Path) -> FacetIndex | None:
    """The facet index of the version in `version_dir`, opened once per process, or None
    when its build wrote none (or one of another format)."""
    path = version_dir / FACET_INDEX_FILE
    try:
        stat = path.stat()
    except OSError:
        return None
    return _open(path, (stat.st_ino, stat.st_mtime_ns))
