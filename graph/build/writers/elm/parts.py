"""The ELM export one programme at a time: each programme's part of dumps/elm.ttl, what it read,
and the index (`elm-parts.json` in the version's folder) a rebuild reuses it from.

A programme's part is a function of what its projection read from the version: the subjects
whose quads it asked for and the patterns (`? p o`) whose answers it asked for. `Recording`
(a StagedLookup) notes them; each is kept as a 32-bit digest (`key_hash`). A rebuild after a
small change (the N-Quads lines added and removed, graph/store/nquads_diff.py) marks as
changed every subject and every pattern a changed line answers (`changed_keys`); a programme
none of whose keys is marked reads exactly the same answers as before, so its part, the
organisations and concepts it uses and the reason it is skipped are those of the previous
version, copied. A digest shared by chance only recomputes a part that did not need it.

The part of a programme is canonical (RDFC-1.0) Turtle with its blank nodes labelled by the
programme (`label_of`), so the same answers give the same bytes, in any build.
"""

from __future__ import annotations

import base64
import hashlib
import json
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from ....canonical import turtle, union_triples_written
from ....errors import PublishError
from ....iris import ADMS, ROV, default_site_url
from ....store.sorted_nquads import SortedNQuads
from ....store.staged import StagedLookup, union_graph
from ....store.terms import to_oxigraph
from ....versions import DATASET_FILE, STORE_DIR
from ...reference import check_elm
from .builder import PageUrls
from .projection import ProgrammeBuilder

PARTS_FILE = "elm-parts.json"
PREFIXES = {"adms": str(ADMS), "rov": str(ROV)}
FORMAT = 1
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_HERE = Path(__file__).resolve().parent


def code_digest() -> str:
    """What the parts are made by: the export's code, the lookups', the libraries' versions."""
    digest = hashlib.sha256(f"{FORMAT} {ox.__version__} {rdflib.__version__}".encode())
    graph_dir = _HERE.parents[2]
    files = [
        *sorted(_HERE.glob("*.py")),
        graph_dir / "canonical.py",
        graph_dir / "iris.py",
        graph_dir / "read" / "text.py",
        graph_dir / "store" / "staged.py",
        graph_dir / "store" / "terms.py",
    ]
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


# what a projection reads ---------------------------------------------------------------
def _text(term: Node | None) -> str:
    """A term as a key: IRIs and blank nodes exactly; a string exactly; another literal by its
    datatype alone (the store matches a typed literal by value, whatever its lexical form)."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        if term.language:
            return f'"{term}"@{term.language.lower()}'
        datatype = str(term.datatype) if term.datatype else _XSD_STRING
        return f'"{term}"' if datatype == _XSD_STRING else f"^^<{datatype}>"
    return str(term)


def _ox_text(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        if term.language:
            return f'"{term.value}"@{term.language.lower()}'
        datatype = term.datatype.value
        return f'"{term.value}"' if datatype == _XSD_STRING else f"^^<{datatype}>"
    return str(term)


def key_hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=4).digest(), "big")


def subject_key(subject: str) -> str:
    return "s" + subject


def pattern_key(predicate: str, obj: str) -> str:
    return f"p{predicate}\x00{obj}"


class Recording(StagedLookup):
    """A StagedLookup that notes the subjects and patterns asked for into `read`."""

    read: set[str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read = set()

    def subject_quads(self, subject: Node) -> tuple[Any, ...]:
        self.read.add(subject_key(_text(subject)))
        return super().subject_quads(subject)

    def _by_object(self, predicate: Node | None, obj: Node | None) -> tuple[Any, ...]:
        self.read.add(pattern_key(_text(predicate), _text(obj)))
        found = super()._by_object(predicate, obj)
        for quad in found:  # the answer is read through those subjects too
            self.read.add(subject_key(_text(quad[0])))
        return found

    def subjects_for(self, predicate: Node | None, obj: Node | None) -> list[Node]:
        self.read.add(pattern_key(_text(predicate), _text(obj)))
        found = super().subjects_for(predicate, obj)
        self.read.update(subject_key(_text(s)) for s in found)
        return found

    def keys(self) -> bytes:
        """The sorted digests of what was read (array of uint32)."""
        return array("I", sorted({key_hash(k) for k in self.read})).tobytes()


def changed_keys(paths: Iterable[Path]) -> set[int]:
    """The digests of every key a line of `paths` (N-Quads) answers: its subject, and the
    patterns (p o), (? o), (p ?), (? ?) it matches."""
    found: set[str] = {pattern_key("", "")}
    for path in paths:
        for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
            p, o = _ox_text(quad.predicate), _ox_text(quad.object)
            found.add(subject_key(_ox_text(quad.subject)))
            found.update(
                (pattern_key(p, o), pattern_key("", o), pattern_key(p, ""), pattern_key("", ""))
            )
    return {key_hash(k) for k in found}


def label_of(programme: str) -> str:
    """The prefix of a programme's blank-node labels: its own, whatever else is exported."""
    return "p" + hashlib.blake2b(programme.encode("utf-8"), digest_size=8).hexdigest() + "x"


