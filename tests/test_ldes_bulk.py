"""graph/ldes/bulk.py: the change stream's members made in bulk. The bulk describer gives, for
every programme, the payload describe_programme gives through the page's description
(triples, sources and reads), on the bundled sources and on 300 synthetic programmes; and
the stream written by worker processes is the stream written by one."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from graph.build.context import BuildContext
from graph.build.pipeline import publish_dataset
from graph.build.publish import Staging
from graph.build.release import nquads_lines, read_release
from graph.build.writers import ldes as ldes_writer_module
from graph.ldes import bulk, log
from graph.ldes.members import Payload, describe_programme, member_quads, programmes
from graph.ldes.state import STATE, TERMS
from graph.store.sorted_nquads import SortedNQuads
from graph.store.staged import StagedLookup
from graph.store.staged_batch import open_term_lookup
from graph.versions import STORE_DIR
from tests.support.writers_reference import CATALOGUES, CREATED, OUT

HIDDEN_PATH = "graph/order"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module", params=(*CATALOGUES, "bundled-today"))
def version(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A version of the catalogue (the bundled sources as the writers' fixture holds them and
    as they are today, or 300 synthetic programmes), its store loaded, no writers run."""
    if request.param == "bundled-today":
        lines = nquads_lines(read_release().dataset)
    else:
        with gzip.open(OUT / request.param / "dataset.nq.gz", "rt", encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    published, _ = publish_dataset(
        tmp_path_factory.mktemp(request.param) / "data",
        lines,
        writers=(),
        now=datetime.fromisoformat(CREATED),
        load_store=True,
    )
    return published.path


def _base(path: Path) -> str:
    return json.loads((path / "manifest.json").read_text(encoding="utf-8"))["base_iri"]


@pytest.fixture(scope="module")
def lookups(version: Path) -> Iterator[tuple[StagedLookup, bulk.Describer, str]]:
    base = _base(version)
    hidden = [base + HIDDEN_PATH]
    quads_file = SortedNQuads(version / "dataset.nq")
    store = ox.Store.read_only(str(version / STORE_DIR))
    describer = bulk.Describer(
        open_term_lookup(version / "dataset.nq", version / STORE_DIR, hidden), base
    )
    yield StagedLookup(quads_file, store, hidden=hidden), describer, base
    describer.lookup.close()
    quads_file.close()


def test_the_bulk_describer_gives_the_page_description_of_every_programme(
    lookups: tuple[StagedLookup, bulk.Describer, str],
) -> None:
    staged, describer, base = lookups
    found = programmes(staged)
    assert len(found) >= 2
    assert bulk.programmes(describer.lookup) == [str(p) for p in found]
    as_of = date.fromisoformat(CREATED[:10])
    describer.prefetch([f"<{p}>" for p in found[:50]])
    for programme in found:
        expected = describe_programme(staged, programme, base=base, as_of=as_of)
        got = describer.describe(f"<{programme}>")
        assert got.triples == expected.triples, programme
        assert got.sources == expected.sources, programme
        assert got.reads == expected.reads, programme
        assert got.digest == expected.digest


def test_a_resource_that_is_not_there_has_an_empty_description(
    lookups: tuple[StagedLookup, bulk.Describer, str],
) -> None:
    staged, describer, base = lookups
    missing = base + "programme/not-there"
    expected = describe_programme(
        staged, URIRef(missing), base=base, as_of=date.fromisoformat(CREATED[:10])
    )
    got = describer.describe(f"<{missing}>")
    assert (got.triples, got.sources, got.reads) == (
        expected.triples,
        expected.sources,
        expected.reads,
    )
    assert got.triples == ()


def _stream(version: Path, out: Path, workers: int) -> dict[str, object]:
    """The change stream's first version of `version`, written into a copy of it."""
    out.mkdir()
    shutil.copyfile(version / "dataset.nq", out / "dataset.nq")
    os.symlink((version / STORE_DIR).resolve(), out / STORE_DIR)
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    ctx = BuildContext(Staging(out, manifest, None), manifest["base_iri"])
    ldes_writer_module.write_stream(ctx, workers=workers)
    pages = {
        p.name: sorted(p.read_bytes().splitlines())
        for p in sorted((log.folder(out) / log.PAGES).iterdir())
    }
    state = gzip.decompress((log.folder(out) / STATE).read_bytes())
    terms = gzip.decompress((log.folder(out) / TERMS).read_bytes())
    return {"manifest": manifest["ldes"], "pages": pages, "state": state, "terms": terms}


def test_worker_processes_write_the_stream_one_process_writes(
    version: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ldes_writer_module, "BATCH", 7)  # several batches for each worker
    one = _stream(version, tmp_path / "one", workers=1)
    two = _stream(version, tmp_path / "two", workers=2)
    assert one == two
    assert one["manifest"]["created"] >= 2  # type: ignore[index]


def test_what_points_at_programmes_prefetched_is_read_once_and_answered_the_same(
    version: Path,
) -> None:
    """TermLookup.prefetch_pointing_at (what the describer reads first for a batch: the
    programmes' offerings) reads every subject at once, and pointing_at then answers as a
    lookup that read nothing ahead does, reading nothing more."""
    base = _base(version)
    hidden = [base + HIDDEN_PATH]
    fresh, warmed = (
        open_term_lookup(version / "dataset.nq", version / STORE_DIR, hidden) for _ in range(2)
    )
    nodes = [f"<{p}>" for p in bulk.programmes(fresh)[:50]]
    reads: list[list[object]] = []
    prefetch = warmed.prefetch

    def counted(subjects: Iterable[str]) -> None:
        reads.append(list(subjects))
        prefetch(reads[-1])

    warmed.prefetch = counted  # type: ignore[method-assign]
    warmed.prefetch_pointing_at(nodes)
    assert len(reads) == 1 and reads[0]  # one parse of every subject pointing at them
    for node in nodes:
        assert warmed.pointing_at(node) == fresh.pointing_at(node), node
    assert len(reads) == 1
    assert any(fresh.pointing_at(node) for node in nodes)  # offerings point at programmes
    fresh.close()
    warmed.close()


PRO_NS = "https://w3id.org/prospectus/ontology#"
BASE = "https://w3id.org/prospectus/id/"
PROGRAMME, SOURCE, ORDER = BASE + "programme/u/p", BASE + "source/s", BASE + HIDDEN_PATH
WITH_BLANK_NODES = [
    f"<{PROGRAMME}> <{RDF_TYPE}> <{PRO_NS}StudyProgramme> <{SOURCE}> .",
    f'<{PROGRAMME}> <http://purl.org/dc/terms/title> "P"@en <{SOURCE}> .',
    f"<{PROGRAMME}> <{PRO_NS}tuitionFee> _:fee <{SOURCE}> .",
    f'_:fee <http://schema.org/price> "100" <{SOURCE}> .',
    f"_:fee <http://schema.org/seller> _:seller <{SOURCE}> .",
    f'_:seller <http://schema.org/name> "S" <{SOURCE}> .',
    f'<{PROGRAMME}> <{PRO_NS}listPosition> "1" <{ORDER}> .',
]


def _published(lines: list[str], at: Path) -> Path:
    version, _ = publish_dataset(
        at, lines, writers=(), now=datetime.fromisoformat(CREATED), load_store=True
    )
    return version.path


def test_a_description_with_blank_nodes_is_the_page_description_and_its_member(
    tmp_path: Path,
) -> None:
    """What the catalogues above do not have: blank nodes in a description (made canonical,
    then given the member's own labels in its lines) beside a hidden graph's statement."""
    version = _published(WITH_BLANK_NODES, tmp_path / "data")
    staged = StagedLookup(
        SortedNQuads(version / "dataset.nq"),
        ox.Store.read_only(str(version / STORE_DIR)),
        hidden=[ORDER],
    )
    describer = bulk.Describer(
        open_term_lookup(version / "dataset.nq", version / STORE_DIR, [ORDER]), BASE
    )
    expected = describe_programme(
        staged, URIRef(PROGRAMME), base=BASE, as_of=date.fromisoformat(CREATED[:10])
    )
    got = describer.describe(f"<{PROGRAMME}>")
    _payload, texts = describer.described(f"<{PROGRAMME}>")
    describer.lookup.close()
    assert (got.triples, got.sources, got.reads) == (
        expected.triples,
        expected.sources,
        expected.reads,
    )
    assert texts == [str(t) for t in got.triples]
    assert sum(isinstance(t.object, ox.BlankNode) for t in got.triples) == 2
    assert not any(t.predicate.value == PRO_NS + "listPosition" for t in got.triples)
    member = BASE + "ldes/member/1"
    arguments = {
        "stream": URIRef(BASE + "ldes"),
        "kind": URIRef("https://www.w3.org/ns/activitystreams#Create"),
        "time": "2026-12-01T00:00:00Z",
    }
    star = member_quads(
        URIRef(member),
        URIRef(PROGRAMME),
        payload=Payload((), got.sources, got.reads),
        **arguments,  # type: ignore[arg-type]
    )
    lines = bulk._member_lines(member, star, texts)
    assert lines == bulk.member_bytes(
        member_quads(URIRef(member), URIRef(PROGRAMME), payload=got, **arguments)  # type: ignore[arg-type]
    )
    assert b"_:m" in lines


def test_a_statement_naming_the_hidden_graph_outside_it_is_kept(tmp_path: Path) -> None:
    """TermLookup leaves out the hidden graph's statements, not a statement of the default
    graph whose object is the hidden graph's IRI; its quads are the file's, as text."""
    see_also = f"<{PROGRAMME}> <http://www.w3.org/2000/01/rdf-schema#seeAlso> <{ORDER}> ."
    version = _published([*WITH_BLANK_NODES, see_also], tmp_path / "data")
    lookup = open_term_lookup(version / "dataset.nq", version / STORE_DIR, [ORDER])
    kept = lookup.subject(f"<{PROGRAMME}>")
    lookup.close()
    see = "<http://www.w3.org/2000/01/rdf-schema#seeAlso>"
    assert [q for q in kept if q[2] == f"<{ORDER}>"] == [
        (f"<{PROGRAMME}>", see, f"<{ORDER}>", None, f"<{PROGRAMME}> {see} <{ORDER}>")
    ]
    assert len(kept) == 4  # type, title, fee, see also: not the position
    in_file_order = ox.parse(
        b"\n".join(SortedNQuads(version / "dataset.nq").lines(ox.NamedNode(PROGRAMME))),
        format=ox.RdfFormat.N_QUADS,
    )
    expected = [q for q in in_file_order if q.graph_name != ox.NamedNode(ORDER)]
    assert [q[:4] for q in kept] == [
        (
            str(q.subject),
            str(q.predicate),
            str(q.object),
            None if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name),
        )
        for q in expected
    ]
    assert [q[4] for q in kept] == [str(q.triple) for q in expected]
