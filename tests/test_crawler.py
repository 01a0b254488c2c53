"""A crawler starts at the home page of the live server, follows every link inside the site,
and finds no broken link and no HTML page without a title."""

from __future__ import annotations

from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import requests

from .conftest import LiveServer
from .support.pages import parse_page

pytestmark = pytest.mark.live


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
