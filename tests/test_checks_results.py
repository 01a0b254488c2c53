"""The SPARQL constraints' results kept between builds (graph/build/checks_results.py): after
each change, the results of a rebuild that runs a constraint only where the change reaches it
are exactly those of every constraint run over a store of all the lines; and the rebuild did
leave constraints unrun (a title change), ran a local one around the changed nodes only (a
blank node), and reported what a changed statement brings (a deadline after the start)."""

from __future__ import annotations

import gc
import re
import shutil
from pathlib import Path

import pytest

from graph.build import checks_results
from graph.build.checks_results import RESULTS, check_with_previous
from graph.build.checks_store import open_checks_store
from graph.build.release import Release, read_release
from graph.build.sparql_checks import read_shapes, run, split, store_of_lines
from graph.build.sparql_reads import ANY_TYPE, SUBCLASS, local, reads
from graph.build.validate import result_order
from graph.errors import Violation
from graph.synthetic.generate import generate_folder

from .support.edits import add_blank_nodes, change_title

CHECKS = split(read_shapes())[1]


def release_of(folder: Path) -> Release:
    return read_release(sorted(folder.glob("*.nq")))


def everything(release: Release) -> list[Violation]:
    """Every constraint over a store of all the release's lines."""
    files = {str(graph): name for graph, name in release.files.items()}
    store = store_of_lines(release.lines())
    return sorted(run(CHECKS, store, files), key=result_order)


def rebuilt(
    release: Release, cache: Path, threads: int = 1
) -> tuple[list[Violation], dict[str, int]]:
    store, made = open_checks_store(release, cache)
    try:
        results, counts = check_with_previous(store, release.files, cache, made, CHECKS, threads)
    finally:
        del store
        gc.collect()
    return sorted(results, key=result_order), counts


def late_deadline(path: Path) -> None:
    """The first application deadline of the file moved past every start date."""
    date = re.compile(r'(ontology#date> ")\d{4}(-\d\d-\d\d")')
    path.write_text(date.sub(r"\g<1>2099\2", path.read_text(encoding="utf-8"), count=1))


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    generate_folder(folder, 8)
    return folder


SCORES = ("minimumOverallScore", "minimumComponentScore", "languageTest", "scoreScale")


def test_the_analysis_knows_what_the_project_constraints_read() -> None:
    by_name = {c.shape.rsplit("#", 1)[-1]: c for c in CHECKS}
    deadline = reads(by_name["DeadlineNotAfterStart"])
    assert deadline is not None
    assert "https://w3id.org/prospectus/ontology#date" in deadline
    assert "http://purl.org/dc/terms/title" not in deadline
    # a class target: an instance of any subclass is a focus node, so any type statement
    assert ANY_TYPE in deadline and SUBCLASS in deadline
    assert reads(by_name["NoBlankNodes"]) is None  # any predicate (?this ?p ?o)
    assert local(by_name["NoBlankNodes"])
    assert not local(by_name["DeadlineNotAfterStart"])  # reads the deadline's node too
    # each score property named (a UNION, not `$this ?path ?value`): a title change is not
    # one it reads, so a rebuild after one does not run it over the whole store
    score = reads(by_name["ScoreNeedsScale"])
    assert score is not None and "http://purl.org/dc/terms/title" not in score
    assert {f"https://w3id.org/prospectus/ontology#{p}" for p in SCORES} <= score


