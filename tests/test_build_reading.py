"""Reading sources with pyoxigraph in worker processes (graph/build/parse.py) into a Release
(graph/build/release.py): the structure checks of a sources folder, errors naming file and
line, blank nodes labelled canonically per source, the parse cache, and lines rebased to the
`base_iri` setting."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from graph.build import file_record, load, parse
from graph.build.release import read_release, rebase_line
from graph.errors import SourceStructureError, SourceSyntaxError
from graph.iris import DATA_BASE, ONTOLOGY_GRAPH, ORDER_GRAPH, VOCABULARY_GRAPH
from graph.synthetic.generate import generate_folder
from tests.conftest import ROOT

SOURCES = ROOT / "graph" / "sources"
SEGMENT = "https://w3id.org/prospectus/ontology#SourceSegment"


def test_the_release_holds_what_rdflib_reads_from_the_bundled_sources() -> None:
    """Graph by graph, the statements the rdflib reader (graph/build/load.py) gives."""
    release = read_release()
    ours = release.dataset
    theirs = load.assemble(
        load.read_sources(load.source_paths()), load.read_ontology(), load.read_vocabularies()
    )
    names = {URIRef(s.graph_iri) for s in release.sources} | {ONTOLOGY_GRAPH, VOCABULARY_GRAPH}
    for name in names:
        assert isomorphic(ours.graph(name), theirs.graph(name)), name
    order = ours.graph(ORDER_GRAPH)
    assert len(order) > 3  # its description and the programmes' positions


A, B = f"<{DATA_BASE}source/a>", f"<{DATA_BASE}source/b>"
TITLE = '<http://purl.org/dc/terms/title> "a segment"'
STRUCTURE_CASES = [
    # (a TriG file, fragment of the message)
    (f"{A} {{ {B} a <{SEGMENT}> ; {TITLE} . }}", "describes the source"),
    (f"{A} {{ {A} a <{SEGMENT}> . {B} a <{SEGMENT}> . }}", "exactly one"),
    (f"{A} {{ {A} {TITLE} . }}", "found none"),
    (f"<{ONTOLOGY_GRAPH}> {{ <{ONTOLOGY_GRAPH}> a <{SEGMENT}> . }}", "the build's own"),
    ("", "holds no named graph"),
    (f"_:g {{ {A} a <{SEGMENT}> . }}", "named by a blank node"),
]


@pytest.mark.parametrize(
    ("text", "fragment"),
    STRUCTURE_CASES,
    ids=["misnamed-graph", "two-sources", "no-source-node", "reserved-name", "empty", "blank"],
)
def test_a_malformed_dataset_source_is_refused_naming_the_file(
    tmp_path: Path, text: str, fragment: str
) -> None:
    path = tmp_path / "bad.trig"
    path.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(SourceStructureError) as caught:
        read_release([path])
    assert caught.value.path == path
    assert fragment in str(caught.value)


def test_triples_outside_a_named_graph_and_a_source_in_two_files_are_refused(
    tmp_path: Path,
) -> None:
    loose = tmp_path / "loose.trig"
    loose.write_text(
        f"<{DATA_BASE}source/a> {{ <{DATA_BASE}source/a> a <{SEGMENT}> . }}\n"
        f'<{DATA_BASE}source/a> <http://purl.org/dc/terms/title> "loose" .\n',
        encoding="utf-8",
    )
    with pytest.raises(SourceStructureError, match=r"1 triple\(s\) outside a named graph"):
        read_release([loose])
    again = tmp_path / "again.ttl"
    again.write_bytes((SOURCES / "leiden-ict-portal.ttl").read_bytes())
    with pytest.raises(SourceStructureError, match="also declared by") as caught:
        read_release([SOURCES / "leiden-ict-portal.ttl", again])
    assert caught.value.path == again


UNCLOSED = f'<{DATA_BASE}source/a> a <{SEGMENT}> .\n<{DATA_BASE}x> <{DATA_BASE}p> "open .\n'
NO_DOT = f"<{DATA_BASE}a> <{DATA_BASE}p> <{DATA_BASE}o> <{DATA_BASE}g>\n<{DATA_BASE}b> .\n"


@pytest.mark.parametrize(
    ("name", "text", "line"), [("broken.ttl", UNCLOSED, 2), ("broken.nq", NO_DOT, 2)]
)
def test_a_file_that_does_not_parse_is_named_with_its_line(
    tmp_path: Path, name: str, text: str, line: int
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceSyntaxError) as caught:
        read_release([path])
    assert caught.value.path == path
    assert caught.value.line == line
    assert f"{path}:{line}" in str(caught.value)


BLANK = """@prefix pro: <https://w3id.org/prospectus/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
<{base}source/{name}> a pro:SourceSegment ; dct:title "a segment" .
<{base}programme/{name}> dct:description [ dct:title "one" ; dct:type [ dct:title "two" ] ] .
"""


def test_blank_nodes_are_labelled_canonically_per_source(tmp_path: Path) -> None:
    """The same content gives the same lines, however written; two sources never share a
    blank node label."""
    one = tmp_path / "one.ttl"
    one.write_text(BLANK.format(base=DATA_BASE, name="one"), encoding="utf-8")
    shuffled = tmp_path / "shuffled.ttl"
    text = BLANK.format(base=DATA_BASE, name="one").splitlines()
    shuffled.write_text("\n".join(text[:2] + text[:1:-1] + text[2:3]) + "\n", encoding="utf-8")
    two = tmp_path / "two.ttl"
    two.write_text(BLANK.format(base=DATA_BASE, name="two"), encoding="utf-8")
    [first], [again], [other] = (parse.parse_file(p) for p in (one, shuffled, two))
    assert first.lines == again.lines
    labels = [{t for line in s.lines for t in line.split() if t.startswith("_:")}
              for s in (first, other)]  # fmt: skip
    assert len(labels[0]) == 2 and len(labels[1]) == 2
    assert not labels[0] & labels[1]


def test_the_parse_cache_parses_only_changed_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "sources"
    generate_folder(folder, 3, seed=2)
    files = load.scan_sources(folder).files
    cache = tmp_path / "cache"
    first = list(read_release(files, cache_dir=cache).lines())
    parsed: list[str] = []
    real = parse.parse_bytes
    monkeypatch.setattr(parse, "parse_bytes", lambda p, *a: parsed.append(p.name) or real(p, *a))
    assert list(read_release(files, cache_dir=cache).lines()) == first
    assert parsed == []
    changed = files[-1]
    changed.write_text(changed.read_text(encoding="utf-8").replace("@en", "@de", 1), "utf-8")
    after = list(read_release(files, cache_dir=cache).lines())
    assert parsed == [changed.name]
    assert after != first and len(after) == len(first)


def test_a_file_whose_stat_is_unchanged_is_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """graph/build/file_record.py: a rebuild takes an unchanged file's entry without opening
    the file; a write shows even with the size and the modification time kept (its ctime);
    a file changed just before the record is written is read again next time."""
    folder, cache = tmp_path / "sources", tmp_path / "cache"
    generate_folder(folder, 3, seed=2)
    files = load.scan_sources(folder).files
    monkeypatch.setattr(file_record, "RACY", 0.0)  # the files were written a moment ago
    first = list(read_release(files, cache_dir=cache).lines())
    opened: list[str] = []
    real = parse._cached
    monkeypatch.setattr(parse, "_cached", lambda p, c: opened.append(p.name) or real(p, c))
    assert list(read_release(files, cache_dir=cache).lines()) == first
    assert opened == []
    changed = files[-1]
    before = changed.stat()
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text.replace('"@en', '"@de', 1), encoding="utf-8")  # the same size
    os.utime(changed, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert changed.stat().st_size == before.st_size
    after = list(read_release(files, cache_dir=cache).lines())
    assert opened == [changed.name]
    assert after != first and len(after) == len(first)
    monkeypatch.setattr(file_record, "RACY", 3600.0)  # every file changed "just now"
    read_release(files, cache_dir=cache)
    opened.clear()
    assert list(read_release(files, cache_dir=cache).lines()) == after
    assert sorted(opened) == sorted(f.name for f in files)


def test_a_record_of_another_parser_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parse cache keys an entry by the parser's code too: after the parser changed, the
    record's entries are the old parser's, so every file is read again."""
    folder, cache = tmp_path / "sources", tmp_path / "cache"
    generate_folder(folder, 3, seed=2)
    files = load.scan_sources(folder).files
    monkeypatch.setattr(file_record, "RACY", 0.0)
    first = list(read_release(files, cache_dir=cache).lines())
    opened: list[str] = []
    real = parse._cached
    monkeypatch.setattr(parse, "_cached", lambda p, c: opened.append(p.name) or real(p, c))
    monkeypatch.setattr(parse, "CODE_VERSION", "another parser")
    assert list(read_release(files, cache_dir=cache).lines()) == first
    assert sorted(opened) == sorted(f.name for f in files)
    opened.clear()
    assert list(read_release(files, cache_dir=cache).lines()) == first
    assert opened == [], "recorded again, with this parser's entries"


