"""Headless Chromium (Debian's, driven by Playwright) opens the programme pages of the bundled
graph on a live server: the key facts a person sees, sources opening on demand without
JavaScript, no console errors, a layout that fits a phone, and screenshots of the PIONEER
and Leiden pages at desktop and phone width (tests/artefacts/, git-ignored)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from .conftest import LiveServer
from .support.catalogue import publish_synthetic

pytestmark = [pytest.mark.live, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTEFACTS = Path(__file__).parent / "artefacts"
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
PIONEER = "/doc/programme/kuleuven/pioneer"
LEIDEN = "/doc/programme/leiden/ict-in-the-public-sector"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(
    browser: Browser, url: str, viewport: str, *, javascript: bool = True
) -> tuple[Page, list[str]]:
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        viewport={"width": width, "height": height}, java_script_enabled=javascript, locale="en-GB"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(url)
    assert response is not None and response.status == 200
    return page, errors


def fact(page: Page, label: str) -> str:
    """The visible text of one key fact, without its folded sources."""
    dd = page.locator(".key-facts .fact", has=page.locator("dt", has_text=label)).locator("dd")
    return re.sub(
        r"\s+",
        " ",
        dd.evaluate(
            "el => { const c = el.cloneNode(true); c.querySelectorAll('details').forEach("
            "d => d.remove()); return c.textContent; }"
        ),
    ).strip()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_pioneer_page(browser: Browser, live_server: LiveServer, viewport: str) -> None:
    page, errors = open_page(browser, live_server.url + PIONEER, viewport)
    assert "Erasmus Mundus" in page.locator("h1").inner_text()
    assert "PIONEER" in page.locator("header.page-head").inner_text()
    assert fact(page, "Degree").startswith("Master of Science")
    assert "EQF Level 7" in fact(page, "Level")
    assert fact(page, "Credits").startswith("120 ECTS")
    assert fact(page, "Duration").startswith("2 years")
    assert "1 July 2026" in fact(page, "deadline")
    steps = page.locator("ol.path > li h3").all_inner_texts()
    assert [s.split()[1] for s in steps[:4]] == ["1", "2", "3", "4"]
    path = page.locator("ol.path").inner_text()
    for place in ("KU Leuven", "Münster", "Tallinn"):
        assert place in path
    assert page.locator("table.admission caption").count() >= 1
    assert "possibly out of date" in path  # the semesters come only from the 2020 page
    # The layout fits the viewport: nothing forces horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport][0]
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"pioneer-{viewport}.png"), full_page=True)
    assert not errors, errors
    page.context.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_leiden_page(browser: Browser, live_server: LiveServer, viewport: str) -> None:
    page, errors = open_page(browser, live_server.url + LEIDEN, viewport)
    assert page.locator("h1").inner_text() == "ICT in the Public Sector"
    assert "MSc" in fact(page, "Degree")
    assert fact(page, "Duration").startswith("2 years")
    assert "€18,016 per year" in fact(page, "Tuition fee")
    assert "September 2022" in fact(page, "Start")
    assert "October 2022" in fact(page, "deadline")
    captions = page.locator("table.admission caption").all_inner_texts()
    assert len(captions) >= 2  # one table per applicant group
    notes = page.locator("section.notes").inner_text()
    assert "deadline" in notes.lower()
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport][0]
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"leiden-{viewport}.png"), full_page=True)
    assert not errors, errors
    page.context.close()


def test_sources_open_without_javascript(browser: Browser, live_server: LiveServer) -> None:
    page, errors = open_page(browser, live_server.url + PIONEER, "desktop", javascript=False)
    source = page.locator(".key-facts details.src").first
    assert not source.locator("ul").is_visible()
    source.locator("summary").click()
    assert source.locator("ul").is_visible()
    assert re.search(r"20\d\d|date not stated", source.locator("ul").inner_text())
    assert not errors, errors
    page.context.close()


def test_home_list_and_filters_in_a_browser(browser: Browser, live_server: LiveServer) -> None:
    page, errors = open_page(browser, live_server.url + "/", "phone")
    page.get_by_role("link", name="Browse and filter all programmes").click()
    assert page.locator("ul.cards > li").count() == 2
    # The facets are links (docs/pages.md): choosing a country follows its link.
    page.locator('section[data-facet="country"] a', has_text="Netherlands").click()
    page.wait_for_url("**/programmes?country=*")
    titles = page.locator("ul.cards h2").all_inner_texts()
    assert titles == ["ICT in the Public Sector"]
    page.get_by_role("link", name="ICT in the Public Sector").click()
    assert page.locator("h1").inner_text() == "ICT in the Public Sector"
    assert not errors, errors
    page.context.close()


@pytest.fixture(scope="module")
def catalogue_server(
    live_server_factory: Callable[..., LiveServer], tmp_path_factory: pytest.TempPathFactory
) -> LiveServer:
    """A synthetic catalogue of 60 programmes (three pages of the list)."""
    data_dir = tmp_path_factory.mktemp("browser-catalogue") / "data"
    publish_synthetic(data_dir, 60)
    return live_server_factory(settings={"data_dir": str(data_dir)})


def test_the_listing_s_facet_and_next_page_links_work(
    browser: Browser, catalogue_server: LiveServer
) -> None:
    page, errors = open_page(browser, catalogue_server.url + "/programmes", "phone")
    first = page.locator("li.card h2").all_inner_texts()
    assert len(first) == 20
    page.locator('nav.pager a[rel="next"]').click()
    page.wait_for_url("**/programmes?after=20")
    second = page.locator("li.card h2").all_inner_texts()
    assert len(second) == 20 and not set(second) & set(first)
    # A facet link narrows the list to the programmes its count announced.
    option = page.locator('section[data-facet="mode"] li').first
    announced = int(re.search(r"\((\d+)\)", option.inner_text()).group(1))
    option.locator("a").first.click()
    page.wait_for_url("**/programmes?mode=*")
    summary = page.locator(".listing-summary").inner_text()
    assert summary.startswith(f"{announced} programme")
    assert page.locator("li.card").count() == min(20, announced)
    assert page.locator('section[data-facet="mode"] li.selected').count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS["phone"][0]
    assert not errors, errors
    page.context.close()
