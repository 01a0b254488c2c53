"""Two lanes for SPARQL queries, so that cheap ones never wait behind heavy ones.

Each web worker has `query_processes` executors (graph/store/pool.py). Heavy queries may
use all but one of them at a time (`heavy_slots`); the last one is kept for cheap queries,
which may use any idle executor. A heavy query that finds the heavy lane full waits, but at
most `query_queue` heavy queries wait per worker: one more is refused at once with 503 and
Retry-After, so that heavy queries never hold every thread of a worker and pages and cheap
queries always find one.

Which lane is decided here, lexically and in microseconds, before any parser runs
(graph/store/query_text.py's terminals). A query is **cheap** when it has none of the
constructs that make an engine read or hold everything before answering — ORDER BY,
GROUP BY, HAVING, aggregates, sub-queries, DISTINCT or REDUCED without LIMIT, MINUS,
EXISTS, SERVICE, `*` / `+` property paths — and it is an ASK, a DESCRIBE of constant IRIs,
has a LIMIT of at most CHEAP_LIMIT, or has a triple pattern whose subject is a constant
IRI (a lookup). Everything else is **heavy**.

The classification can be wrong (a LIMIT-ed pattern whose FILTER rejects every solution
scans everything). A cheap query gets `cheap_query_budget` seconds in its lane; past that
it carries on as a heavy query if the heavy lane has room, else it is stopped and started
again in the heavy lane, within its own `query_timeout` either way.

It is also often too careful: a keyset page sorted with ORDER BY, or a GROUP BY over a
hundred programmes, is heavy by its words and answers in milliseconds. So each worker learns:
a heavy query that ran in less than half the budget marks its `shape` (the text with strings
and numbers blanked) as fast, and later queries of that shape go to the cheap lane, under the
same budget; one that overruns it unmarks the shape.
"""

from __future__ import annotations

import re
from typing import Literal

from . import query_text

Lane = Literal["cheap", "heavy"]
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
CHEAP_LIMIT = 1000

HEAVY_WORDS = frozenset(
    {
        "order",
        "group",
        "having",
        "count",
        "sum",
        "min",
        "max",
        "avg",
        "sample",
        "group_concat",
        "minus",
        "exists",
        "service",
    }
)
_PATTERN_KEYWORDS = frozenset(
    {"filter", "optional", "bind", "values", "graph", "union", "minus", "service", "a"}
)


def _limit(toks: list[query_text.Token]) -> int | None:
    """The value of the last LIMIT of the query (the outermost one), if any."""
    for i in range(len(toks) - 2, -1, -1):
        if toks[i].kind == "word" and toks[i].text.lower() == "limit":
            try:
                return int(toks[i + 1].text)
            except ValueError:
                return None
    return None


def _anchored(toks: list[query_text.Token]) -> bool:
    """True when a triple pattern has a constant IRI as its subject: the first term after
    `{` or `.` is an IRI or a prefixed name."""
    for i in range(1, len(toks)):
        before, tok = toks[i - 1], toks[i]
        if before.kind != "punct" or before.text not in ("{", "."):
            continue
        if tok.kind == "iri":
            return True
        if tok.kind == "word" and ":" in tok.text and tok.text.lower() not in _PATTERN_KEYWORDS:
            return True
    return False


def plan(text: str) -> tuple[Lane, str]:
    """The lane of a query and its shape, from one pass of the tokenizer."""
    toks = query_text.tokens(text)
    return _classify(toks), _shape(toks)


def classify(text: str) -> Lane:
    """The lane of a query (see the module docstring)."""
    return _classify(query_text.tokens(text))


def shape(text: str) -> str:
    """The query with its strings and numbers blanked: queries of one shape (an application's
    query with different parameters) usually cost alike (see `ExecutorPool` learning)."""
    return _shape(query_text.tokens(text))


def _shape(toks: list[query_text.Token]) -> str:
    out = []
    for tok in toks:
        if tok.kind == "string":
            out.append('""')
        elif tok.kind == "word" and _NUMBER.fullmatch(tok.text):
            out.append("0")
        else:
            out.append(tok.text)
    return " ".join(out)


def _classify(toks: list[query_text.Token]) -> Lane:
    form = query_text.form_of(toks)
    if form not in ("select", "ask", "construct", "describe"):
        return "heavy"
    words = [t.text.lower() for t in toks if t.kind == "word"]
    if HEAVY_WORDS.intersection(words) or words.count("select") > 1:
        return "heavy"
    for i, tok in enumerate(toks):
        if tok.kind == "punct" and tok.text in ("*", "+"):
            before = toks[i - 1].text.lower() if i else ""
            if not (tok.text == "*" and before in ("select", "distinct", "reduced", "describe")):
                return "heavy"  # a `*` / `+` path, or arithmetic: not worth telling apart
    limit = _limit(toks)
    bounded = limit is not None and limit <= CHEAP_LIMIT
    if ("distinct" in words or "reduced" in words) and not bounded:
        return "heavy"
    if form == "ask" or bounded:
        return "cheap"
    if form == "describe" and "{" not in (t.text for t in toks if t.kind == "punct"):
        return "cheap"
    return "cheap" if _anchored(toks) else "heavy"
