"""The full-text index of a version, built at build time (SQLite FTS5, standard library).

`build_index` is run by the build's writer (graph/build/writers/search_index.py): it reads the
version's N-Quads once, streaming, and writes `search.sqlite` into the version's folder, so the
index is published atomically with the version it describes. Nothing is held in memory per
programme: the quads that matter go into staging tables of the same SQLite file, the documents
are then assembled by SQL joins sorted on disk, stemmed one programme at a time, and the
staging tables are dropped.

One document per `pro:StudyProgramme`, with five indexed columns (docs/search.md):
title (dct:title, schema:name), alt (skos:altLabel, skos:prefLabel, dct:alternative,
pro:acronym), description (dct:description, schema:description), institution (the names of
its providers: elm:providedBy, pro:coordinatedBy) and city (the providers' locality, on the
organisation or its schema:address). Facets: institution, country, language.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from itertools import groupby
from pathlib import Path

import pyoxigraph as ox

from ..errors import ProspectusError
from ..iris import ELM, PRO, SCHEMA
from ..store.sorted_nquads import quads_with_predicates
from . import analysis

INDEX_FILE = "search.sqlite"
FORMAT_VERSION = 2  # 2: facet values numbered (facet_values), facets (doc, value id)
COLUMNS = ("title", "alt", "description", "institution", "city")
# bm25 weights, in COLUMNS order: a word of the title counts ten times one of the description.
WEIGHTS = (10.0, 6.0, 1.0, 3.0, 3.0)
FACETS = ("institution", "country", "language")

_DCT = "http://purl.org/dc/terms/"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
TEXT_FIELDS: dict[str, str] = {
    _DCT + "title": "title",
    str(SCHEMA.name): "title",
    _SKOS + "altLabel": "alt",
    _DCT + "alternative": "alt",
    str(PRO.acronym): "alt",
    _SKOS + "prefLabel": "label",
    _DCT + "description": "description",
    str(SCHEMA.description): "description",
    str(SCHEMA.addressLocality): "city",
}
LINKS: dict[str, str] = {
    str(ELM.providedBy): "provider",
    str(PRO.coordinatedBy): "provider",
    str(SCHEMA.address): "address",
    str(SCHEMA.addressCountry): "country",
    str(ELM.defaultLanguage): "language",
}
_PROGRAMME = str(PRO.StudyProgramme)
_BATCH = 5000


class SearchIndexError(ProspectusError):
    """The search index could not be written or read."""


def _schema(db: sqlite3.Connection) -> None:
    columns = ", ".join(COLUMNS)
    db.executescript(
        f"""
        CREATE TABLE s_prog (iri TEXT PRIMARY KEY) WITHOUT ROWID;
        CREATE TABLE s_text (subject TEXT, field TEXT, lang TEXT, text TEXT);
        CREATE TABLE s_link (subject TEXT, kind TEXT, object TEXT);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE docs (id INTEGER PRIMARY KEY, iri TEXT UNIQUE NOT NULL, fields TEXT);
        CREATE TABLE facet_values (id INTEGER PRIMARY KEY, facet TEXT NOT NULL,
            value TEXT NOT NULL, UNIQUE (facet, value));
        CREATE TABLE facets (doc INTEGER NOT NULL, value INTEGER NOT NULL,
            PRIMARY KEY (doc, value)) WITHOUT ROWID;
        CREATE VIRTUAL TABLE fts USING fts5({columns}, content='',
            tokenize='unicode61 remove_diacritics 2');
        """
    )


def _stage(db: sqlite3.Connection, nquads: Path) -> None:
    """One streaming pass over the dump: keep the quads the documents are made of."""
    try:
        _stage_quads(db, quads_with_predicates(nquads, {*TEXT_FIELDS, *LINKS, _RDF_TYPE}))
    except (OSError, SyntaxError) as exc:
        raise SearchIndexError(f"could not read {nquads} for the search index: {exc}") from exc
    db.executescript(
        """
        CREATE INDEX s_text_subject ON s_text (subject, field);
        CREATE INDEX s_link_subject ON s_link (subject, kind);
        """
    )


def _stage_quads(db: sqlite3.Connection, quads: Iterable[ox.Quad]) -> None:
    """Keep the quads the documents are made of in the staging tables."""
    progs: list[tuple[str]] = []
    texts: list[tuple[str, str, str, str]] = []
    links: list[tuple[str, str, str]] = []

    def flush() -> None:
        db.executemany("INSERT OR IGNORE INTO s_prog VALUES (?)", progs)
        db.executemany("INSERT INTO s_text VALUES (?, ?, ?, ?)", texts)
        db.executemany("INSERT INTO s_link VALUES (?, ?, ?)", links)
        progs.clear()
        texts.clear()
        links.clear()

    for quad in quads:
        subject, predicate, obj = quad.subject, quad.predicate.value, quad.object
        if not isinstance(subject, ox.NamedNode):
            continue
        if isinstance(obj, ox.Literal):
            field = TEXT_FIELDS.get(predicate)
            if field is not None:
                texts.append((subject.value, field, obj.language or "", obj.value))
        elif isinstance(obj, ox.NamedNode):
            if predicate == _RDF_TYPE:
                if obj.value == _PROGRAMME:
                    progs.append((subject.value,))
            else:
                kind = LINKS.get(predicate)
                if kind is not None:
                    links.append((subject.value, kind, obj.value))
        if len(texts) + len(links) + len(progs) >= _BATCH:
            flush()
    flush()


# (programme, column, lang, text) for every text of every programme, sorted by programme.
_DOCUMENT_TEXTS = """
SELECT p.iri, CASE t.field WHEN 'label' THEN 'alt' ELSE t.field END, t.lang, t.text
  FROM s_prog p JOIN s_text t ON t.subject = p.iri
 WHERE t.field IN ('title', 'alt', 'label', 'description')
