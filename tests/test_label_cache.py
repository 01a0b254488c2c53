"""Labels remembered per store while what names its content stays the same
(graph/read/labels.cached_labels): a published version never changes, a remote store's
content may, and a new version under the same store object is read again."""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import Literal, URIRef
from rdflib.namespace import SKOS

from graph.read.labels import cached_labels

ORG = URIRef("https://w3id.org/prospectus/id/org/ku-leuven")


class CountingStore:
    """A store of one label that counts the lookups made of it."""

    def __init__(self, label: str):
        self.label, self.lookups = label, 0

    def quads(self, s: object, p: object, o: object, g: object) -> Iterator[tuple]:
        self.lookups += 1
        if s == ORG:
            yield ORG, SKOS.prefLabel, Literal(self.label, lang="en"), None


def test_a_label_is_read_once_per_content_and_never_kept_without_one() -> None:
    store = CountingStore("KU Leuven")
    assert cached_labels(store, [ORG], ["en"], "v1") == {ORG: "KU Leuven"}  # type: ignore[arg-type]
    assert cached_labels(store, [ORG], ["en"], "v1") == {ORG: "KU Leuven"}  # type: ignore[arg-type]
    assert store.lookups == 1

    store.label = "Katholieke Universiteit Leuven"  # a new version under the same store
    found = cached_labels(store, [ORG], ["en"], "v2")  # type: ignore[arg-type]
    assert found == {ORG: "Katholieke Universiteit Leuven"} and store.lookups == 2

    store.label = "changed under the same name"
    for _ in range(2):  # content that may change: read every time
        found = cached_labels(store, [ORG], ["en"], None)  # type: ignore[arg-type]
        assert found == {ORG: "changed under the same name"}
    assert store.lookups == 4
