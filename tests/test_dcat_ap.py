"""The dataset description conforms to the official DCAT-AP 3.0.1 shapes (../shared/ref)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from graph import versions
from graph.build import reference
from graph.build.pipeline import WRITERS
from graph.iris import DCAT, SPDX
from graph.read import dataset_description
from tests.conftest import PROSPECTUS, REF, ROOT
from tests.support.publishing import copy_graph, fixture_dataset, make_client, publish_fixture

BASE = "https://w3id.org/prospectus/id/"
DATASET = URIRef(BASE + "dataset/prospectus")


@pytest.fixture(scope="module")
def fixture_description(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    data_dir = tmp_path_factory.mktemp("dcat") / "data"
    publish_fixture(data_dir, writers=WRITERS)
    changed = fixture_dataset()
    changed.remove((URIRef(BASE + "offering/example/msc-example/2022"), None, None, None))
    current = publish_fixture(data_dir, changed, writers=WRITERS)
    return dataset_description.describe_dataset(
        current,
        versions.retained(data_dir),
        dataset_description.Site(BASE, "http://127.0.0.1:8080"),
    )


def violations(graph: Graph) -> list[str]:
    return [v.render() for v in reference.check_dcat_ap(graph, REF).violations]


def test_description_conforms(fixture_description: Graph) -> None:
    assert violations(fixture_description) == []


def test_every_shapes_file_is_used() -> None:
    shapes = reference.dcat_ap_shapes(REF)
    assert len(shapes) == len(reference.DCAT_AP_SHAPES_FILES) == 4
    sh = "http://www.w3.org/ns/shacl#"
    targets = set().union(*(set(g.objects(None, URIRef(sh + "targetClass"))) for g in shapes))
    assert {DCAT.Catalog, DCAT.Dataset, DCAT.Distribution, DCAT.DataService} <= targets


def test_a_missing_title_is_a_violation(fixture_description: Graph) -> None:
    broken = copy_graph(fixture_description)
    broken.remove((DATASET, DCTERMS.title, None))
    found = violations(broken)
    assert found and any(str(DCTERMS.title) in v for v in found)


def test_an_unlisted_file_type_is_a_violation(fixture_description: Graph) -> None:
    broken = copy_graph(fixture_description)
    distribution = next(broken.objects(DATASET, DCAT.distribution))
    made_up = URIRef("https://example.org/file-type/TURTLE")
    broken.set((distribution, DCTERMS["format"], made_up))
    broken.add((made_up, RDF.type, DCTERMS.MediaTypeOrExtent))
    broken.add((made_up, RDF.type, SKOS.Concept))
    broken.add((made_up, SKOS.prefLabel, Literal("Turtle", lang="en")))
    assert any(str(DCTERMS["format"]) in v for v in violations(broken))


def test_a_second_checksum_is_a_violation(fixture_description: Graph) -> None:
    broken = copy_graph(fixture_description)
    distribution = next(broken.objects(DATASET, DCAT.distribution))
    checksum = URIRef("https://example.org/checksum")
    broken.add((distribution, SPDX.checksum, checksum))
    broken.add((checksum, RDF.type, SPDX.Checksum))
    assert any(str(SPDX.checksum) in v for v in violations(broken))


def test_bundled_description_conforms(built_data_dir: Path) -> None:
    """The description the server gives for the real bundled build."""
    client = make_client(built_data_dir, public_url="https://prospectus.example.org")
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format="turtle")
    assert (DATASET, RDF.type, DCAT.Dataset) in graph
    assert violations(graph) == []


def export_dataset(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PROSPECTUS, "export", "dataset", *args],
        env={**os.environ, "PROSPECTUS_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def test_cli_export_checks_the_description_when_given_the_official_shapes(
    built_data_dir: Path,
) -> None:
    result = export_dataset(built_data_dir, "--reference-shapes", str(REF))
    assert result.returncode == 0, result.stderr
    assert f"conforms to the official DCAT-AP shapes in {REF.resolve()}" in result.stderr
    graph = Graph().parse(data=result.stdout, format="turtle")
    assert (DATASET, RDF.type, DCAT.Dataset) in graph
    assert violations(graph) == []


def test_cli_export_without_the_official_shapes_says_it_did_not_check(
    built_data_dir: Path,
) -> None:
    result = export_dataset(built_data_dir, "--format", "jsonld")
    assert result.returncode == 0, result.stderr
    assert "not checked against the official DCAT-AP shapes" in result.stderr
    graph = Graph().parse(data=result.stdout, format="json-ld")
    assert (DATASET, RDF.type, DCAT.Dataset) in graph


def test_cli_export_with_nothing_published_exits_2(tmp_path: Path) -> None:
    result = export_dataset(tmp_path / "empty")
    assert result.returncode == 2
    assert "nothing is published" in result.stderr and "Traceback" not in result.stderr