# one programme -------------------------------------------------------------------------
@dataclass
class Part:
    """A programme's part of the export."""

    programme: str
    skipped: str | None = None  # why it is left out
    text: bytes = b""  # its Turtle, without prefixes
    statements: int = 0
    organisations: list[str] = field(default_factory=list)
    concepts: list[str] = field(default_factory=list)
    keys: bytes = b""  # the sorted digests of what it read (array of uint32)

    def record(self, at: int, names: dict[str, int]) -> list[Any]:
        """Its line in the index, at offset `at` of the export; `names` numbers the IRIs."""

        def number(iri: str) -> int:
            return names.setdefault(iri, len(names))

        return [
            self.programme,
            self.skipped,
            at,
            len(self.text),
            self.statements,
            [number(o) for o in self.organisations],
            [number(c) for c in self.concepts],
            base64.b64encode(self.keys).decode("ascii"),
        ]


def turtle_of(graph: Graph, label: str) -> tuple[bytes, int]:
    """`graph` as Turtle without prefixes, blank nodes canonical then prefixed by `label`;
    the bytes (empty, or ending with a new line) and the number of statements."""
    dataset = ox.Dataset(
        ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))  # type: ignore[arg-type]
        for s, p, o in graph
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)

    def own(term: Any) -> Any:
        return ox.BlankNode(label + term.value) if isinstance(term, ox.BlankNode) else term

    triples = [  # only a triple whose text holds "_:" can have a blank node
        ox.Triple(own(t.subject), t.predicate, own(t.object)) if "_:" in text else t
        for text, t in union_triples_written(dataset)
    ]
    if not triples:
        return b"", 0
    text = b"\n".join(
        line for line in turtle(triples, PREFIXES).split(b"\n") if not line.startswith(b"@prefix")
    ).strip(b"\n")
    return b"\n" + text + b"\n", len(triples)


class PartBuilder(ProgrammeBuilder):
    """A ProgrammeBuilder that notes the organisations a programme uses (`used`) instead of
    describing them: they are described once, after the programmes (`describe_used`).

    Its graphs have rdflib's SimpleMemory store: no contexts and no per-context indexes to
    keep, where the export adds each statement of every programme (at 10,000 programmes,
    one process, the export took 28 s instead of 33 s with the same bytes). A batch checked
    against the official shapes is copied into a context-aware graph (`project_batch`)."""

    STORE = "SimpleMemory"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.used: set[URIRef] = set()
        self.described: set[URIRef] = set()
        self._describing = False

    def organisation(self, org: URIRef) -> None:
        if self._describing:
            super().organisation(org)
        else:
            self.used.add(org)

    def describe_used(self) -> None:
        """Describe the organisations used so far (into `shared`)."""
        self._describing = True
        try:
            for org in sorted(self.used - self.described):
                super().organisation(org)
        finally:
            self._describing = False
        self.described |= self.used


class Projector:
    """Projects programmes of one staged version, one at a time, noting what each read."""

    def __init__(self, version_dir: Path, base_iri: str):
        self.quads_file = SortedNQuads(version_dir / DATASET_FILE)
        self.lookup = Recording(self.quads_file, ox.Store.read_only(str(version_dir / STORE_DIR)))
        url = PageUrls(default_site_url(base_iri), base_iri)
        self.builder = PartBuilder(union_graph(self.lookup), url, Graph(store=PartBuilder.STORE))
        self.used: set[URIRef] = set()  # concepts used by the programmes projected here

    def part(self, programme: str) -> tuple[Part, Graph]:
        builder, lookup = self.builder, self.lookup
        node = URIRef(programme)
        builder.start_batch()
        builder.concepts = set()
        lookup.read = set()
        part = Part(programme)
        part.skipped = builder.missing(node)
        used, builder.used = builder.used, set()
        if part.skipped is None:
            builder.programme(node)
            part.text, part.statements = turtle_of(builder.out, label_of(programme))
        part.organisations = sorted(str(o) for o in builder.used)
        builder.used |= used
        part.concepts = sorted(str(c) for c in builder.concepts)
        self.used |= builder.concepts
        part.keys = lookup.keys()
        return part, builder.out


_PROJECTORS: dict[tuple[str, str], Projector] = {}