@pytest.mark.parametrize("threads", [1, 2])
def test_a_rebuild_gives_every_result_a_full_run_gives(
    sources: Path, tmp_path: Path, threads: int
) -> None:
    cache = tmp_path / "cache"
    programmes = sorted(sources.glob("synthetic-programme-*.nq"))

    release = release_of(sources)
    found, counts = rebuilt(release, cache, threads)
    assert found == everything(release) and counts["run"] == len(CHECKS)

    change_title(programmes[1])  # read by no constraint but those reading any predicate
    release = release_of(sources)
    found, counts = rebuilt(release, cache, threads)
    assert found == everything(release)
    assert counts["not run"] > len(CHECKS) / 2, counts

    add_blank_nodes(programmes[2], "a note")  # a blank node: NoBlankNodes around it
    release = release_of(sources)
    found, counts = rebuilt(release, cache, threads)
    assert found == everything(release)
    assert counts["around the changes"] >= 1, counts
    assert any(v.focus_node.startswith("_:") for v in found)  # the note is reported

    before = {(v.source_shape, v.focus_node) for v in found}
    late_deadline(programmes[3])
    release = release_of(sources)
    found, counts = rebuilt(release, cache, threads)
    assert found == everything(release)
    after = {(v.source_shape, v.focus_node) for v in found}
    assert any(shape.endswith("DeadlineNotAfterStart") for shape, _focus in after - before)

    programmes[4].unlink()  # a source gone
    release = release_of(sources)
    found, _counts = rebuilt(release, cache, threads)
    assert found == everything(release)

    named = sorted({v.source_file for v in found if "programme" in (v.source_file or "")})
    moved = Path(named[-1]).rename(Path(named[-1]).with_name("renamed-programme.nq"))
    release = release_of(sources)  # the same graph in a file of another name
    found, _counts = rebuilt(release, cache, threads)
    assert found == everything(release)
    assert any(v.source_file == str(moved) for v in found)

    focus = next(v.focus_node for v in found if v.source_file == str(moved))
    other = next(p for p in sorted(sources.glob("synthetic-programme-*.nq")) if p != moved)
    graph = other.read_text(encoding="utf-8").splitlines()[0].rsplit(" ", 2)[1]
    with other.open("a", encoding="utf-8") as out:  # a statement no constraint reads
        out.write(f'<{focus}> <https://example.org/note> "also here" {graph} .\n')
    release = release_of(sources)
    found, counts = rebuilt(release, cache, threads)
    assert found == everything(release)
    assert counts["not run"], counts
    assert any(v.focus_node == focus and str(other) in (v.source_file or "") for v in found)


def test_kept_results_keep_their_source_files_without_a_lookup(
    sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the focus nodes the changes mention have their source files looked up again
    (at 10,000 programmes the rebuild looked up about 9,900, 2 s)."""
    cache = tmp_path / "cache"
    rebuilt(release_of(sources), cache)
    change_title(sorted(sources.glob("synthetic-programme-*.nq"))[1])
    release = release_of(sources)
    looked_up: list[str] = []
    original = checks_results.source_files_of

    def counted(store: object, focus: object, files: dict[str, str]) -> str | None:
        looked_up.append(str(focus))
        return original(store, focus, files)  # type: ignore[arg-type]

    monkeypatch.setattr(checks_results, "source_files_of", counted)
    found, counts = rebuilt(release, cache)
    assert found == everything(release)
    assert counts["not run"] and len(found) > 2 * len(set(looked_up)), (len(found), looked_up)


def test_results_of_another_store_state_are_not_reused(sources: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    rebuilt(release_of(sources), cache)
    (cache / RESULTS).write_text('{"format": 1, "store": "other"}', encoding="utf-8")
    change_title(sorted(sources.glob("synthetic-programme-*.nq"))[0])
    release = release_of(sources)
    found, counts = rebuilt(release, cache)
    assert counts["run"] == len(CHECKS) and found == everything(release)


def test_constraints_in_two_threads_give_what_one_gives_in_its_order(
    sources: Path, tmp_path: Path
) -> None:
    """The results unsorted, their counts and the results file, one thread against two, on
    a first run and on a rebuild that runs some constraints and keeps others."""
    one, two = tmp_path / "one", tmp_path / "two"
    for step in range(2):
        if step:
            change_title(sorted(sources.glob("synthetic-programme-*.nq"))[1])
            add_blank_nodes(sorted(sources.glob("synthetic-programme-*.nq"))[2], "a note")
        release = release_of(sources)
        answers = []
        for cache, threads in ((one, 1), (two, 2)):
            store, made = open_checks_store(release, cache)
            try:
                found = check_with_previous(store, release.files, cache, made, CHECKS, threads)
                answers.append(found)
            finally:
                del store
                gc.collect()
        assert answers[0] == answers[1]
        assert answers[0][0], "some results to compare"
        assert (one / RESULTS).read_bytes() == (two / RESULTS).read_bytes()
    shutil.rmtree(one)
