"""Where the project's data files live, relative to the checkout."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "prospectus.ttl"
VOCAB_DIR = ONTOLOGY_DIR / "vocab"
SHAPES_DIR = ROOT / "shapes"
SHAPES_FILE = SHAPES_DIR / "prospectus-shapes.ttl"
SOURCES_DIR = ROOT / "graph" / "sources"
# The shared reference material (official shapes, seeds) sits beside the checkout.
SHARED_DIR = ROOT.parent / "shared"
SEEDS_DIR = SHARED_DIR / "seeds"
REF_DIR = SHARED_DIR / "ref"
