"""Lexical facts about a SPARQL 1.1 query string, found without evaluating it.

Follows the terminals of the SPARQL 1.1 grammar
(https://www.w3.org/TR/sparql11-query/#grammar, §19.8 "Grammar" and §19.2 "Codepoint
Escape Sequences"): strings, IRIs and comments are skipped, so a keyword inside them is never
mistaken for one in the query. Used before any evaluation to

* tell the query form (SELECT/ASK → result formats; CONSTRUCT/DESCRIBE → graph formats), and
  whether the text is a SPARQL Update instead of a query;
* find `SERVICE` clauses (https://www.w3.org/TR/sparql11-federated-query/), which the
  federation policy (graph/store/federation.py) refuses unless allowlisted;
* measure how deeply the query nests (`too_deep`), which the protocol front limits
  (the `max_query_depth` setting) because parsers recurse once per level and crash past a
  few thousand (pyoxigraph) or stop at a few dozen (rdflib's pyparsing).

This is a fast pre-pass (microseconds), not a parser: the store's own parser still checks
the syntax and reports errors with their position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin

Form = Literal["select", "ask", "construct", "describe", "update", "unknown"]

UPDATE_KEYWORDS = frozenset(
    {"insert", "delete", "load", "clear", "create", "drop", "copy", "move", "add", "with"}
)
FORMS = frozenset({"select", "ask", "construct", "describe"})

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<long_string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\")
  | (?P<string>'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][\w\u00B7\u00C0-\uFFFF]+)
  | (?P<word>[\w\u00B7\u00C0-\uFFFF:%\\\-]+(?:\.[\w\u00B7\u00C0-\uFFFF:%\\\-]+)*)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # iri, var, word, string, punct
    text: str
    offset: int


def expand_escapes(text: str) -> str:
    """Apply \\u/\\U codepoint escapes, which the grammar processes before parsing (§19.2)."""
    if "\\u" not in text and "\\U" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)

    return _ESCAPE.sub(replace, text)


def tokens(text: str) -> list[Token]:
    """The significant tokens (no whitespace or comments) of a query, escapes applied."""
    out: list[Token] = []
    for match in _TOKEN.finditer(expand_escapes(text)):
        kind = match.lastgroup or "punct"
        if kind in ("space", "comment"):
            continue
        if kind == "long_string":
            kind = "string"
        out.append(Token(kind, match.group(), match.start()))
    return out


def raw_tokens(text: str) -> list[Token]:
    """The significant tokens of a query as written (escapes not applied), with offsets into
    `text`: for rewriting the text itself."""
    out: list[Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        if kind in ("space", "comment"):
            continue
        if kind == "long_string":
            kind = "string"
        out.append(Token(kind, match.group(), match.start()))
    return out


_GAPLESS = frozenset("{}()[],;")  # never part of a longer terminal: a gap beside them is void


def normalise(text: str) -> tuple[str, ...]:
    """The query as its tokens, every run of whitespace and comments outside strings and IRIs
    made one " " between them, or none beside { } ( ) [ ] , ; and at either end: two texts
    that normalise the same are the same query. A tuple, not a string, so that token
    boundaries stay (`<(?b)>`, one IRI, is not `<`, `(`, `?b`, `)`, `>`); a run between two
    other tokens stays, so `<=` and `< =` or `^^` and `^ ^` stay apart."""
    parts: list[str] = []
    gap = False
    for match in _TOKEN.finditer(text):
        if match.lastgroup in ("space", "comment"):
            gap = True
            continue
        token = match.group()
        if gap and parts and parts[-1] not in _GAPLESS and token not in _GAPLESS:
            parts.append(" ")
        gap = False
        parts.append(token)
    return tuple(parts)


_CLOSE = {"}": "{", ")": "(", "]": "["}


@dataclass(frozen=True)
class Depth:
    """Where a query first nests deeper than a limit."""

    depth: int
    line: int  # 1-based
    column: int  # 1-based


def too_deep(text: str, limit: int) -> Depth | None:
    """Where the query first nests deeper than `limit`, or None.

    Each `{`, `(` and `[` opens a level and its closing bracket ends it (strings, IRIs and
    comments skipped); a run of `!` (`!!x`, which pyoxigraph accepts although the grammar
    does not) counts one level per `!`, since each is parsed as a nested expression."""
    if limit <= 0:
        return None
    expanded = expand_escapes(text)
    toks = tokens(text)
    depth = 0
    run = 0  # `!` in a row just before this token
    for i, tok in enumerate(toks):
        if tok.kind != "punct":
            run = 0
            continue
        if tok.text in "{([":
            depth += 1
            level = depth + run
        elif tok.text in "})]":
            depth = max(0, depth - 1)
            run = 0
            continue
        elif tok.text == "!":
            following = toks[i + 1] if i + 1 < len(toks) else None
            if (
                following is not None
                and following.text == "="
                and following.offset == tok.offset + 1
            ):
                run = 0
                continue  # `!=`
            run += 1
            level = depth + run
        else:
            run = 0
            continue
        if level > limit:
            before = expanded[: tok.offset]
            line = before.count("\n") + 1
            column = tok.offset - (before.rfind("\n") + 1) + 1
            return Depth(level, line, column)
    return None


def _prologue_end(toks: list[Token]) -> int:
    """Index of the first token after the BASE/PREFIX declarations."""
    i = 0
    while i < len(toks):
        word = toks[i].text.lower() if toks[i].kind == "word" else ""
        if word == "base":
            i += 2
        elif word == "prefix":
            i += 3
        else:
            break
    return i


def query_form(text: str) -> Form:
    """SELECT, ASK, CONSTRUCT, DESCRIBE, an update operation, or unknown (not SPARQL)."""
    return form_of(tokens(text))


def form_of(toks: list[Token]) -> Form:
    """`query_form` of a query already tokenised."""
    i = _prologue_end(toks)
    if i >= len(toks) or toks[i].kind != "word":
        return "unknown"
    word = toks[i].text.lower()
    if word in FORMS:
        return word  # type: ignore[return-value]
    if word in UPDATE_KEYWORDS:
        return "update"
    return "unknown"


def has_service(text: str) -> bool:
    """True when the query holds a SERVICE keyword outside strings, IRIs and comments."""
    if "service" not in text.lower() and "\\u" not in text and "\\U" not in text:
        return False
    return any(t.kind == "word" and t.text.lower() == "service" for t in tokens(text))


def service_targets(text: str) -> list[str]:
    """The endpoint of each SERVICE clause as written: `<iri>`, `prefix:name` or `?var`."""
    toks = tokens(text)
    targets: list[str] = []
    for i, tok in enumerate(toks):
        if tok.kind == "word" and tok.text.lower() == "service":
            j = i + 1
            if j < len(toks) and toks[j].kind == "word" and toks[j].text.lower() == "silent":
                j += 1
            targets.append(toks[j].text if j < len(toks) else "")
    return targets


def has_dataset_clause(text: str) -> bool:
    """True when the query names its own dataset (FROM / FROM NAMED)."""
    if "from" not in text.lower() and "\\u" not in text and "\\U" not in text:
        return False
    return any(t.kind == "word" and t.text.lower() == "from" for t in tokens(text))


_ABSOLUTE = re.compile(r"^<[A-Za-z][A-Za-z0-9+.\-]*:")


def has_relative_iri(text: str) -> bool:
    """True when an IRI of the query is relative (it then needs a base IRI)."""
    return any(t.kind == "iri" and not _ABSOLUTE.match(t.text) for t in tokens(text))


def prologue(text: str) -> tuple[str | None, dict[str, str]]:
    """The BASE IRI and PREFIX declarations of a query."""
    toks = tokens(text)
    base: str | None = None
    prefixes: dict[str, str] = {}
    i = 0
    while i < len(toks):
        word = toks[i].text.lower() if toks[i].kind == "word" else ""
        if word == "base" and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            base = toks[i + 1].text[1:-1]
            i += 2
        elif word == "prefix" and i + 2 < len(toks) and toks[i + 2].kind == "iri":
            prefixes[toks[i + 1].text.rstrip(":")] = toks[i + 2].text[1:-1]
            i += 3
        else:
            break
    return base, prefixes


def resolve(written: str, base: str | None, prefixes: dict[str, str]) -> str | None:
    """The IRI a `<iri>` or `prefix:name` token stands for; None for anything else."""
    if written.startswith("<") and written.endswith(">"):
        iri = written[1:-1]
        return urljoin(base, iri) if base else iri
    if ":" in written and not written.startswith(("?", "$")):
        prefix, _, local = written.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local.replace("\\", "")
    return None


def dataset_clause(text: str) -> tuple[list[str], list[str]]:
    """The graphs of the query's FROM and FROM NAMED clauses, as IRIs."""
    if not has_dataset_clause(text):
        return [], []
    base, prefixes = prologue(text)
    toks = tokens(text)
    default: list[str] = []
    named: list[str] = []
    for i, tok in enumerate(toks):
        if tok.kind != "word" or tok.text.lower() != "from":
            continue
        target = named if i + 1 < len(toks) and toks[i + 1].text.lower() == "named" else default
        j = i + 2 if target is named else i + 1
        iri = resolve(toks[j].text, base, prefixes) if j < len(toks) else None
        if iri is not None:
            target.append(iri)
    return default, named
