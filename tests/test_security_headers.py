"""Security headers on every answer, and a Content-Security-Policy that stops injected script
(issue 11, item 6), against a live server with the bundled graph.

Every route of the app's URL map is requested (its 200, and a 404, 405, 304, redirect or
preflight where the route has one): each answer carries the CSP, X-Frame-Options,
X-Content-Type-Options and Referrer-Policy. In Chromium, a programme page loads under the
CSP without a single violation, its schema.org JSON-LD is present and parses, and the same
page with script injected into it (inline, an event handler, a javascript: link) runs none
of it, while the same injection without the CSP does run (so the check can fail).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser
from playwright.sync_api import Route as Intercepted

from server.headers import SECURITY_HEADERS

from .conftest import LiveServer
from .support.browser import chromium, watch
from .support.routes import Route, routes

pytestmark = pytest.mark.live

PIONEER = "/doc/programme/kuleuven/pioneer"
VOCAB_CONCEPT = (
    "SELECT ?c WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> "
    "FILTER STRSTARTS(STR(?c), 'https://w3id.org/prospectus/vocab/') } LIMIT 1"
)


def check(response: requests.Response, what: str) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (what, response.status_code, name)
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.fixture(scope="module")
def every_route(built_data_dir: Path, live_server: LiveServer) -> list[Route]:
    concept = requests.get(
        live_server.url + "/sparql",
        params={"query": VOCAB_CONCEPT},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    ).json()["results"]["bindings"][0]["c"]["value"]
    return routes(built_data_dir, concept.split("/vocab/", 1)[1])


def test_security_headers_on_every_route(live_server: LiveServer, every_route: list[Route]) -> None:
    session = requests.Session()
    statuses: Counter[int] = Counter()
    for route in every_route:
        rule, path = route.rule, route.path
        url = live_server.url + path
        html = {"Accept": "text/html"}
        answers = [session.get(url, headers=html, allow_redirects=False, timeout=30)]
        first = answers[0]
        if first.status_code == 200 and first.headers.get("ETag"):
            again = {**html, "If-None-Match": first.headers["ETag"]}
            answers.append(session.get(url, headers=again, allow_redirects=False, timeout=30))
        answers.append(session.delete(url, allow_redirects=False, timeout=30))  # 405
        preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "GET"}
        answers.append(session.options(url, headers=preflight, timeout=30))
        missing = live_server.url + path.rstrip("/") + "/no-such-thing"
        answers.append(session.get(missing, allow_redirects=False, timeout=30))
        for answer in answers:
            check(answer, f"{answer.request.method} {rule} ({path})")
            statuses[answer.status_code] += 1
    assert {200, 303, 304, 404, 405, 204} <= set(statuses), statuses
    print(
        f"\n{len(every_route)} routes, {sum(statuses.values())} answers, every one with the four "
        f"security headers; statuses {dict(sorted(statuses.items()))}"
    )


def test_error_answers_carry_them_too(live_server: LiveServer) -> None:
    for response in (
        requests.get(live_server.url + "/sparql", params={"query": "SELECT * {"}, timeout=30),
        requests.get(live_server.url + "/doc/%3Cscript%3E", timeout=30),
        requests.get(
            live_server.url + "/dumps/latest/dataset.nt.gz",
            headers={"Range": "bytes=999999999-"},
            timeout=30,
        ),
        requests.get(
            live_server.url + PIONEER + ".ttl", headers={"If-Match": '"nope"'}, timeout=30
        ),
    ):
        assert response.status_code in (400, 404, 412, 416), response.status_code
        check(response, response.url)


# -- the policy in Chromium --------------------------------------------------------------------

INJECTED = (
    "<script>alert('inline')</script>"
    '<img src="/static/no-such-image" onerror="alert(\'onerror\')">'
    '<a id="injected" href="javascript:alert(\'href\')">injected</a>'
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as browser:
        yield browser


def test_pages_load_under_the_policy_and_json_ld_parses(
    browser: Browser, live_server: LiveServer
) -> None:
    page = browser.new_page()
    seen = watch(page)
    for path in ("/", "/programmes", "/search?q=leuven", PIONEER, "/sparql", "/dataset"):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200
        assert "content-security-policy" in response.headers  # Playwright lowercases names
        # The stylesheet loaded (the skip link is moved off screen by it).
        assert page.locator("a.skip").evaluate("a => getComputedStyle(a).position") == "absolute"
    page.goto(live_server.url + PIONEER)
    blocks = page.locator('script[type="application/ld+json"]')
    assert blocks.count() == 1
    data = json.loads(blocks.evaluate("s => s.textContent"))
    assert data["@type"] == "EducationalOccupationalProgram"
    assert page.evaluate(
        "() => JSON.parse(document.querySelector('script[type=\"application/ld+json\"]')"
        ".textContent).name.length > 0"
    )
    assert not seen.csp_reports, seen.csp_reports
    assert not seen.errors, seen.errors
    assert not seen.dialogs
    page.close()


def injected_page(browser: Browser, url: str, keep_csp: bool) -> tuple[list[str], list[str]]:
    """Open `url` with script injected into the server's own answer (its headers kept, the
    CSP too or not) and click the injected javascript: link; (dialogs, CSP reports)."""
    original = requests.get(url, headers={"Accept": "text/html"}, timeout=30)
    headers = {
        k: v
        for k, v in original.headers.items()
        if k.lower() not in ("content-encoding", "content-length")
        and (keep_csp or k.lower() != "content-security-policy")
    }
    body = original.text.replace('<main id="main">', '<main id="main">' + INJECTED, 1)
    assert INJECTED in body
    page = browser.new_page()
    seen = watch(page)

    def serve(route: Intercepted) -> None:
        route.fulfill(status=200, headers=headers, body=body)

    page.route(url, serve)
    page.goto(url)
    page.wait_for_load_state("load")  # the image fails (and its handler is tried) before load
    link = page.locator("#injected")
    if keep_csp:
        with page.expect_console_message(lambda m: "JavaScript URL" in m.text):
            link.evaluate("a => a.click()")
    else:
        with page.expect_event("dialog"):
            link.evaluate("a => a.click()")
    page.close()
    return seen.dialogs, seen.csp_reports


def test_injected_script_does_not_run(browser: Browser, live_server: LiveServer) -> None:
    dialogs, reports = injected_page(browser, live_server.url + PIONEER, keep_csp=True)
    assert dialogs == [], dialogs
    kinds = {
        "inline script": any("inline script" in r.lower() for r in reports),
        "inline event handler": any("inline event handler" in r.lower() for r in reports),
        "javascript: URL": any("javascript url" in r.lower() for r in reports),
    }
    assert all(kinds.values()), reports
    control, _ = injected_page(browser, live_server.url + PIONEER, keep_csp=False)
    assert sorted(control) == ["href", "inline", "onerror"], control
    print(
        f"\nChromium, injected page under the CSP: 0 of 3 scripts ran, {len(reports)} violations "
        f"reported ({', '.join(kinds)}); without the CSP: {len(control)} ran ({control})"
    )
