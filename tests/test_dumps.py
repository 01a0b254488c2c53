"""Dumps: deterministic bytes, recorded size and SHA-256, faithful content, HTTP downloads."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic, to_canonical_graph
from rdflib.namespace import XSD

from graph import versions
from graph.build import union as union_file
from graph.build.context import BuildContext
from graph.build.parse import forked_pool
from graph.build.pipeline import publish_dataset
from graph.build.release import read_release
from graph.build.validate import validate_release
from graph.build.writers import dumps
from graph.canonical import (
    ChunkedFile,
    gzip_members,
    jsonld_chunks,
    literals_as_written,
    turtle_chunks,
    union_triples,
    write_chunked,
    write_gzip_members,
)
from graph.errors import PublishError

from .support.publishing import (
    Term,
    canonical_nquads,
    fixture_dataset,
    make_client,
    publish_fixture,
    term,
    union,
)

EX = "http://example.org/"


def graphs_of(dataset: Dataset) -> dict[str, Graph]:
    found: dict[str, Graph] = {}
    for s, p, o, g in dataset.quads():
        name = str(g.identifier if hasattr(g, "identifier") else g)
        found.setdefault(name, Graph()).add((s, p, o))
    return found


def read_dump(path: Path) -> Dataset:
    spec = dumps.spec_for(path.name)
    assert spec is not None
    data = path.read_bytes()
    if spec.gzip:
        data = gzip.decompress(data)
    dataset = Dataset()
    dataset.parse(data=data, format=spec.format.rdflib)
    return dataset


@pytest.fixture
def version(tmp_path: Path) -> versions.Version:
    return publish_fixture(tmp_path / "data", writers=[dumps.write_dumps])


def test_manifest_records_every_dump_with_size_and_sha256(version: versions.Version) -> None:
    records = {d["file"]: d for d in version.manifest["dumps"]}
    assert set(records) == {s.file for s in dumps.DUMPS}
    for name, record in records.items():
        data = (version.path / "dumps" / name).read_bytes()
        assert record["bytes"] == len(data)
        assert record["sha256"] == hashlib.sha256(data).hexdigest()
    sums = (version.path / "dumps" / dumps.CHECKSUMS).read_text().splitlines()
    assert sorted(sums) == sorted(f"{r['sha256']}  {n}" for n, r in records.items())


@pytest.mark.parametrize("spec", dumps.DUMPS, ids=lambda s: s.file)
def test_dump_holds_the_dataset(version: versions.Version, spec: dumps.DumpSpec) -> None:
    expected = fixture_dataset()
    parsed = read_dump(version.path / "dumps" / spec.file)
    if spec.quads:
        want, got = graphs_of(expected), graphs_of(parsed)
        assert set(got) == set(want), "every named graph is kept"
        for name in want:
            assert isomorphic(got[name], want[name]), name
    else:
        assert isomorphic(union(parsed), union(expected))


def test_every_triple_dump_parses_into_a_plain_graph_alike(version: versions.Version) -> None:
    """A reader without dataset support (rdflib.Graph) gets the same statements from every
    dump but the N-Quads one: JSON-LD holds plain triples, not named graphs."""
    parsed = {}
    for spec in dumps.DUMPS:
        if spec.quads:
            continue
        data = (version.path / "dumps" / spec.file).read_bytes()
        graph = Graph().parse(
            data=gzip.decompress(data) if spec.gzip else data, format=spec.format.rdflib
        )
        parsed[spec.file] = graph
    expected = union(fixture_dataset())
    assert len(expected) > 0
    for file, graph in parsed.items():
        assert isomorphic(graph, expected), file


def test_turtle_dump_writes_every_iri_whole(version: versions.Version) -> None:
    """No relative references: pyoxigraph relativises against a base even other hosts'
    IRIs (`<//ror.org/…>`), which readers easily misread."""
    text = (version.path / "dumps" / "dataset.ttl").read_text(encoding="utf-8")
    references = re.findall(r"<([^<>\s]*)>", text)
    assert references, "the dump writes some IRIs in angle brackets"
    relative = [r for r in references if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", r)]
    assert relative == []


def test_same_content_gives_same_bytes(tmp_path: Path) -> None:
    # The reading labels blank nodes canonically per source, so two reads of the same
    # sources give the same lines; in another order and with repeats they are the same
    # content, and every dump has the same bytes.
    lines = canonical_nquads(fixture_dataset())
    again = canonical_nquads(fixture_dataset())
    assert any("_:" in line for line in lines), "the fixture has blank nodes"
    first, _ = publish_dataset(tmp_path / "a", lines, writers=[dumps.write_dumps])
    shuffled = [*reversed(again), *again[:3]]
    second, _ = publish_dataset(tmp_path / "b", shuffled, writers=[dumps.write_dumps])
    assert first.dataset_file.read_bytes() == second.dataset_file.read_bytes()
    for spec in dumps.DUMPS:
        a = (first.path / "dumps" / spec.file).read_bytes()
        b = (second.path / "dumps" / spec.file).read_bytes()
        assert a == b, spec.file


def test_gzip_members_have_no_name_and_no_time(version: versions.Version) -> None:
    for spec in dumps.DUMPS:
        if not spec.gzip:
            continue
        header = (version.path / "dumps" / spec.file).read_bytes()[:10]
        assert header[:2] == b"\x1f\x8b"
        assert header[3] & 0x08 == 0, "no FNAME field"
        assert header[4:8] == b"\x00\x00\x00\x00", "mtime is 0"


def test_ntriples_are_sorted_lines(version: versions.Version) -> None:
    lines = gzip.decompress((version.path / "dumps" / "dataset.nt.gz").read_bytes()).splitlines()
    assert lines == sorted(set(lines))


def test_failing_build_leaves_no_dump_behind(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = publish_fixture(data_dir, writers=[dumps.write_dumps])

    def broken(ctx: BuildContext) -> None:
        raise OSError(28, "No space left on device", str(ctx.path))

    changed = fixture_dataset()
    changed.graph(URIRef("https://w3id.org/prospectus/id/source/curation")).remove(
        (None, None, None)
    )
    with pytest.raises(PublishError):
        publish_fixture(data_dir, changed, writers=[dumps.write_dumps, broken])
    assert versions.current(data_dir).id == first.id
    left = sorted(p.relative_to(data_dir) for p in data_dir.rglob("dataset.*.gz"))
    assert left == sorted(p.relative_to(data_dir) for p in first.path.glob("dumps/dataset.*.gz"))


# --- over HTTP --------------------------------------------------------------------------------


@pytest.fixture
def two_versions(tmp_path: Path) -> tuple[Path, versions.Version, versions.Version]:
    data_dir = tmp_path / "data"
    first = publish_fixture(data_dir, writers=[dumps.write_dumps])
    changed = fixture_dataset()
    changed.remove(
        (URIRef("https://w3id.org/prospectus/id/org/example-university/address"), None, None, None)
    )
    second = publish_fixture(data_dir, changed, writers=[dumps.write_dumps])
    return data_dir, first, second


@pytest.fixture
def client_for() -> Callable[[Path], FlaskClient]:
    return make_client


def test_download_has_etag_last_modified_and_answers_304(two_versions, client_for) -> None:
    data_dir, first, _second = two_versions
    client = client_for(data_dir)
    record = next(d for d in first.manifest["dumps"] if d["file"] == "dataset.ttl")
    response = client.get(f"/dumps/{first.id}/dataset.ttl")
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{record["sha256"]}"'
    assert response.last_modified == first.created
    assert response.data == (first.path / "dumps" / "dataset.ttl").read_bytes()
    again = client.get(
        f"/dumps/{first.id}/dataset.ttl", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    since = client.get(
        f"/dumps/{first.id}/dataset.ttl",
        headers={"If-Modified-Since": response.headers["Last-Modified"]},
    )
    assert since.status_code == 304


def test_range_requests_resume_a_download(two_versions, client_for) -> None:
    data_dir, first, _second = two_versions
    client = client_for(data_dir)
    whole = (first.path / "dumps" / "dataset.nq.gz").read_bytes()
    half = len(whole) // 2
    head = client.get(f"/dumps/{first.id}/dataset.nq.gz", headers={"Range": f"bytes=0-{half - 1}"})
    assert head.status_code == 206
    assert head.headers["Content-Range"] == f"bytes 0-{half - 1}/{len(whole)}"
    etag = head.headers["ETag"]
    tail = client.get(
        f"/dumps/{first.id}/dataset.nq.gz", headers={"Range": f"bytes={half}-", "If-Range": etag}
    )
    assert tail.status_code == 206
    assert head.data + tail.data == whole
    assert head.headers["Content-Type"] == "application/gzip"
    assert "Content-Encoding" not in head.headers
    stale = client.get(
        f"/dumps/{first.id}/dataset.nq.gz",
        headers={"Range": f"bytes={half}-", "If-Range": '"not-the-etag"'},
    )
    assert stale.status_code == 200 and stale.data == whole


def test_older_version_stays_downloadable_and_latest_follows(two_versions, client_for) -> None:
    data_dir, first, second = two_versions
    client = client_for(data_dir)
    old = client.get(f"/dumps/{first.id}/dataset.nt.gz")
    assert old.status_code == 200
    assert old.data == (first.path / "dumps" / "dataset.nt.gz").read_bytes()
    latest = client.get("/dumps/latest/dataset.nt.gz")
    assert latest.data == (second.path / "dumps" / "dataset.nt.gz").read_bytes()
    assert latest.headers["Content-Location"] == f"/dumps/{second.id}/dataset.nt.gz"
    assert "immutable" in old.headers["Cache-Control"]
    assert "immutable" not in latest.headers["Cache-Control"]


def test_retention_removes_old_dumps(tmp_path: Path, client_for) -> None:
    data_dir = tmp_path / "data"
    ids = []
    base = fixture_dataset()
    for index in range(3):
        base.graph(URIRef("https://w3id.org/prospectus/id/source/curation")).add(
            (
                URIRef(f"https://w3id.org/prospectus/id/org/x{index}"),
                URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
                URIRef("urn:x"),
            )
        )
        ids.append(publish_fixture(data_dir, base, writers=[dumps.write_dumps], retain=2).id)
    client = client_for(data_dir)
    gone = client.get(f"/dumps/{ids[0]}/dataset.nt.gz", headers={"Accept": "application/json"})
    assert gone.status_code == 404
    assert "retain_versions" in gone.get_json()["message"]
    assert client.get(f"/dumps/{ids[1]}/dataset.nt.gz").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/{v}/dataset.nq",
        "/dumps/{v}/manifest.json",
        "/dumps/{v}/..%2Fmanifest.json",
        "/dumps/nope/dataset.ttl",
    ],
)
def test_unknown_files_are_404(two_versions, client_for, path: str) -> None:
    data_dir, first, _second = two_versions
    response = client_for(data_dir).get(
        path.format(v=first.id), headers={"Accept": "application/json"}
    )
    assert response.status_code == 404
    assert response.get_json()["ok"] is False


# --- terms as the sources wrote them ----------------------------------------------------------


def as_written(triples: Graph) -> set[tuple[Term, Term, Term]]:
    """The triples with blank nodes relabelled canonically, as tuples of terms as written."""
    with literals_as_written():
        canonical = to_canonical_graph(triples)
    return {(term(s), term(p), term(o)) for s, p, o in canonical}


def parse_as_written(data: bytes, fmt: str) -> Dataset:
    dataset = Dataset()
    with literals_as_written():
        dataset.parse(data=data, format=fmt)
    return dataset


@pytest.fixture(scope="module")
def sources_as_written() -> Dataset:
    """The validated release of the bundled sources: what the build publishes."""
    release = read_release()
    assert validate_release(release).conforms
    return release.dataset


@pytest.mark.parametrize("file", ["dataset.nq", *(s.file for s in dumps.DUMPS)])
def test_dump_holds_the_sources_terms_as_written(
    built_data_dir: Path, sources_as_written: Dataset, file: str
) -> None:
    version = versions.current(built_data_dir)
    assert version is not None
    data = (version.path / file).read_bytes() if file == "dataset.nq" else b""
    spec = dumps.spec_for(file)
    if spec is not None:
        data = (version.path / "dumps" / file).read_bytes()
        data = gzip.decompress(data) if spec.gzip else data
    parsed = parse_as_written(data, spec.format.rdflib if spec else "nquads")
    if spec is None or spec.quads:
        want, got = graphs_of(sources_as_written), graphs_of(parsed)
        assert set(got) == set(want), "every named graph is kept"
        for name in want:
            assert as_written(got[name]) == as_written(want[name]), name
    else:
        assert as_written(union(parsed)) == as_written(union(sources_as_written))


def test_the_pioneer_duration_is_dumped_as_stated(built_data_dir: Path) -> None:
    """PIONEER's "24 months" is "P24M" in every dump, not the store's canonical "P2Y"."""
    version = versions.current(built_data_dir)
    pioneer = URIRef("https://w3id.org/prospectus/id/programme/kuleuven/pioneer")
    duration = URIRef("http://data.europa.eu/snb/model/elm/duration")
    for spec in dumps.DUMPS:
        data = (version.path / "dumps" / spec.file).read_bytes()
        parsed = parse_as_written(gzip.decompress(data) if spec.gzip else data, spec.format.rdflib)
        stated = {term(o) for _s, _p, o, _g in parsed.quads((pioneer, duration, None, None))}
        assert ("literal", "P24M", str(XSD.duration), "") in stated, spec.file


def _numbered_lines(count: int, changed: frozenset[int] = frozenset()) -> bytes:
    return b"".join(
        f'<http://example.org/s{i:06d}> <http://example.org/p> "{"new" if i in changed else "v"}'
        f' {i}" <http://example.org/g> .\n'.encode()
        for i in range(count)
    )


def test_gzip_members_of_unchanged_lines_are_reused_and_give_the_same_bytes(
    tmp_path: Path,
) -> None:
    before, after = tmp_path / "before.nq", tmp_path / "after.nq"
    before.write_bytes(_numbered_lines(40_000))
    after.write_bytes(_numbered_lines(40_000, changed=frozenset({20_000})))
    old, old_index = tmp_path / "old.gz", tmp_path / "old.json"
    assert write_gzip_members(before, old, old_index) == 0
    assert gzip.decompress(old.read_bytes()) == before.read_bytes()
    members = len(json.loads(old_index.read_text())["chunks"])
    assert members > 2, "content-defined chunks cut the file into several members"
    fresh, reused = tmp_path / "fresh.gz", tmp_path / "reused.gz"
    write_gzip_members(after, fresh, tmp_path / "fresh.json")
    copied = write_gzip_members(after, reused, tmp_path / "reused.json", (old, old_index))
    assert copied == members - 1, "only the member holding the changed line is compressed again"
    assert reused.read_bytes() == fresh.read_bytes()
    assert gzip.decompress(reused.read_bytes()) == after.read_bytes()
    with gzip.open(reused, "rb") as fh:  # a streaming reader reads across members
        assert fh.read() == after.read_bytes()


def test_gzip_members_written_by_another_library_are_compressed_again(tmp_path: Path) -> None:
    """A previous version's members from zlib (the kind `gzip-6`, before zlib-ng) are never
    copied into a file whose other members zlib-ng writes: the rebuild gives the bytes a
    fresh build gives."""
    lines = tmp_path / "lines.nq"
    lines.write_bytes(_numbered_lines(20_000))
    old, old_index = tmp_path / "old.gz", tmp_path / "old.json"
    write_gzip_members(lines, old, old_index)
    record = json.loads(old_index.read_text())
    assert "zlib-ng" in record["kind"]
    record["kind"] = "gzip-6"  # what the chunk index said when the system zlib wrote it
    old_index.write_text(json.dumps(record))
    fresh, again = tmp_path / "fresh.gz", tmp_path / "again.gz"
    write_gzip_members(lines, fresh, tmp_path / "fresh.json")
    assert write_gzip_members(lines, again, tmp_path / "again.json", (old, old_index)) == 0
    assert again.read_bytes() == fresh.read_bytes()
    assert gzip.decompress(again.read_bytes()) == lines.read_bytes()


def test_a_rebuild_reusing_chunks_writes_the_dumps_a_fresh_build_writes(tmp_path: Path) -> None:
    def catalogue(changed: int | None) -> list[str]:
        return [
            f'<{EX}s{i:05d}> <{EX}p> "{"changed" if i == changed else "value"} {i}"'
            f" <{EX}g{i % 3}> ."
            for i in range(12_000)
        ] + [f"<{EX}s{i:05d}> <{EX}q> <{EX}s{i + 1:05d}> <{EX}g0> ." for i in range(0, 12_000, 7)]

    publish_dataset(tmp_path / "rebuilt", catalogue(None), writers=[dumps.write_dumps])
    rebuilt, _ = publish_dataset(tmp_path / "rebuilt", catalogue(5000), writers=[dumps.write_dumps])
    fresh, _ = publish_dataset(tmp_path / "fresh", catalogue(5000), writers=[dumps.write_dumps])
    assert rebuilt.previous is not None and fresh.previous is None
    for spec in dumps.DUMPS:
        index = json.loads((rebuilt.path / dumps.MEMBERS_DIR / (spec.file + ".json")).read_text())
        assert len(index["chunks"]) > 2, spec.file
        a = (rebuilt.path / "dumps" / spec.file).read_bytes()
        b = (fresh.path / "dumps" / spec.file).read_bytes()
        assert a == b, spec.file
    turtle_graph = Graph().parse(rebuilt.path / "dumps" / "dataset.ttl", format="turtle")
    jsonld_graph = Graph().parse(rebuilt.path / "dumps" / "dataset.jsonld", format="json-ld")
    assert isomorphic(turtle_graph, jsonld_graph) and len(turtle_graph) == 12_000 + 1_715
    assert (URIRef(f"{EX}s05000"), URIRef(f"{EX}p"), Literal("changed 5000")) in turtle_graph


def test_the_union_of_a_rebuild_keeps_a_triple_another_graph_still_states(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = f'<{EX}s00001> <{EX}p> "stated twice"'
    base = [f'<{EX}s{i:05d}> <{EX}p> "value {i}" <{EX}g{i % 3}> .' for i in range(300)]
    first = [
        *base,
        f"{shared} <{EX}g0> .",
        f"{shared} <{EX}g1> .",
        f'<{EX}x> <{EX}p> "x" <{EX}g2> .',
    ]
    # g0 drops the shared triple (g1 still states it), g2 drops x, g1 adds a triple g0 states
    second = [
        *base[1:],
        f"{shared} <{EX}g1> .",
        f'<{EX}s00003> <{EX}p> "value 3" <{EX}g1> .',
        f'<{EX}new> <{EX}p> "new" <{EX}g2> .',
    ]
    publish_dataset(tmp_path / "rebuilt", first, writers=[dumps.write_dumps])
    patched: list[bool] = []
    patch = dumps.patch_chunked

    def spy(files: list[ChunkedFile], *args: object) -> object:
        done = patch(files, *args)  # type: ignore[arg-type]
        patched.append(done is not None)
        return done

    monkeypatch.setattr(dumps, "patch_chunked", spy)
    rebuilt, _ = publish_dataset(tmp_path / "rebuilt", second, writers=[dumps.write_dumps])
    assert patched == [True, True], "the rebuild's dumps were patched from the previous ones"
    record = next(d for d in rebuilt.manifest["dumps"] if d["file"] == dumps.NTRIPLES_FILE)
    assert record["statements"] == 301
    monkeypatch.undo()
    fresh, _ = publish_dataset(tmp_path / "fresh", second, writers=[dumps.write_dumps])
    lines = gzip.decompress((rebuilt.path / "dumps" / "dataset.nt.gz").read_bytes()).splitlines()
    assert lines == sorted(set(lines))
    graph = Graph().parse(data=b"\n".join(lines).decode(), format="nt")
    assert (URIRef(f"{EX}s00001"), URIRef(f"{EX}p"), Literal("stated twice")) in graph
    assert (URIRef(f"{EX}x"), URIRef(f"{EX}p"), Literal("x")) not in graph
    assert (URIRef(f"{EX}s00000"), URIRef(f"{EX}p"), Literal("value 0")) not in graph
    assert len(graph) == 299 + 1 + 1
    for spec in dumps.DUMPS:
        a = (rebuilt.path / "dumps" / spec.file).read_bytes()
        assert a == (fresh.path / "dumps" / spec.file).read_bytes(), spec.file


def test_a_rebuild_over_dumps_indexed_without_subjects_writes_them_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version written before chunk indexes held each chunk's first subject cannot be
    patched (graph/chunk_patch.py): the rebuild merges the previous union and copies the
    chunks it can, and gives the same bytes as a build from scratch."""
    first = [f'<{EX}s{i:05d}> <{EX}p> "value {i}" <{EX}g{i % 3}> .' for i in range(3000)]
    second = [*first[1:], f'<{EX}new> <{EX}p> "new" <{EX}g2> .']
    before, _ = publish_dataset(tmp_path / "rebuilt", first, writers=[dumps.write_dumps])
    for index in (before.path / dumps.MEMBERS_DIR).glob("*.json"):
        record = json.loads(index.read_text())
        del record["subjects"]
        index.write_text(json.dumps(record))
    merged: list[bool] = []
    from_previous = union_file.from_previous_lines

    def spy(*args: object) -> object:
        pieces = from_previous(*args)  # type: ignore[arg-type]
        merged.append(pieces is not None)
        return pieces

    monkeypatch.setattr(union_file, "from_previous_lines", spy)
    rebuilt, _ = publish_dataset(tmp_path / "rebuilt", second, writers=[dumps.write_dumps])
    assert merged == [True], "the rebuild's union was merged from the previous one"
    fresh, _ = publish_dataset(tmp_path / "fresh", second, writers=[dumps.write_dumps])
    for spec in dumps.DUMPS:
        a = (rebuilt.path / "dumps" / spec.file).read_bytes()
        assert a == (fresh.path / "dumps" / spec.file).read_bytes(), spec.file
    assert rebuilt.manifest["dumps"] == fresh.manifest["dumps"]


