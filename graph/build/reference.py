"""The official shapes the exports can be checked against, when the user has them, and
the checks themselves (`check_elm`, `check_dcat_ap`, run by graph/build/validate.py's one
pySHACL wrapper) with the patches the official files need to load in pySHACL.

Nothing in the product needs them. The ELM export and the DCAT-AP description are checked
against the official shapes (ELM LOQ and EDC, DCAT-AP 3) only when the `reference_shapes_dir`
setting, or a command's `--reference-shapes DIR` option, names a folder holding them; with
the setting empty (the default) the checks are skipped and the commands say so.

The folder is laid out as the publishers ship the files (docs/harvesting.md):

    elm/LOQ-constraints.ttl  elm/LOQ-constraints-mdr.ttl     ELM 3.1 LOQ profile (QDR)
    elm/EDC-generic-no-cv.ttl  elm/EDC-generic-full.ttl      European Digital Credentials
    elm/ELM.ttl                                              the ELM 3.1 ontology
    dcat-ap/dcat-ap-SHACL.ttl  dcat-ap/shapes.ttl            DCAT-AP 3.0.1
    dcat-ap/range.ttl  dcat-ap/mdr-vocabularies.shape.ttl
    dcat/dcat3.ttl                                           the DCAT 3 ontology
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import RDF, SH

from ..errors import ProspectusError
from ..iris import ELM
from .load import parse_into
from .validate import Report, shacl

SETTING = "reference_shapes_dir"
ELM_FILES = (
    "elm/LOQ-constraints.ttl",
    "elm/LOQ-constraints-mdr.ttl",
    "elm/EDC-generic-no-cv.ttl",
    "elm/EDC-generic-full.ttl",
    "elm/ELM.ttl",
)
DCAT_AP_FILES = (
    "dcat-ap/dcat-ap-SHACL.ttl",
    "dcat-ap/shapes.ttl",
    "dcat-ap/range.ttl",
    "dcat-ap/mdr-vocabularies.shape.ttl",
    "dcat/dcat3.ttl",
)


class ReferenceShapesError(ProspectusError):
    """The folder named by `reference_shapes_dir` lacks a file or does not parse (exit 2)."""

    exit_code = 2


def folder(value: str | Path | None) -> Path | None:
    """The reference folder a setting value names, or None when it is empty."""
    if value is None or not str(value).strip():
        return None
    return Path(value).expanduser().resolve()


def not_checked(what: str) -> str:
    """The note a command prints when it skips a check for want of the official shapes."""
    return (
        f"not checked against the official {what} shapes: the {SETTING} setting is empty "
        "(--reference-shapes DIR; docs/settings.md)"
    )


def require(root: Path, files: tuple[str, ...]) -> None:
    """Fail with one message naming every file `root` lacks, before any of them is parsed."""
    if not root.is_dir():
        raise ReferenceShapesError(f"{SETTING}: {root} is not a folder")
    missing = [name for name in files if not (root / name).is_file()]
    if missing:
        raise ReferenceShapesError(
            f"{SETTING}: {root} lacks {', '.join(missing)} (layout: docs/harvesting.md)"
        )


@lru_cache(maxsize=16)
def read(root: Path, name: str) -> Graph:
    """One file of the reference folder, parsed once (callers must not modify it)."""
    graph = Graph()
    parse_into(graph, root / name)
    return graph


# --- ELM 3.1: LOQ and EDC --------------------------------------------------------------------

# Java-only regex syntax in LOQ-constraints.ttl, and its Python equivalent.
_PATTERN_REWRITES = (
    (r"[[A-Fa-f0-9]\:\.]", r"[A-Fa-f0-9:.]"),  # class union -> one class
    (r"[%[\p{L}\p{Nl}\p{Nd}]]", r"[%\w]"),  # Unicode letters/digits -> \w
    (r"\p{L}\p{Nl}\p{Nd}", r"\w"),
)


def _patch_patterns(shapes: Graph) -> int:
    """Rewrite the LOQ sh:pattern literals Python's `re` rejects or warns about.

    Why: LOQ-constraints.ttl writes its URL regexes for Java: an inline `(?i)` after `^`
    (Python 3.11 only accepts global flags at the very start), Unicode property classes
    `\\p{L}\\p{Nl}\\p{Nd}` (unknown to `re`) and class unions `[[A-F…]\\:\\.]` (a "possible
    nested set" FutureWarning, an error under our pytest settings). The rewrite moves
    `(?i)` into `sh:flags "i"`, turns the property classes into `\\w` and flattens the
    unions; the patterns still accept the same http(s) URLs.
    """
    changed = 0
    for shape, pattern in list(shapes.subject_objects(SH.pattern)):
        text = str(pattern)
        new = text
        for old, replacement in _PATTERN_REWRITES:
            new = new.replace(old, replacement)
        if "(?i)" in new:
            new = new.replace("(?i)", "")
            shapes.add((shape, SH.flags, Literal("i")))
        if new != text:
            shapes.remove((shape, SH.pattern, pattern))
            shapes.add((shape, SH.pattern, Literal(new)))
            changed += 1
    for _shape, pattern in shapes.subject_objects(SH.pattern):
        re.compile(str(pattern))  # fails loudly here rather than inside pySHACL
    return changed


@lru_cache(maxsize=4)
def loq_shapes(root: Path) -> Graph:
    """LOQ-constraints.ttl + LOQ-constraints-mdr.ttl of the reference folder `root`, patched
    to load in pySHACL."""
    shapes = Graph()
    shapes += read(root, "elm/LOQ-constraints.ttl")
    shapes += read(root, "elm/LOQ-constraints-mdr.ttl")
    _patch_patterns(shapes)
    return shapes


def _align_amount_value(shapes: Graph) -> int:
    """EDC's Amount shape: the amount's value as rdf:value, as LOQ requires.

    Why: the two official profiles contradict each other on elm:Amount. LOQ's closed
    AmountShape requires rdf:value (and the ELM 3.1 ontology says "content should be
    provided by rdf:value"), while EDC-generic-no-cv.ttl requires elm:value; no node can
    satisfy both. The export follows LOQ and the ontology's note, and EDC's
    `Amount-elm_value` property shape is pointed at rdf:value in memory (same datatype and
    cardinality), so EDC still checks that the value is there, once, as an xsd:decimal.
    """
    changed = 0
    for prop in list(shapes.subjects(SH.path, ELM.value)):
        shapes.remove((prop, SH.path, ELM.value))
        shapes.add((prop, SH.path, RDF.value))
        changed += 1
    return changed


@lru_cache(maxsize=4)
def edc_shapes(root: Path) -> Graph:
    """EDC-generic-full.ttl (controlled vocabularies) + EDC-generic-no-cv.ttl (structure),
    which the full file owl:imports; pySHACL does not follow imports, so both are read."""
    shapes = Graph()
    shapes += read(root, "elm/EDC-generic-no-cv.ttl")
    shapes += read(root, "elm/EDC-generic-full.ttl")
    _patch_patterns(shapes)
    _align_amount_value(shapes)
    return shapes


def check_elm(graph: Graph, root: Path) -> Report:
    """Validate an ELM projection against LOQ (+ its vocabulary constraints) and EDC, read
    from the reference folder `root`.

    LOQ runs without an ontology: with ELM.ttl as ont_graph its rdfs:subClassOf triples make
    the closed super-class shapes (Agent, LearningAchievementSpecification) reject their
    subclasses' own properties (SOURCE.md). The open EDC shapes run with ELM.ttl, so that
    sh:class follows the ELM class hierarchy.
    """
    require(root, ELM_FILES)
    report = Report()
    report.results.extend(shacl(graph, loq_shapes(root)).results)
    report.results.extend(
        shacl(graph, edc_shapes(root), ontology=read(root, "elm/ELM.ttl")).results
    )
    return report


# --- DCAT-AP 3 validation -------------------------------------------------------------------

DCAT_AP_SHAPES_FILES = tuple(f for f in DCAT_AP_FILES if f.startswith("dcat-ap/"))


@lru_cache(maxsize=4)
def dcat_ap_shapes(root: Path) -> tuple[Graph, ...]:
    """The official DCAT-AP 3.0.1 shapes of the reference folder `root`, one graph per file.

    The files are run one by one: merged, their blank-node and template shapes collide.
    Patch, in memory: dcat-ap-SHACL.ttl lists two property shapes of DataServiceShape
    (…#dcat:DataServiceShape/dc08f4dc…, …/eb3ac4e4…) that it never defines (they belong to
    the left-out ranges.ttl); pyshacl stops on any dcat:DataService with "exists but is not
    a well-formed SHACL PropertyShape". An undefined shape constrains nothing, so the
    dangling sh:property links are dropped; range.ttl checks the same ranges.
    """
    graphs = []
    for name in DCAT_AP_SHAPES_FILES:
        shapes = Graph()
        shapes += read(root, name)
        for shape, prop in list(shapes.subject_objects(SH.property)):
            if (prop, SH.path, None) not in shapes:
                shapes.remove((shape, SH.property, prop))
        graphs.append(shapes)
    return tuple(graphs)


def check_dcat_ap(description: Graph, root: Path) -> Report:
    """Validate a description against every DCAT-AP 3 shapes file of the reference folder
    `root`, with its DCAT 3 ontology (dcat/dcat3.ttl)."""
    require(root, DCAT_AP_FILES)
    ontology = read(root, "dcat/dcat3.ttl")
    report = Report()
    for shapes in dcat_ap_shapes(root):
        report.results.extend(shacl(description, shapes, ontology=ontology).results)
    return report
