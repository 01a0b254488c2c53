"""Reading the graph for the OOAPI answers: SPARQL through the Store protocol, and the rules
that turn several stated values into the one OOAPI allows.

Every read is a SPARQL query through `Store.query` (graph/store/base.py) on a page of
resources at a time (`VALUES`), never the whole catalogue. The rules (docs/ooapi.md):

- one text per language (name, description): the one stated by the newest source, as the
  ELM export chooses (the source's own last-updated date, else its capture date, else the day
  it was read); among equals, the first in code-point order;
- one value where OOAPI has one field (duration, credits, level, field of study): the first
  in code-point (or numeric) order;
- language tags in BCP 47 case (`en-GB`), as `LanguageTypedString`'s pattern wants them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from ..formats import BY_NAME
from ..iris import PROV
from ..read.text import literal_date
from ..store.base import Store
from ..store.terms import term_from_json
from .problem import Problem

ROW_CAP = 200_000  # rows any one query of a page may return; more is a defect, not data
CHUNK = 500  # IRIs per VALUES block
LANGUAGE_TYPED = re.compile(r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")

Row = dict[str, Node]


def select(store: Store, sparql: str) -> list[Row]:
    """Rows of rdflib terms; a result cut by the row cap is an error, never a short answer."""
    result = store.query(sparql, max_rows=ROW_CAP)
    if result.truncated:
        raise Problem(500, f"a query of this answer returned more than {ROW_CAP} rows")
    data = json.loads(result.serialize(BY_NAME["json"]))
    return [
        {name: term_from_json(cell) for name, cell in binding.items()}
        for binding in data.get("results", {}).get("bindings", [])
    ]


def select_values(store: Store, variable: str, iris: Sequence[URIRef], template: str) -> list[Row]:
    """`template` (holding `{values}`) run once per chunk of `iris`, bound to `?{variable}`."""
    found: list[Row] = []
    unique = sorted(set(iris), key=str)
    for start in range(0, len(unique), CHUNK):
        chunk = " ".join(i.n3() for i in unique[start : start + CHUNK])
        found += select(store, template.replace("{values}", f"VALUES ?{variable} {{ {chunk} }}"))
    return found


def one_of(variable: str, terms: Iterable[Node]) -> str:
    """`?x IN (…)`: Oxigraph evaluates a FILTER on a bound variable far faster than a VALUES
    block of the same terms, which it joins by scanning the whole pattern (docs/ooapi.md)."""
    return f"{variable} IN ({', '.join(t.n3() for t in sorted(set(terms), key=str))})"


def text_filter(variable: str, props: Iterable[URIRef], text: str) -> str:
    """A pattern keeping what has a value of `props` containing `text`, in any case (one
    pattern per property: a variable predicate would scan every triple)."""
    needle = f"LCASE({sparql_string(text)})"
    return " UNION ".join(
        f"{{ {variable} {p.n3()} ?text FILTER(isLiteral(?text) && "
        f"CONTAINS(LCASE(STR(?text)), {needle})) }}"
        for p in sorted(set(props))
    )


def sparql_string(text: str) -> str:
    return Literal(text).n3()


def code_of(concept: Node) -> str:
    """The code at the end of a concept IRI (…/language/ENG -> ENG, …/isced-f/0688 -> 0688)."""
    return str(concept).rstrip("/").rsplit("/", 1)[-1]


def bcp47(tag: str | None) -> str | None:
    """A language tag in the case OOAPI's pattern asks (en-gb -> en-GB), cut to the longest
    prefix the pattern accepts (de-CH-1996 -> de-CH); None when not even the language fits."""
    if not tag:
        return None
    parts = tag.split("-")
    cased = [parts[0].lower()]
    for part in parts[1:]:
        cased.append(part.title() if len(part) == 4 else part.upper())
    for end in range(len(cased), 0, -1):
        candidate = "-".join(cased[:end])
        if LANGUAGE_TYPED.match(candidate):
            return candidate
    return None


def language_typed(literals: Iterable[Literal]) -> list[dict[str, str]]:
    """LanguageTypedString objects, ordered by language; a plain literal has no `language`."""
    out = []
    for lit in literals:
        language = bcp47(lit.language)
        if lit.language and language is None:
            continue  # a tag OOAPI's pattern cannot hold (docs/ooapi.md)
        out.append({"language": language, "value": str(lit)} if language else {"value": str(lit)})
    return sorted(out, key=lambda t: (t.get("language", ""), t["value"]))


def number(value: Node) -> int | float | None:
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return None
    return int(d) if d == d.to_integral_value() else float(d)


def amount(value: Node) -> str | None:
    """A decimal as OOAPI's `Cost.amount` writes it: digits, an optional dot and decimals."""
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return None
    if d < 0:
        return None
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def first(values: Iterable[Node]) -> Node | None:
    ordered = sorted(values, key=str)
    return ordered[0] if ordered else None