UNION
SELECT p.iri, 'institution', t.lang, t.text
  FROM s_prog p JOIN s_link l ON l.subject = p.iri AND l.kind = 'provider'
  JOIN s_text t ON t.subject = l.object AND t.field IN ('label', 'alt', 'title')
UNION
SELECT p.iri, 'city', t.lang, t.text
  FROM s_prog p JOIN s_link l ON l.subject = p.iri AND l.kind = 'provider'
  JOIN s_text t ON t.subject = l.object AND t.field = 'city'
UNION
SELECT p.iri, 'city', t.lang, t.text
  FROM s_prog p JOIN s_link l ON l.subject = p.iri AND l.kind = 'provider'
  JOIN s_link a ON a.subject = l.object AND a.kind = 'address'
  JOIN s_text t ON t.subject = a.object AND t.field = 'city'
ORDER BY 1, 2, 3, 4
"""

# The facet values of the documents from id :first on.
_FACETS = """
CREATE TEMP TABLE new_facets AS
SELECT d.id AS doc, 'institution' AS facet, l.object AS value
  FROM docs d JOIN s_link l ON l.subject = d.iri AND l.kind = 'provider'
 WHERE d.id >= :first
UNION
SELECT d.id, 'language', l.object
  FROM docs d JOIN s_link l ON l.subject = d.iri AND l.kind = 'language'
 WHERE d.id >= :first
UNION
SELECT d.id, 'country', c.object
  FROM docs d JOIN s_link l ON l.subject = d.iri AND l.kind = 'provider'
  JOIN s_link c ON c.subject = l.object AND c.kind = 'country'
 WHERE d.id >= :first
UNION
SELECT d.id, 'country', c.object
  FROM docs d JOIN s_link l ON l.subject = d.iri AND l.kind = 'provider'
  JOIN s_link a ON a.subject = l.object AND a.kind = 'address'
  JOIN s_link c ON c.subject = a.object AND c.kind = 'country'
 WHERE d.id >= :first
