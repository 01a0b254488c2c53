"""A rebuild's dataset.nq made from the previous version's (graph/build/dataset_merge.py) is
byte for byte what writing and sorting every line gives, and the lines that changed it
leaves behind are those one walk of both files finds (graph/store/nquads_diff.py)."""

from __future__ import annotations

import gc
import json
import shutil
import weakref
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph import settings as prospectus_settings
from graph import versions
from graph.build import merge_ahead, pipeline, publish, union
from graph.build.checks_store import Made, graph_digests
from graph.build.dataset_merge import LINES_RECORD, merge_dataset
from graph.build.publish import digest_and_count, sort_unique, write_lines
from graph.build.release import Release, read_release
from graph.build.validate import ValidationFailed
from graph.errors import PublishError
from graph.store.nquads_diff import CHANGED_FILES, split_diff
from graph.synthetic.generate import generate_folder
from tests.support.builds import build_folder, products
from tests.support.edits import change_title

EX = "http://example.org/"
POSITION = "<https://w3id.org/prospectus/ontology#listPosition>"
INTEGER = "<http://www.w3.org/2001/XMLSchema#integer>"
PROGRAMME = (
    "> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<https://w3id.org/prospectus/ontology#StudyProgramme> "
)


def _line(subject: int, value: str, graph: int) -> str:
    return f"<{EX}s{subject}> <{EX}p> {value} <{EX}g{graph}> ."


def _sorted(lines: list[str], folder: Path, name: str) -> Path:
    unsorted, target = folder / f"{name}.unsorted", folder / name
    unsorted.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    sort_unique(unsorted, target, folder)
    return target


