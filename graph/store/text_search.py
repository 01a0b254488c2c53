"""The text-search functions in SPARQL, answered from a version's search index.

    PREFIX fn: <https://w3id.org/prospectus/function#>
    fn:textScore(?programme, "query")  -> xsd:double relevance, unbound when not a hit
    fn:textMatch(?literal, "query")    -> xsd:boolean: every query word is in the literal

Both use the analysis of graph/search (stemming in the literal's language for textMatch, the
index's bm25 with its column weights for textScore), in the manner of Virtuoso's bif:contains
and Jena's text:query. The embedded Oxigraph store of a built version passes them to
pyoxigraph as custom functions; a store without an index (rdflib, remote, `serve --data`)
refuses a query that names them, saying why, instead of answering it without them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..iris import FUNCTIONS, TEXT_MATCH, TEXT_SCORE
from ..search import analysis
from ..search.index import INDEX_FILE, SearchIndexError
from ..search.query import open_index
from .base import QueryRefused

NAMESPACE = str(FUNCTIONS)
__all__ = ["INDEX_FILE", "functions", "names_functions", "query_options", "refuse"]
_SCORES_CACHED = 4  # each answer can hold every programme (100k entries at 100k)


_PREFIX = re.compile(r"PREFIX\s+([^\s:]*):\s*<" + re.escape(NAMESPACE) + ">", re.IGNORECASE)
_FULL = re.compile("<" + re.escape(NAMESPACE) + r"[^>\s]*>")


def names_functions(sparql: str) -> bool:
    """Whether the query names a term of the text-search functions' namespace, written out in
    full or with a prefix declared for it (declaring the prefix alone does not count)."""
    if NAMESPACE not in sparql:
        return False
    body = _PREFIX.sub(" ", sparql)
    if _FULL.search(body):
        return True
    prefixes = {m.group(1) for m in _PREFIX.finditer(sparql)}
    return any(re.search(r"(?<![\w.:-])" + re.escape(p) + r":[A-Za-z_]", body) for p in prefixes)


def refuse(sparql: str, store: str) -> None:
    """Raise QueryRefused when the query names the text-search functions: `store` has no index."""
    if names_functions(sparql):
        raise QueryRefused(
            f"this query uses the text-search functions of <{NAMESPACE}> (textScore, "
            f"textMatch), which {store} does not provide: they are answered from the search "
            "index of a built version by the embedded Oxigraph store (docs/search.md)"
        )


@lru_cache(maxsize=_SCORES_CACHED)
def _scores(index_path: Path, q: str) -> dict[str, float]:
    return open_index(index_path).scores(q)


def _string(term: Any) -> str | None:
    return term.value if isinstance(term, ox.Literal) else None


def functions(index_path: Path) -> dict[ox.NamedNode, Callable[..., Any]]:
    """The custom functions for pyoxigraph's `Store.query`, answered from `index_path`."""
    languages = open_index(index_path).languages

    def text_score(resource: Any, query: Any) -> ox.Literal | None:
        q = _string(query)
        if not isinstance(resource, ox.NamedNode) or q is None:
            return None
        score = _scores(index_path, q).get(resource.value)
        return None if score is None else ox.Literal(score)

    def text_match(text: Any, query: Any) -> ox.Literal | None:
        q = _string(query)
        if not isinstance(text, ox.Literal) or q is None:
            return None
        language = analysis.language_of(text.language)
        langs = (*languages, language) if language else languages
        wanted = [analysis.variants(w, langs) for w in analysis.query_words(q)]
        found = {analysis.term(w, language) for w in analysis.words(text.value)}
        found |= {analysis.term(w, None) for w in analysis.words(text.value)}
        return ox.Literal(bool(wanted) and all(found & v for v in wanted))

    return {
        ox.NamedNode(str(TEXT_SCORE)): text_score,
        ox.NamedNode(str(TEXT_MATCH)): text_match,
    }


def query_options(sparql: str, index_path: Path | None, store: str) -> dict[str, Any]:
    """The `custom_functions` option for a query that names the functions (none otherwise);
    refused when there is no index at `index_path`."""
    if not names_functions(sparql):
        return {}
    if index_path is None or not index_path.is_file():
        refuse(sparql, store)
    assert index_path is not None
    try:
        return {"custom_functions": functions(index_path)}
    except SearchIndexError as exc:
        raise QueryRefused(f"the text-search functions are unavailable: {exc}") from exc