def test_reading_in_worker_processes_gives_the_same_release(tmp_path: Path) -> None:
    folder = tmp_path / "sources"
    generate_folder(folder, 12, seed=4)
    files = load.scan_sources(folder).files
    assert len(files) >= 8  # enough for the pool to be used with two workers
    alone = read_release(files)
    pooled = read_release(files, workers=2)
    assert list(pooled.lines()) == list(alone.lines())
    assert pooled.files == alone.files


def test_lines_are_rebased_but_not_the_text_of_literals() -> None:
    base = "https://example.org/data/"
    line = (f'<{DATA_BASE}a> <http://purl.org/dc/terms/title> "see <{DATA_BASE}a> \\"here\\""'
            f" <{DATA_BASE}source/s> .")  # fmt: skip
    moved = rebase_line(line, base)
    dataset = Dataset()
    dataset.parse(data=moved, format="nquads")
    [(s, _p, o, g)] = list(dataset.quads())
    assert (
        str(s) == base + "a"
        and str(g.identifier if isinstance(g, Graph) else g) == base + "source/s"
    )
    assert str(o) == f'see <{DATA_BASE}a> "here"'
    release = read_release()
    lines = list(release.lines(base))
    assert not any(f"<{DATA_BASE}" in ln.split('"', 1)[0] for ln in lines)
    assert len(lines) == len(list(release.lines()))


