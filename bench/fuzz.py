"""`python -m bench.fuzz` (`make fuzz`): the SPARQL protocol front under hostile and malformed
queries (issue 11). tests/test_sparql_fuzz.py runs the same generator with fewer queries in
`make test`.

Queries are generated with Hypothesis (https://hypothesis.readthedocs.io/):

* well-formed queries over the published data: patterns, VALUES of mixed literals (numbers,
  NaN, strings with and without language, dateTimes with and without timezone, durations,
  ill-typed values), BIND, FILTER and ORDER BY over random expressions, aggregates;
* mutations of real queries (the query page's examples, the benchmark mix, the 42 SPARQLES
  feature queries when ../shared is there): SPARQL tokens inserted, spans deleted, duplicated
  or replaced, the whole nested hundreds of levels deep, huge literals, odd unicode
  (right-to-left marks, combining characters, astral planes, `\\u` escapes), NUL bytes;
* soup made of SPARQL tokens, and arbitrary text;
* arbitrary bytes sent as a direct POST (not UTF-8 as often as not).

Each goes by GET, form POST or direct POST. A case passes when the answer is not 5xx, except
the documented 503s (query timeout, memory limit, busy). After the run every server process
must still be the one it was (workers, zygotes), the query processes alive, and no crash
counted. Results go to bench/results/fuzz-<date>.json and .md, with the machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from . import processes, report
from .soak import serve_published, wait_for_executors

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
WORK_DIR = BENCH_DIR / "work" / "fuzz"
SPARQLES = ROOT.parent / "shared" / "ref" / "w3c-sparql-protocol" / "sparqles-ftask"
ACCEPTED_503 = {"Query timed out", "Query memory limit", "Busy"}

TOKENS = (
    "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "FROM", "NAMED", "GRAPH", "{", "}", "(",
    ")", "[", "]", ".", ";", ",", "*", "+", "?", "/", "|", "^", "^^", "!", "=", "!=", "<", ">",
    "<=", ">=", "&&", "||", "-", "a", "?x", "?y", "$z", "?_", "FILTER", "OPTIONAL", "UNION",
    "MINUS", "SERVICE", "SILENT", "BIND", "AS", "VALUES", "UNDEF", "ORDER BY", "GROUP BY",
    "HAVING", "LIMIT", "OFFSET", "DISTINCT", "REDUCED", "ASC(?x)", "DESC(?y)", "COUNT(*)",
    "SUM(?x)", "GROUP_CONCAT(?x; separator=\"|\")", "SAMPLE(?x)", "STR(?x)", "LANG(?x)",
    "REGEX(?x, \"^a\", \"i\")", "REPLACE(?x, \"(a)\", \"$1\")", "SUBSTR(?x, 2)", "CONCAT()",
    "IF(?x, 1, 0)", "COALESCE()", "BNODE()", "IRI(\"x\")", "NOW()", "RAND()", "UUID()",
    "EXISTS", "NOT EXISTS", "IN", "NOT IN", "<http://example.org/x>", "<>", "<#a>",
    "<javascript:alert(1)>", "pro:StudyProgramme", "dct:title", "xsd:integer", ":x", "_:b",
    "[]", "()", "\"x\"", "'y'", "\"\"\"z\"\"\"", "'''w'''", "\"x\"@en", "\"x\"@en-GB",
    "\"1\"^^xsd:integer", "\"abc\"^^xsd:dateTime", "1", "-1", "1.5", "1e308", "1e-400",
    "\"NaN\"^^xsd:double", "true", "false", "PREFIX p: <http://p/>",
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>", "BASE <http://b/>", "# comment\n", "\n",
    "\\u0053ERVICE", "\\U0001F600", "\\", "\x00", "\u202e", "\u0301", "\U0001d518", "\ufeff",
    "INSERT DATA { <a:b> <a:c> <a:d> }", "LOAD <http://127.0.0.1:1/x>", "CLEAR ALL",
)  # fmt: skip


def seed_queries(sparqles: Path | None) -> list[str]:
    from server.views.sparql import EXAMPLES

    found = [example.query for example in EXAMPLES]
    found += [p.read_text(encoding="utf-8") for p in sorted((BENCH_DIR / "queries").glob("*.rq"))]
    if sparqles is not None and sparqles.is_dir():
        found += [p.read_text(encoding="utf-8") for p in sorted(sparqles.glob("*/*.rq"))]
    return found


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)
TOKEN = st.sampled_from(TOKENS)


@st.composite
def _mutated(draw: st.DrawFn, seeds: Sequence[str]) -> str:
    query = draw(st.sampled_from(seeds))
    for _ in range(draw(st.integers(1, 6))):
        size = len(query)
        at = draw(st.integers(0, size))
        end = draw(st.integers(at, min(size, at + 200)))
        operation = draw(
            st.sampled_from(("insert", "insert", "delete", "duplicate", "replace", "text"))
        )
        if operation == "insert":
            query = query[:at] + " " + draw(TOKEN) + " " + query[at:]
        elif operation == "delete":
            query = query[:at] + query[end:]
        elif operation == "duplicate":
            query = query[:end] + query[at:end] + query[end:]
        elif operation == "replace":
            query = query[:at] + draw(TOKEN) + query[end:]
        else:
            query = query[:at] + draw(TEXT) + query[end:]
    return query


@st.composite
def _nested(draw: st.DrawFn, seeds: Sequence[str]) -> str:
    depth = draw(st.integers(1, 400))
    opening, closing = draw(st.sampled_from((("{", "}"), ("(", ")"), ("[", "]"), ("!", ""))))
    core = draw(st.sampled_from(("?s ?p ?o", "?x", "true", "")))
    where = opening * depth + " " + core + " " + closing * depth
    form = draw(st.sampled_from(("SELECT * WHERE { %s }", "ASK { FILTER(%s) }", "ASK %s")))
    return form.replace("%s", where)


@st.composite
def _huge(draw: st.DrawFn) -> str:
    size = draw(st.integers(1000, 19000))
    filler = draw(st.sampled_from(("a", "é", "\U0001d518", "\\u0041", "\x00", "'")))
    body = (filler * size)[:size]
    return draw(
        st.sampled_from(
            (
                f'SELECT * {{ ?s ?p "{body}" }}',
                f"SELECT * {{ ?s ?p ?o }} # {body}",
                f"SELECT * {{ ?s <http://x/{body}> ?o }}",
                body,
            )
        )
    )


XSD = "http://www.w3.org/2001/XMLSchema#"
LITERALS = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(lambda d: f"{d:f}"),
    st.floats().map(lambda f: f'"{f}"^^<{XSD}double>'),
    st.sampled_from(('"NaN"^^<%sdouble>', '"INF"^^<%sfloat>', '"1"^^<%sboolean>')).map(
        lambda t: t.replace("%s", XSD)
    ),
    st.booleans().map(lambda b: "true" if b else "false"),
    st.text(
        st.characters(exclude_categories=("Cs",), exclude_characters='"\\\n\r'), max_size=8
    ).map(lambda t: f'"{t}"'),
    st.sampled_from(("en", "nl", "de-AT", "x-y")).map(lambda lang: f'"label"@{lang}'),
    st.datetimes().map(lambda d: f'"{d.isoformat()}"^^<{XSD}dateTime>'),
    st.dates().map(lambda d: f'"{d.isoformat()}"^^<{XSD}date>'),
    st.sampled_from(("P1M", "P30D", "PT1H", "-P1Y")).map(lambda d: f'"{d}"^^<{XSD}duration>'),
    st.sampled_from(('"abc"^^<%sinteger>', '"x"^^<%sdateTime>', '"1"^^<http://x/dt>')).map(
        lambda t: t.replace("%s", XSD)
    ),
    st.sampled_from(("<http://example.org/a>", "<https://w3id.org/prospectus/id/x>")),
)
VARIABLES = st.sampled_from(("?s", "?p", "?o", "?x", "?y", "?t"))
FUNCTIONS = ("STR", "LCASE", "STRLEN", "ABS", "ROUND", "DATATYPE", "LANG", "isNUMERIC", "YEAR",
             "xsd:integer", "xsd:double", "xsd:dateTime", "isIRI")  # fmt: skip
OPERATORS = ("+", "-", "*", "/", "=", "!=", "<", ">=", "&&", "||")


def _expression(depth: int = 3) -> st.SearchStrategy[str]:
    leaf = st.one_of(VARIABLES, LITERALS)
    if depth == 0:
        return leaf
    inner = _expression(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(st.sampled_from(FUNCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(inner, st.sampled_from(OPERATORS), inner).map(lambda t: f"({' '.join(t)})"),
        st.tuples(inner, inner, inner).map(lambda t: f"IF({t[0]}, {t[1]}, {t[2]})"),
        st.tuples(inner, inner).map(lambda t: f"COALESCE({t[0]}, {t[1]})"),
    )


@st.composite
def _generated(draw: st.DrawFn) -> str:
    """A well-formed query over the published data: patterns, VALUES of mixed literals,
    BIND, FILTER, OPTIONAL, aggregates and ORDER BY over arbitrary expressions."""
    patterns = [
        draw(
            st.sampled_from(
                (
                    "?s ?p ?o .",
                    "?s a pro:StudyProgramme .",
                    "?s dct:title ?t .",
                    "?s pro:listPosition ?o .",
                    "?s ?p ?o . FILTER(isLiteral(?o))",
                )
            )
        )
    ]
    values = draw(st.lists(LITERALS, min_size=1, max_size=30))
    patterns.append("VALUES ?x { " + " ".join(values) + " }")
    if draw(st.booleans()):
        patterns.append(f"BIND({draw(_expression())} AS ?y)")
    if draw(st.booleans()):
        patterns.append(f"FILTER({draw(_expression())})")
    if draw(st.booleans()):
        patterns.append("OPTIONAL { ?s dct:title ?t }")
    order = " ".join(
        draw(st.sampled_from(("", "ASC", "DESC"))) + f"({draw(_expression(2))})"
        for _ in range(draw(st.integers(0, 3)))
    )
    head = "SELECT * WHERE"
    tail = f" ORDER BY {order}" if order else ""
    if draw(st.booleans()):
        head = "SELECT ?x (COUNT(*) AS ?n) (SAMPLE(?o) AS ?any) WHERE"
        tail = " GROUP BY ?x" + (f" ORDER BY {order}" if order else "")
    prologue = (
        "PREFIX pro: <https://w3id.org/prospectus/ontology#>\n"
        "PREFIX dct: <http://purl.org/dc/terms/>\n"
        f"PREFIX xsd: <{XSD}>\n"
    )
    limit = draw(st.integers(1, 200))
    return f"{prologue}{head} {{ {' '.join(patterns)} }}{tail} LIMIT {limit}"


@dataclass(frozen=True)
class Case:
    method: str  # GET, POST-form, POST-direct
    query: str = ""
    body: bytes | None = None  # raw bytes for a direct POST

    def describe(self) -> str:
        shown = self.body if self.body is not None else self.query
        return f"{self.method} {shown[:300]!r}" + ("…" if len(shown) > 300 else "")


def cases(seeds: Sequence[str]) -> st.SearchStrategy[Case]:
    queries = st.one_of(
        _generated(),
        _generated(),
        _generated(),
        _mutated(seeds),
        _mutated(seeds),
        _nested(seeds),
        _huge(),
        st.lists(TOKEN, max_size=40).map(" ".join),
        TEXT,
    )
    as_text = st.builds(Case, st.sampled_from(("GET", "POST-form", "POST-direct")), queries)
    as_bytes = st.builds(Case, st.just("POST-direct"), st.just(""), st.binary(max_size=500))
    return st.one_of(as_text, as_text, as_text, as_bytes)


def send(session: requests.Session, url: str, case: Case) -> tuple[int, str]:
    """The status and error title the server answers a case with. A kept-alive connection
    the server closed just as the request went out is retried once on a new one (HTTP
    clients do the same); a second failure is the server's."""
    try:
        return _send(session, url, case)
    except requests.ConnectionError:
        session.close()
        return _send(session, url, case)


