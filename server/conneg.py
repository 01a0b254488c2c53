"""Content negotiation over the one format registry (graph.formats).

The choice uses Werkzeug's Accept parsing (q-values, wildcards); an explicit `format`
parameter or a URL extension wins over Accept. No Accept header, or only */*, gives the
default. Nothing acceptable raises NotAcceptable (406). Callers always add `Vary: Accept`.
"""

from __future__ import annotations

from collections.abc import Sequence

from werkzeug.datastructures import MIMEAccept

from graph.formats import BY_NAME, Format, by_media_type

from .errors import NotAcceptable


def negotiate(
    accept: MIMEAccept,
    offered: Sequence[Format],
    default: Format,
    explicit: str | None = None,
) -> Format:
    """Pick one of `offered` for a request.

    `explicit` is a `format` parameter: a short name ("turtle", "json") or a media type.
    """
    if explicit:
        fmt = BY_NAME.get(explicit.lower()) or by_media_type(explicit)
        if fmt is None or fmt not in offered:
            names = ", ".join(f.name for f in offered)
            raise NotAcceptable(f"format {explicit!r} is not offered here; choose one of {names}")
        return fmt
    if not accept or all(value == "*/*" for value, _q in accept):
        return default
    candidates: list[str] = []
    owner: dict[str, Format] = {}
    # The default first, so that ties (e.g. text/*, */*) go to it.
    for fmt in sorted(offered, key=lambda f: f is not default):
        for media_type in (fmt.media_type, *fmt.aliases):
            if media_type not in owner:
                owner[media_type] = fmt
                candidates.append(media_type)
    best = accept.best_match(candidates)
    if best is None:
        offered_types = ", ".join(f.media_type for f in offered)
        raise NotAcceptable(
            f"none of the requested media types ({accept.to_header()}) can be produced here; "
            f"available: {offered_types}"
        )
    return owner[best]
