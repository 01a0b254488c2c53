"""Asking the index: ranked hits with highlighted snippets, the total and facet counts.

`search()` opens the version's `search.sqlite` read-only. Ranking is FTS5's bm25 with the
column weights of graph/search/index.py (a title word above a description word). Query words
are quoted terms (graph/search/analysis.py), so `"`, `*`, NEAR, AND, OR, NOT, parentheses or
column names in what a user types are words or separators, never FTS5 syntax.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..sqlite_files import ReadOnlyConnections
from . import analysis
from .index import COLUMNS, FACETS, FORMAT_VERSION, WEIGHTS, SearchIndexError

MAX_LIMIT = 1000
SNIPPET_WORDS = 30


@dataclass(frozen=True)
class Hit:
    iri: str
    score: float  # higher is better (minus FTS5's bm25)
    title: str  # HTML: escaped, matched words in <mark>
    snippet: str  # HTML: the best other field around its first match, escaped and marked
    snippet_field: str | None  # which column the snippet comes from


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


class SearchIndex:
    """One open index (read-only); safe to share between threads (one connection each)."""

    def __init__(self, path: Path):
        if not path.is_file():
            raise SearchIndexError(f"there is no search index at {path}")
        self.path = path
        self._connections = ReadOnlyConnections(path, "search index", SearchIndexError)
        meta = dict(self._db().execute("SELECT key, value FROM meta").fetchall())
        if json.loads(meta.get("format", "0")) != FORMAT_VERSION:
            raise SearchIndexError(
                f"the search index {path} was written by another version of Prospectus "
                f"(format {meta.get('format')}, this one reads {FORMAT_VERSION}): build again"
            )
        self.languages: tuple[str, ...] = tuple(json.loads(meta["languages"]))
        self.documents: int = json.loads(meta["documents"])

    def _db(self) -> sqlite3.Connection:
        return self._connections.get()

    def _where(self, q: str, filters: Mapping[str, str] | None) -> tuple[str, list[object]] | None:
        expression = analysis.match_expression(q, self.languages)
        if expression is None:
            return None
        clauses = ["fts MATCH ?"]
        params: list[object] = [expression]
        for facet, value in sorted((filters or {}).items()):
            if facet not in FACETS:
                raise SearchIndexError(
                    f"unknown search filter {facet!r}; the filters are {', '.join(FACETS)}"
                )
            clauses.append(
                "fts.rowid IN (SELECT doc FROM facets WHERE value = "
                "(SELECT id FROM facet_values WHERE facet = ? AND value = ?))"
            )
            params += [facet, value]
        return " AND ".join(clauses), params

    def scores(self, q: str) -> dict[str, float]:
        """Every matching programme's score (for the SPARQL function; no snippets)."""
        where = self._where(q, None)
        if where is None:
            return {}
        sql, params = where
        rows = self._db().execute(
            f"SELECT d.iri, -bm25(fts, {_weights()}) FROM fts JOIN docs d ON d.id = fts.rowid "
            f"WHERE {sql}",
            params,
        )
        return {iri: float(score) for iri, score in rows}

    def search(
        self,
        q: str,
        limit: int = 20,
        offset: int = 0,
        filters: Mapping[str, str] | None = None,
        *,
        facets: bool = True,
    ) -> SearchResult:
        limit = max(0, min(limit, MAX_LIMIT))
        offset = max(0, offset)
        where = self._where(q, filters)
        if where is None:
            return SearchResult(q, 0, ())
        sql, params = where
        db = self._db()
        try:
            total = db.execute(f"SELECT count(*) FROM fts WHERE {sql}", params).fetchone()[0]
            rows = db.execute(
                f"SELECT d.iri, d.fields, -bm25(fts, {_weights()}) AS score "
                f"FROM fts JOIN docs d ON d.id = fts.rowid WHERE {sql} "
                "ORDER BY score DESC, d.iri LIMIT ? OFFSET ?",
                [*params, limit, offset],
            ).fetchall()
            counts: dict[str, dict[str, int]] = {}
            if facets and total:
                for facet, value, n in db.execute(
                    "SELECT v.facet, v.value, c.n FROM (SELECT value, count(*) AS n FROM facets "
                    f"WHERE doc IN (SELECT rowid FROM fts WHERE {sql}) GROUP BY value) c "
                    "JOIN facet_values v ON v.id = c.value ORDER BY v.facet, c.n DESC, v.value",
                    params,
                ):
                    counts.setdefault(facet, {})[value] = n
        except sqlite3.Error as exc:
            raise SearchIndexError(f"the search index {self.path} failed: {exc}") from exc
        wanted = analysis.query_terms(q, self.languages)
        hits = tuple(_hit(iri, json.loads(fields), score, wanted) for iri, fields, score in rows)
        return SearchResult(q, total, hits, counts)


def _weights() -> str:
    return ", ".join(f"{w:g}" for w in WEIGHTS)


def _hit(iri: str, fields: dict[str, list[list[str]]], score: float, wanted: frozenset[str]) -> Hit:
    titles = fields.get("title") or fields.get("alt") or [["", iri]]
    lang, text = titles[0]
    title, _ = analysis.highlight(text, analysis.language_of(lang), wanted)
    for column in COLUMNS:  # the first other field with a match, in column order
        for lang, text in fields.get(column, []):
            if column == "title" and [lang, text] == titles[0]:
                continue
            snippet, matched = analysis.highlight(
                text, analysis.language_of(lang), wanted, window=SNIPPET_WORDS
            )
            if matched:
                return Hit(iri, score, title, snippet, column)
    for lang, text in fields.get("description", []):
        snippet, _ = analysis.highlight(
            text, analysis.language_of(lang), wanted, window=SNIPPET_WORDS
        )
        return Hit(iri, score, title, snippet, "description")
    return Hit(iri, score, title, "", None)


@lru_cache(maxsize=8)
def open_index(path: Path) -> SearchIndex:
    """The index at `path`, opened once per process."""
    return SearchIndex(path)


def readable(path: Path) -> bool:
    """Whether there is an index at `path` that this code reads (a version built by an
    older Prospectus may hold one of another format: its search is then the label scan)."""
    try:
        open_index(path)
    except SearchIndexError:
        return False
    return True


def search(
    index_path: Path,
    q: str,
    limit: int = 20,
    offset: int = 0,
    filters: Mapping[str, str] | None = None,
    *,
    facets: bool = True,
) -> SearchResult:
    """Search the index at `index_path` (graph/search/index.py) for the words of `q`."""
    return open_index(index_path).search(q, limit, offset, filters, facets=facets)
