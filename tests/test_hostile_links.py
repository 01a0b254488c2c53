"""Hostile IRIs and literals in every place that renders data, against a live server.

tests/data/pages/hostile-links.trig puts `javascript:`, `JaVaScRiPt:`, `data:`, `vbscript:`
and entity-laden IRIs, and `<script>` literals, into values, sources, source pages and
portals, partners and their ROR records, the programme lists, a named graph and the
ontology; SPARQL SELECT and CONSTRUCT queries return such IRIs to the results table. Every
link on every page must be this site's own path or an http(s) URL (checked with bs4), and
in Chromium clicking every link navigates nowhere else, no dialog opens and no script runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, Page, Request, Route

from graph.iris import DATA_BASE, ONTOLOGY_IRI
from server.urls import Urls, safe_href

from .conftest import LiveServer
from .support.browser import chromium, watch

HOSTILE = Path(__file__).parent / "data" / "pages" / "hostile-links.trig"
HTML = {"Accept": "text/html"}

SELECT_HOSTILE = (
    "SELECT ?x ?label WHERE { VALUES (?x ?label) { (<javascript:alert('select')> \"javascript:x\") "
    "(<JaVaScRiPt:alert('mixed')> \"<script>alert('cell')</script>\") "
    '(<data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==> "data") '
    '(<vbscript:msgbox(\'vb\')> "vb") (<https://example.org/fine> "fine") } }'
)
PAGES = {
    "home": "/",
    "programme list": "/programmes",
    "search": "/search?q=hostile",
    "programme page": "/doc/programme/hostile/links",
    "organisation page": "/doc/org/hostile",
    "source page": "/doc/source/hostile-links",
    "named graph page": "/doc/graph/hostile",
    "ontology page": "/ontology",
    "SPARQL IRI()": "/sparql?query="
    + quote('SELECT (IRI("javascript:alert(1)") AS ?x) {}', safe=""),
    "SPARQL SELECT": "/sparql?query=" + quote(SELECT_HOSTILE, safe=""),
    "SPARQL CONSTRUCT": "/sparql?query="
    + quote("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", safe=""),
    "SPARQL CONSTRUCT of script IRIs": "/sparql?query="
    + quote(
        "CONSTRUCT { <javascript:alert('s')> <javascript:alert('p')> <vbscript:msgbox('o')> } "
        "WHERE {}",
        safe="",
    ),
}
# Values that must be on the pages as text (so they were rendered, not dropped).
SHOWN_AS_TEXT = {
    "programme page": [
        "vbscript:msgbox('vb')",
        "javascript:alert('literal')",
        "<script>alert('description')</script>",
        "javascript:alert('page title')",
        "<script>alert('portal')</script>",
    ],
    "SPARQL IRI()": ["javascript:alert(1)"],
    "SPARQL SELECT": ["javascript:alert('select')", "<script>alert('cell')</script>"],
    "SPARQL CONSTRUCT of script IRIs": ["javascript:alert('s')", "vbscript:msgbox('o')"],
}


def _safe_link(value: str) -> bool:
    """This site's path (or a fragment, or a query on this page) or an http(s) URL."""
    if value.startswith(("#", "?")) or (value.startswith("/") and not value.startswith("//")):
        return True
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and value == value.strip()


def _links(html: str) -> list[tuple[str, str]]:
    """(tag, value) of every URL-bearing attribute of the page."""
    soup = BeautifulSoup(html, "html.parser")
    found = []
    for attribute in ("href", "src", "action", "formaction"):
        for tag in soup.find_all(attrs={attribute: True}):
            found.append((tag.name, str(tag[attribute])))
    return found


@pytest.fixture(scope="module")
def server(live_server_factory) -> LiveServer:  # noqa: ANN001
    return live_server_factory(data_files=(HOSTILE,))


# -- the one safe-link function ----------------------------------------------------------------

NOT_LINKS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "\x01javascript:alert(1)",
    "javascript&#58;alert(1)",
    "&#106;avascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "DATA:text/html;base64,PHNjcmlwdD4=",
    "vbscript:msgbox(1)",
    "mailto:someone@example.org",
    "http:evil.example",
    "http:/evil.example",
    'https://example.org/"onmouseover=alert(1)',
    "https://example.org/'x",
    "https://example.org/<x>",
    "https://example.org/a b",
    "https://example.org/\x00",
    "https://example.org/\u0085",
    "//evil.example/x",
    "/relative/path",
    "",
]


@pytest.mark.parametrize("iri", NOT_LINKS)
def test_hostile_iris_are_never_links(iri: str) -> None:
    assert safe_href(iri, Urls(DATA_BASE)) is None


@pytest.mark.parametrize(
    ("iri", "href"),
    [
        ("https://example.org/a-page", "https://example.org/a-page"),
        ("HTTP://EXAMPLE.ORG/", "HTTP://EXAMPLE.ORG/"),
        ("https://ror.org/00cv9y106", "https://ror.org/00cv9y106"),
        (DATA_BASE + "programme/kuleuven/pioneer", "/doc/programme/kuleuven/pioneer"),
        (ONTOLOGY_IRI + "#StudyProgramme", "/ontology#StudyProgramme"),
        (  # a local IRI holding markup: our own path, percent-encoded
            DATA_BASE + 'programme/x"><script>alert(1)</script>',
            "/doc/programme/x%22%3E%3Cscript%3Ealert%281%29%3C/script%3E",
        ),
    ],
)
def test_safe_iris_are_links(iri: str, href: str) -> None:
    assert safe_href(iri, Urls(DATA_BASE)) == href