def test_the_triple_dumps_of_lines_out_of_order_are_written_from_a_sorted_union(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The triple dumps take the union's lines as they come from dataset.nq; when a triple
    comes out of order after some were written (a dataset.nq that is not sorted), they are
    written again from the union sorted into a file, the same bytes, the file then gone."""
    lines = [f'<{EX}s{i:05d}> <{EX}p> "value {i}" <{EX}g{i % 7}> .' for i in range(20_000)]
    lines += [f'<{EX}s{i:05d}> <{EX}p> "value {i}" <{EX}g{i % 5}> .' for i in range(0, 20_000, 3)]
    sorted_once, _ = publish_dataset(tmp_path / "sorted", lines, writers=[dumps.write_dumps])
    in_order, raised = union_file.in_order, []

    def out_of_order_after_one_piece(nquads: Path) -> object:
        pieces = in_order(nquads)
        yield next(pieces)
        raised.append(nquads)
        raise union_file.NotInOrder(f"{nquads}: a triple out of order")

    monkeypatch.setattr(union_file, "in_order", out_of_order_after_one_piece)
    again, _ = publish_dataset(tmp_path / "again", lines, writers=[dumps.write_dumps])
    assert len(raised) == 2, "the dumps' pass, then union.from_scratch's, which sorts"
    assert again.manifest["dumps"] == sorted_once.manifest["dumps"]
    for spec in dumps.DUMPS:
        a = (again.path / "dumps" / spec.file).read_bytes()
        assert a == (sorted_once.path / "dumps" / spec.file).read_bytes(), spec.file
    assert not (again.path / dumps.UNION_FILE).exists()


def test_chunks_encoded_in_worker_processes_give_the_bytes_of_one_process(tmp_path: Path) -> None:
    """write_chunked with a pool (the dumps of a first build on several cores) writes every
    file and chunk index as one process does, with chunks copied from a previous version
    between the ones encoded in the workers."""
    before, after = tmp_path / "before.nt", tmp_path / "after.nt"
    before.write_bytes(_numbered_lines(30_000).replace(b" <http://example.org/g> .", b" ."))
    changed = frozenset({3_000, 17_000})
    after.write_bytes(_numbered_lines(30_000, changed).replace(b" <http://example.org/g> .", b" ."))
    hows = (gzip_members, turtle_chunks, jsonld_chunks)

    def files(folder: str, previous: str | None = None) -> list[ChunkedFile]:
        (tmp_path / folder).mkdir()
        return [
            ChunkedFile(
                tmp_path / folder / f"{i}.out",
                tmp_path / folder / f"{i}.json",
                how(),
                (tmp_path / previous / f"{i}.out", tmp_path / previous / f"{i}.json")
                if previous
                else None,
            )
            for i, how in enumerate(hows)
        ]

    def written(folder: str, suffix: str = "") -> dict[str, bytes]:
        found = sorted((tmp_path / folder).glob(f"*{suffix}"))
        return {p.name: p.read_bytes() for p in found}

    write_chunked(before, files("old"))
    one = write_chunked(after, files("one", "old"))
    fresh = write_chunked(after, files("fresh"))
    with forked_pool(2) as pool:
        many = write_chunked(after, files("many", "old"), pool, ahead=3)
        fresh_many = write_chunked(after, files("fresh-many"), pool, ahead=3)
    assert one == many and one[0] > 2, "most chunks are copied, the changed ones encoded"
    assert fresh == fresh_many == [0, 0, 0]
    assert written("many") == written("one")
    assert written("fresh-many") == written("fresh")
    assert written("one", ".json") == written("fresh", ".json"), (
        "the chunk indexes of a copy and of a fresh encoding agree"
    )


def test_union_triples_sort_by_subject_predicate_then_object() -> None:
    """union_triples sorts each triple by its text: the order of its terms compared one by
    one, for blank-node labels and IRIs that start others, literals with spaces and a
    triple term as object."""
    ex = "http://ex.org/"
    p, p2 = ox.NamedNode(ex + "p"), ox.NamedNode(ex + "p/2")
    subjects = [
        ox.BlankNode("b1"),
        ox.BlankNode("b10"),
        ox.NamedNode(ex + "a"),
        ox.NamedNode(ex + "a/b"),
    ]
    objects = [
        ox.Literal("x y"),
        ox.Literal("x"),
        ox.NamedNode(ex + "o"),
        ox.BlankNode("b1"),
        ox.Triple(ox.NamedNode(ex + "a"), p, ox.Literal("a b")),
    ]
    dataset = ox.Dataset(
        ox.Quad(s, q, o, ox.NamedNode(ex + "g"))  # type: ignore[arg-type]
        for s in subjects
        for q in (p, p2)
        for o in objects
    )

    def by_terms(t: ox.Triple) -> tuple[str, str, str]:
        return (str(t.subject), str(t.predicate), str(t.object))

    unique = {q.triple for q in dataset}
    assert union_triples(dataset) == sorted(unique, key=by_terms)
    assert len(unique) == len(subjects) * 2 * len(objects)
