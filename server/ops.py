"""What operators and SPARQL clients ask of a public endpoint (issue 15, items 3 and 4),
installed by create_app() in one call: the example queries as RDF
(server/views/examples.py), `/healthz` (server/health.py), `/metrics`
(server/metrics.py) and the fair-use limit on `/sparql` (server/ratelimit.py)."""

from __future__ import annotations

from flask import Flask

from . import health, metrics, ratelimit
from .views import examples


def install(app: Flask) -> None:
    """Call before the other response hooks are installed (see metrics.install)."""
    metrics.install(app)
    app.register_blueprint(examples.bp)
    app.register_blueprint(health.bp)
    ratelimit.install(app)
