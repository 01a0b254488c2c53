"""Full-text search over the programmes of a version (docs/search.md).

- graph/search/analysis.py: words, folding and Snowball stemming per language;
- graph/search/index.py: `build_index`, which writes `search.sqlite` (SQLite FTS5), run by
  the build's writer graph/build/writers/search_index.py;
- graph/search/query.py: `search()`, ranked hits with highlighted snippets and facet counts.

The SPARQL functions over the same index live with the stores (graph/store/text_search.py).
Imported by the build's writer (graph/build/writers/search_index.py), the stores' text
functions and, for the search page, the web app.
"""

from .index import INDEX_FILE, SearchIndexError, build_index
from .query import Hit, SearchIndex, SearchResult, open_index, readable, search

__all__ = [
    "INDEX_FILE",
    "Hit",
    "SearchIndex",
    "SearchIndexError",
    "SearchResult",
    "build_index",
    "open_index",
    "readable",
    "search",
]