# -- every page, parsed ------------------------------------------------------------------------


def test_every_link_on_every_data_page_is_safe(server: LiveServer) -> None:
    checked = 0
    summary = []
    for name, path in PAGES.items():
        r = requests.get(server.url + path, headers=HTML, timeout=30)
        assert r.status_code == 200, (name, r.status_code, r.text[:300])
        links = _links(r.text)
        unsafe = [(tag, value) for tag, value in links if not _safe_link(value)]
        assert not unsafe, (name, unsafe)
        soup = BeautifulSoup(r.text, "html.parser")
        scripts = [s for s in soup.find_all("script") if s.get("type") != "application/ld+json"]
        assert not scripts, (name, scripts)  # an injected <script> literal stays text
        assert not [t for t in soup.find_all(True) if any(a.startswith("on") for a in t.attrs)]
        text = soup.get_text()
        for value in SHOWN_AS_TEXT.get(name, []):
            assert value in text, (name, value)
        checked += len(links)
        summary.append(f"{name}: {len(links)}")
    programme = BeautifulSoup(
        requests.get(server.url + PAGES["programme page"], headers=HTML, timeout=30).text,
        "html.parser",
    )
    row = programme.find(attrs={"title": "http://www.w3.org/2000/01/rdf-schema#seeAlso"})
    values = row.find_parent("tr").select("td span.value")
    linked = [v.find("a", recursive=False)["href"] for v in values if v.find("a", recursive=False)]
    assert len(values) == 6 and linked == ["https://example.org/a-safe-page"], linked
    print(f"\n{len(PAGES)} pages, {checked} URL attributes, all safe ({'; '.join(summary)})")


def test_the_check_can_fail() -> None:
    page = '<a href="javascript:alert(1)">x</a><a href=" JaVaScRiPt:x">y</a><form action="data:,">'
    assert [v for _t, v in _links(page) if not _safe_link(v)] == [
        "javascript:alert(1)",
        " JaVaScRiPt:x",
        "data:,",
    ]


# -- every link, clicked in Chromium -----------------------------------------------------------


class Guard:
    """Lets the page itself and this site's subresources load; records and aborts every
    other request, and every navigation after the first, so nothing leaves 127.0.0.1."""

    def __init__(self, origin: str):
        self.origin = origin
        self.navigations: list[str] = []
        self.elsewhere: list[str] = []
        self.loaded = False

    def __call__(self, route: Route, request: Request) -> None:
        if request.is_navigation_request() and request.frame.parent_frame is None:
            if not self.loaded:
                self.loaded = True
                route.continue_()
                return
            self.navigations.append(request.url)
            route.abort("aborted")
            return
        if request.url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.elsewhere.append(request.url)
            route.abort("aborted")


def click_every_link(page: Page, guard: Guard) -> int:
    """Clicks every <a href> (hidden ones too, through the element's own click()); each
    one that leaves the document must issue an http(s) navigation, which the guard stops."""
    anchors = page.locator("a[href]")
    here = page.url.split("#", 1)[0]
    for i in range(anchors.count()):
        anchor = anchors.nth(i)
        target = anchor.evaluate("a => a.href")
        assert urlsplit(target).scheme in ("http", "https"), target
        if target.split("#", 1)[0] == here and "#" in target:
            anchor.evaluate("a => a.click()")  # a fragment of this page: no request
            continue
        with page.expect_request(lambda r: r.is_navigation_request(), timeout=5000) as sent:
            anchor.evaluate("a => a.click()")
        assert sent.value.url == target.split("#", 1)[0]  # requests carry no fragment
    return anchors.count()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


def test_clicking_every_link_runs_no_script(browser: Browser, server: LiveServer) -> None:
    clicked = navigations = reports = 0
    for name, path in PAGES.items():
        context = browser.new_context()
        guard = Guard(server.url)
        context.route("**/*", guard)
        page = context.new_page()
        seen = watch(page)
        response = page.goto(server.url + path)
        assert response is not None and response.status == 200, name
        clicked += click_every_link(page, guard)
        assert page.url.split("#", 1)[0] == (server.url + path).split("#", 1)[0], name
        assert not seen.dialogs, (name, seen.dialogs)
        assert not seen.errors, (name, seen.errors)
        assert all(urlsplit(u).scheme in ("http", "https") for u in guard.navigations)
        assert not guard.elsewhere, (name, guard.elsewhere)  # nothing fetched off-site
        navigations += len(guard.navigations)
        reports += len(seen.csp_reports)
        context.close()
    print(
        f"\nChromium: {len(PAGES)} pages, {clicked} links clicked, {navigations} navigations "
        f"(all http(s), stopped), 0 dialogs, {reports} CSP reports"
    )


def test_a_script_link_would_be_seen(browser: Browser) -> None:
    """The watch sees a javascript: link run when nothing stops it (the test can fail)."""
    page = browser.new_page()
    seen = watch(page)
    page.set_content("<a href=\"javascript:alert('ran')\">click</a>")
    with page.expect_event("dialog"):
        page.locator("a").evaluate("a => a.click()")
    assert seen.dialogs == ["ran"]
    page.close()
