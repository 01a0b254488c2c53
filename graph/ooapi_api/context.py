"""What an OOAPI answer needs besides the store and the request: the day, the data IRIs' base,
where a resource's page is, and the service's own metadata (GET /)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from rdflib import URIRef

from ..iris import DATA_BASE

# The specification this API follows (the bundled OpenAPI document of OOAPI 5.0).
SPECIFICATION = (
    "https://raw.githubusercontent.com/open-education-api/specification/release/5.0/v5/ooapi.json"
)


@dataclass(frozen=True)
class Context:
    """The fixed inputs of every answer (the HTTP wiring builds one from the settings)."""

    today: date  # offering lists show offerings starting from today unless `since` says else
    base_iri: str = DATA_BASE
    page_url: Callable[[URIRef], str] | None = None  # a resource's page; default its IRI
    contact_email: str | None = None  # GET / (Service.contactEmail); none set: 404
    documentation: str | None = None  # GET / (Service.documentation): docs/ooapi.md's URL
    specification: str = SPECIFICATION

    def page(self, iri: URIRef) -> str:
        """The web address of a resource of ours: its page, or its (dereferenceable) IRI."""
        return self.page_url(iri) if self.page_url is not None else str(iri)
