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
    # Wildcards (text/*, */*) match only a format's own media type; an alias such as
    # text/xml counts only when the client names it literally.
    named = {value.lower(): q for value, q in accept}
    best, best_q = None, 0.0
    for fmt in sorted(offered, key=lambda f: f is not default):  # ties go to the default
        q = accept.quality(fmt.media_type)
        for alias in fmt.aliases:
            q = max(q, named.get(alias, 0.0))
        if q > best_q:
            best, best_q = fmt, q
    if best is None:
        offered_types = ", ".join(f.media_type for f in offered)
        raise NotAcceptable(
            f"none of the requested media types ({accept.to_header()}) can be produced here; "
            f"available: {offered_types}"
        )
    return best
