"""Validation unit by unit (graph/build/groups.py, graph/build/validate.py `validate_release`)
gives exactly the report of ONE pySHACL call over the union of everything a build read
(`validate_union`): the same results, located in the same source files. Checked on the
bundled sources, on the shapes' broken examples (tests/shapes/invalid/, each cut into
several sources) and on a synthetic catalogue with errors injected, with the build's engine
(rudof, the default) and, on the bundled sources and the catalogue, with pySHACL too; and the
validation cache re-validates only what changed, never hiding a violation.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, URIRef

from graph.build import groups, load, order, parse, validate
from graph.build.release import Release, read_builtin, read_release
from graph.build.sparql_checks import read_shapes, split
from graph.build.validate import Report, validate_release, validate_union
from graph.canonical import literals_as_written
from graph.errors import Violation
from graph.synthetic.generate import generate_folder
from tests.conftest import ROOT
from tests.support import cli

INVALID = sorted((ROOT / "tests" / "shapes" / "invalid").glob("*.ttl"))
VALID = sorted((ROOT / "tests" / "shapes" / "valid").glob("*.ttl"))
DATA = "https://w3id.org/prospectus/id/"


SPARQL_SHAPES = frozenset(check.shape for check in split(read_shapes())[1])


def _canonical_numbers(text: str | None) -> str | None:
    """Numbers as the store gives them back ("75.0" -> "75", "7.50" -> "7.5")."""

    def canonical(match: re.Match[str]) -> str:
        fraction = match[2].rstrip("0")
        return match[1] + (f".{fraction}" if fraction else "")

    return None if text is None else re.sub(r"(?<![\w.])(\d+)\.(\d+)(?!\d)", canonical, text)


def comparable(results: list[Violation]) -> list[Violation]:
    """The results, those of the SPARQL constraints with their numbers in the canonical form
    (the build runs them over an Oxigraph store, which keeps numbers in that form; pySHACL
    over the union quotes them as written). Nothing else is adjusted."""
    return [
        replace(r, value=_canonical_numbers(r.value), message=_canonical_numbers(r.message) or "")
        if r.source_shape in SPARQL_SHAPES
        else r
        for r in results
    ]


def assert_same(ours: Report, union: Report) -> None:
    assert comparable(ours.results) == comparable(union.results)


ENGINES = ["rudof", "pyshacl"]


@pytest.mark.parametrize("engine", ENGINES)
def test_the_bundled_sources_give_the_union_report(engine: str) -> None:
    release = read_release()
    ours, union = validate_release(release, engine=engine), validate_union(release)
    assert union.results, "the bundled sources have warnings to compare"
    assert_same(ours, union)
    assert ours.groups == len(release.sources) + 1  # one per source, one for builtin
    assert all(r.source_file for r in ours.results)


def _components(graph: Graph) -> list[list[tuple]]:
    """The graph cut into pieces: an IRI subject's statements with those of the blank nodes
    it holds (a blank node cannot leave its source)."""
    parent: dict[object, object] = {}

    def find(x: object) -> object:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for s, _p, o in graph:
        if isinstance(o, BNode):
            parent[find(o)] = find(s)
    pieces: dict[object, list[tuple]] = {}
    for triple in sorted(graph):
        pieces.setdefault(find(triple[0]), []).append(triple)
    return list(pieces.values())


def release_of(pieces: list[list[tuple]], name: str) -> Release:
    """A Release of one source per piece (plus the ontology and vocabularies)."""
    sources = []
    for n, piece in enumerate(pieces):
        text = "".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in piece)
        triples = [q.triple for q in ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES)]
        graph = f"{DATA}source/test-{n}"
        sources.append(parse.describe(f"{name}#{n}", graph, triples))
    builtin = read_builtin()
    files = {**{s.graph_iri: s.path for s in sources}, **{b.graph_iri: b.path for b in builtin}}
    return Release(sources, builtin, order.order_lines([*sources, *builtin]),
                   {URIRef(k): v for k, v in files.items()})  # fmt: skip


def example(path: Path) -> Graph:
    with literals_as_written():
        return Graph().parse(path, format="turtle")


@pytest.mark.parametrize("path", INVALID + VALID, ids=[p.stem for p in INVALID + VALID])
def test_each_shapes_example_cut_into_sources_gives_the_union_report(path: Path) -> None:
    """Every example, one source per subject; and again with each subject's description
    spread over two sources (a subject several sources describe)."""
    pieces = _components(example(path))
    spread: list[list[tuple]] = []
    for piece in pieces:
        plain = [t for t in piece if not isinstance(t[0], BNode) and not isinstance(t[2], BNode)]
        rest = [t for t in piece if t not in plain]
        spread += [x for x in (plain[::2], plain[1::2] + rest) if x]
    for cut in (pieces, spread):
        release = release_of(cut, path.name)
        union = validate_union(release)
        if path in INVALID:
            assert union.violations, f"{path.name} is rejected by the union"
        assert_same(validate_release(release), union)


def test_the_project_shapes_stay_within_reach_of_a_unit() -> None:
    """A unit's data holds its values' descriptions: the shapes read no further (else every
    source would be validated as one unit)."""
    local, _checks = split(read_shapes())
    assert groups.reach(local) <= groups.SUPPORTED_REACH
    deeper = Graph()
    deeper += local
    with literals_as_written():
        deeper.parse(
            data="""@prefix sh: <http://www.w3.org/ns/shacl#> .
            @prefix ex: <http://example.org/> .
            ex:S a sh:NodeShape ; sh:targetClass ex:C ;
                sh:property [ sh:path ( ex:a ex:b ) ; sh:minCount 1 ] .""",
            format="turtle",
        )
    assert groups.reach(deeper) == groups.INFINITE  # a path of two steps


# -- a synthetic catalogue, errors injected --------------------------------------------------


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("catalogue") / "sources"
    generate_folder(folder, 12, seed=5)
    return folder


def copy(folder: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for path in folder.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


def edit(path: Path, pattern: str, replacement: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    changed, n = re.subn(pattern, replacement, text, count=count)
    assert n, f"{pattern} not in {path.name}"
    path.write_text(changed, encoding="utf-8")


def programme_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("synthetic-programme-*.nq"))


def inject(folder: Path) -> None:
    """Errors of several kinds, each in another source."""
    files = programme_files(folder)
    # a title gone: the programme has none
    edit(files[0], r"(?m)^[^\n]*<http://purl.org/dc/terms/title> [^\n]*\n", "", count=0)
    # a provider that is a literal, not an organisation
    edit(files[1], r"(elm/providedBy>) <[^>]+>", r'\1 "Nowhere"')
    # no credits (an ill-typed "90,5" would do too, but Oxigraph and rdflib's SPARQL engines
    # compare ill-typed literals differently, and the SPARQL constraints run in Oxigraph)
    edit(files[2], r'(rdf-syntax-ns#value> )"(\d+)"\^\^<http://www.w3.org/2001/XMLSchema#decimal>',
         r'\1"0"^^<http://www.w3.org/2001/XMLSchema#decimal>')  # fmt: skip
    # a second position for a programme another source ranks (a SPARQL constraint)
    line = files[3].read_text(encoding="utf-8").splitlines()[0]
    graph = line.rsplit(" ", 2)[1]
    programme = next(
        ln.split(" ")[0] for ln in files[4].read_text(encoding="utf-8").splitlines()
        if "ontology#StudyProgramme>" in ln and "rdf-syntax-ns#type" in ln
    )  # fmt: skip
    with files[3].open("a", encoding="utf-8") as out:
        out.write(f'{programme} <https://w3id.org/prospectus/ontology#listPosition> "1"^^'
                  f"<http://www.w3.org/2001/XMLSchema#integer> {graph} .\n")  # fmt: skip


@pytest.mark.parametrize("engine", ENGINES)
def test_a_synthetic_catalogue_with_errors_gives_the_union_report(
    catalogue: Path, tmp_path: Path, engine: str
) -> None:
    folder = copy(catalogue, tmp_path / "broken")
    inject(folder)
    release = read_release(load.scan_sources(folder).files)
    union = validate_union(release)
    ours = validate_release(release, workers=2, engine=engine)
    assert len(union.violations) >= 4
    broken = {Path(f).name for r in union.violations for f in (r.source_file or "").split(", ")}
    assert {p.name for p in programme_files(folder)[:4]} <= broken
    assert_same(ours, union)


def test_rudof_runs_in_worker_processes_after_running_in_this_one(
    catalogue: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process forked from one that has run rudof would hang in rudof (its thread pool is
    inherited without its threads): the workers are started afresh, and agree with a run
    in this process."""
    monkeypatch.setitem(validate.BATCH_STATEMENTS, "rudof", 400)  # many batches: workers
    release = read_release(load.scan_sources(catalogue).files)
    here = validate_release(release, workers=1)
    assert here.results, "the catalogue has warnings to compare"
    assert validate_release(release, workers=2).results == here.results


