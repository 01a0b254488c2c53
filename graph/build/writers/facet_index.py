"""Writes the facet index of a version (graph/read/facet_index.py says what it holds and how
the list reads it): every programme's position in the catalogue order and its facet values,
as the facets' SPARQL paths reach them in the version's store.

A fresh index streams from the store the statements of the positions and of every predicate
on a facet's path into a staging table of the same SQLite file, and joins each facet's path
there (a path that is not a sequence of predicates is asked of the store in SPARQL); nothing
per programme is kept in Python, and the staging table is dropped. After a small change the
previous version's index is copied and only what changed is rewritten: the programmes the
changed lines can affect (graph/build/writers/facets.py finds them) get their values again,
and the programmes whose position line changed get their new position. The counts of
`facets.json` are then read from the index, so the two never disagree.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

from ...errors import ProspectusError
from ...iris import PRO
from ...read.facet_index import FORMAT, SCHEMA
from ...read.facets import BY_NAME, FACETS, credit_range, path_steps

# The programmes: the IRI subjects with a position in the catalogue order.
PROGRAMME = f"?p <{PRO.listPosition}> ?position . FILTER(isIRI(?p))"
_BATCH = 200  # programmes per VALUES block
_ROWS = 10_000  # rows per executemany


class FacetIndexWriteError(ProspectusError):
    """The facet index could not be written."""


def rows(store: ox.Store, query: str) -> ox.QuerySolutions:
    """The solutions of SELECT `query` over the union of the store's graphs."""
    return cast(ox.QuerySolutions, store.query(query, use_default_graph_as_union=True))


