"""A crawler starts at the home page of the live server, follows every link inside the site,
and finds no broken link and no HTML page without a title."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import requests

from .conftest import LiveServer

pytestmark = pytest.mark.live


BLOCKS = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "td",
        "th",
        "tr",
        "table",
        "caption",
        "section",
        "article",
        "header",
        "footer",
        "main",
        "nav",
        "details",
        "summary",
        "br",
        "form",
        "label",
        "option",
        "select",
        "button",
    }
)


class PageParser(HTMLParser):
    """Links, <link> tags, the <title>, ids and the visible text of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.link_tags: list[dict[str, str]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.ids: set[str] = set()
        self.title = ""
        self.html_lang: str | None = None
        self.text_parts: list[str] = []
        self._in: list[str] = []
        self._script_attrs: dict[str, str] | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in BLOCKS:
            self.text_parts.append(" ")
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "link":
            self.link_tags.append(a)
        if tag == "script":
            self._script_attrs = a
            self._script_text = []
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self.text_parts.append(" ")
        if tag == "script" and self._script_attrs is not None:
            self.scripts.append((self._script_attrs, "".join(self._script_text)))
            self._script_attrs = None
        while self._in:
            if self._in.pop() == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._script_attrs is not None:
            self._script_text.append(data)
            return
        if "title" in self._in:
            self.title += data
        elif "style" not in self._in:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.text_parts).split())


def parse_page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def crawl(
    server: LiveServer, limit: int = 3000
) -> tuple[dict[str, int], dict[str, str], dict[str, set[str]]]:
    """(status per URL, title per HTML URL, pages linking to each URL)."""
    origin = urlsplit(server.url)
    session = requests.Session()
    session.headers["Accept"] = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
    seen: dict[str, int] = {}
    titles: dict[str, str] = {}
    referrers: dict[str, set[str]] = {}
    queue: deque[str] = deque([server.url + "/"])
    referrers[server.url + "/"] = {"(start)"}
    while queue and len(seen) < limit:
        url = queue.popleft()
        if url in seen:
            continue
        response = session.get(url, timeout=30, allow_redirects=True)
        seen[url] = response.status_code
        if response.status_code != 200:
            continue
        if not response.headers.get("Content-Type", "").startswith("text/html"):
            continue
        page = parse_page(response.text)
        titles[url] = page.title.strip()
        for href in page.links + [t["href"] for t in page.link_tags if "href" in t]:
            target, _fragment = urldefrag(urljoin(response.url, href))
            parts = urlsplit(target)
            if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
                continue
            referrers.setdefault(target, set()).add(url)
            if target not in seen:
                queue.append(target)
    return seen, titles, referrers


def test_no_broken_link_and_every_page_has_a_title(live_server: LiveServer) -> None:
    seen, titles, referrers = crawl(live_server)
    broken = {u: s for u, s in seen.items() if s != 200}
    assert not broken, "broken links: " + "; ".join(
        f"{u} -> {s} (linked from {sorted(referrers.get(u, []))[:3]})" for u, s in broken.items()
    )
    untitled = [u for u, t in titles.items() if not t]
    assert not untitled, f"pages without a title: {untitled}"
    # The crawl reached the programme pages, the ontology and at least one organisation.
    assert any("/doc/programme/" in u for u in titles)
    assert any("/doc/org/" in u for u in titles)
    assert any(u.endswith("/ontology") for u in titles)
    assert len(titles) >= 10