def test_the_cache_revalidates_only_what_changed_and_never_hides_a_violation(
    catalogue: Path, tmp_path: Path
) -> None:
    folder = copy(catalogue, tmp_path / "sources")
    cache = tmp_path / "cache"

    def run() -> Report:
        release = read_release(load.scan_sources(folder).files, cache_dir=cache / "parse")
        return validate_release(release, cache_dir=cache / "validation")

    first = run()
    assert first.validated == first.groups > 10 and first.cached == 0
    again = run()
    assert (again.validated, again.cached) == (0, first.groups)
    assert again.results == first.results

    target = programme_files(folder)[5]
    edit(target, r'"([^"]*)"@en', r'"\1 (revised)"@en', 1)  # a label changed: still valid
    changed = run()
    assert changed.conforms
    assert changed.validated == 1 and changed.cached == first.groups - 1

    edit(target, r'"(\d+)(\.\d+)?"\^\^<http://www.w3.org/2001/XMLSchema#decimal>',
         r'"-\1"^^<http://www.w3.org/2001/XMLSchema#decimal>', 0)  # fmt: skip
    broken = run()
    assert broken.validated == 1
    assert not broken.conforms
    assert all(str(target) in (r.source_file or "") for r in broken.violations)


def test_a_title_that_moves_the_catalogue_order_revalidates_its_own_source_only(
    catalogue: Path, tmp_path: Path
) -> None:
    """A changed title moves every programme between its old and its new place in the
    catalogue order; the positions are a unit of their own (graph/build/positions.py), so
    only the changed source is validated again, and the report is the one-call union's."""
    folder = copy(catalogue, tmp_path / "sources")
    cache = tmp_path / "cache"

    def run() -> tuple[Report, Release]:
        release = read_release(load.scan_sources(folder).files, cache_dir=cache / "parse")
        return validate_release(release, cache_dir=cache / "validation"), release

    first, before = run()
    target = programme_files(folder)[-1]
    typed = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/prospectus/ontology#StudyProgramme>"
    iri = re.search(rf"(?m)^(<[^>]+>) {typed}", target.read_text())
    assert iri is not None
    edit(target, rf'(?m)^({re.escape(iri[1])} <http://purl.org/dc/terms/title> ")', r"\1Aaa ")
    changed, after = run()
    assert set(before.order_lines) != set(after.order_lines)
    moved = set(after.order_lines) - set(before.order_lines)
    assert len(moved) > 2  # positions of several programmes moved, not only the renamed one
    assert changed.validated == 1 and changed.cached == first.groups - 1
    assert_same(changed, validate_union(after))


