"""/.well-known/sparql-examples: the endpoint's example queries as RDF (graph/sparql_examples.py).

Every RDF format the documents are served in, by content negotiation or an extension URL
(`/.well-known/sparql-examples.ttl`, `.jsonld`, …), written by the one serialiser
(server/representations.py). A browser asking for HTML is sent to the query page, which
shows the same examples.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from graph import sparql_examples
from graph.formats import BY_EXTENSION, BY_NAME, Format

from .. import context
from ..conneg import negotiate
from ..errors import NotFound
from ..representations import rdf_response
from .resources import OFFERED, alternates

bp = Blueprint("examples", __name__)

PATH = "/.well-known/sparql-examples"
HTML = BY_NAME["html"]


def _format(ext: str | None) -> Format:
    if ext is None:
        return negotiate(
            request.accept_mimetypes, OFFERED, BY_NAME["turtle"], request.args.get("format")
        )
    fmt = BY_EXTENSION.get(ext.lower())
    if fmt is None or fmt not in OFFERED or fmt is HTML:
        raise NotFound(
            f"There is no .{ext[:20]} representation of the examples; try "
            + ", ".join(f".{f.extension}" for f in OFFERED if f is not HTML)
            + "."
        )
    return fmt


@bp.get(PATH)
@bp.get(PATH + ".<ext>")
def examples(ext: str | None = None) -> BaseResponse:
    """The example queries of the endpoint (sh:SPARQLExecutable, schema:target)."""
    fmt = _format(ext)
    if fmt is HTML:
        response = redirect(url_for("sparql.endpoint") + "#examples-h", code=303)
        response.vary.add("Accept")
        return response
    base = context.settings().base_iri
    body: Response = rdf_response(sparql_examples.graph(base), fmt, sparql_examples.prefixes(base))
    body.headers["Link"] = ", ".join(
        f'<{alt.href}>; rel="{"self" if alt.format == fmt else "alternate"}"; '
        f'type="{alt.format.media_type}"'
        for alt in alternates(PATH, [f for f in OFFERED if f is not HTML])
    )
    return body
