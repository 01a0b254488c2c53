"""The one place views (and the app-wide hooks) get what the app was built with and what the
request asks for: the settings, the publication (the store and the published version), the
URL scheme, the site's root URL, the reader's languages and the day pages are rendered as of.

`install()` is called once by the factory (server/__init__.py create_app); everything else
reads through the functions below, inside a request or an application context.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app, g, request

from graph.clock import Clock
from graph.read.text import language_preferences
from graph.settings import Settings
from graph.store import Store
from graph.versions import Version

from .publication import Publication
from .urls import Urls

SETTINGS = "PROSPECTUS_SETTINGS"  # app.config key
PUBLICATION = "prospectus"  # app.extensions keys
CLOCK = "prospectus.clock"
URLS = "prospectus.urls"
USED_HOST = "prospectus_used_host"  # flask.g: this answer depends on the request's Host


def install(app: Flask, settings: Settings, publication: Publication, clock: Clock) -> None:
    """Bind the settings, the publication, the clock and the URL scheme to `app`."""
    app.config[SETTINGS] = settings
    app.extensions[PUBLICATION] = publication
    app.extensions[CLOCK] = clock
    app.extensions[URLS] = Urls(settings.base_iri)


def settings() -> Settings:
    return current_app.config[SETTINGS]


def publication() -> Publication:
    return current_app.extensions[PUBLICATION]


def store() -> Store:
    """The store of the published version (ServiceUnavailable when nothing is published)."""
    return publication().store


def content() -> str | None:
    """What names the served store's content (Publication.served): caches of what the store
    answers key on it; None when the content may change under the same store."""
    return publication().served()[1]


def version() -> Version | None:
    """The published version served now (None for `serve --data` or before a build)."""
    return publication().version


def urls() -> Urls:
    return current_app.extensions[URLS]


def clock() -> Clock:
    return current_app.extensions[CLOCK]


def today() -> date:
    """The day pages are rendered as of: the app's clock (graph/clock.py)."""
    return clock().today()


def languages() -> tuple[str, ...]:
    """The reader's languages, in order of preference (Accept-Language, then English)."""
    return language_preferences(value for value, _q in request.accept_languages)


def site_url() -> str:
    """The site's absolute root URL, without a trailing slash: `public_url`, or the root of
    this request (whose Host server/hosts.py checked); the response then varies by Host."""
    public = settings().public_url
    if public:
        return public.rstrip("/")
    setattr(g, USED_HOST, True)
    return request.url_root.rstrip("/")


def has_route(prefix: str) -> bool:
    """Whether the app serves a URL starting with `prefix` (a template global: pages link
    only to what this app serves)."""
    return any(
        rule.rule == prefix or rule.rule.startswith(prefix.rstrip("/") + "/")
        for rule in current_app.url_map.iter_rules()
    )


def app_cache(name: str) -> dict:
    """A dictionary kept for the app's life (per process), for what views cache."""
    return current_app.extensions.setdefault(f"prospectus.{name}", {})
