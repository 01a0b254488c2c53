"""Golden outputs: what the build and the server produce for fixed inputs, kept in
tests/golden/ and compared by tests/test_golden.py (RDF as graphs, JSON as data).

`make golden` (`python -m tests.golden_regen`) writes them again after an intended change;
review the diff before committing it. The inputs are the test fixtures, not the bundled
sources, so editing a source page changes no golden file; a change of what the code makes
of the same input does.

What varies between two runs is normalised: the version is published at a fixed time
(`NOW`), its id and the SHA-256 of its dataset.nq are replaced by placeholders, and pages
are rendered as of a fixed day (`TODAY`).
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF

from graph import settings, versions
from graph.build.pipeline import publish_dataset
from graph.clock import FixedClock
from graph.iris import PREFIXES
from server import create_app
from tests.support.publishing import canonical_nquads

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
DATASET_FIXTURE = HERE / "data" / "dumps" / "dataset.trig"
PAGES_FIXTURE = HERE / "data" / "pages" / "programme.trig"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
TODAY = date(2026, 9, 1)
SITE = "http://127.0.0.1:8080"
PROGRAMME_DOC = "/doc/programme/ku-leuven/pioneer"
VERSION_PLACEHOLDER = "VERSION-ID"
DATASET_SHA256_PLACEHOLDER = "SHA256-OF-DATASET-NQ"
# Headers of a dump download that depend only on the dump (not on the request or the day).
DUMP_HEADERS = (
    "Content-Type",
    "Content-Length",
    "ETag",
    "Last-Modified",
    "Cache-Control",
    "Accept-Ranges",
)


@dataclass(frozen=True)
class Published:
    data_dir: Path
    version: versions.Version

    def normalise(self, text: str) -> str:
        """`text` with the version id and the dataset digest replaced by placeholders (also
        where an IRI holds them in lower case)."""
        for value, placeholder in (
            (self.version.id, VERSION_PLACEHOLDER),
            (self.version.manifest["sha256"], DATASET_SHA256_PLACEHOLDER),
        ):
            text = re.sub(re.escape(value), placeholder, text, flags=re.IGNORECASE)
        return text


def publish_fixture(work: Path) -> Published:
    """tests/data/dumps/dataset.trig published as the build does, at `NOW`."""
    dataset = Dataset()
    dataset.parse(DATASET_FIXTURE, format="trig")
    lines = canonical_nquads(dataset)  # blank nodes labelled per source, as the reading does
    data_dir = work / "data"
    version, _new = publish_dataset(data_dir, lines, now=NOW)
    return Published(data_dir, version)


def _namespace(iri: str) -> str:
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1]


def _turtle(ntriples: str) -> str:
    """Turtle of the graph, stable from run to run: blank nodes canonically labelled, the
    project's prefixes, other namespaces bound in sorted order (ns1, ns2, …)."""
    graph = to_canonical_graph(Graph().parse(data=ntriples, format="nt"))
    out = Graph(bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        out.bind(prefix, namespace)
    used = {_namespace(str(p)) for p in graph.predicates()}
    used |= {_namespace(str(o)) for o in graph.objects(None, RDF.type)}
    others = sorted(used - set(PREFIXES.values()))
    for number, namespace in enumerate(others, start=1):
        out.bind(f"ns{number}", namespace)
    for triple in graph:
        out.add(triple)
    return out.serialize(format="turtle")


def description(published: Published) -> str:
    """The VoID / DCAT-AP description served at /.well-known/void."""
    app = create_app(
        settings.load({"data_dir": str(published.data_dir), "public_url": SITE}, environ={})
    )
    response = app.test_client().get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.get_data(as_text=True)
    served = Graph().parse(data=response.data, format="turtle")
    return _turtle(published.normalise(served.serialize(format="nt")))


def manifest(published: Published) -> str:
    """The version's manifest.json."""
    text = json.dumps(published.version.manifest, indent=2, sort_keys=True)
    return published.normalise(text) + "\n"


def dump_headers(published: Published) -> str:
    """For each dump, the headers of its download that depend on the dump alone."""
    app = create_app(settings.load({"data_dir": str(published.data_dir)}, environ={}))
    client = app.test_client()
    headers = {}
    for record in published.version.manifest["dumps"]:
        response = client.get(f"/dumps/{published.version.id}/{record['file']}", buffered=True)
        assert response.status_code == 200, record["file"]
        headers[record["file"]] = {name: response.headers.get(name) for name in DUMP_HEADERS}
        response.close()
    return published.normalise(json.dumps(headers, indent=2, sort_keys=True)) + "\n"


def resource_document(_published: Published) -> str:
    """The Turtle document about the PIONEER programme of tests/data/pages/programme.trig."""
    with tempfile.TemporaryDirectory() as empty:
        app = create_app(
            settings.load({"data_dir": empty}, environ={}),
            data_files=[PAGES_FIXTURE],
            clock=FixedClock(TODAY),
        )
        try:
            response = app.test_client().get(PROGRAMME_DOC + ".ttl")
            assert response.status_code == 200, response.get_data(as_text=True)
            served = Graph().parse(data=response.data, format="turtle")
        finally:
            app.extensions["prospectus"].store.close()
    return _turtle(served.serialize(format="nt"))


@dataclass(frozen=True)
class Golden:
    file: str
    kind: str  # "turtle" (compared as graphs) or "json" (compared as data)
    produce: Callable[[Published], str]


GOLDENS = (
    Golden("description.ttl", "turtle", description),
    Golden("manifest.json", "json", manifest),
    Golden("dump-headers.json", "json", dump_headers),
    Golden("resource-pioneer.ttl", "turtle", resource_document),
)


def produce_all(work: Path) -> dict[str, str]:
    """File name -> freshly produced, normalised text of every golden output."""
    published = publish_fixture(work)
    return {golden.file: golden.produce(published) for golden in GOLDENS}


def main() -> int:
    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        produced = produce_all(Path(work))
    for name, text in produced.items():
        path = GOLDEN / name
        before = path.read_text(encoding="utf-8") if path.exists() else None
        path.write_text(text, encoding="utf-8")
        print(f"{'unchanged' if before == text else 'written'}: {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
