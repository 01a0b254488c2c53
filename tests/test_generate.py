"""The synthetic generator (graph/synthetic/): parses, keeps the graph layout, is deterministic
for a seed and passes the project's SHACL shapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, URIRef
from rdflib.compare import isomorphic

from graph.build.load import read_ontology
from graph.build.validate import read_shapes, validate
from graph.iris import ID, ONTOLOGY_GRAPH, ORDER_GRAPH, VOCABULARY_GRAPH
from graph.synthetic.generate import generate
from graph.synthetic.generator import GeneratorError
from server.cli import cli

PREFIXES = """
PREFIX pro: <https://w3id.org/prospectus/ontology#>
PREFIX elm: <http://data.europa.eu/snb/model/elm/>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


def _read(path: Path) -> Dataset:
    dataset = Dataset(default_union=True)
    dataset.parse(path, format="trig" if path.suffix == ".trig" else "nquads")
    return dataset


def _ask(dataset: Dataset, query: str) -> list[tuple]:
    return [tuple(row) for row in dataset.query(PREFIXES + query)]


@pytest.fixture(scope="module")
def twenty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Dataset]:
    path = tmp_path_factory.mktemp("gen") / "twenty.nq"
    summary = generate(path, 20, seed=7)
    assert summary.programmes == 20
    return path, _read(path)


def test_one_segment_graph_per_programme_with_its_provenance(twenty: tuple[Path, Dataset]) -> None:
    _path, dataset = twenty
    rows = _ask(
        dataset,
        """
        SELECT ?programme ?g WHERE {
            GRAPH ?g { ?programme a pro:StudyProgramme .
                       ?g a pro:SourceSegment ; prov:wasDerivedFrom ?capture ;
                          prov:wasGeneratedBy ?activity .
                       ?capture a pro:PageCapture ; prov:wasQuotedFrom ?page .
                       ?activity prov:used ?capture . } }""",
    )
    assert len(rows) == 20
    assert len({g for _p, g in rows}) == 20  # one graph each
    graphs = {URIRef(g.identifier) for g in dataset.graphs()}
    assert {ONTOLOGY_GRAPH, VOCABULARY_GRAPH} <= graphs
    curation = [g for g in graphs if str(g).startswith(str(ID["source/synthetic-curation"]))]
    assert len(curation) == 1
    assert (curation[0], None, None) in dataset.graph(curation[0])
    fields = _ask(
        dataset,
        f"""SELECT ?p WHERE {{ GRAPH <{curation[0]}> {{
                                    ?p pro:fieldOfEducation ?f }} }}""",
    )
    assert len(fields) == 20


def test_programmes_carry_the_facts_the_benchmark_queries(twenty: tuple[Path, Dataset]) -> None:
    _path, dataset = twenty
    rows = _ask(
        dataset,
        """
        SELECT ?p ?credits ?country ?lang ?seq WHERE {
            ?p a pro:StudyProgramme ; dct:title ?title ; elm:creditPoint/rdf:value ?credits ;
               elm:providedBy/schema:address/schema:addressCountry ?country ;
               elm:defaultLanguage ?lang ;
               pro:hasComponent/pro:sequenceIndex ?seq ;
               pro:awards/elm:EQFLevel ?eqf .
            ?offering pro:offeringOf ?p ; pro:tuitionFee/pro:amount ?fee ;
               pro:applicationDeadline/pro:date ?deadline .
            ?country skos:prefLabel ?countryName .
        }""",
    )
    assert len({r[0] for r in rows}) == 20
    assert {int(r[1]) for r in rows} <= {60, 90, 120}


