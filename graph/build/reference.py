"""The official shapes the exports can be checked against, when the user has them.

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

from functools import lru_cache
from pathlib import Path

from rdflib import Graph

from ..errors import ProspectusError

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
    from .load import parse_into

    graph = Graph()
    parse_into(graph, root / name)
    return graph
