"""How text becomes index terms: words, case and accent folding, and Snowball stemming in the
text's own language (snowballstemmer). The index, the query and the highlighter all go through
these functions, so a word is found and marked exactly when its stem matches.

A tagged literal ("Rechten"@nl) is stemmed with its language's stemmer; an untagged one, or one
in a language Snowball has no stemmer for, is indexed as folded words. A query word is turned
into its variants: the folded word and its stem in every language the index holds.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache

import snowballstemmer

# BCP 47 primary language subtag -> Snowball algorithm.
SNOWBALL: dict[str, str] = {
    "ar": "arabic",
    "ca": "catalan",
    "cs": "czech",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "et": "estonian",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pl": "polish",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "tr": "turkish",
}

# A word: letters and digits (what FTS5's unicode61 tokenizer keeps together).
WORD = re.compile(r"[^\W_]+")
MAX_QUERY_WORDS = 16


def language_of(tag: str | None) -> str | None:
    """The Snowball language of a language tag ("nl-BE" -> "nl"), or None when there is none."""
    if not tag:
        return None
    primary = tag.split("-", 1)[0].lower()
    algorithm = SNOWBALL.get(primary)
    return primary if algorithm in _ALGORITHMS else None


_ALGORITHMS = frozenset(snowballstemmer.algorithms())


def fold(word: str) -> str:
    """Lower case without accents ("Münster" -> "munster"), as FTS5's remove_diacritics does."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(SNOWBALL[language])


@lru_cache(maxsize=200_000)  # bounded: query words come from users
def term(word: str, language: str | None) -> str:
    """The index term of one word of a text in `language` (None: no stemming)."""
    lowered = word.casefold()
    if language is None:
        return fold(lowered)
    return fold(_stemmer(language).stemWord(lowered))


def words(text: str) -> list[str]:
    return WORD.findall(text)


def terms(text: str, language: str | None) -> str:
    """The text as the space-separated index terms the FTS5 table stores."""
    return " ".join(term(w, language) for w in words(text))


def query_words(q: str) -> list[str]:
    """The words of a user's query; operators and quotes are not syntax, only separators."""
    return words(q)[:MAX_QUERY_WORDS]


def variants(word: str, languages: Iterable[str]) -> frozenset[str]:
    """The terms a query word may stand for: itself folded, and its stem in each language."""
    return frozenset({term(word, None), *(term(word, lang) for lang in languages)})


def match_expression(q: str, languages: Iterable[str]) -> str | None:
    """An FTS5 MATCH expression for the query: every word must match (in any column), each in
    any of its variants. Every term is quoted, so nothing the user types is FTS5 syntax.
    None when the query has no word."""
    langs = tuple(languages)
    groups = []
    for word in query_words(q):
        alternatives = " OR ".join(_quote(v) for v in sorted(variants(word, langs)))
        groups.append(f"({alternatives})")
    if not groups:
        return None
    return " AND ".join(groups)


def _quote(term_text: str) -> str:
    return '"' + term_text.replace('"', '""') + '"'


def query_terms(q: str, languages: Iterable[str]) -> frozenset[str]:
    """Every term any word of the query may stand for (for highlighting)."""
    langs = tuple(languages)
    return frozenset(v for word in query_words(q) for v in variants(word, langs))


def _pieces(text: str) -> Iterator[tuple[str, bool]]:
    """The text cut into (piece, is_word)."""
    position = 0
    for found in WORD.finditer(text):
        if found.start() > position:
            yield text[position : found.start()], False
        yield found.group(), True
        position = found.end()
    if position < len(text):
        yield text[position:], False


def highlight(
    text: str,
    language: str | None,
    wanted: frozenset[str],
    *,
    window: int | None = None,
    mark: tuple[str, str] = ("<mark>", "</mark>"),
) -> tuple[str, bool]:
    """HTML of `text` with the words whose term is in `wanted` marked: every piece is escaped
    first, then matches are wrapped, so markup in the data never reaches the page. With
    `window`, only about that many words around the first match are kept (… where cut).
    Returns (html, whether anything matched)."""
    pieces = list(_pieces(text))
    hits = [
        i
        for i, (piece, is_word) in enumerate(pieces)
        if is_word and (term(piece, language) in wanted or term(piece, None) in wanted)
    ]
    start, end = 0, len(pieces)
    if window is not None and len(pieces) > 2 * window:
        centre = hits[0] if hits else 0
        start = max(0, centre - window // 2)
        end = min(len(pieces), start + 2 * window)
    hit_set = set(hits)
    out = ["… " if start > 0 else ""]
    for i in range(start, end):
        piece = html.escape(pieces[i][0])
        out.append(mark[0] + piece + mark[1] if i in hit_set else piece)
    if end < len(pieces):
        out.append(" …")
    return "".join(out).strip(), bool(hits)