def test_a_release_read_through_the_cache_holds_no_source_lines(tmp_path: Path) -> None:
    """Read through the parse cache, a source's lines stay in its entry (not in memory) and
    are streamed from there: the same lines as a release read without the cache."""
    folder = tmp_path / "sources"
    generate_folder(folder, 3, seed=5)
    files = load.scan_sources(folder).files
    cached = read_release(files, cache_dir=tmp_path / "cache")
    assert cached.sources and all(s.lines == () for s in cached.sources)
    assert all(s.stored is not None and Path(s.stored[0]).is_file() for s in cached.sources)
    held = read_release(files)
    assert all(s.lines for s in held.sources)
    assert list(cached.lines()) == list(held.lines())


@pytest.mark.parametrize(
    "record",
    [
        b"",
        b"not a pickle",
        pickle.dumps([1, 2]),
        pickle.dumps({"format": 1, "code": parse.CODE_VERSION, "files": [1]}),
        pickle.dumps({"format": file_record.FORMAT, "code": parse.CODE_VERSION, "files": {}}),
        pickle.dumps({"format": file_record.FORMAT, "code": parse.CODE_VERSION, "files": {}})
        + b"not a pickle",
        pickle.dumps({"format": file_record.FORMAT, "code": parse.CODE_VERSION, "files": [1]})
        + pickle.dumps({}),
    ],
)
def test_a_damaged_file_record_means_every_file_is_read(tmp_path: Path, record: bytes) -> None:
    folder, cache = tmp_path / "sources", tmp_path / "cache"
    generate_folder(folder, 3, seed=2)
    files = load.scan_sources(folder).files
    first = list(read_release(files, cache_dir=cache).lines())
    (cache / file_record.RECORD).write_bytes(record)
    assert list(read_release(files, cache_dir=cache).lines()) == first


def test_an_unchanged_file_is_taken_from_the_record_without_reading_its_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record keeps each file's sources (file_record.py): a rebuild of unchanged files
    opens neither the files nor their entries' heads, and gets the same release; a file
    whose entry went from the cache is read again."""
    folder, cache = tmp_path / "sources", tmp_path / "cache"
    generate_folder(folder, 3, seed=2)
    files = load.scan_sources(folder).files
    monkeypatch.setattr(file_record, "RACY", 0.0)
    first = read_release(files, cache_dir=cache)
    heads: list[str] = []
    real_entry = parse.read_entry

    def read_entry(entry: Path, *, lines: bool = True) -> list[parse.ParsedSource]:
        if not lines:
            heads.append(entry.name)
        return real_entry(entry, lines=lines)

    monkeypatch.setattr(parse, "read_entry", read_entry)
    again = read_release(files, cache_dir=cache)
    assert heads == []
    assert again.sources == first.sources
    assert list(again.lines()) == list(first.lines())
    gone = Path(again.sources[0].stored[0])
    gone.unlink()
    opened: list[str] = []
    real = parse._cached
    monkeypatch.setattr(parse, "_cached", lambda p, c: opened.append(p.name) or real(p, c))
    third = read_release(files, cache_dir=cache)
    assert opened == [Path(again.sources[0].path).name]
    assert gone.is_file()  # parsed again into its entry
    assert list(third.lines()) == list(first.lines())


def test_a_record_left_half_written_by_a_killed_build_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build killed while writing the record leaves its temporary file; the next build that
    writes the record removes it, but not one a running build is writing."""
    folder, cache = tmp_path / "sources", tmp_path / "cache"
    generate_folder(folder, 3, seed=2)
    files = load.scan_sources(folder).files
    monkeypatch.setattr(file_record, "RACY", 0.0)
    read_release(files, cache_dir=cache)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    left = cache / f".{file_record.RECORD}.{int(dead.stdout)}.tmp"
    running = cache / f".{file_record.RECORD}.{os.getppid()}.tmp"
    left.write_bytes(b"half a record")
    running.write_bytes(b"being written")
    files[0].write_text(files[0].read_text(encoding="utf-8") + "\n", encoding="utf-8")
    read_release(files, cache_dir=cache)  # a file changed: the record is written again
    assert not left.exists()
    assert running.exists()
    assert file_record.FileRecord(cache, parse.CODE_VERSION)


