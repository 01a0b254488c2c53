"""A rebuild's validation (graph/build/union_index.py): the union's index is updated from the
sources that changed, and a unit is validated again only when its own sources changed or a
node it read changed. A result taken from the state must never be stale: each test changes a
source that ANOTHER unit draws context from (an institution's description, a subject two
sources describe, a statement over a path the shapes follow backwards, a new statement about
a node a unit references) and checks that the rebuild's report is a fresh build's."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from graph.build import load
from graph.build.release import read_release
from graph.build.validate import Report, validate_release
from graph.errors import Violation
from graph.synthetic.generate import generate_folder

PRO = "https://w3id.org/prospectus/ontology#"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("catalogue") / "sources"
    generate_folder(folder, 12, seed=5)
    return folder


class Builds:
    """Validations of a sources folder: through the state kept in a cache folder (rebuilds),
    and afresh (without a cache), to compare."""

    def __init__(self, catalogue: Path, tmp_path: Path) -> None:
        self.folder = tmp_path / "sources"
        self.folder.mkdir()
        for path in catalogue.iterdir():
            (self.folder / path.name).write_bytes(path.read_bytes())
        self.cache = tmp_path / "cache"

    def rebuild(self) -> Report:
        release = read_release(load.scan_sources(self.folder).files, cache_dir=self.cache / "parse")
        return validate_release(release, cache_dir=self.cache / "validation")

    def fresh(self) -> Report:
        release = read_release(load.scan_sources(self.folder).files)
        return validate_release(release)

    def check(self, before: Report) -> Report:
        """Rebuild; its results are a fresh build's, and not everything was validated."""
        rebuilt = self.rebuild()
        assert comparable(rebuilt) == comparable(self.fresh())
        assert 0 < rebuilt.validated < before.groups
        return rebuilt

    @property
    def curation(self) -> Path:
        [path] = self.folder.glob("synthetic-curation-*.nq")
        return path

    def programmes(self) -> list[Path]:
        return sorted(self.folder.glob("synthetic-programme-*.nq"))


def comparable(report: Report) -> list[Violation]:
    """The results, a complex path (named by its shape's sh:path blank node, which each
    reading of the shapes labels anew) named alike."""
    return [replace(r, path="_:path") if (r.path or "").startswith("_:") else r
            for r in report.results]  # fmt: skip


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def write(path: Path, text: list[str]) -> None:
    path.write_text("".join(f"{line}\n" for line in text), encoding="utf-8")


def graph_of(path: Path) -> str:
    return lines(path)[0].rsplit(" ", 2)[1]


def providers(path: Path) -> set[str]:
    return {
        m[1] for m in re.finditer(r"<http://data.europa.eu/snb/model/elm/providedBy> (<[^>]+>)",
                                  path.read_text(encoding="utf-8"))
    }  # fmt: skip


def test_an_institution_changed_in_another_source_revalidates_its_programmes(
    catalogue: Path, tmp_path: Path
) -> None:
    builds = Builds(catalogue, tmp_path)
    first = builds.rebuild()
    assert first.conforms
    # The curation record types the universities; the programmes' units read those types
    # (elm:providedBy needs an organisation) without the curation record among their sources.
    described = {line.split(" ", 1)[0] for line in lines(builds.curation) if f" {TYPE} " in line}
    untyped = providers(builds.programmes()[0]) & described
    assert untyped
    kept = [
        line for line in lines(builds.curation)
        if not (line.split(" ", 1)[0] in untyped and f" {TYPE} " in line)
    ]  # fmt: skip
    removed = [line for line in lines(builds.curation) if line not in kept]
    write(builds.curation, kept)
    broken = builds.check(first)
    assert not broken.conforms
    assert any(r.path and "providedBy" in r.path for r in broken.violations)

    # A NEW statement about a node a unit references, in a third source: the type given back
    # by another programme's page mends the programmes that the curation record broke.
    other = builds.programmes()[-1]
    given_back = [line.rsplit(" ", 2)[0] + f" {graph_of(other)} ." for line in removed]
    write(other, [*lines(other), *given_back])
    mended = builds.check(broken)
    assert comparable(mended) == comparable(first)


def test_a_subject_two_sources_describe_is_revalidated_when_the_other_source_changes(
    catalogue: Path, tmp_path: Path
) -> None:
    """The curation record states each programme's field of education; the programme is its
    page's unit's, so changing the field in the curation record changes that unit's data."""
    builds = Builds(catalogue, tmp_path)
    first = builds.rebuild()
    field = f"<{PRO}fieldOfEducation>"
    text = lines(builds.curation)
    [n] = [i for i, line in enumerate(text) if f" {field} " in line][:1]
    subject, _p, _rest = text[n].split(" ", 2)
    text[n] = f'{subject} {field} "not a concept" {graph_of(builds.curation)} .'
    write(builds.curation, text)
    changed = builds.check(first)
    assert any(r.focus_node == subject.strip("<>") for r in changed.violations)


def test_a_statement_over_an_inverse_path_from_another_source_revalidates_its_object(
    catalogue: Path, tmp_path: Path
) -> None:
    """A language test must be pro:acceptedTest of a pro:LanguageRequirement (a path the
    shapes follow backwards): the curation record makes a node that is none accept one of a
    programme's tests, which breaks that test's shape in the programme's unit."""
    builds = Builds(catalogue, tmp_path)
    first = builds.rebuild()
    accepted = f"<{PRO}acceptedTest>"
    tests = [
        line.split(" ")[2] for path in builds.programmes() for line in lines(path)
        if f" {accepted} " in line
    ]  # fmt: skip
    assert tests
    # A node no unit reads: only the statement pointing at the test makes its unit's data change.
    nowhere = "<https://w3id.org/prospectus/id/org/nowhere>"
    statement = f"{nowhere} {accepted} {tests[0]} {graph_of(builds.curation)} ."
    write(builds.curation, [*lines(builds.curation), statement])
    changed = builds.check(first)
    assert any(f"<{r.focus_node}>" == tests[0] for r in changed.violations)


def test_an_unchanged_rebuild_validates_nothing_and_a_lost_state_validates_everything(
    catalogue: Path, tmp_path: Path
) -> None:
    builds = Builds(catalogue, tmp_path)
    first = builds.rebuild()
    again = builds.rebuild()
    assert (again.validated, again.cached) == (0, first.groups)
    assert again.results == first.results
    # Units forgotten (as a build interrupted after forgetting them leaves them: their
    # results taken back) are validated again, not taken as clean.
    state = builds.cache / "validation" / "union.sqlite"
    with sqlite3.connect(state) as db:
        db.execute("UPDATE units SET results = NULL")
    assert builds.rebuild().validated == first.groups
    # So are units lost from the file (their reads left behind, numbered as nothing now).
    with sqlite3.connect(state) as db:
        db.execute("DELETE FROM units")
    again = builds.rebuild()
    assert again.validated == first.groups and again.results == first.results
    # The parse cache entries of the index's sources gone: the index is written afresh.
    for entry in (builds.cache / "parse").iterdir():
        entry.unlink()
    target = builds.programmes()[0]
    target.write_text(target.read_text(encoding="utf-8").replace('"@en', ' (revised)"@en', 1))
    rebuilt = builds.rebuild()
    assert rebuilt.validated == first.groups
    assert comparable(rebuilt) == comparable(builds.fresh())
