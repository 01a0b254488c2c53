"""The home page (replaced by the dataset summary of the pages issue)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    pub = current_app.extensions["prospectus"]
    version = pub.version
    return render_template("home.html", version=version)
