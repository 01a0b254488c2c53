"""Which Host names the site answers for, and the one absolute URL of the site.

Absolute URLs appear in robots.txt, the sitemap, the SPARQL service description, the
dataset description and the pages' schema.org data; they must never be written by whatever
`Host` header a client sends (a cache in front of the site would keep the forged URLs and
hand them to everyone). So:

- `public_url` set: every absolute URL comes from it, and the Host header is not used at all;
- otherwise the URLs are built from the request's Host, which must then be one of the
  *allowed* names: the `allowed_hosts` setting, or, when that is empty, the loopback names
  (`localhost`, `127.0.0.1`, `::1`) and the address `prospectus serve --host` binds to;
- with `allowed_hosts` set, a request for any other name is refused with 400 even when
  `public_url` is set (RFC 9110 §7.2; as Django's ALLOWED_HOSTS).

Names match case-insensitively, without the port and a trailing dot; an entry starting
with a dot (`.example.org`) matches that name and every subdomain. Responses whose body used the
request's own root carry `Vary: Host`. Redirects that Werkzeug's router would build
absolute from the Host (a merged `//` in a path) are answered with a relative Location
instead, so no header or body names a client-chosen host.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask, Response, current_app, g, redirect, request
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response as BaseResponse

from graph.settings import Settings

from . import context
from .errors import ProtocolError

LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::"})
BOUND_HOST = "PROSPECTUS_BOUND_HOST"  # app.config key set by `prospectus serve`


class UnknownHost(ProtocolError):
    title = "Unknown host"


def hostname(host: str) -> str:
    """`Example.org:8080` -> `example.org`; `[::1]:80` -> `::1`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


def _settings() -> Settings:
    return context.settings()


def allowed_names(settings: Settings, bound: str | None = None) -> frozenset[str] | None:
    """The host names requests may use, or None when any name is accepted (public_url set
    and no allowed_hosts: the Host header is then never used)."""
    if settings.allowed_hosts:
        names = {h.lower() if h.startswith(".") else hostname(h) for h in settings.allowed_hosts}
        if settings.public_url:
            names.add(hostname(urlsplit(settings.public_url).netloc))
        return frozenset(names)
    if settings.public_url:
        return None
    names = set(LOOPBACK)
    if bound and bound not in WILDCARD_BINDS:
        names.add(hostname(bound))
    return frozenset(names)


def is_allowed(host: str, names: frozenset[str] | None) -> bool:
    if names is None:
        return True
    name = hostname(host)
    return name in names or any(
        n.startswith(".") and (name.endswith(n) or name == n[1:]) for n in names
    )


def check_host() -> BaseResponse | None:
    """before_request: refuse a Host the site does not answer for; answer a redirect the
    router asks for (a `//` merged in a path) with a relative Location, since Werkzeug
    would build it, and the body it writes, from the Host header."""
    names = allowed_names(_settings(), current_app.config.get(BOUND_HOST))
    if not is_allowed(request.host, names):
        raise UnknownHost(
            "This server does not answer for the host name this request was sent to. "
            "Its operator lists the names it serves in the allowed_hosts setting, or sets "
            "public_url (docs/settings.md)."
        )
    routed = request.routing_exception
    if isinstance(routed, RequestRedirect):
        target = urlsplit(routed.new_url)
        return redirect(urlunsplit(("", "", target.path, target.query, "")), code=routed.code)
    return None


def after_request(response: Response) -> Response:
    if g.get(context.USED_HOST):
        response.vary.add("Host")
    return response


def install(app: Flask) -> None:
    app.before_request(check_host)
    app.after_request(after_request)
