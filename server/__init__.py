"""The web app: `create_app()` builds it from the settings; nothing happens at import."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from flask import Flask

from graph import clock as clock_module
from graph import settings as settings_module
from graph.clock import Clock
from graph.settings import Settings

from . import caching, context, cors, errors, headers, hosts, ops
from .publication import Publication
from .urls import Urls, safe_href


def create_app(
    settings: Settings | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    data_files: Sequence[Path] = (),
    clock: Clock | None = None,
) -> Flask:
    """Settings -> publication (store) -> blueprints -> error handlers -> response headers.

    `clock` decides which day the pages are rendered as of (graph/clock.py); by default the
    `today` setting, or the machine's date when it is unset.

    Response hooks run in reverse order of installation: caching (ETag, 304/412, gzip), then
    hosts (Vary: Host, relative redirects), CORS, and the security headers last, so that
    every answer, whichever hook or handler made it, leaves with them."""
    settings = settings or settings_module.load(overrides)
    app = Flask(__name__)
    context.install(
        app,
        settings,
        Publication(settings, data_files),
        clock or clock_module.from_settings(settings),
    )
    urls = Urls(settings.base_iri)
    app.add_template_global(lambda iri: safe_href(str(iri), urls), "safe_href")
    app.add_template_global(context.has_route, "has_route")
    from .views import BLUEPRINTS, ooapi

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_blueprint(ooapi.bp)  # /ooapi/v5 (docs/ooapi.md)
    ops.install(app)  # /.well-known/sparql-examples, /healthz, /metrics, the /sparql rate limit
    errors.register(app)
    headers.install(app)
    cors.install(app)
    hosts.install(app)
    caching.install(app)
    return app


def publication(app: Flask) -> Publication:
    return app.extensions[context.PUBLICATION]


def clock(app: Flask) -> Clock:
    return app.extensions[context.CLOCK]