def prospectus(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return cli.prospectus(*args, data_dir=data_dir, env={"PROSPECTUS_BUILD_WORKERS": "2"})


COUNTS = re.compile(r"(\d+) groups of sources .*: (\d+) validated, (\d+) from the cache")


def test_the_build_says_how_many_groups_it_validated_and_took_from_the_cache(
    catalogue: Path, tmp_path: Path
) -> None:
    folder = copy(catalogue, tmp_path / "sources")
    data = tmp_path / "data"
    first = prospectus("build", "--sources", str(folder), data_dir=data)
    assert first.returncode == 0, first.stderr
    groups, validated, cached = map(int, COUNTS.findall(first.stderr)[0])
    assert (validated, cached) == (groups, 0)
    for step in ("reading sources", "validating (rudof)"):
        assert re.search(rf"{re.escape(step)}: (\d+)/\1 done", first.stderr), step
    edit(programme_files(folder)[2], r'"([^"]*)"@en', r'"\1 (revised)"@en', 1)
    second = prospectus("build", "--sources", str(folder), data_dir=data)
    assert second.returncode == 0, second.stderr
    assert [tuple(map(int, m)) for m in COUNTS.findall(second.stderr)] == [(groups, 1, groups - 1)]
    assert (data / "cache" / "validation").is_dir() and (data / "cache" / "parse").is_dir()
