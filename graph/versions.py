"""The published versions in the `data_dir` folder: what a build leaves and the server reads.

    versions/<version>/dataset.nq     canonical N-Quads, sorted (the version's content)
    versions/<version>/store/         the Oxigraph on-disk store loaded from it
    versions/<version>/manifest.json  version, created, previous, counts, sha256
    versions/<version>/...            what the build's writers add (dumps, statistics, …)
    current -> versions/<version>     swapped with one rename(2): readers see old or new

graph/build/publish.py writes this layout; the web app (server/publication.py) and the
dataset description (graph/read/dataset_description.py) read it through this module.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from .canonical import canonical_dataset, rdflib_graph, union_triples

MANIFEST = "manifest.json"
DATASET_FILE = "dataset.nq"
STORE_DIR = "store"
STAGING_PREFIX = ".staging-"  # folders of versions being assembled, never read as versions


@dataclass(frozen=True)
class Version:
    """One published version, read from its manifest."""

    path: Path
    manifest: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.manifest["version"])

    @property
    def created(self) -> datetime:
        return datetime.fromisoformat(self.manifest["created"])

    @property
    def dataset_file(self) -> Path:
        return self.path / DATASET_FILE

    @property
    def store_dir(self) -> Path:
        return self.path / STORE_DIR

    @property
    def previous(self) -> str | None:
        return self.manifest.get("previous")


def read(path: Path) -> Version | None:
    """The version in folder `path`, or None when it has no readable manifest."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Version(path, manifest)


def current(data_dir: Path) -> Version | None:
    """The version `current` points at, or None before the first publish."""
    link = data_dir / "current"
    if not link.exists():
        return None
    return read(link.resolve())


def retained(data_dir: Path) -> list[Version]:
    """Every complete published version still kept, oldest first."""
    root = data_dir / "versions"
    if not root.is_dir():
        return []
    found = [v for p in root.iterdir() if not p.name.startswith(".") if (v := read(p))]
    return sorted(found, key=lambda v: (v.manifest.get("sequence", 0), v.manifest["created"]))


def find(data_dir: Path, version_id: str) -> Version | None:
    return next((v for v in retained(data_dir) if v.id == version_id), None)


# -- what a version's folder holds besides its manifest ------------------------------------------

DUMPS_DIR = "dumps"
CANONICAL_DUMP = "dataset.nq.gz"  # N-Quads, gzip, blank nodes already labelled (RDFC-1.0)


def read_dataset(version_dir: Path) -> ox.Dataset:
    """The canonical dataset of a published version, terms as written (graph/canonical.py):
    its N-Quads dump, or its dataset.nq relabelled when it has none."""
    dump = version_dir / DUMPS_DIR / CANONICAL_DUMP
    if dump.is_file():
        return ox.Dataset(ox.parse(gzip.decompress(dump.read_bytes()), format=ox.RdfFormat.N_QUADS))
    return canonical_dataset((version_dir / DATASET_FILE).read_bytes())


def read_union(version_dir: Path) -> Graph:
    """The union of a published version's graphs as one rdflib graph, literals as the sources
    wrote them (rdflib would otherwise rewrite "P24M"^^xsd:duration as "P2Y" while parsing)."""
    return rdflib_graph(union_triples(read_dataset(version_dir)))