def _chunks(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= _ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _position(row: ox.QuerySolution) -> tuple[str, int] | None:
    try:
        return cast(ox.NamedNode, row["p"]).value, int(cast(ox.Literal, row["position"]).value)
    except (ValueError, TypeError):
        return None


def _key(facet: str, value: object) -> str | None:
    """A value's key in the facet (an IRI, or for credits a range key)."""
    if facet != "credits":
        return value.value if isinstance(value, ox.NamedNode) else None
    return _credits(value.value) if isinstance(value, ox.Literal) else None


def _facet_rows(store: ox.Store, facet: str, block: str | None) -> Iterator[tuple[str, str]]:
    """(programme IRI, value key) of `facet`, for the programmes in VALUES `block` or all."""
    kind = "isLiteral" if facet == "credits" else "isIRI"
    restrict = f"VALUES ?p {{ {block} }} " if block is not None else ""
    query = (
        f"SELECT DISTINCT ?p ?v WHERE {{ {restrict}{PROGRAMME} "
        f"?p {BY_NAME[facet].path} ?v . FILTER({kind}(?v)) }}"
    )
    for row in rows(store, query):
        key = _key(facet, row["v"])
        if key is not None:
            yield cast(ox.NamedNode, row["p"]).value, key


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
    return db


def _add_values(db: sqlite3.Connection, facet: str, rows: Iterable[tuple[str, str]]) -> None:
    """Record programme -> value rows (the programme already in `programmes`)."""
    for chunk in _chunks(rows):
        db.executemany(
            "INSERT OR IGNORE INTO facet_values (facet, value) VALUES (?, ?)",
            [(facet, key) for _p, key in chunk],
        )
        db.executemany(
            "INSERT OR IGNORE INTO programme_values (value, programme) "
            "SELECT v.id, p.id FROM facet_values v, programmes p "
            "WHERE v.facet = ? AND v.value = ? AND p.iri = ?",
            [(facet, key, programme) for programme, key in chunk],
        )


def _recount(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        UPDATE facet_values SET n = (SELECT count(*) FROM programme_values pv
                                     WHERE pv.value = facet_values.id);
        DELETE FROM facet_values WHERE n = 0;
        """
    )


def build(store: ox.Store, path: Path, definitions: str) -> None:
    """A fresh index of the version in `store`, written to `path`."""
    path.unlink(missing_ok=True)
    try:
        _build(store, path, definitions)
    except sqlite3.Error as exc:
        raise FacetIndexWriteError(f"could not write the facet index {path}: {exc}") from exc


def _build(store: ox.Store, path: Path, definitions: str) -> None:
    db = _connect(path)
    try:
        db.executescript(SCHEMA)
        positions = (
            (quad.subject.value, found)
            for quad in store.quads_for_pattern(None, ox.NamedNode(str(PRO.listPosition)), None)
            if isinstance(quad.subject, ox.NamedNode)
            and (found := _number(quad.object)) is not None
        )
        for chunk in _chunks(positions):
            db.executemany("INSERT OR IGNORE INTO programmes (iri, pos) VALUES (?, ?)", chunk)
        paths = {facet.name: path_steps(facet.path) for facet in FACETS}
        staged = _stage(db, store, {p for steps in paths.values() if steps for p in steps})
        for facet in FACETS:
            steps = paths[facet.name]
            if steps is None:  # not a sequence of predicates: asked of the store
                _add_values(db, facet.name, _facet_rows(store, facet.name, None))
            else:
                _add_staged(db, facet.name, [staged[p] for p in steps])
        db.execute("DROP TABLE s_pairs")
        _recount(db)
        _meta(db, definitions)
        db.commit()
        db.execute("VACUUM")
    finally:
        db.close()


_IRI, _BLANK, _LITERAL = 0, 1, 2


def _number(term: object) -> int | None:
    if not isinstance(term, ox.Literal):
        return None
    try:
        return int(term.value)
    except ValueError:
        return None


def _node(term: object) -> tuple[str, int]:
    if isinstance(term, ox.NamedNode):
        return term.value, _IRI
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value, _BLANK
    if isinstance(term, ox.Literal):
        return term.value, _LITERAL
    return "", _LITERAL  # a quoted triple: neither a programme nor a value


def _stage(db: sqlite3.Connection, store: ox.Store, predicates: set[str]) -> dict[str, int]:
    """Every (subject, object) of `predicates` in the store (all its graphs, as the union
    default graph reads them) in a staging table; each predicate's number in it."""
    db.execute("CREATE TABLE s_pairs (pred INTEGER, s TEXT, o TEXT, kind INTEGER)")
    numbers = {p: n for n, p in enumerate(sorted(predicates))}
    for predicate, n in numbers.items():
        pairs = (
            (n, _node(quad.subject)[0], *_node(quad.object))
            for quad in store.quads_for_pattern(None, ox.NamedNode(predicate), None)
        )
        for chunk in _chunks(pairs):
            db.executemany("INSERT INTO s_pairs VALUES (?, ?, ?, ?)", chunk)
    db.execute("CREATE INDEX s_pairs_subject ON s_pairs (pred, s)")
    return numbers


def _add_staged(db: sqlite3.Connection, facet: str, steps: list[int]) -> None:
    """The facet's (programme, value) pairs by joining its path's steps in the staging table
    (an intermediate node is never a literal, as in SPARQL)."""
    joins, previous = [], "p.iri"
    for k, predicate in enumerate(steps):
        joins.append(f"JOIN s_pairs t{k} ON t{k}.pred = {predicate} AND t{k}.s = {previous}")
        if k < len(steps) - 1:
            joins.append(f"AND t{k}.kind != {_LITERAL}")
        previous = f"t{k}.o"
    last = f"t{len(steps) - 1}"
    wanted = _LITERAL if facet == "credits" else _IRI
    rows = db.cursor().execute(
        f"SELECT DISTINCT p.id, {last}.o FROM programmes p {' '.join(joins)} "
        f"WHERE {last}.kind = {wanted}"
    )
    ids: dict[str, int] = {}
    for chunk in _chunks(rows):
        pairs = []
        for programme, value in chunk:
            key = value if wanted == _IRI else _credits(value)
            if key is None:
                continue
            if key not in ids:
                db.execute(
                    "INSERT OR IGNORE INTO facet_values (facet, value) VALUES (?, ?)", (facet, key)
                )
                (ids[key],) = db.execute(
                    "SELECT id FROM facet_values WHERE facet = ? AND value = ?", (facet, key)
                ).fetchone()
            pairs.append((ids[key], programme))
        db.executemany(
            "INSERT OR IGNORE INTO programme_values (value, programme) VALUES (?, ?)", pairs
        )


def _credits(value: str) -> str | None:
    try:
        return credit_range(float(value))
    except ValueError:
        return None


def _meta(db: sqlite3.Connection, definitions: str) -> None:
    db.execute("DELETE FROM meta")
    db.executemany(
        "INSERT INTO meta VALUES (?, ?)", [("format", str(FORMAT)), ("definitions", definitions)]
    )


def updatable(path: Path, definitions: str) -> bool:
    """Whether the index at `path` was made with this format and these facet definitions."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.Error:
        return False
    finally:
        db.close()
    return meta.get("format") == str(FORMAT) and meta.get("definitions") == definitions


def _batches(items: list[str]) -> Iterator[tuple[list[str], str]]:
    """`items` (IRIs) _BATCH at a time, each batch with its SPARQL VALUES terms."""
    for start in range(0, len(items), _BATCH):
        batch = items[start : start + _BATCH]
        yield batch, " ".join(f"<{iri}>" for iri in batch)


def update(
    previous: Path,
    path: Path,
    store: ox.Store,
    affected: set[str],
    moved: set[str],
    definitions: str,
) -> None:
    """The index of the version in `store`, from the `previous` version's index: the
    `affected` programmes' values made again, the `moved` programmes' positions read again
    (a programme no longer listed is removed)."""
    shutil.copyfile(previous, path)
    try:
        _update(path, store, affected, moved, definitions)
    except sqlite3.Error as exc:
        raise FacetIndexWriteError(f"could not update the facet index {path}: {exc}") from exc


def _update(
    path: Path, store: ox.Store, affected: set[str], moved: set[str], definitions: str
) -> None:
    db = _connect(path)
    try:
        redo = sorted(affected | moved)
        for names, block in _batches(redo):
            listed: dict[str, int] = {}
            for row in rows(
                store, f"SELECT ?p ?position WHERE {{ VALUES ?p {{ {block} }} {PROGRAMME} }}"
            ):
                found = _position(row)
                if found is not None:
                    listed.setdefault(found[0], found[1])
            gone = [(iri,) for iri in names if iri not in listed]
            db.executemany(
                "DELETE FROM programme_values WHERE programme = "
                "(SELECT id FROM programmes WHERE iri = ?)",
                gone,
            )
            db.executemany("DELETE FROM programmes WHERE iri = ?", gone)
            db.executemany(
                "INSERT INTO programmes (iri, pos) VALUES (?, ?) "
                "ON CONFLICT (iri) DO UPDATE SET pos = excluded.pos",
                sorted(listed.items()),
            )
        changed = sorted(affected)
        db.executemany(
            "DELETE FROM programme_values WHERE programme = "
            "(SELECT id FROM programmes WHERE iri = ?)",
            [(iri,) for iri in changed],
        )
        for _names, block in _batches(changed):
            for facet in FACETS:
                _add_values(db, facet.name, _facet_rows(store, facet.name, block))
        _recount(db)
        _meta(db, definitions)
        db.commit()
    finally:
        db.close()


def counts(path: Path) -> dict[str, Any]:
    """{"programmes": N, "facets": {facet: {value key: programmes}}} read from the index."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (programmes,) = db.execute("SELECT count(*) FROM programmes").fetchone()
        facets: dict[str, dict[str, int]] = {f.name: {} for f in FACETS}
        for facet, value, n in db.execute(
            "SELECT facet, value, n FROM facet_values WHERE n > 0 ORDER BY facet, value"
        ):
            facets.setdefault(facet, {})[value] = n
    finally:
        db.close()
    return {"programmes": programmes, "facets": facets}
