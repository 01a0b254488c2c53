"""`generate()`: write the synthetic graph to a file, N-Quads or TriG, the same bytes for the
same seed and size, quads written as they are made; `generate_folder()`: the same sources as a
sources folder, one file per source, which `prospectus build --sources DIR` publishes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.compare import to_canonical_graph

from ..build.load import read_ontology, read_vocabularies
from ..formats import BY_NAME, for_path
from ..iris import ONTOLOGY_GRAPH, ORDER_GRAPH, VOCABULARY_GRAPH, local_path
from .generator import Generator, GeneratorError
from .tables import TITLE_WORDS
from .terms import Block, Triple
from .vocab import extra_concepts

# What the generator writes (graph/formats.py): N-Quads (*.nq) or TriG (*.trig).
OUTPUT_FORMATS = (BY_NAME["nquads"], BY_NAME["trig"])


@dataclass
class Summary:
    """What was written, and a sample of it for the benchmark's query parameters."""

    path: Path
    programmes: int
    organisations: int
    quads: int
    seed: int
    sample_programmes: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    title_words: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "programmes": self.programmes,
            "organisations": self.organisations,
            "quads": self.quads,
            "seed": self.seed,
            "sample_programmes": self.sample_programmes,
            "countries": self.countries,
            "title_words": self.title_words,
        }


def _fixed_graphs(ontology: Graph, vocab: Graph) -> Dataset:
    """Ontology and vocabularies, blank nodes relabelled canonically (deterministic output)."""
    dataset = Dataset()
    for iri, graph in ((ONTOLOGY_GRAPH, ontology), (VOCABULARY_GRAPH, vocab)):
        target = dataset.graph(iri)
        for triple in to_canonical_graph(graph):
            target.add(triple)
    return dataset


def _write_blocks(out, blocks: Iterable[Block], fmt: str) -> int:  # noqa: ANN001
    count = 0
    for graph, triples in blocks:
        if fmt == "nquads":
            out.write("".join(f"{s} {p} {o} {graph} .\n" for s, p, o in triples))
        else:
            out.write(f"{graph} {{\n")
            out.write("".join(f"  {s} {p} {o} .\n" for s, p, o in triples))
            out.write("}\n")
        count += len(triples)
    return count


def generate(path: Path, programmes: int, seed: int = 1, fmt: str | None = None) -> Summary:
    """Write the synthetic graph to `path` (N-Quads, or TriG by suffix or `fmt`)."""
    if fmt is None:
        by_suffix = for_path(path.name)
        if by_suffix not in OUTPUT_FORMATS:
            raise GeneratorError(
                f"{path}: cannot tell the format from {path.suffix!r}; "
                f"name the file *.nq (N-Quads) or *.trig (TriG)"
            )
        fmt = by_suffix.name
    if fmt not in {f.name for f in OUTPUT_FORMATS}:
        names = ", ".join(f.name for f in OUTPUT_FORMATS)
        raise GeneratorError(f"unknown output format {fmt!r}; expected {names}")
    ontology = read_ontology()
    vocab = read_vocabularies()
    vocab += extra_concepts(vocab)
    generator = Generator(programmes, seed, vocab)
    fixed = _fixed_graphs(ontology, vocab)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="\n") as out:
        quads = _write_blocks(out, _fixed_blocks(fixed), fmt)
        quads += _write_blocks(out, generator.blocks(), fmt)
    tmp.replace(path)
    countries = sorted({o.country for o in generator.organisations})
    return Summary(
        path=path,
        programmes=programmes,
        organisations=len(generator.organisations),
        quads=quads,
        seed=seed,
        sample_programmes=generator.sample,
        countries=countries,
        title_words=list(TITLE_WORDS),
    )


def _fixed_blocks(dataset: Dataset) -> Iterator[Block]:
    """The ontology and vocabulary graphs as sorted N-Triples terms (rdflib gives hash order)."""
    blocks: dict[str, list[Triple]] = {}
    for line in sorted(dataset.serialize(format="nquads").splitlines()):
        if line.strip():
            spo, graph, _dot = line.rsplit(" ", 2)
            s, p, o = spo.split(" ", 2)
            blocks.setdefault(graph, []).append((s, p, o))
    yield from blocks.items()


def _file_name(graph: str) -> str:
    """<…/id/source/{slug}> -> '{slug}.nq' (graph/ingest/records.py names its files alike)."""
    local = local_path(graph.strip("<>")) or graph.strip("<>")
    return local.removeprefix("source/").replace("/", ".") + ".nq"


def generate_folder(folder: Path, programmes: int, seed: int = 1) -> Summary:
    """Write the synthetic sources into `folder`, one N-Quads file per source (one named
    graph each: a programme's page segment, or the curation record), as a sources folder
    holds them (graph/build/load.py). The ontology, the vocabularies and the catalogue order
    are the build's own and not written; the EU concepts the bundled vocabulary snapshot
    lacks (graph/synthetic/vocab.py) go into the curation record's graph. Files of an
    earlier run that this one does not write are removed, so the folder holds this run."""
    if folder.exists() and not folder.is_dir():
        raise GeneratorError(f"{folder}: not a folder")
    vocab = read_vocabularies()
    extra = extra_concepts(vocab)
    vocab += extra
    generator = Generator(programmes, seed, vocab)
    folder.mkdir(parents=True, exist_ok=True)
    extra_triples = [tuple(t.n3() for t in triple) for triple in sorted(extra)]
    written: set[str] = set()
    quads = 0
    for graph, triples in generator.blocks():
        if graph == f"<{ORDER_GRAPH}>":
            continue
        if graph == generator.curation_graph:
            triples = [*triples, *extra_triples]  # type: ignore[list-item]
        name = _file_name(graph)
        tmp = folder / f".{name}.part"
        with tmp.open("w", encoding="utf-8", newline="\n") as out:
            quads += _write_blocks(out, [(graph, triples)], "nquads")
        tmp.replace(folder / name)
        written.add(name)
    for stale in folder.glob("*.nq"):
        if stale.name not in written:
            stale.unlink()
    return Summary(
        path=folder,
        programmes=programmes,
        organisations=len(generator.organisations),
        quads=quads,
        seed=seed,
        sample_programmes=generator.sample,
        countries=sorted({o.country for o in generator.organisations}),
        title_words=list(TITLE_WORDS),
    )