def test_variety_at_a_few_hundred_programmes(tmp_path: Path) -> None:
    path = tmp_path / "more.nq"
    summary = generate(path, 300, seed=3)
    dataset = _read(path)
    credits = {
        int(r[0])
        for r in _ask(dataset, "SELECT DISTINCT ?c WHERE { ?p elm:creditPoint/rdf:value ?c }")
    }
    assert credits == {60, 90, 120}
    langs = _ask(dataset, "SELECT DISTINCT ?l WHERE { ?p elm:defaultLanguage ?l }")
    fields = _ask(dataset, "SELECT DISTINCT ?f WHERE { ?p pro:fieldOfEducation ?f }")
    titles = _ask(dataset, "SELECT DISTINCT ?t WHERE { ?p a pro:StudyProgramme ; dct:title ?t }")
    assert len(langs) >= 5 and len(fields) >= 20 and len(titles) >= 200
    assert len(summary.countries) >= 5
    joint = _ask(
        dataset,
        """SELECT ?p (COUNT(DISTINCT ?country) AS ?n) WHERE {
        ?p pro:consortium ?c ; elm:providedBy/schema:address/schema:addressCountry ?country }
        GROUP BY ?p""",
    )
    assert joint and all(int(n) >= 2 for _p, n in joint)
    assert all(
        isinstance(iri, str) and iri.startswith(str(ID)) for iri in summary.sample_programmes
    )


def test_same_seed_same_bytes_other_seed_other_graph(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.nq", tmp_path / "b.nq", tmp_path / "c.nq"
    generate(a, 5, seed=11)
    generate(b, 5, seed=11)
    generate(c, 5, seed=12)
    assert a.read_bytes() == b.read_bytes()
    titles = "SELECT ?t WHERE { ?p a pro:StudyProgramme ; dct:title ?t }"
    assert set(_ask(_read(a), titles)) != set(_ask(_read(c), titles))


def test_trig_holds_the_same_graphs_as_nquads(tmp_path: Path) -> None:
    nq, trig = tmp_path / "g.nq", tmp_path / "g.trig"
    generate(nq, 5, seed=2)
    generate(trig, 5, seed=2)
    one, two = _read(nq), _read(trig)
    names = {URIRef(g.identifier) for g in one.graphs() if len(g)}
    assert names == {URIRef(g.identifier) for g in two.graphs() if len(g)}
    for name in names:
        assert isomorphic(one.graph(name), two.graph(name)), name


def test_passes_the_shapes(twenty: tuple[Path, Dataset]) -> None:
    path, _dataset = twenty
    dataset = Dataset()
    dataset.parse(path, format="nquads")
    report = validate(dataset, read_shapes(), read_ontology())
    assert report.violations == [], "\n\n".join(v.render() for v in report.violations[:5])


def test_cli_generate_and_its_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cli.nq"
    result = runner.invoke(cli, ["generate", "--programmes", "3", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert len(_ask(_read(out), "SELECT ?p WHERE { ?p a pro:StudyProgramme }")) == 3
    bad = runner.invoke(cli, ["generate", "--programmes", "3", "--output", str(tmp_path / "x.ttl")])
    assert bad.exit_code == 2
    assert "x.ttl" in bad.output and "*.nq" in bad.output
    zero = runner.invoke(cli, ["generate", "--programmes", "0"])
    assert zero.exit_code == 2


def test_bad_size_is_a_typed_error(tmp_path: Path) -> None:
    with pytest.raises(GeneratorError, match="at least 1"):
        generate(tmp_path / "none.nq", 0)


def test_the_catalogue_order_is_the_one_the_build_computes(twenty: tuple[Path, Dataset]) -> None:
    """graph/synthetic/ writes id:graph/order itself; it must equal graph/build/order.py's."""
    from graph.build import order

    _path, dataset = twenty
    written = dataset.graph(ORDER_GRAPH)
    computed = order.order_graph(dataset)
    assert len(written) == 20 + len(order.describe_graph())
    assert isomorphic(written, computed)
    rows = _ask(
        dataset,
        """
        SELECT ?title WHERE { ?p pro:listPosition ?pos ; dct:title ?title } ORDER BY ?pos""",
    )
    titles = [str(title) for (title,) in rows]
    assert titles == sorted(titles)