"""
# The facet values numbered, and each document's values by number (counting a hit's facets
# then groups integers: 3.6 times faster at 10,000 programmes than grouping the IRIs).
_NUMBERED = """
INSERT OR IGNORE INTO facet_values (facet, value) SELECT DISTINCT facet, value FROM new_facets;
INSERT OR IGNORE INTO facets (doc, value)
SELECT n.doc, v.id FROM new_facets n
  JOIN facet_values v ON v.facet = n.facet AND v.value = n.value;
DROP TABLE new_facets;
"""


def _documents(
    db: sqlite3.Connection, languages: set[str]
) -> Iterator[tuple[str, dict[str, list[list[str]]], tuple[str, ...]]]:
    """(iri, fields as written, FTS5 column values), one programme at a time."""
    rows = db.execute(_DOCUMENT_TEXTS)
    for iri, group in groupby(rows, key=lambda row: row[0]):
        fields: dict[str, list[list[str]]] = {}
        indexed: dict[str, list[str]] = {column: [] for column in COLUMNS}
        for _, column, lang, text in group:
            language = analysis.language_of(lang)
            if language is not None:
                languages.add(language)
            fields.setdefault(column, []).append([lang, text])
            indexed[column].append(analysis.terms(text, language))
        yield iri, fields, tuple(" ".join(indexed[column]) for column in COLUMNS)


def _builder() -> str:
    """What makes an index: this module's and the text analysis's code. A rebuild updates
    the previous version's index only when it was made by the same."""
    digest = hashlib.sha256()
    for module in (__file__, analysis.__file__):
        digest.update(Path(module).read_bytes())
    return digest.hexdigest()[:16]


def _insert_documents(db: sqlite3.Connection, first: int, languages: set[str]) -> int:
    """Documents for the staged programmes, numbered from `first`; how many."""
    count = 0
    writer = db.cursor()
    for iri, fields, values in _documents(db, languages):
        writer.execute(
            "INSERT INTO docs (id, iri, fields) VALUES (?, ?, ?)",
            (first + count, iri, json.dumps(fields, ensure_ascii=False, separators=(",", ":"))),
        )
        writer.execute(
            f"INSERT INTO fts (rowid, {', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)",
            (first + count, *values),
        )
        count += 1
    db.execute(_FACETS, {"first": first})
    db.executescript(_NUMBERED)
    return count


def _meta(documents: int, languages: set[str]) -> list[tuple[str, str]]:
    meta = {
        "format": FORMAT_VERSION,
        "documents": documents,
        "languages": sorted(languages),
        "columns": list(COLUMNS),
        "weights": list(WEIGHTS),
        "builder": _builder(),
    }
    return [(k, json.dumps(v)) for k, v in meta.items()]


def build_index(nquads: Path, index_path: Path) -> int:
    """Write the index of the dataset in `nquads` to `index_path`; returns its documents."""
    index_path.unlink(missing_ok=True)
    try:
        db = sqlite3.connect(index_path)
    except sqlite3.Error as exc:
        raise SearchIndexError(f"could not create the search index {index_path}: {exc}") from exc
    try:
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;")
        _schema(db)
        _stage(db, nquads)
        languages: set[str] = set()
        count = _insert_documents(db, 1, languages)
        db.execute("CREATE INDEX facets_value ON facets (value, doc)")
        db.executemany("INSERT INTO meta VALUES (?, ?)", _meta(count, languages))
        db.executescript(
            """
            DROP TABLE s_prog; DROP TABLE s_text; DROP TABLE s_link;
            INSERT INTO fts (fts) VALUES ('optimize');
            """
        )
        db.commit()
        db.execute("VACUUM")
        return count
    except sqlite3.Error as exc:
        raise SearchIndexError(f"could not write the search index {index_path}: {exc}") from exc
    finally:
        db.close()


