"""Where the project's data files live, relative to the checkout.

Everything the product reads at run time is inside the checkout. The reference material of
the project's workspace (official shapes, captured pages) is not: the tests read it, and a
user may point the `reference_shapes_dir` setting at official shapes (graph/build/reference.py).
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "prospectus.ttl"
VOCAB_DIR = ONTOLOGY_DIR / "vocab"
SHAPES_DIR = ROOT / "shapes"
SHAPES_FILE = SHAPES_DIR / "prospectus-shapes.ttl"
SOURCES_DIR = ROOT / "graph" / "sources"
