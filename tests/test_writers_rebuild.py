"""A rebuild reuses what did not change (the ELM export's parts and its closing,
graph/build/writers/elm/parts.py) and its products equal those of a build from scratch of the
same data: generated programmes are published, some of their statements changed (titles, an
organisation's name, a programme gone), published again over the first version and, apart,
into an empty data folder; each product of the two is compared."""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from graph.build.pipeline import publish_dataset
from graph.build.writers.elm.parts import PARTS_FILE
from graph.build.writers.elm.write import ELM_FILE, write_elm
from graph.synthetic.generate import generate
from graph.versions import Version
from tests.conftest import REF

PROGRAMMES = 40
WRITERS = (partial(write_elm, batch_size=2, workers=2),)  # many jobs, in worker processes
TITLE = re.compile(r'^(<[^>]*/programme/[^>]*> <http://purl.org/dc/terms/title> ")([^"]*)(")')


def _publish(data_dir: Path, lines: list[str], when: str, checked: bool = False) -> Version:
    version, published = publish_dataset(
        data_dir,
        lines,
        writers=WRITERS,
        reference_dir=REF if checked else None,  # each job checked in its worker
        now=datetime.fromisoformat(when),
        load_store=True,
    )
    assert published
    return version


def _changed(lines: list[str], every: int, organisation: str | None, gone: str | None) -> list[str]:
    """`lines` with the title of every `every`-th programme title line revised, the labels of
    `organisation` renamed, and every line of the graph `gone` left out."""
    out, titles = [], 0
    for line in lines:
        if gone is not None and line.rstrip().endswith(f"<{gone}> ."):
            continue
        match = TITLE.match(line)
        if match:
            titles += 1
            if titles % every == 0:
                line = TITLE.sub(r"\1\2 (revised)\3", line)
        if organisation is not None and line.startswith(f"<{organisation}> "):
            line = line.replace('"@en', ' (renamed)"@en')
        out.append(line)
    return out


def _parts(version: Version) -> dict[str, Any]:
    parts: dict[str, Any] = json.loads((version.path / PARTS_FILE).read_text(encoding="utf-8"))
    return parts


def _elm(version: Version) -> tuple[bytes, Any, Any]:
    manifest = version.manifest
    entry = next(d for d in manifest["dumps"] if d["file"] == ELM_FILE)
    return (version.path / "dumps" / ELM_FILE).read_bytes(), manifest["elm"], entry


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    path = tmp_path_factory.mktemp("generated") / "catalogue.nq"
    generate(path, PROGRAMMES, seed=1)
    return path.read_text(encoding="utf-8").splitlines()


def _organisation_of_an_exported_programme(version: Version) -> str:
    text = (version.path / "dumps" / ELM_FILE).read_text(encoding="utf-8")
    found = re.findall(r"elm:providedBy <([^>]*/org/[^>]*)>", text)
    assert found, "the generated programmes export some programmes"
    return sorted(found)[0]


@pytest.mark.parametrize(
    "what", ["titles", "an organisation", "titles, an organisation, a source gone; checked"]
)
def test_a_rebuild_writes_what_a_build_from_scratch_writes(
    what: str, generated: list[str], tmp_path: Path
) -> None:
    checked = "checked" in what
    first = _publish(tmp_path / "data", generated, "2026-11-01T10:00:00+00:00", checked)
    assert _parts(first)["header"]["reused"] == 0
    organisation = gone = None
    if "organisation" in what:
        organisation = _organisation_of_an_exported_programme(first)
    if "gone" in what:
        gone = next(
            line.split()[-2][1:-1]
            for line in generated
            if "/source/synthetic-programme-000007>" in line
        )
    changed = _changed(generated, 10 if "titles" in what else len(generated), organisation, gone)
    assert changed != generated
    rebuilt = _publish(tmp_path / "data", changed, "2026-11-02T10:00:00+00:00", checked)
    fresh = _publish(tmp_path / "fresh", changed, "2026-11-02T10:00:00+00:00", checked)
    assert rebuilt.manifest["elm"]["programmes"], "some programmes are exported"
    assert _elm(rebuilt) == _elm(fresh)
    reused = _parts(rebuilt)["header"]["reused"]
    programmes = len(_parts(rebuilt)["parts"])
    assert 0 < reused < programmes  # what changed was projected again, the rest copied
    # The closing (organisations, concepts, the export's node) is the previous export's
    # when only titles changed; made again when an organisation it describes changed.
    closing = _parts(rebuilt)["closing"]
    assert closing.pop("reused") is (organisation is None)
    assert _parts(fresh)["closing"].pop("reused") is False

    def same(parts: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in parts.items() if k != "header"} | {
            "closing": {k: v for k, v in parts["closing"].items() if k != "reused"}
        }

    assert same(_parts(rebuilt)) == same(_parts(fresh))


def test_nothing_is_reused_after_a_large_change(generated: list[str], tmp_path: Path) -> None:
    _publish(tmp_path / "data", generated, "2026-11-01T10:00:00+00:00")
    changed = [line.replace('"@en', ' (revised)"@en') for line in generated]  # every text
    rebuilt = _publish(tmp_path / "data", changed, "2026-11-02T10:00:00+00:00")
    fresh = _publish(tmp_path / "fresh", changed, "2026-11-02T10:00:00+00:00")
    assert _parts(rebuilt)["header"]["reused"] == 0
    assert _elm(rebuilt) == _elm(fresh)


def test_parts_not_checked_are_not_reused_by_a_checked_build(
    generated: list[str], tmp_path: Path
) -> None:
    _publish(tmp_path / "data", generated, "2026-11-01T10:00:00+00:00", checked=False)
    changed = _changed(generated, 10, None, None)
    rebuilt = _publish(tmp_path / "data", changed, "2026-11-02T10:00:00+00:00", checked=True)
    assert _parts(rebuilt)["header"] == {**_parts(rebuilt)["header"], "checked": True, "reused": 0}
    assert rebuilt.manifest["elm"]["checked"] is True