def updatable(index_path: Path) -> bool:
    """Whether the index at `index_path` was made by this code (update_index can start
    from it)."""
    try:
        db = sqlite3.connect(f"file:{index_path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'builder'").fetchone()
        return row is not None and json.loads(row[0]) == _builder()
    except (sqlite3.Error, ValueError):
        return False
    finally:
        db.close()


def _indexed(fields: dict[str, list[list[str]]]) -> tuple[str, ...]:
    """The FTS5 column values a document's fields were indexed as (as _documents makes them)."""
    return tuple(
        " ".join(
            analysis.terms(text, analysis.language_of(lang)) for lang, text in fields.get(c, [])
        )
        for c in COLUMNS
    )


def update_index(
    previous: Path, index_path: Path, programmes: set[str], quads: Iterable[ox.Quad]
) -> tuple[int, int]:
    """The index of a version that differs from the one `previous` indexes only in the
    documents of `programmes` (IRIs), written to `index_path`: a copy of `previous` whose
    documents of `programmes` are deleted and made again from `quads` (the descriptions of
    those programmes, their providers and the providers' addresses). Returns the documents
    deleted and the documents made.
    A document's number may differ from a fresh index's; what a search answers does not."""
    shutil.copyfile(previous, index_path)
    try:
        db = sqlite3.connect(index_path)
    except sqlite3.Error as exc:
        raise SearchIndexError(f"could not open the search index {index_path}: {exc}") from exc
    try:
        db.executescript(
            """
            PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
            CREATE TEMP TABLE affected (iri TEXT PRIMARY KEY) WITHOUT ROWID;
            CREATE TEMP TABLE s_prog (iri TEXT PRIMARY KEY) WITHOUT ROWID;
            CREATE TEMP TABLE s_text (subject TEXT, field TEXT, lang TEXT, text TEXT);
            CREATE TEMP TABLE s_link (subject TEXT, kind TEXT, object TEXT);
            """
        )
        db.executemany("INSERT INTO affected VALUES (?)", [(iri,) for iri in programmes])
        gone = db.execute(
            "SELECT id, fields FROM docs WHERE iri IN (SELECT iri FROM affected)"
        ).fetchall()
        for doc, fields in gone:
            db.execute(
                f"INSERT INTO fts (fts, rowid, {', '.join(COLUMNS)}) "
                "VALUES ('delete', ?, ?, ?, ?, ?, ?)",
                (doc, *_indexed(json.loads(fields))),
            )
        db.executemany("DELETE FROM facets WHERE doc = ?", [(doc,) for doc, _ in gone])
        db.executemany("DELETE FROM docs WHERE id = ?", [(doc,) for doc, _ in gone])
        _stage_quads(db, quads)
        db.executescript(
            """
            DELETE FROM s_prog WHERE iri NOT IN (SELECT iri FROM affected);
            CREATE INDEX temp.s_text_subject ON s_text (subject, field);
            CREATE INDEX temp.s_link_subject ON s_link (subject, kind);
            """
        )
        (last,) = db.execute("SELECT coalesce(max(id), 0) FROM docs").fetchone()
        made = _insert_documents(db, last + 1, set())
        languages: set[str] = set()
        tags = db.execute(
            "SELECT DISTINCT json_extract(e.value, '$[0]') FROM docs, json_each(docs.fields) f,"
            " json_each(f.value) e"
        )
        for (tag,) in tags:
            language = analysis.language_of(tag)
            if language is not None:
                languages.add(language)
        (documents,) = db.execute("SELECT count(*) FROM docs").fetchone()
        db.execute("DELETE FROM meta")
        db.executemany("INSERT INTO meta VALUES (?, ?)", _meta(documents, languages))
        db.commit()
        return len(gone), made
    except sqlite3.Error as exc:
        raise SearchIndexError(f"could not update the search index {index_path}: {exc}") from exc
    finally:
        db.close()