# Graph names of several lengths (the merge looks a line's graph up by its last bytes, a
# length at a time), objects that name a graph or hold " <graph> ." in a literal.
GRAPHS = [0, 1, 2, 12, 21, 123, 7]
OBJECTS = ['"a"', '"b"@en', '"c d"', '"é"', '"<x>"', '"\\" ."', f'"x <{EX}g1> ."', f"<{EX}g12>"]
statements = st.lists(
    st.tuples(st.integers(0, 30), st.sampled_from(OBJECTS), st.sampled_from(GRAPHS)),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(
    before=statements,
    after=statements,
    extra=st.sets(st.sampled_from(GRAPHS), max_size=3),
    chunk=st.integers(1, 2000),
    last_break=st.booleans(),
)
def test_the_merge_is_the_sort_of_every_line(
    tmp_path_factory: pytest.TempPathFactory,
    before: list[tuple[int, str, int]],
    after: list[tuple[int, str, int]],
    extra: set[int],
    chunk: int,
    last_break: bool,
) -> None:
    """Any two releases: the graphs whose lines differ (and some that do not) replaced,
    whatever chunks (bytes) the previous dataset.nq is read in, its last line with or
    without its line break."""
    folder = tmp_path_factory.mktemp("merge")
    old_lines = [_line(*s) for s in before]
    new_lines = [_line(*s) for s in after]

    def graph_of(line: str) -> str:
        return line.rsplit(" ", 2)[1][1:-1]

    def held(lines: list[str]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for line in lines:
            found.setdefault(graph_of(line), set()).add(line)
        return found

    old_by, new_by = held(old_lines), held(new_lines)
    graphs = {g for g in old_by.keys() | new_by.keys() if old_by.get(g) != new_by.get(g)}
    graphs |= {f"{EX}g{n}" for n in extra}
    kept = [line for line in old_lines if graph_of(line) not in graphs]
    whole = [*kept, *(line for line in new_lines if graph_of(line) in graphs)]
    old = _sorted(old_lines, folder, "old.nq")
    expected = _sorted(whole, folder, "expected.nq")
    staging = folder / "staging"
    staging.mkdir()
    new_of = {g: [line for line in new_lines if graph_of(line) == g] for g in graphs}
    read = old
    if not last_break:
        read = folder / "old-cut.nq"
        read.write_bytes(old.read_bytes().removesuffix(b"\n"))

    with patch.object(union, "CHUNK", chunk):
        digest, count = merge_dataset(read, staging, graphs, new_of)

    merged = staging / versions.DATASET_FILE
    assert merged.read_bytes() == expected.read_bytes()
    assert (digest, count) == digest_and_count(expected)
    plus, minus, too_many = (staging / name for name in CHANGED_FILES)
    walked = split_diff(old, expected, folder / "plus", folder / "minus", 10**6)
    assert walked is not None
    if too_many.exists():
        assert walked > int(0.05 * count)
    else:
        assert plus.read_bytes() == (folder / "plus").read_bytes()
        assert minus.read_bytes() == (folder / "minus").read_bytes()


def test_a_rebuild_merges_what_a_sort_of_every_line_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same rebuild three ways, from the same previous state: merged beside validation
    (graph/build/merge_ahead.py), merged in line, and every line sorted."""
    sources, data = tmp_path / "sources", tmp_path / "data"
    inline, other = tmp_path / "inline", tmp_path / "sorted"
    generate_folder(sources, 12)
    programmes = sorted(sources.glob("synthetic-programme-*.nq"))
    first = build_folder(sources, data)
    assert first.manifest["dataset"] == {"made": "sort"}  # nothing to start from
    for copy in (inline, other):
        shutil.copytree(data, copy, symlinks=True)  # the same previous state, cache included

    change_title(programmes[1])
    change_title(programmes[4])
    programmes[7].unlink()
    taken: list[frozenset[str]] = []
    result = merge_ahead.Ahead.result
    monkeypatch.setattr(
        merge_ahead.Ahead, "result", lambda self: taken.append(self.graphs) or result(self)
    )
    merged = build_folder(sources, data)
    assert merged.manifest["dataset"] == {"made": "merge"}
    assert len(taken) == 1 and len(taken[0]) == 4  # two changed graphs, one gone, the order
    assert not (data / "cache" / merge_ahead.AHEAD_DIR).exists()

    monkeypatch.setattr(merge_ahead, "start", lambda *args: None)
    in_line = build_folder(sources, inline)
    assert in_line.manifest["dataset"] == {"made": "merge"}
    monkeypatch.setattr(pipeline, "merger", lambda made, release: None)
    resorted = build_folder(sources, other)
    assert resorted.manifest["dataset"] == {"made": "sort"}
    assert len(taken) == 1
    for built in (in_line, resorted):
        assert merged.manifest["sha256"] == built.manifest["sha256"] != first.manifest["sha256"]
        assert merged.manifest["quads"] == built.manifest["quads"]
        assert products(merged) == products(built)
    for name in CHANGED_FILES:
        assert not (merged.path / name).exists(), "the lines of the change are not published"


def test_a_merge_started_ahead_is_published_only_from_what_it_started_from(
    tmp_path: Path,
) -> None:
    """The merge beside validation is taken only when the constraints' store was brought up
    to date from its record and its graphs, and the current version is the one it read."""
    sources, data = tmp_path / "sources", tmp_path / "data"
    generate_folder(sources, 4)
    programmes = sorted(sources.glob("synthetic-programme-*.nq"))
    published = build_folder(sources, data)
    change_title(programmes[0])
    release = read_release(sorted(sources.glob("*.nq")))
    cache = data / "cache"
    ahead = merge_ahead.start(release, cache, data, graph_digests(release))
    assert ahead is not None
    try:
        made = Made("incremental", 0, 1, ahead.before, "after", None, ahead.graphs)
        assert ahead.merger(replace(made, before="another")) is None
        assert ahead.merger(replace(made, graphs=frozenset())) is None
        assert ahead.merger(replace(made, how="bulk load")) is None
        take = ahead.merger(made)
        assert take is not None
        staging = tmp_path / "staging"
        staging.mkdir()
        other = replace(published, path=tmp_path / "elsewhere", manifest={"version": "x"})
        assert take(other, staging) is None and not any(staging.iterdir())
        digest, count = take(published, staging)
        expected = tmp_path / "expected.nq"
        write_lines(release.lines(), expected.with_suffix(".unsorted"))
        sort_unique(expected.with_suffix(".unsorted"), expected, tmp_path)
        assert (staging / versions.DATASET_FILE).read_bytes() == expected.read_bytes()
        assert (digest, count) == digest_and_count(expected)
    finally:
        ahead.close()
    assert not (cache / merge_ahead.AHEAD_DIR).exists()


def test_no_merge_is_started_ahead_without_a_version_of_the_stores_lines(tmp_path: Path) -> None:
    sources, data = tmp_path / "sources", tmp_path / "data"
    generate_folder(sources, 3)
    release = read_release(sorted(sources.glob("*.nq")))
    digests = graph_digests(release)
    assert merge_ahead.start(release, data / "cache", data, digests) is None  # no version
    build_folder(sources, data)
    manifest = data / "current" / versions.MANIFEST
    held = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**held, LINES_RECORD: "other"}), encoding="utf-8")
    assert merge_ahead.start(release, data / "cache", data, digests) is None


def test_a_merge_that_fails_beside_the_build_is_told_and_not_published(tmp_path: Path) -> None:
    """The process's failure is told (a project error for what the system refused), its
    merge is not published (every line is sorted instead) and nothing of it is left in the
    cache folder."""
    sources, data = tmp_path / "sources", tmp_path / "data"
    generate_folder(sources, 3)
    build_folder(sources, data)
    change_title(sorted(sources.glob("synthetic-programme-*.nq"))[0])
    release = read_release(sorted(sources.glob("*.nq")))
    current = versions.current(data)
    assert current is not None
    current.dataset_file.unlink()  # what the process reads
    ahead = merge_ahead.start(release, data / "cache", data, graph_digests(release))
    assert ahead is not None
    try:
        with pytest.raises(PublishError, match="merging dataset.nq: No such file"):
            ahead.result()
        take = ahead.merger(Made("incremental", 0, 1, ahead.before, "", None, ahead.graphs))
        assert take is not None
        (tmp_path / "staging").mkdir()
        assert take(current, tmp_path / "staging") is None  # publishing sorts every line
    finally:
        ahead.close()
    assert not (data / "cache" / merge_ahead.AHEAD_DIR).exists()


def test_a_previous_version_of_other_lines_is_not_merged_from(tmp_path: Path) -> None:
    """A build refused by a catalogue-wide constraint brought the constraints' store up to
    date and published nothing: the current version holds other lines than the store's
    record, and the next build sorts every line."""
    sources, data = tmp_path / "sources", tmp_path / "data"
    generate_folder(sources, 6)
    programmes = sorted(sources.glob("synthetic-programme-*.nq"))
    published = build_folder(sources, data)
    held = {p: p.read_text(encoding="utf-8") for p in programmes[:2]}
    for path, text in held.items():  # both claim position 99, in their own graphs
        subject = next(line.split(" ", 1)[0] for line in text.splitlines() if PROGRAMME in line)
        graph = text.splitlines()[0].rsplit(" ", 2)[1]
        path.write_text(f'{text}{subject} {POSITION} "99"^^{INTEGER} {graph} .\n')
    loaded = prospectus_settings.load({"data_dir": str(data)}, environ={})
    with pytest.raises(ValidationFailed):
        pipeline.build(loaded, source_files=sorted(sources.glob("*.nq")))
    assert versions.current(data) == published
    assert not (data / "cache" / merge_ahead.AHEAD_DIR).exists()  # its merge ended with it
    for path, text in held.items():
        path.write_text(text, encoding="utf-8")
    change_title(programmes[3])
    after = build_folder(sources, data)
    assert after.manifest["dataset"] == {"made": "sort"}
    again = _build_changed(sources, data, programmes[4])
    assert again.manifest["dataset"] == {"made": "merge"}  # from a version it made


def _build_changed(sources: Path, data: Path, path: Path) -> versions.Version:
    change_title(path)
    return build_folder(sources, data)


def test_a_merged_version_lets_the_lines_source_go_before_the_writers(tmp_path: Path) -> None:
    """A build's lines come from a generator holding the release (1.4 GB at 100,000
    programmes): when the dataset is merged instead, it is closed, and the release goes
    before the writers fork their workers."""

    class Release:
        lines = [_line(1, '"one"', 1), _line(2, '"two"', 2)]

    def lines_of(release: Release) -> Iterator[str]:
        yield from release.lines

    publish.publish(tmp_path, Release.lines)
    release = Release()
    held, source = weakref.ref(release), lines_of(release)
    del release

    def merge(previous: versions.Version, staging: Path) -> tuple[str, int]:
        shutil.copyfile(previous.dataset_file, staging / versions.DATASET_FILE)
        with (staging / versions.DATASET_FILE).open("a", encoding="utf-8") as out:
            out.write(_line(3, '"three"', 3) + "\n")
        return digest_and_count(staging / versions.DATASET_FILE)

    gone: list[bool] = []
    version, new = publish.publish(
        tmp_path, source, merge=merge, write=lambda staging: gone.append(held() is None)
    )
    assert new and version.manifest["dataset"] == {"made": "merge"}
    assert version.manifest["quads"] == 3
    assert gone == [True]


def test_the_release_is_let_go_before_the_writers_when_merged_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Starting the merge beside validation keeps no reference to the release (1.4 GB at
    100,000 programmes): none is alive when the writers run, on a first build or a rebuild."""
    sources, data = tmp_path / "sources", tmp_path / "data"
    generate_folder(sources, 4)
    alive: list[int] = []

    def probe(ctx: object) -> None:
        gc.collect()
        alive.append(sum(isinstance(o, Release) for o in gc.get_objects()))

    monkeypatch.setattr(pipeline, "WRITERS", (*pipeline.WRITERS, probe))
    build_folder(sources, data)
    change_title(sorted(sources.glob("synthetic-programme-*.nq"))[1])
    rebuilt = build_folder(sources, data)
    assert rebuilt.manifest["dataset"] == {"made": "merge"}
    assert alive == [0, 0]
