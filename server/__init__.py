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

from . import caching, errors
from .publication import Publication


def create_app(
    settings: Settings | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    data_files: Sequence[Path] = (),
    clock: Clock | None = None,
) -> Flask:
    """Settings -> publication (store) -> blueprints -> error handlers.

    `clock` decides which day the pages are rendered as of (graph/clock.py); by default the
    `today` setting, or the machine's date when it is unset.
    """
    settings = settings or settings_module.load(overrides)
    app = Flask(__name__)
    app.config["PROSPECTUS_SETTINGS"] = settings
    app.extensions["prospectus.clock"] = clock or clock_module.from_settings(settings)
    app.extensions["prospectus"] = Publication(settings, data_files)
    from .views import BLUEPRINTS

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    errors.register(app)
    caching.install(app)
    return app


def publication(app: Flask) -> Publication:
    return app.extensions["prospectus"]


def clock(app: Flask) -> Clock:
    return app.extensions["prospectus.clock"]