def _send(session: requests.Session, url: str, case: Case) -> tuple[int, str]:
    headers = {"Accept": "application/json"}
    if case.method == "GET":
        response = session.get(url, params={"query": case.query}, headers=headers, timeout=60)
    elif case.method == "POST-form":
        response = session.post(url, data={"query": case.query}, headers=headers, timeout=60)
    else:
        body = case.body if case.body is not None else case.query.encode("utf-8")
        headers["Content-Type"] = "application/sparql-query"
        response = session.post(url, data=body, headers=headers, timeout=60)
    title = ""
    if response.status_code >= 400:
        try:
            title = response.json().get("title", "")
        except ValueError:  # not ours: gunicorn's own refusals (414 URI Too Long) are HTML
            title = response.reason or ""
    return response.status_code, title


def acceptable(status: int, title: str) -> bool:
    return 0 < status < 500 or (status == 503 and title in ACCEPTED_503)


@dataclass
class Outcome:
    sent: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "statuses": dict(sorted(self.statuses.items())),
            "failures": self.failures,
            "seconds": round(self.seconds, 1),
        }


def run(url: str, count: int, *, seeds: Sequence[str], randomness: int | None = None) -> Outcome:
    """Send `count` generated cases to the SPARQL endpoint at `url`; `randomness` None runs
    the same cases every time (derandomized), a number seeds a different run."""
    outcome = Outcome()
    session = requests.Session()

    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        derandomize=randomness is None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(cases(seeds))
    def probe(case: Case) -> None:
        try:
            status, title = send(session, url, case)
        except requests.RequestException as exc:
            status, title = 0, f"no answer ({type(exc).__name__})"
        outcome.sent += 1
        outcome.statuses[f"{status} {title}".strip()] += 1
        if not acceptable(status, title):
            outcome.failures.append(f"{status} {title}: {case.describe()}")
            raise AssertionError(outcome.failures[-1])

    if randomness is not None:
        probe = seed(randomness)(probe)
    started = time.monotonic()
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - every failure was recorded as it happened
        outcome.failures.append(f"the run stopped: {type(exc).__name__}: {str(exc)[:300]}")
    finally:
        session.close()
    outcome.seconds = time.monotonic() - started
    return outcome


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__)
    parser.add_argument("--queries", type=int, default=10_000, help="cases to send")
    parser.add_argument("--seed", type=int, default=None, help="a run other than the default")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR)
    parser.add_argument("--work", type=Path, default=WORK_DIR)
    args = parser.parse_args(argv)
    config = {"query_timeout": "2"}
    process, url, log = serve_published(args.work, config)
    try:
        before = wait_for_executors(url, process.pid)
        outcome = run(
            url + "/sparql", args.queries, seeds=seed_queries(SPARQLES), randomness=args.seed
        )
        after = wait_for_executors(url, process.pid)
        counts = requests.get(url + "/sparql/stats", timeout=30).json()["stats"]
        problems = processes.intact(before, after)  # before the server is stopped
    finally:
        process.terminate()
        process.wait(timeout=60)
    if counts["crashes"]:
        problems.append(f"{counts['crashes']} query process crashes counted")
    stamp = datetime.now(UTC)
    results = {
        "kind": "fuzz",
        "date": stamp.isoformat(timespec="seconds"),
        "machine": report.machine(),
        "settings": config,
        "queries": args.queries,
        "seed": args.seed,
        "outcome": outcome.as_dict(),
        "server_problems": problems,
        "stats": counts,
        "log": str(log),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    name = f"fuzz-{stamp.strftime('%Y-%m-%dT%H%M%S')}"
    (args.out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (args.out / f"{name}.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return 0 if not outcome.failures and not problems else 1


def markdown(results: dict[str, Any]) -> str:
    machine = results["machine"]
    outcome = results["outcome"]
    lines = [
        f"# Fuzz run of {results['date']}",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gb']} GB, "
        f"{machine['os']}, Python {machine['python']}, pyoxigraph "
        f"{machine['packages'].get('pyoxigraph')}.",
        f"Server: `prospectus serve` on the bundled build, defaults but "
        f"{', '.join(f'{k}={v}' for k, v in results['settings'].items())}.",
        "",
        f"{outcome['sent']} cases sent in {outcome['seconds']} s "
        f"(seed {results['seed'] if results['seed'] is not None else 'derandomized'}).",
        "",
        "| answer | cases |",
        "| --- | ---: |",
        *(f"| {status} | {n} |" for status, n in outcome["statuses"].items()),
        "",
        f"Failures (5xx other than the documented 503s): {len(outcome['failures']) or 'none'}",
        *(f"- `{failure}`" for failure in outcome["failures"]),
        f"Server processes: {'; '.join(results['server_problems']) or 'all the same, all alive'}"
        f"; crashes counted: {results['stats']['crashes']}.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
