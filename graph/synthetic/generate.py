"""`generate()`: write the synthetic graph to a file, N-Quads or TriG, the same bytes for the
same seed and size, quads written as they are made."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.compare import to_canonical_graph

from ..build.load import read_ontology, read_vocabularies
from ..formats import BY_NAME, for_path
from ..iris import ONTOLOGY_GRAPH, VOCABULARY_GRAPH
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
