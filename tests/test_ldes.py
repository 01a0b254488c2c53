"""The change stream (graph/ldes/): members, pages, retention, and the real LDES client.

The catalogue is six synthetic programmes (graph.generate), published version after version
with the build's writers plus the stream's, at fixed times. The client test serves a static
copy of the stream on 127.0.0.1 and replicates it with the npm package ldes-client.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

from graph import ldes, settings, versions
from graph.build.pipeline import publish_dataset
from graph.build.writers.ldes import ldes_writer
from graph.canonical import literals_as_written
from graph.formats import BY_NAME
from graph.iris import ACTIVITY_STREAMS as AS
from graph.iris import DATA_BASE, LDES, PRO, PROV, TREE, ldes_member, ldes_stream
from graph.store.dataset import DatasetStore
from server import create_app

from .conftest import ROOT, TODAY
from .support.ldes_client import latest, normalised, read_members, replicate
from .support.ldes_history import (
    IMMUTABLE,
    ORDER_GRAPH,
    PAGE_SIZE,
    SITE,
    T1,
    added_in,
    change_fee,
    edit,
    local,
    programmes,
    publish_quads,
    remove,
    retitle,
    served_description,
    stored_members,
)
from .support.static_server import StaticServer


def page_members(version: versions.Version, page_id: int) -> bytes:
    stream = ldes.Stream.open(version.path)
    assert stream is not None
    return ldes.log.read_page(version.path, stream.page(page_id))


# -- members --------------------------------------------------------------------------------


def test_the_first_version_starts_the_stream_with_one_create_per_programme(history) -> None:
    _data_dir, (v1, _v2, _v3), names = history
    members = added_in(v1)
    assert {str(m.version_of) for m in members.values()} == set(names)
    for m in members.values():
        assert m.types == {AS.Create}
        assert m.iri == ldes_member(str(m.version_of), v1.id)
        assert m.time == "2026-11-02T09:00:00Z"
        assert str(m.star.value(m.iri, PROV.generatedAtTime)) == m.time
        assert (m.version_of, RDF.type, PRO.StudyProgramme) in m.payload
    assert v1.manifest["ldes"] | {"programmes": 6} == {
        "members": 6,
        "created": 6,
        "updated": 0,
        "deleted": 0,
        "described": 6,
        "programmes": 6,
        "pages": 2,
        "gone": 0,
        "open_page": 2,
        "started": True,
    }


def test_a_change_to_an_owned_node_updates_only_its_programme(history) -> None:
    """A fee is not the programme's own triple, but its page shows it: one as:Update, and
    only that programme is described again (its reads hold the fee; the others' do not)."""
    _data_dir, (_v1, v2, _v3), names = history
    members = added_in(v2)
    assert [(str(m.version_of), m.types) for m in members.values()] == [
        (names[0], frozenset({AS.Update}))
    ]
    assert v2.manifest["ldes"]["described"] == 1
    (member,) = members.values()
    amounts = {str(o) for o in member.payload.objects(None, PRO.amount)}
    assert any(float(a) >= 1000 for a in amounts)


def test_a_retired_programme_gets_a_tombstone(history) -> None:
    _data_dir, (_v1, _v2, v3), names = history
    members = {str(m.version_of): m for m in added_in(v3).values()}
    assert set(members) == {names[1], names[2]}
    assert members[names[1]].types == {AS.Update}
    tombstone = members[names[2]]
    assert tombstone.types == {AS.Delete}
    assert set(tombstone.star.predicates()) == {RDF.type, DCTERMS.isVersionOf, PROV.generatedAtTime}
    assert len(tombstone.payload) == 0
    assert v3.manifest["ldes"]["described"] == 1  # the removed one needs no description


def test_a_label_shared_by_two_programmes_updates_both(catalogue, tmp_path: Path) -> None:
    """An organisation's name appears in the description of every programme it provides."""
    v1 = publish_quads(tmp_path, catalogue, T1)
    provider = URIRef(DATA_BASE + "org/" + local(programmes(catalogue)[0]).split("/")[0])
    providing = {
        q.subject.value
        for q in catalogue
        if q.object.value == str(provider) and q.subject.value in programmes(catalogue)
    }
    assert len(providing) >= 1
    renamed = edit(
        catalogue,
        lambda q: q.subject.value == str(provider) and q.predicate.value == str(SKOS.prefLabel),
        lambda v: v + " (new name)",
    )
    v2 = publish_quads(tmp_path, renamed, T1 + timedelta(hours=1))
    updated = {str(m.version_of) for m in added_in(v2).values()}
    shown_in = {
        str(m.version_of)
        for m in added_in(v1).values()
        if (provider, SKOS.prefLabel, None) in m.payload
    }
    assert updated == shown_in
    assert providing <= updated
    assert v2.manifest["ldes"]["described"] == len(updated)


def test_the_catalogue_order_is_not_part_of_a_member(catalogue, tmp_path: Path) -> None:
    """pro:listPosition moves when a programme is added before it: no member for that."""
    publish_quads(tmp_path, catalogue, T1)
    position = ox.NamedNode(str(PRO.listPosition))
    moved = [
        ox.Quad(
            q.subject,
            q.predicate,
            ox.Literal(str(int(q.object.value) + 100), datatype=q.object.datatype),
            q.graph_name,
        )
        if q.predicate == position
        else q
        for q in catalogue
    ]
    v2 = publish_quads(tmp_path, moved, T1 + timedelta(hours=1))
    assert v2.manifest["changes"]["graphs"] == {str(ORDER_GRAPH): {"added": 6, "removed": 6}}
    assert added_in(v2) == {}
    assert v2.manifest["ldes"]["described"] == 0
    for m in added_in(versions.retained(tmp_path)[0]).values():
        assert (None, PRO.listPosition, None) not in m.payload


def test_a_member_holds_what_the_programme_page_serves(history) -> None:
    """The member's graph is the page's RDF (graph/ldes/members.py copies the page's rule
    for what a programme's description expands: this keeps the two in step)."""
    data_dir, (_v1, _v2, v3), _names = history
    app = create_app(settings.load({"data_dir": str(data_dir), "today": TODAY}, environ={}))
    with app.test_client() as client:
        for programme, member in latest(stored_members(v3).values()).items():
            if AS.Delete in member.types:
                continue
            expected = served_description(client, str(programme))
            assert isomorphic(normalised(member.payload), expected), programme


def test_members_keep_literals_as_written(catalogue, tmp_path: Path) -> None:
    """Like the dumps: a duration stated "P24M" stays "P24M" (a store says "P2Y")."""
    duration = ox.NamedNode("http://data.europa.eu/snb/model/elm/duration")
    programme = programmes(catalogue)[0]
    quads = [q for q in catalogue if not (q.subject.value == programme and q.predicate == duration)]
    quads.append(
        ox.Quad(
            ox.NamedNode(programme),
            duration,
            ox.Literal("P24M", datatype=ox.NamedNode(str(XSD.duration))),
            next(q.graph_name for q in catalogue if q.subject.value == programme),
        )
    )
    version = publish_quads(tmp_path, quads, T1)
    member = latest(stored_members(version).values())[URIRef(programme)]
    assert {
        str(o) for o in member.payload.objects(URIRef(programme), URIRef(str(duration.value)))
    } == {"P24M"}


def test_the_dataset_store_answers_lookups_with_terms_as_written() -> None:
    s, p = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p")
    decimal = ox.Literal("120.0", datatype=ox.NamedNode(str(XSD.decimal)))
    store = DatasetStore.of_quads([ox.Quad(s, p, decimal, ox.NamedNode("http://example.org/g"))])
    with literals_as_written():
        (quad,) = store.quads(URIRef(s.value), None, None, None)
        assert str(quad[2]) == "120.0" and quad[3] == URIRef("http://example.org/g")
        assert list(store.quads(None, None, None, URIRef("http://example.org/other"))) == []
        assert len(store.describe(URIRef(s.value))) == 1


# -- pages ----------------------------------------------------------------------------------


def test_the_root_node_describes_the_stream_and_links_every_page_by_time(history) -> None:
    _data_dir, (v1, v2, v3), _names = history
    stream = ldes.Stream.open(v3.path)
    assert stream is not None
    urls = ldes.StreamUrls.served(SITE)
    g = Graph()
    g.parse(
        data=ldes.serialize(ldes.stream_graph(stream, urls), BY_NAME["turtle"]), format="turtle"
    )
    es, root = ldes_stream(), URIRef(SITE + "/ldes")
    assert (es, RDF.type, LDES.EventStream) in g
    assert (es, TREE.view, root) in g
    assert g.value(es, LDES.timestampPath) == PROV.generatedAtTime
    assert g.value(es, LDES.versionOfPath) == DCTERMS.isVersionOf
    assert g.value(es, LDES.versionDeleteObject) == AS.Delete
    assert g.value(es, TREE.shape) == URIRef(SITE + "/shapes")
    policy = g.value(root, LDES.retentionPolicy)
    assert isinstance(policy, URIRef)
    assert g.value(policy, LDES.startingFrom) == Literal(
        "2026-11-02T09:00:00Z", datatype=XSD.dateTime
    )
    bounds: dict[tuple[URIRef, URIRef], datetime] = {}
    for relation in g.objects(root, TREE.relation):
        assert g.value(relation, TREE.path) == PROV.generatedAtTime
        node, kind = g.value(relation, TREE.node), g.value(relation, RDF.type)
        value = g.value(relation, TREE.value)
        assert isinstance(value, Literal) and value.datatype == XSD.dateTime
        bounds[(node, kind)] = value.toPython()
    times = [T1, T1 + timedelta(days=1), T1 + timedelta(days=2)]
    ge, lt = TREE.GreaterThanOrEqualToRelation, TREE.LessThanRelation
    page = lambda n: URIRef(f"{SITE}/ldes/{n}")  # noqa: E731
    # page 1: four v1 members; page 2: two v1, the v2 update, a v3 member; page 3: the last
    assert bounds == {
        (page(1), ge): times[0],
        (page(1), lt): times[1],
        (page(2), ge): times[0],
        (page(3), ge): times[2],
    }
    assert [v.manifest["ldes"]["open_page"] for v in (v1, v2, v3)] == [2, 2, 3]


def test_full_pages_are_immutable_and_never_change(history) -> None:
    _data_dir, (v1, _v2, v3), _names = history
    first, last = ldes.Stream.open(v1.path), ldes.Stream.open(v3.path)
    assert first is not None and last is not None
    assert ldes.page_is_immutable(first, 1) and not ldes.page_is_immutable(first, 2)
    assert ldes.page_is_immutable(last, 2) and not ldes.page_is_immutable(last, 3)
    assert (v1.path / "ldes/pages/1.nq.gz").samefile(v3.path / "ldes/pages/1.nq.gz")
    assert ldes.page_etag(first, 1) == ldes.page_etag(last, 1)
    urls = ldes.StreamUrls.served(SITE)
    quads = ldes.page_graph(last, 1, urls)
    node = ox.NamedNode(SITE + "/ldes/1")
    assert ox.Quad(node, ox.NamedNode(str(LDES.immutable)), ox.Literal(True)) in quads
    members = {q.object for q in quads if q.predicate == ox.NamedNode(str(TREE.member))}
    assert len(members) == PAGE_SIZE
    with pytest.raises(ldes.UnknownPage):
        ldes.page_graph(last, 9, urls)


def test_pages_are_stored_gzip_with_the_digest_and_size_of_their_n_quads(history) -> None:
    _data_dir, (_v1, _v2, v3), _names = history
    stream = ldes.Stream.open(v3.path)
    assert stream is not None
    sizes = [0, 0]  # of the files, of their N-Quads
    for page in stream.index.live:
        stored = (v3.path / "ldes" / page.file).read_bytes()
        members = gzip.decompress(stored)
        assert members == ldes.log.read_page(v3.path, page)
        assert (hashlib.sha256(members).hexdigest(), len(members)) == (page.sha256, page.size)
        assert len(read_members(members)) == page.members
        sizes = [sizes[0] + len(stored), sizes[1] + len(members)]
    assert sizes[0] * 5 < sizes[1]
    assert not list((v3.path / "ldes" / "pages").glob("*.nq"))


def test_pages_an_older_version_stored_as_is_are_served_and_kept(catalogue, tmp_path: Path) -> None:
    """Versions built before the pages were compressed hold {id}.nq files: they are read as
    they are, a full one is linked as it is into the next version, and the open one goes on
    compressed, its members so far first."""
    names = programmes(catalogue)
    v1 = publish_quads(tmp_path, catalogue, T1)
    for path in (v1.path / "ldes" / "pages").iterdir():  # as a version built before
        path.with_suffix("").write_bytes(gzip.decompress(path.read_bytes()))
        path.unlink()
    before = ldes.Stream.open(v1.path)
    assert before is not None and [p.full for p in before.index.live] == [True, False]
    v2 = publish_quads(tmp_path, retitle(catalogue, names[0]), T1 + timedelta(days=1))
    after = ldes.Stream.open(v2.path)
    assert after is not None
    pages = v2.path / "ldes" / "pages"
    assert sorted(p.name for p in pages.iterdir()) == ["1.nq", "2.nq.gz"]
    assert (pages / "1.nq").samefile(v1.path / "ldes" / "pages" / "1.nq")
    assert ldes.page_etag(before, 1) == ldes.page_etag(after, 1)
    old, new = page_members(v1, 2), page_members(v2, 2)
    assert new.startswith(old) and len(new) > len(old)
    assert hashlib.sha256(new).hexdigest() == after.page(2).sha256
    assert [(str(m.version_of), m.types) for m in added_in(v2).values()] == [
        (names[0], frozenset({AS.Update}))
    ]
    assert len(stored_members(v2)) == len(names) + 1
    urls = ldes.StreamUrls.served(SITE)
    for page_id in (1, 2):
        quads = ldes.page_graph(after, page_id, urls)
        assert len({q.object for q in quads if q.predicate.value == str(TREE.member)}) == (
            after.page(page_id).members
        )


def test_a_damaged_page_is_a_stream_error_naming_its_file(catalogue, tmp_path: Path) -> None:
    v1 = publish_quads(tmp_path, catalogue, T1)
    (v1.path / "ldes" / "pages" / "1.nq.gz").write_bytes(b"\x1f\x8b not gzip")
    stream = ldes.Stream.open(v1.path)
    assert stream is not None
    with pytest.raises(ldes.StreamError, match=r"pages/1\.nq\.gz: cannot read the page"):
        ldes.page_graph(stream, 1, ldes.StreamUrls.served(SITE))


@pytest.mark.parametrize("name", ["turtle", "ntriples", "rdfxml", "jsonld", "trig", "nquads"])
def test_a_page_says_the_same_in_every_format(history, name: str) -> None:
    _data_dir, (_v1, _v2, v3), _names = history
    stream = ldes.Stream.open(v3.path)
    assert stream is not None
    quads = ldes.page_graph(stream, 2, ldes.StreamUrls.served(SITE))
    fmt = BY_NAME[name]
    parsed = Dataset()
    with literals_as_written():
        parsed.parse(data=ldes.serialize(quads, fmt), format=fmt.rdflib)
    expected = Dataset()
    with literals_as_written():
        expected.parse(data=ldes.serialize(quads, BY_NAME["nquads"]), format="nquads")
    if fmt.quads:
        assert {g for _s, _p, _o, g in parsed.quads()} == {g for _s, _p, _o, g in expected.quads()}
    union = lambda d: normalised((s, p, o) for s, p, o, _g in d.quads())  # noqa: E731
    assert isomorphic(union(parsed), union(expected))


def test_retention_drops_pages_whose_members_are_all_superseded_and_old(
    catalogue, tmp_path: Path
) -> None:
    names = programmes(catalogue)
    v1 = publish_quads(tmp_path, catalogue, T1, page_size=2, retention_days=3)
    on_page_1 = sorted(str(m.version_of) for m in read_members(page_members(v1, 1)).values())
    changed = catalogue
    for programme in on_page_1:
        changed = retitle(changed, programme)
    v2 = publish_quads(tmp_path, changed, T1 + timedelta(days=10), page_size=2, retention_days=3)
    stream = ldes.Stream.open(v2.path)
    assert stream is not None
    assert [p.id for p in stream.index.pages if p.gone] == [1]  # pages 2 and 3 hold latest versions
    assert v2.manifest["ldes"]["gone"] == 1
    with pytest.raises(ldes.PageGone):
        ldes.page_graph(stream, 1, ldes.StreamUrls.served(SITE))
    g = Graph()
    g.parse(
        data=ldes.serialize(
            ldes.stream_graph(stream, ldes.StreamUrls.served(SITE)), BY_NAME["ntriples"]
        ),
        format="nt",
    )
    nodes = set(g.objects(None, TREE.node))
    assert URIRef(SITE + "/ldes/1") not in nodes and URIRef(SITE + "/ldes/4") in nodes
    policy = g.value(URIRef(SITE + "/ldes"), LDES.retentionPolicy)
    assert g.value(policy, LDES.fullLogDuration) == Literal("P3D", datatype=XSD.duration)
    assert g.value(policy, LDES.versionAmount) == Literal(1)
    assert g.value(policy, LDES.versionDeleteDuration) == Literal("P3D", datatype=XSD.duration)
    latest_members = latest(stored_members(v2).values())
    assert set(map(str, latest_members)) == set(names)


def test_the_writer_refuses_a_page_size_below_one() -> None:
    with pytest.raises(ldes.StreamError, match="ldes_page_size"):
        ldes_writer(0)


def test_a_version_built_without_the_stream_has_none(catalogue, tmp_path: Path) -> None:
    lines = ox.serialize(catalogue, format=ox.RdfFormat.N_QUADS).decode().splitlines()
    version, _new = publish_dataset(tmp_path, lines, now=T1)
    assert ldes.Stream.open(version.path) is None
    with pytest.raises(ldes.StreamError, match="no change stream"):
        ldes.export_static(version.path, tmp_path / "out", SITE, BY_NAME["trig"])


# -- the real client ---------------------------------------------------------------------------


def test_ldes_client_replicates_then_resumes_with_only_the_new_members(
    catalogue, tmp_path: Path
) -> None:
    """ldes-client (npm) replicates a static copy of the stream on 127.0.0.1, a version
    with one programme changed and one removed is published, and the resumed client emits
    exactly that version's members; the replica's latest versions are the programmes'
    current descriptions, and the removed programme's latest version is a tombstone."""
    data_dir, site, state = tmp_path / "data", tmp_path / "site", tmp_path / "client-state"
    replica = tmp_path / "replica.nq"
    names = programmes(catalogue)
    site.mkdir()
    shutil.copyfile(ROOT / "shapes" / "prospectus-shapes.ttl", site / "shapes.ttl")
    immutable: dict[str, bool] = {}

    def headers(path: str) -> dict[str, str]:
        return {"Cache-Control": IMMUTABLE if immutable.get(path) else "max-age=60"}

    with StaticServer(site, headers) as server:

        def export(version: versions.Version) -> str:
            files = ldes.export_static(version.path, site, server.url, BY_NAME["trig"])
            immutable.clear()
            immutable.update({"/" + f.path: f.immutable for f in files})
            return server.url + "/" + files[0].path

        publish_quads(data_dir, catalogue, T1)
        second = change_fee(catalogue, names[0])
        v2 = publish_quads(data_dir, second, T1 + timedelta(days=1))
        first_run = replicate(export(v2), state, replica)
        assert first_run.members == 7  # six creations, one update
        before = set(read_members(replica))

        third = remove(retitle(second, names[1]), names[2])
        v3 = publish_quads(data_dir, third, T1 + timedelta(days=2))
        second_run = replicate(export(v3), state, replica)

    members = read_members(replica)
    new = set(members) - before
    assert second_run.members == 2
    assert new == set(added_in(v3))
    assert {(str(members[m].version_of), next(iter(members[m].types))) for m in new} == {
        (names[1], AS.Update),
        (names[2], AS.Delete),
    }
    current = latest(members.values())
    assert set(map(str, current)) == set(names)
    app = create_app(settings.load({"data_dir": str(data_dir), "today": TODAY}, environ={}))
    with app.test_client() as client:
        for programme, member in current.items():
            if str(programme) == names[2]:
                assert member.types == {AS.Delete} and len(member.payload) == 0
                assert client.get(f"/doc/programme/{local(str(programme))}.nq").status_code == 404
                continue
            expected = served_description(client, str(programme))
            assert isomorphic(normalised(member.payload), expected), programme