def project_batch(job: tuple[str, str, str | None, list[str]]) -> list[Part]:
    """The parts of a batch of programmes (run in a worker process, or in this one), checked
    against the official shapes when a reference folder is given, with the organisations
    and the concepts they use."""
    version_dir, base_iri, reference, programmes = job
    projector = _PROJECTORS.get((version_dir, base_iri))
    if projector is None:
        projector = _PROJECTORS[(version_dir, base_iri)] = Projector(Path(version_dir), base_iri)
    parts = []
    checked = Graph()
    projector.lookup.prefetch(URIRef(p) for p in programmes)  # their lines in one parse
    for programme in programmes:
        part, out = projector.part(programme)
        parts.append(part)
        if reference:
            checked += out
    if reference:
        builder = projector.builder
        builder.concepts = set()
        builder.describe_used()
        projector.used |= builder.concepts  # the organisations' countries
        checked += builder.shared
        out, builder.out = builder.out, checked
        builder.concepts = set(projector.used)
        builder.describe_concepts()
        builder.out = out
        check(checked, Path(reference))
    return parts


def forget_projectors() -> None:
    """Close what the projections of this process opened (the parent's, after a build)."""
    for projector in _PROJECTORS.values():
        projector.quads_file.close()
    _PROJECTORS.clear()


def check(graph: Graph, reference_dir: Path) -> None:
    report = check_elm(graph, reference_dir)
    if report.violations:
        first = "\n\n".join(v.render() for v in report.violations[:5])
        raise PublishError(
            f"the ELM export does not conform to the ELM shapes "
            f"({len(report.violations)} violations):\n{first}"
        )


# the index -----------------------------------------------------------------------------
@dataclass
class Previous:
    """A previous version's parts: what can be reused, and where its bytes are."""

    export: Path
    records: dict[str, list[Any]]
    names: list[str]
    changed: set[int]
    closing: dict[str, Any] | None = None  # its closing's record (write.py `closing`)

    def closing_text(self, inputs: str, fh: Any) -> tuple[bytes, int, str] | None:
        """The previous export's closing (its bytes, statements and the digests of what it
        read) when it was made from the same organisations and concepts (`inputs`) and
        nothing it read changed."""
        found = self.closing
        if not isinstance(found, dict) or found.get("inputs") != inputs:
            return None
        if not self.changed.isdisjoint(array("I", base64.b64decode(found["keys"]))):
            return None
        fh.seek(found["at"])
        text: bytes = fh.read(found["length"])
        if len(text) != found["length"]:
            return None
        return text, found["statements"], found["keys"]

    def reusable(self, programme: str) -> Part | None:
        record = self.records.get(programme)
        if record is None:
            return None
        keys = base64.b64decode(record[7])
        if not self.changed.isdisjoint(array("I", keys)):
            return None
        return Part(
            programme,
            record[1],
            b"",
            record[4],
            [self.names[i] for i in record[5]],
            [self.names[i] for i in record[6]],
            keys,
        )

    def text(self, programme: str, fh: Any) -> bytes:
        _, _, at, length = self.records[programme][:4]
        fh.seek(at)
        text: bytes = fh.read(length)
        return text


def read_previous(
    version_dir: Path, export: Path, header: dict[str, Any], changed: set[int]
) -> Previous | None:
    """The parts of the version in `version_dir` when they were made as this build would make
    them (`header`: the code, the base IRI, checked or not), else None."""
    try:
        with (version_dir / PARTS_FILE).open(encoding="utf-8") as fh:
            found = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(found, dict) or not export.is_file():
        return None
    stated = found.get("header", {})
    if stated.get("code") != header["code"] or stated.get("base_iri") != header["base_iri"]:
        return None
    if header["checked"] and not stated.get("checked"):
        return None
    records = {r[0]: r for r in found.get("parts", [])}
    return Previous(export, records, found.get("names", []), changed, found.get("closing"))


def write_index(
    path: Path,
    header: dict[str, Any],
    parts: Iterator[list[Any]],
    names: dict[str, int],
    closing: Callable[[], dict[str, Any]] | None = None,
) -> None:
    """The index: the header, then each programme's record (numbering IRIs in `names` as
    they come), then the record `closing` gives once the parts are written (where the
    export's closing is, what it was made from and read), then the IRIs numbered."""
    with path.open("w", encoding="utf-8") as out:
        out.write('{"header": ' + json.dumps(header, sort_keys=True) + ',\n"parts": [')
        separator = "\n"
        for record in parts:
            out.write(separator + json.dumps(record, separators=(",", ":")))
            separator = ",\n"
        out.write("]")
        if closing is not None:
            out.write(',\n"closing": ' + json.dumps(closing(), sort_keys=True))
        out.write(',\n"names": ' + json.dumps(list(names)) + "}\n")


__all__ = [
    "PARTS_FILE",
    "PREFIXES",
    "Part",
    "Previous",
    "changed_keys",
    "check",
    "code_digest",
    "forget_projectors",
    "project_batch",
    "read_previous",
    "write_index",
]
