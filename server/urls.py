"""The one mapping between data IRIs and this site's URLs, and the one safe-link function.

A data IRI `{base_iri}{kind}/{path}` is served at `/id/{kind}/{path}` (303 to the document)
and described at `/doc/{kind}/{path}` (plus `.ttl`, `.jsonld`, … extension URLs). Ontology
terms are documented at `/ontology`. Any other IRI is linked only when it is a plain
http(s) URL (`safe_href`); everything else is shown as text.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from graph.formats import Format
from graph.iris import ONTOLOGY_IRI, VOCAB, is_data_iri, local_path


class Urls:
    def __init__(self, base_iri: str):
        self.base_iri = base_iri

    def is_local(self, iri: str) -> bool:
        return is_data_iri(iri, self.base_iri) or self.is_ontology(iri) or self.is_vocab(iri)

    def is_ontology(self, iri: str) -> bool:
        return iri == ONTOLOGY_IRI or iri.startswith(ONTOLOGY_IRI + "#")

    def is_vocab(self, iri: str) -> bool:
        return iri.startswith(str(VOCAB))

    def thing(self, iri: str) -> str | None:
        """/id/… path for a data IRI (answers 303)."""
        path = local_path(iri, self.base_iri)
        return f"/id/{quote(path)}" if path is not None else None

    def doc(self, iri: str, fmt: Format | None = None) -> str | None:
        """/doc/… page (or, with a format, its extension URL) of a local IRI."""
        if self.is_ontology(iri):
            fragment = iri.split("#", 1)[1] if "#" in iri else ""
            ext = f".{fmt.extension}" if fmt and fmt.kind != "page" else ""
            return f"/ontology{ext}" + (f"#{quote(fragment)}" if fragment and not ext else "")
        path: str | None
        if self.is_vocab(iri):
            path = "vocab/" + iri[len(str(VOCAB)) :]
        else:
            path = local_path(iri, self.base_iri)
            if path is None:
                return None
        ext = f".{fmt.extension}" if fmt and fmt.kind != "page" else ""
        return f"/doc/{quote(path)}{ext}"

    def iri_for_doc_path(self, path: str) -> str:
        """Inverse of `doc` for /doc/{path} (without extension)."""
        if path.startswith("vocab/"):
            return str(VOCAB) + path[len("vocab/") :]
        return self.base_iri + path


SAFE_SCHEMES = frozenset({"http", "https"})
# Whitespace, controls (C0, DEL, C1) and characters that have no business in a URL and could
# end or confuse an attribute: a value holding one is shown as text.
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\"'<>\\`{}|^]")


def safe_href(iri: str, urls: Urls) -> str | None:
    """Where a link to a data value `iri` may point, or None to show it as text.

    Every page, list and result table links data values only through this function.
    Local IRIs become this site's paths (percent-encoded); any other IRI is linked as it is
    only when its scheme is http or https (in any case), it has an authority (`//host`), and
    it holds no whitespace, control character, quote, angle bracket or backslash. So
    `javascript:`, `data:`, `vbscript:`, `JaVaScRiPt:`, ` javascript:` and the like are
    never links."""
    if urls.is_local(iri):
        return urls.doc(iri)
    scheme, colon, rest = iri.partition(":")
    if not colon or scheme.lower() not in SAFE_SCHEMES:
        return None
    if not rest.startswith("//") or len(rest) < 3 or _UNSAFE.search(iri):
        return None
    return iri
