"""The order in which validation goes through its units and writes the union index: by each
source's main subject (graph/build/groups.py `main_subject`, `in_batches`), so that both go
through the index's regions in order."""

from __future__ import annotations

from pathlib import Path

from rdflib.namespace import RDF

from graph.build import load
from graph.build.groups import group_sources, in_batches, main_subject
from graph.build.release import read_release
from graph.build.union_index import Part
from graph.iris import PRO
from graph.synthetic.generate import generate_folder


def test_a_programme_segment_is_sorted_by_its_programme_not_by_its_file(tmp_path: Path) -> None:
    generate_folder(tmp_path, 6, seed=11)
    release = read_release(load.scan_sources(tmp_path).files, workers=1)
    segments = [s for s in release.sources if s.programmes]
    assert len(segments) == 6
    typed = f"<{RDF.type}> <{PRO.StudyProgramme}>"
    for source in segments:
        (programme,) = source.programmes
        assert main_subject(source) == f"<{programme}>"
        assert any(line.startswith(f"<{programme}> {typed}") for line in source.lines)
        assert Part.of(source).main == main_subject(source)
        # the lowest subject is the source's own node, named after its file
        assert min(source.subjects) != main_subject(source)
    by_file = sorted(segments, key=lambda s: s.path)
    by_programme = sorted(segments, key=main_subject)
    assert [s.path for s in by_file] != [s.path for s in by_programme]  # seed 11: they differ


def test_units_go_in_batches_in_the_order_of_their_main_subjects(tmp_path: Path) -> None:
    generate_folder(tmp_path, 8, seed=11)
    release = read_release(load.scan_sources(tmp_path).files, workers=1)
    parts = [*release.sources, *release.builtin]
    groups = group_sources(release.sources, release.builtin)
    main = [main_subject(parts[g.members[0]]) for g in groups]
    items = [(n, 1000) for n in range(len(groups))]
    batches = in_batches(items, 2500, main.__getitem__)
    assert all(len(b) == 3 for b in batches[:-1]) and 1 <= len(batches[-1]) <= 3
    order = [n for batch in batches for n, _size in batch]
    assert sorted(order) == list(range(len(groups)))
    assert [main[n] for n in order] == sorted(main)
