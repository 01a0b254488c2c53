"""OOAPI ids of our resources: a UUID version 5 of the resource's IRI (RFC 9562 §5.5).

ooapi.json types every id (`programId`, `offeringId`, `organizationId` and the path
parameters) as `format: uuid`, and validators check it. Our identifiers are IRIs, so each id
is the name-based UUID of the IRI in one namespace of ours:

    id = uuid5(NAMESPACE, iri)      NAMESPACE = 70726f73-7065-6374-7573-2f6f6f617069

The namespace's 16 bytes are the ASCII text `prospectus/ooapi`, so the SHA-1 a version 5 UUID
is cut from, SHA-1(namespace bytes + IRI), is also SPARQL's `SHA1(CONCAT("prospectus/ooapi",
STR(?x)))`: a store can find the IRI of an id without any table of ids. The id of an IRI never
changes, whatever version is published.

The way back, id -> IRI: every id this process has computed is remembered (a bounded table;
an id is a pure function of its IRI, so a remembered answer is never wrong, only possibly
about a resource that is gone, which the caller checks). Others are found by the store with a
filter on the SHA-1 (a scan of the programmes, offerings or organisations; docs/ooapi.md).
"""

from __future__ import annotations

import re
import threading
import uuid
from collections import OrderedDict

from rdflib import URIRef

from .problem import bad_parameter

NAMESPACE_TEXT = "prospectus/ooapi"
NAMESPACE = uuid.UUID(bytes=NAMESPACE_TEXT.encode("ascii"))
REMEMBERED = 50_000  # ids kept for the way back, most recently computed first
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

_known: OrderedDict[str, URIRef] = OrderedDict()
_lock = threading.Lock()


def ooapi_id(iri: URIRef) -> str:
    """The OOAPI id of `iri` (remembered for the way back)."""
    ident = str(uuid.uuid5(NAMESPACE, str(iri)))
    with _lock:
        _known[ident] = iri
        _known.move_to_end(ident)
        while len(_known) > REMEMBERED:
            _known.popitem(last=False)
    return ident


def remembered(ident: str) -> URIRef | None:
    with _lock:
        return _known.get(ident)


def parse(text: str, name: str) -> str:
    """A path parameter that must be a UUID, in canonical (lower-case) form, else 400."""
    if not UUID.match(text):
        raise bad_parameter(name, f"{text!r} is not a UUID (ids are UUIDs: docs/ooapi.md)")
    return str(uuid.UUID(text))


def sha1_filter(variable: str, ident: str) -> str:
    """A SPARQL FILTER keeping the IRIs bound to `variable` whose id may be `ident`: the first
    48 bits of the UUID are the first 48 bits of the SHA-1 (the caller checks the whole id)."""
    head = uuid.UUID(ident).hex[:12]
    return f'FILTER(STRSTARTS(SHA1(CONCAT("{NAMESPACE_TEXT}", STR({variable}))), "{head}"))'


def matches(iri: URIRef, ident: str) -> bool:
    return ooapi_id(iri) == ident


def forget() -> None:
    """Drop every remembered id: the way back then goes through the store (tests use it)."""
    with _lock:
        _known.clear()