@dataclass
class Stated:
    """The values of one resource, per property, each with the graphs stating it."""

    values: dict[URIRef, dict[Node, set[URIRef]]] = field(default_factory=dict)

    def add(self, prop: URIRef, value: Node, graph: Node | None) -> None:
        graphs = self.values.setdefault(prop, {}).setdefault(value, set())
        if isinstance(graph, URIRef):
            graphs.add(graph)

    def all(self, prop: URIRef) -> list[Node]:
        return sorted(self.values.get(prop, {}), key=str)

    def one(self, prop: URIRef) -> Node | None:
        return first(self.values.get(prop, {}))

    def graphs(self, props: Iterable[URIRef]) -> set[URIRef]:
        return {g for p in props for gs in self.values.get(p, {}).values() for g in gs}

    def per_language(self, prop: URIRef, dates: dict[URIRef, str]) -> list[Literal]:
        """One literal per language: the newest source's; among equals code-point order."""
        by_language: dict[str, list[tuple[str, str, Literal]]] = {}
        for value, graphs in self.values.get(prop, {}).items():
            if not isinstance(value, Literal) or not str(value).strip():
                continue
            when = max((dates.get(g, "") for g in graphs), default="")
            key = (value.language or "").lower()
            by_language.setdefault(key, []).append((when, str(value), value))
        chosen = []
        for key in sorted(by_language):
            candidates = by_language[key]
            newest = max(c[0] for c in candidates)
            chosen.append(min((c for c in candidates if c[0] == newest), key=lambda c: c[1])[2])
        return chosen


def source_dates(store: Store, graphs: Iterable[URIRef]) -> dict[URIRef, str]:
    """A sortable date per source graph: its page's last-updated date, else its capture's
    date, else the day it was read; "" when none is stated."""
    rows = select_values(
        store,
        "g",
        list(graphs),
        f"""SELECT ?g ?modified ?captured ?read WHERE {{ {{values}}
            OPTIONAL {{ ?g {DCTERMS.modified.n3()} ?modified }}
            OPTIONAL {{ ?g {PROV.wasDerivedFrom.n3()}/{PROV.generatedAtTime.n3()} ?captured }}
            OPTIONAL {{ ?g {PROV.wasGeneratedBy.n3()}/{PROV.endedAtTime.n3()} ?read }} }}""",
    )
    dates: dict[URIRef, str] = {}
    for row in rows:
        graph = row.get("g")
        if not isinstance(graph, URIRef):
            continue
        when = ""
        modified = row.get("modified")
        if isinstance(modified, Literal) and (day := literal_date(modified)) is not None:
            when = day.isoformat()
        else:
            for name in ("captured", "read"):
                value = row.get(name)
                if isinstance(value, Literal):
                    when = str(value)[:10]
                    break
        dates[graph] = max(dates.get(graph, ""), when)
    return dates


def stated(
    store: Store, iris: Sequence[URIRef], props: Iterable[URIRef], *, with_graphs: bool = True
) -> dict[URIRef, Stated]:
    """The values of `props` of each of `iris` (and the graphs stating them)."""
    pattern = "GRAPH ?g { ?s ?p ?o }" if with_graphs else "?s ?p ?o"
    query = f"SELECT ?s ?p ?o ?g WHERE {{ {{values}} {pattern} FILTER({one_of('?p', props)}) }}"
    rows = select_values(store, "s", iris, query)
    found: dict[URIRef, Stated] = {iri: Stated() for iri in iris}
    for row in rows:
        s, p, o = row.get("s"), row.get("p"), row.get("o")
        if isinstance(s, URIRef) and isinstance(p, URIRef) and o is not None and s in found:
            found[s].add(p, o, row.get("g"))
    return found


def linked(
    store: Store, iris: Sequence[URIRef], via: Iterable[URIRef], props: Iterable[URIRef]
) -> dict[URIRef, dict[URIRef, dict[Node, Stated]]]:
    """The nodes each of `iris` links to through `via`, with the values of their `props`:
    {iri: {via property: {node: Stated}}} (credit points, qualifications, fees, …)."""
    rows = select_values(
        store,
        "s",
        iris,
        f"""SELECT ?s ?via ?n ?p ?o WHERE {{ {{values}} ?s ?via ?n FILTER({one_of("?via", via)})
            OPTIONAL {{ ?n ?p ?o FILTER({one_of("?p", props)}) }} }}""",
    )
    found: dict[URIRef, dict[URIRef, dict[Node, Stated]]] = {iri: {} for iri in iris}
    for row in rows:
        s, v, n = row.get("s"), row.get("via"), row.get("n")
        if not (isinstance(s, URIRef) and isinstance(v, URIRef)) or n is None or s not in found:
            continue
        node = found[s].setdefault(v, {}).setdefault(n, Stated())
        p, o = row.get("p"), row.get("o")
        if isinstance(p, URIRef) and o is not None:
            node.add(p, o, None)
    return found


def labels(store: Store, iris: Sequence[URIRef], prop: URIRef) -> dict[URIRef, dict[str, str]]:
    """{iri: {language: label}} (the first in code-point order per language)."""
    query = f"SELECT DISTINCT ?s ?o WHERE {{ {{values}} ?s {prop.n3()} ?o }}"
    rows = select_values(store, "s", iris, query)
    found: dict[URIRef, dict[str, str]] = {}
    for row in sorted(rows, key=lambda r: str(r.get("o"))):
        s, o = row.get("s"), row.get("o")
        if isinstance(s, URIRef) and isinstance(o, Literal):
            found.setdefault(s, {}).setdefault((o.language or "").lower(), str(o))
    return found


def english(texts: dict[str, str]) -> str | None:
    """The English text of {language: text} (any en-*), else the first."""
    for language in sorted(texts):
        if language == "en" or language.startswith("en-"):
            return texts[language]
    return texts[sorted(texts)[0]] if texts else None


def drop_empty(document: dict[str, Any]) -> dict[str, Any]:
    """The object without the fields that have nothing (None, [] or {})."""
    return {k: v for k, v in document.items() if v is not None and v != [] and v != {}}
