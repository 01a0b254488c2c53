"""The labels of IRIs, as pages and the catalogue read them: which properties name a
resource (strongest first), the label quads of a set of IRIs, and one label per IRI in the
reader's language. Read with quads() (one pattern per IRI), never SPARQL.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import islice

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS
from rdflib.term import Node

from ..iris import PRO, SCHEMA
from ..store.base import Quad, Store
from .text import pick_literal

# Label properties, strongest first: the one label a resource gets comes from the first
# property that has a value in an acceptable language.
LABEL_PROPERTIES: tuple[URIRef, ...] = (SKOS.prefLabel, RDFS.label, DCTERMS.title, SCHEMA.name)
FALLBACK_LABEL_PROPERTIES: tuple[URIRef, ...] = (SKOS.altLabel, SKOS.notation, PRO.acronym)


def _safe_iri(iri: URIRef) -> bool:
    return not re.search(r'[\s<>"{}|\\^`]', str(iri))


def label_quads(store: Store, iris: Iterable[URIRef]) -> list[Quad]:
    """Label, comment and description quads of `iris`, with their graphs.

    Read with quads() (one pattern per IRI), not SPARQL: pages then never wait for the
    query workers, and a store answers these lookups from its indexes.
    """
    wanted = {*LABEL_PROPERTIES, *FALLBACK_LABEL_PROPERTIES, RDFS.comment, SKOS.definition}
    found: list[Quad] = []
    for iri in iris:
        if not isinstance(iri, URIRef) or not _safe_iri(iri):
            continue
        found += [
            q
            for q in store.quads(iri, None, None, None)
            if q[1] in wanted and isinstance(q[2], Literal)
        ]
    return found


def labels(store: Store, iris: Iterable[URIRef], languages: Sequence[str]) -> dict[URIRef, str]:
    """One label per IRI in the reader's language (IRIs without one are left out)."""
    pool: dict[URIRef, dict[URIRef, list[Node]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o, _g in label_quads(store, iris):
        if isinstance(s, URIRef) and isinstance(p, URIRef):
            pool[s][p].append(o)
    found: dict[URIRef, str] = {}
    for iri, props in pool.items():
        for p in (*LABEL_PROPERTIES, *FALLBACK_LABEL_PROPERTIES):
            best = pick_literal(props.get(p, []), languages)
            if best is not None:
                found[iri] = str(best)
                break
    return found


_CACHE_SIZE = 200_000  # labels kept per store
# store -> (what names its content, {(IRI, languages): label or None})
_cached: weakref.WeakKeyDictionary[
    Store, tuple[str, dict[tuple[URIRef, tuple[str, ...]], str | None]]
] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def cached_labels(
    store: Store, iris: Iterable[URIRef], languages: Sequence[str], content: str | None
) -> dict[URIRef, str]:
    """labels(), remembered per store while `content` (what names the store's content: a
    published version's id) stays the same: for the values facets count (institutions,
    countries, languages), which come back on every list and search page. A version never
    changes, so a label read once stays right while it is served; with `content` None (a
    store whose content may change under it) nothing is remembered."""
    if content is None:
        return labels(store, iris, languages)
    langs, wanted = tuple(languages), set(iris)
    with _cache_lock:
        held = _cached.get(store)
        if held is None or held[0] != content:
            held = _cached[store] = (content, {})
        known = held[1]
        found = {iri: known[(iri, langs)] for iri in wanted if (iri, langs) in known}
    missing = [iri for iri in wanted if iri not in found]
    if missing:
        fresh = labels(store, missing, langs)
        with _cache_lock:
            if len(known) + len(missing) > _CACHE_SIZE:
                known.clear()
            for iri in missing:
                found[iri] = known[(iri, langs)] = fresh.get(iri)
    return {iri: label for iri, label in found.items() if label is not None}


# A portal is named in every source it published (each of 30,000 segments at 100,000
# programmes): its name is read from the source's own graph, else from a few others.
NAME_SAMPLE = 20


def publisher_names(store: Store, publisher: URIRef, graph: URIRef) -> list[Quad]:
    """The publisher's skos:prefLabel as the source `graph` states it, else as (at most
    NAME_SAMPLE quads of) other graphs do: never every source's copy of it."""
    own = list(store.quads(publisher, SKOS.prefLabel, None, graph))
    return own or list(islice(store.quads(publisher, SKOS.prefLabel, None, None), NAME_SAMPLE))
