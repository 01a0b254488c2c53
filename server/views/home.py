"""The home page, the programme list and the search: what graph/read/catalogue.py reads,
shown by the page models of server/pages/listing.py."""

from __future__ import annotations

import re

from flask import Blueprint, render_template, request

from graph.read import catalogue
from graph.read.catalogue import FACETS

from .. import context
from ..pages.listing import home_page, programmes_page, search_page

bp = Blueprint("home", __name__)

MAX_QUERY_TEXT = 100


@bp.get("/")
def index() -> str:
    store = context.store()
    languages = context.languages()
    facts = catalogue.programme_facts(store)
    page = home_page(
        context.version(),
        store.triple_count(),
        catalogue.class_counts(store),
        facts,
        catalogue.names(store, facts, languages),
        languages,
        context.urls(),
        dumps_served=context.has_route("/dumps"),
    )
    return render_template("home.html", page=page)


@bp.get("/programmes")
def programmes() -> str:
    store = context.store()
    languages = context.languages()
    facts = catalogue.programme_facts(store)
    chosen = {name: request.args.get(name, "").strip() for name, _l in FACETS}
    names = catalogue.names(store, facts, languages)
    page = programmes_page(facts, names, chosen, languages, context.urls())
    return render_template("programmes.html", page=page)


@bp.get("/search")
def search() -> str:
    store = context.store()
    languages = context.languages()
    raw = request.args.get("q", "")
    query = re.sub(r"[\x00-\x1f\x7f]", " ", raw).strip()[:MAX_QUERY_TEXT]
    urls = context.urls()
    result = catalogue.search(store, query, languages, urls.is_local) if query else None
    return render_template("search.html", page=search_page(query, result, languages, urls))
