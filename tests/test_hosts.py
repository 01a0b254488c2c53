"""The Host header never writes our URLs (issue 11, item 7), against live servers.

With the defaults (no `public_url`, no `allowed_hosts`) only loopback names are answered,
and a request for `evil.example` gets 400 on every URL that writes absolute URLs (robots,
sitemap, service description, dataset description, pages, redirects). With `public_url`
set, any Host gets the canonical URLs; with `allowed_hosts`, the listed names are served
with their own URLs and any other name gets 400.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from graph import settings
from server import hosts

from .conftest import LiveServer

pytestmark = pytest.mark.live

EVIL = "evil.example"
PUBLIC = "https://prospectus.example.org"
# Every answer whose body or headers hold an absolute URL of the site.
WRITES_URLS = [
    ("/robots.txt", "text/plain"),
    ("/sitemap.xml", "application/xml"),
    ("/sparql", "text/turtle"),  # the service description
    ("/sparql", "text/html"),
    ("/dataset", "text/turtle"),
    ("/dataset", "text/html"),
    ("/.well-known/void", "application/ld+json"),
    ("/doc/programme/kuleuven/pioneer", "text/html"),  # schema.org url
    ("/id/programme/kuleuven/pioneer", "text/html"),  # 303
    ("/dumps/", "text/html"),  # 303
    ("/doc//programme/kuleuven/pioneer", "text/html"),  # 308 (slashes merged)
]


def ask(server: LiveServer, path: str, accept: str, host: str) -> requests.Response:
    return requests.get(
        server.url + path,
        headers={"Host": host, "Accept": accept},
        allow_redirects=False,
        timeout=30,
    )


def everything(response: requests.Response) -> str:
    return response.text + "\n".join(f"{k}: {v}" for k, v in response.headers.items())


def test_defaults_refuse_a_foreign_host(live_server: LiveServer) -> None:
    for path, accept in WRITES_URLS:
        r = ask(live_server, path, accept, EVIL)
        assert r.status_code == 400, (path, r.status_code)
        assert EVIL not in everything(r), path
        assert "allowed_hosts" in r.text  # the message says what to configure
    print(f"\nHost: {EVIL} with the defaults: 400 on all {len(WRITES_URLS)} URL-writing answers")


def test_defaults_answer_loopback_names_with_their_own_urls(live_server: LiveServer) -> None:
    port = live_server.url.rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "LocalHost."):
        robots = ask(live_server, "/robots.txt", "text/plain", host)
        assert robots.status_code == 200, host
        assert f"Sitemap: http://{host.lower()}/sitemap.xml" in robots.text
        assert "Host" in robots.headers["Vary"]  # the body follows the (checked) Host
    redirect = ask(live_server, "/id/programme/kuleuven/pioneer", "text/html", f"localhost:{port}")
    assert redirect.status_code == 303
    assert redirect.headers["Location"] == "/doc/programme/kuleuven/pioneer"  # relative


@pytest.fixture(scope="module")
def public_server(live_server_factory: Callable[..., LiveServer], built_data_dir: Path):  # noqa: ANN201
    return live_server_factory(settings={"data_dir": str(built_data_dir), "public_url": PUBLIC})


def test_public_url_gives_any_host_the_canonical_urls(public_server: LiveServer) -> None:
    for path, accept in WRITES_URLS:
        r = ask(public_server, path, accept, EVIL)
        assert r.status_code in (200, 303, 308), (path, r.status_code)
        assert EVIL not in everything(r), (path, r.headers.get("Location"))
        assert "Host" not in r.headers.get("Vary", "")
    robots = ask(public_server, "/robots.txt", "text/plain", EVIL)
    assert f"Sitemap: {PUBLIC}/sitemap.xml" in robots.text
    sitemap = ask(public_server, "/sitemap.xml", "application/xml", EVIL).text
    assert f"<loc>{PUBLIC}/doc/" in sitemap
    print(f"\nHost: {EVIL} with public_url: canonical {PUBLIC} URLs in all {len(WRITES_URLS)}")


@pytest.fixture(scope="module")
def listed_server(live_server_factory: Callable[..., LiveServer], built_data_dir: Path):  # noqa: ANN201
    return live_server_factory(
        settings={
            "data_dir": str(built_data_dir),
            "allowed_hosts": '["data.example.org", ".example.net"]',
        }
    )


def test_allowed_hosts(listed_server: LiveServer) -> None:
    for host in ("data.example.org", "Data.Example.Org:8443", "api.example.net"):
        robots = ask(listed_server, "/robots.txt", "text/plain", host)
        assert robots.status_code == 200, host
        assert f"Sitemap: http://{host.lower()}/sitemap.xml" in robots.text
    for host in (EVIL, "127.0.0.1", "example.org", "data.example.org.evil.example"):
        for path, accept in WRITES_URLS:
            r = ask(listed_server, path, accept, host)
            assert r.status_code == 400, (host, path, r.status_code)
            assert host not in r.text


@pytest.mark.parametrize(
    ("overrides", "bound", "host", "allowed"),
    [
        ({}, None, "localhost:8080", True),
        ({}, None, "[::1]:8080", True),
        ({}, None, "evil.example", False),
        ({}, "10.1.2.3", "10.1.2.3:8080", True),  # the address `serve --host` binds
        ({}, "0.0.0.0", "0.0.0.0:8080", False),  # a wildcard bind names no host
        ({}, "0.0.0.0", "evil.example", False),
        ({"public_url": PUBLIC}, None, "evil.example", True),  # URLs never come from Host
        ({"allowed_hosts": ["data.example.org"]}, None, "data.example.org", True),
        ({"allowed_hosts": ["data.example.org"]}, None, "localhost", False),
        ({"allowed_hosts": ["data.example.org"], "public_url": PUBLIC}, None, EVIL, False),
        (
            {"allowed_hosts": ["data.example.org"], "public_url": PUBLIC},
            None,
            "prospectus.example.org",
            True,
        ),
        ({"allowed_hosts": [".example.net"]}, None, "a.b.example.net:443", True),
        ({"allowed_hosts": [".example.net"]}, None, "example.net", True),
        ({"allowed_hosts": [".example.net"]}, None, "badexample.net", False),
    ],
)
def test_host_rules(overrides: dict, bound: str | None, host: str, allowed: bool) -> None:
    names = hosts.allowed_names(settings.load(overrides, environ={}), bound)
    assert hosts.is_allowed(host, names) is allowed
