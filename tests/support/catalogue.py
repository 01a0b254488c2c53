"""A synthetic catalogue published as a version, for the live tests of the catalogue pages
(tests/test_catalogue_pages.py, tests/test_browser.py): `prospectus generate`'s programmes,
plus a few with non-English titles placed at the end of the catalogue order, published with
the writers the pages read (statistics, the search index, the facet counts) and the on-disk
store. Without pySHACL validation, so that a few thousand programmes publish in seconds."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from graph.build.pipeline import publish_dataset
from graph.build.writers.facets import write_facets
from graph.build.writers.search_index import write_search_index
from graph.build.writers.statistics import write_statistics
from graph.iris import ORDER_GRAPH
from graph.synthetic.generate import generate
from graph.versions import Version

EXTRA = "https://w3id.org/prospectus/id/programme/catalogue-test/"
GRAPH = "https://w3id.org/prospectus/id/source/catalogue-test"
PRO = "https://w3id.org/prospectus/ontology#"
DCT = "http://purl.org/dc/terms/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
# slug -> (title, language)
NON_ENGLISH = {
    "fahrzeug": ("Master Fahrzeugtechnik: Elektrische Fahrzeuge", "de"),
    "rechten": ("Bachelor in de rechten en de politieke wetenschappen", "nl"),
    "hostile": ('<script>alert("x")</script> Zanzibarkunde', "de"),
}


def _extra_quads(first_position: int) -> list[ox.Quad]:
    graph, order = ox.NamedNode(GRAPH), ox.NamedNode(str(ORDER_GRAPH))
    quads = []
    for n, (slug, (title, lang)) in enumerate(NON_ENGLISH.items()):
        s = ox.NamedNode(EXTRA + slug)
        quads += [
            ox.Quad(s, ox.NamedNode(RDF_TYPE), ox.NamedNode(PRO + "StudyProgramme"), graph),
            ox.Quad(s, ox.NamedNode(DCT + "title"), ox.Literal(title, language=lang), graph),
            ox.Quad(
                s,
                ox.NamedNode(PRO + "listPosition"),
                ox.Literal(str(first_position + n), datatype=ox.NamedNode(XSD_INTEGER)),
                order,
            ),
        ]
    return quads


def publish_synthetic(data_dir: Path, programmes: int, seed: int = 3) -> Version:
    """Publish `programmes` synthetic programmes and NON_ENGLISH in `data_dir`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    generated = data_dir.parent / f"generated-{programmes}.nq"
    generate(generated, programmes, seed=seed)
    extra = ox.serialize(_extra_quads(programmes + 1), format=ox.RdfFormat.N_QUADS) or b""
    with open(generated, "ab") as out:
        out.write(extra)
    with open(generated, encoding="utf-8") as lines:
        version, _new = publish_dataset(
            data_dir,
            lines,
            writers=(write_statistics, write_search_index, write_facets),
            load_store=True,
        )
    generated.unlink()
    return version
