"""A copy of the repository alone in a folder builds, validates, exports and serves.

The copy holds the files git tracks (plus new files not yet committed, not ignored), in a
temporary folder with nothing beside it: no `../shared`. The commands run from the copy with
this virtualenv's interpreter and the copy first on PYTHONPATH, so its own `graph` and
`server` packages are the ones imported (checked). The official shapes are then passed
explicitly, as a user who has them would, to show that the checks still run from a clone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from graph.iris import ELM, PRO
from tests.conftest import REF, ROOT, free_port

PIONEER = URIRef("https://w3id.org/prospectus/id/programme/kuleuven/pioneer")
CLI = "import sys; from server.cli import cli; sys.exit(cli())"


def tracked_files(root: Path) -> list[str]:
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    return sorted({name for name in listing.split("\0") if name and (root / name).is_file()})


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    alone = tmp_path_factory.mktemp("alone")
    copy = alone / "prospectus"
    for name in tracked_files(ROOT):
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    assert [p.name for p in alone.iterdir()] == ["prospectus"], "nothing beside the copy"
    assert not (alone / "shared").exists()
    return copy


def env_for(copy: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROSPECTUS_")}
    env["PYTHONPATH"] = str(copy)
    return env


def run(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CLI, *args],
        cwd=copy,
        env=env_for(copy),
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_copy_imports_its_own_packages(clone: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import graph, server; print(graph.__file__); print(server.__file__)",
        ],
        cwd=clone,
        env=env_for(clone),
        capture_output=True,
        text=True,
        check=True,
    )
    for line in result.stdout.splitlines():
        assert Path(line).is_relative_to(clone), line


@pytest.fixture(scope="module")
def built(clone: Path) -> Path:
    result = run(clone, "build")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "published: version" in result.stdout
    assert "not checked against the official ELM shapes" in result.stderr
    assert (clone / "var" / "current" / "dumps" / "elm.ttl").is_file()
    return clone


def test_build_publishes_without_anything_beside_the_clone(built: Path) -> None:
    dumps = {p.name for p in (built / "var" / "current" / "dumps").iterdir()}
    assert {"dataset.nq.gz", "dataset.nt.gz", "dataset.ttl", "dataset.jsonld", "elm.ttl"} <= dumps


def test_validate_in_the_clone(clone: Path) -> None:
    result = run(clone, "validate")
    assert result.returncode == 0, result.stderr
    assert "conforms" in result.stdout


def test_export_elm_in_the_clone(built: Path) -> None:
    result = run(built, "export", "elm")
    assert result.returncode == 0, result.stderr
    assert "not checked against the official ELM shapes" in result.stderr
    graph = Graph().parse(data=result.stdout, format="turtle")
    assert (PIONEER, RDF.type, ELM.LearningOpportunity) in graph


def test_the_official_shapes_can_be_passed_to_the_clone(built: Path) -> None:
    result = run(built, "export", "elm", "--reference-shapes", str(REF))
    assert result.returncode == 0, result.stderr
    assert f"conforms to the official ELM shapes in {REF.resolve()}" in result.stderr
    described = run(built, "--setting", f"reference_shapes_dir={REF}", "export", "dataset")
    assert described.returncode == 0, described.stderr
    assert "conforms to the official DCAT-AP shapes" in described.stderr


@pytest.fixture
def served(built: Path) -> Iterator[str]:
    port = free_port()
    env = env_for(built) | {"PROSPECTUS_WORKERS": "1", "PROSPECTUS_QUERY_PROCESSES": "1"}
    log = built / "serve.log"
    with open(log, "wb") as fh:
        process = subprocess.Popen(
            [sys.executable, "-c", CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=built,
            env=env,
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                requests.get(url + "/", timeout=5)
                break
            except requests.RequestException:  # not listening yet
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.live
def test_serve_in_the_clone(served: str) -> None:
    home = requests.get(served + "/", timeout=30)
    assert home.status_code == 200
    ask = f"ASK {{ <{PIONEER}> a <{PRO.StudyProgramme}> }}"
    answer = requests.get(
        served + "/sparql",
        params={"query": ask},
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert answer.status_code == 200
    assert answer.json()["boolean"] is True