def test_source_names_are_relative_to_the_project_as_each_resolved_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """release._relative_all (a folder resolved once for all its files) names each source
    as _relative (each file resolved alone) does: inside the project relative to it, a
    file that is a link by its target, a folder that is a link by where it leads, a
    relative name from the working folder, a file outside by the name it was given."""
    from graph.build.release import _relative, _relative_all

    inside = sorted(str(p) for p in SOURCES.glob("*.ttl"))[:3]
    outside = tmp_path / "outside.ttl"
    outside.write_text("")
    linked_file = tmp_path / "linked.ttl"
    linked_file.symlink_to(Path(inside[0]))
    linked_folder = tmp_path / "sources"
    linked_folder.symlink_to(SOURCES)
    monkeypatch.chdir(ROOT)
    names = [
        *inside,
        inside[0],  # a file of several graphs, named twice
        str(outside),
        str(linked_file),
        str(linked_folder / Path(inside[1]).name),
        "graph/sources/" + Path(inside[2]).name,
    ]
    expected = {name: _relative(Path(name)) for name in names}
    assert _relative_all(names) == expected
    assert (
        expected[str(linked_file)] == expected[inside[0]] == str(Path(inside[0]).relative_to(ROOT))
    )
    assert expected[str(outside)] == str(outside)


def test_a_small_change_is_recorded_as_a_delta_the_next_build_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """file_record.py: after a change to fewer than DELTA_SHARE of the files the record is
    not written again; what changed goes to the delta, which the next build applies (the
    changed file is not read a third time); a delta that follows another record is not
    applied; a larger change writes the record whole and removes the delta."""
    folder, cache = tmp_path / "sources", tmp_path / "cache"
    generate_folder(folder, 30, seed=2)
    files = load.scan_sources(folder).files
    assert len(files) > 2 / file_record.DELTA_SHARE
    monkeypatch.setattr(file_record, "RACY", 0.0)
    read_release(files, cache_dir=cache)
    record = (cache / file_record.RECORD).read_bytes()
    opened: list[str] = []
    real = parse._cached
    monkeypatch.setattr(parse, "_cached", lambda p, c: opened.append(p.name) or real(p, c))

    def edit(path: Path) -> None:
        path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")

    edit(files[0])
    changed = list(read_release(files, cache_dir=cache).lines())
    assert opened == [files[0].name]
    assert (cache / file_record.RECORD).read_bytes() == record  # not written again
    assert (cache / file_record.DELTA).is_file()
    opened.clear()
    assert list(read_release(files, cache_dir=cache).lines()) == changed
    assert opened == []  # the delta said the changed file's entry
    edit(files[1])
    read_release(files, cache_dir=cache)
    assert opened == [files[1].name]  # the delta grows: both files in it
    opened.clear()
    read_release(files, cache_dir=cache)
    assert opened == []
    # A delta that follows another record (a build killed after writing the record whole,
    # before removing the delta) is not applied: the files it names are read again.
    delta = (cache / file_record.DELTA).read_bytes()
    for path in (files[0], *files[2:6]):  # files[0] again: the delta's stat of it is old
        edit(path)
    read_release(files, cache_dir=cache)  # 6 of 31: the record whole, the delta gone
    assert not (cache / file_record.DELTA).exists()
    assert (cache / file_record.RECORD).read_bytes() != record
    (cache / file_record.DELTA).write_bytes(delta)
    expected = list(read_release(files).lines())  # read without the cache
    opened.clear()
    assert list(read_release(files, cache_dir=cache).lines()) == expected
    assert opened == []  # the record's entries, not the stale delta's
