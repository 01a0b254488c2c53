"""ORDER BY as a total order: SPARQL 1.1 Query §15.1
(https://www.w3.org/TR/sparql11-query/#modOrderBy), made safe on every store.

Why: pyoxigraph (every release from 0.4 to 0.5.13, and oxigraph's main branch) compares two
ORDER BY values with the operator `<` where it is defined and, where it is not, by their
lexical forms. The mix is not transitive: `30 < 230` by value, `230 < "2422"` and
`"2422" < 30` by lexical form. Rust's sort detects the inconsistency and panics ("user-provided
comparison function does not correctly implement a total order"), which aborts the process;
on the published data `SELECT ?o { ?s ?p ?o } ORDER BY ?o` failed every time
(docs/sparql.md, "ORDER BY", has the upstream report). rdflib's sort does not fail but gives an
order that depends on the input order.

What: every order condition `ASC(e)` / `DESC(e)` / `e` is rewritten, in the query text, into
five conditions with the same direction whose values never mix kinds, so that any engine
compares like with like:

1. the kind of `e`: unbound or error (0) < blank node (1) < IRI (2) < number (3) < NaN (4)
   < string, simple or language-tagged (5) < boolean (6) < dateTime (7) < any other literal
   (8) — §15.1's unbound < blank nodes < IRIs < literals, then a fixed order between kinds of
   literals, which §15.1 leaves open;
2. numbers and booleans by value, as xsd:double (`false` = 0, `true` = 1; other kinds 0);
3. dateTimes by instant, one without a timezone read as UTC (other kinds 0001-01-01Z);
4. the lexical form (`STR`): strings and IRIs in codepoint order, as `<` orders them, and the
   tie-break for everything else (dates, durations, … in lexical order);
5. the language tag and datatype IRI, the last tie-break.

Each column holds one type on every row, so the order is total on any engine (rdflib sorts
column by column over all rows, Oxigraph row by row). It agrees with `<` where `<` is
defined, except between numbers that differ by less than xsd:double precision, which keep
their lexical order.

The rewrite is lexical (graph/store/query_text.py's terminals: strings, IRIs and comments
skipped) and touches only the order conditions, on their own line; a query that the rewrite
makes unparsable is run as written, so syntax errors keep their positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import query_text

XSD = "http://www.w3.org/2001/XMLSchema#"
_DOUBLE = f"<{XSD}double>"
_DATETIME = f"<{XSD}dateTime>"
_EPOCH = f'"0001-01-01T00:00:00Z"^^{_DATETIME}'

_OPEN = {"(": ")", "{": "}", "[": "]"}
_GAP = re.compile(r"\s+|#[^\n\r]*")


@dataclass(frozen=True)
class Condition:
    descending: bool
    expression: str  # self-contained: a variable, a call or a bracketed expression
    start: int  # span of the whole condition in the query text
    end: int


def _matching(toks: list[query_text.Token], i: int) -> int | None:
    """Index of the token closing the bracket opened at toks[i]; None when unbalanced."""
    stack: list[str] = []
    for j in range(i, len(toks)):
        tok = toks[j]
        if tok.kind != "punct":
            continue
        if tok.text in _OPEN:
            stack.append(_OPEN[tok.text])
        elif tok.text in (")", "}", "]"):
            if not stack or stack.pop() != tok.text:
                return None
            if not stack:
                return j
    return None


def _is(tok: query_text.Token | None, *texts: str) -> bool:
    return tok is not None and tok.text.lower() in texts


def _compact(text: str) -> str:
    """The text with comments and line breaks between tokens replaced by one space (tokens
    are kept as written, so `"x"@en` and `"1"^^xsd:int` stay whole)."""
    out: list[str] = []
    pos = 0
    for tok in query_text.raw_tokens(text):
        if tok.offset > pos:
            out.append(" ")
        out.append(tok.text)
        pos = tok.offset + len(tok.text)
    return "".join(out).strip()


def order_conditions(text: str) -> list[list[Condition]]:
    """The conditions of every ORDER BY clause in the query (sub-selects included)."""
    toks = query_text.raw_tokens(text)
    clauses: list[list[Condition]] = []
    i = 0
    while i < len(toks) - 1:
        if not (toks[i].kind == "word" and _is(toks[i], "order") and _is(toks[i + 1], "by")):
            i += 1
            continue
        i += 2
        conditions: list[Condition] = []
        while i < len(toks):
            tok = toks[i]
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            descending = False
            if tok.kind == "var":
                end = i
            elif tok.kind == "word" and _is(tok, "asc", "desc") and _is(nxt, "("):
                descending = _is(tok, "desc")
                close = _matching(toks, i + 1)
                if close is None:
                    return clauses + [conditions]
                inner = text[toks[i + 1].offset : toks[close].offset + 1]
                conditions.append(Condition(descending, inner, tok.offset, toks[close].offset + 1))
                i = close + 1
                continue
            elif tok.kind == "punct" and tok.text == "(":
                end = _matching(toks, i)  # type: ignore[assignment]
            elif tok.kind == "word" and _is(tok, "values", "limit", "offset"):
                break
            elif tok.kind in ("word", "iri") and _is(nxt, "("):
                end = _matching(toks, i + 1)  # type: ignore[assignment]  # a call
            elif tok.kind == "word" and _is(tok, "exists") and _is(nxt, "{"):
                end = _matching(toks, i + 1)  # type: ignore[assignment]
            elif (
                tok.kind == "word"
                and _is(tok, "not")
                and _is(nxt, "exists")
                and i + 2 < len(toks)
                and _is(toks[i + 2], "{")
            ):
                end = _matching(toks, i + 2)  # type: ignore[assignment]
            else:
                break  # LIMIT, OFFSET, VALUES, '}', the end: the clause is over
            if end is None:
                return clauses + [conditions]
            stop = toks[end].offset + len(toks[end].text)
            conditions.append(Condition(False, text[tok.offset : stop], tok.offset, stop))
            i = end + 1
        clauses.append(conditions)
    return clauses


def sort_keys(expression: str) -> list[str]:
    """The five key expressions that order `expression` totally (see the module docstring)."""
    e = f"({_compact(expression)})"
    is_string = f'LANG({e}) != "" || DATATYPE({e}) = <{XSD}string>'
    is_boolean = f'DATATYPE({e}) = <{XSD}boolean> && STR({e}) IN ("true", "false", "1", "0")'
    as_datetime = f"{_DATETIME}(STR({e}))"
    kind = (
        f"COALESCE(IF(isBLANK({e}), 1, IF(isIRI({e}), 2, "
        f"IF(isNUMERIC({e}), COALESCE(IF({_DOUBLE}({e}) = {_DOUBLE}({e}), 3, 4), 8), "
        f"IF({is_string}, 5, IF({is_boolean}, 6, "
        f"IF(DATATYPE({e}) = {_DATETIME}, COALESCE(IF(isLITERAL({as_datetime}), 7, 8), 8), "
        f"8)))))), 0)"
    )
    number = (
        f"COALESCE(IF(isNUMERIC({e}), IF({_DOUBLE}({e}) = {_DOUBLE}({e}), {_DOUBLE}({e}), 0e0), "
        f'IF({is_boolean}, IF(STR({e}) IN ("true", "1"), 1e0, 0e0), 0e0)), 0e0)'
    )
    instant = (
        f"COALESCE(IF(DATATYPE({e}) = {_DATETIME}, "
        f'IF(TZ({as_datetime}) = "", {_DATETIME}(CONCAT(STR({e}), "Z")), {as_datetime}), '
        f"{_EPOCH}), {_EPOCH})"
    )
    lexical = f'COALESCE(STR({e}), "")'
    tags = f'COALESCE(CONCAT(LANG({e}), "^", STR(DATATYPE({e}))), "")'
    return [kind, number, instant, lexical, tags]


def total_order(text: str) -> str:
    """The query with every ORDER BY condition replaced by its total-order keys; the text
    itself when it has no ORDER BY."""
    if "order" not in text.lower():
        return text
    conditions = [c for clause in order_conditions(text) for c in clause]
    if not conditions:
        return text
    out: list[str] = []
    pos = 0
    for condition in sorted(conditions, key=lambda c: c.start):
        direction = "DESC" if condition.descending else "ASC"
        out.append(text[pos : condition.start])
        out.append(" ".join(f"{direction}({key})" for key in sort_keys(condition.expression)))
        pos = condition.end
    out.append(text[pos:])
    return "".join(out)
