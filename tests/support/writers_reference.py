"""The products of the writers (statistics, facets, ELM, change stream) as main wrote them at
3fd16af, before they read the version in place: the fixture tests/test_writers_equivalence.py
compares this branch's writers against. Not hand-written: regenerate with

    .venv/bin/python -m tests.support.writers_reference [COMMIT]

which extracts COMMIT's tree (git archive) into a temporary folder, publishes each catalogue
there with that tree's writers, in a process importing that tree, and stores in
tests/data/writers/, one folder per catalogue: the version's N-Quads (the input,
dataset.nq.gz), manifest.json, resources.json.gz, facets.json, elm.ttl.gz and the change
stream summarised (ldes.json.gz: index, state, each page's line count and digest).
The catalogues: the bundled sources, and 300 synthetic programmes (seed 3).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from array import array
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "writers"
COMMIT = "3fd16af"
CREATED = "2026-11-29T12:00:00+00:00"
CATALOGUES = ("bundled", "synthetic-300")

# Run inside the extracted tree: publish one catalogue with that tree's writers.
CHILD = r"""
import gzip, json, shutil, sys
from datetime import datetime
from pathlib import Path
from typing import Any
from graph.build.pipeline import WRITERS, publish_dataset
from graph.build.writers.ldes import ldes_writer
sys.path.insert(0, sys.argv[5])
from tests.support.writers_reference import stream_summary

name, work, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
if name == "bundled":
    from graph.build.release import nquads_lines, read_release
    lines = nquads_lines(read_release().dataset)
else:
    from graph.synthetic.generate import generate
    generate(work / "generated.nq", 300, seed=3)
    lines = (work / "generated.nq").read_text(encoding="utf-8").splitlines()
now = datetime.fromisoformat(sys.argv[4])
version, _ = publish_dataset(work / "data", lines, writers=(*WRITERS, ldes_writer()), now=now)
out.mkdir(parents=True, exist_ok=True)
for file in ("manifest.json", "facets.json"):
    shutil.copyfile(version.path / file, out / file)
for source in ("dataset.nq", "dumps/elm.ttl", "resources.json"):
    target = out / (Path(source).name + ".gz")
    with open(version.path / source, "rb") as fh, gzip.GzipFile(target, "wb", mtime=0) as gz:
        shutil.copyfileobj(fh, gz)
summary = stream_summary(version.path / "ldes")
with gzip.GzipFile(out / "ldes.json.gz", "wb", mtime=0) as gz:
    gz.write(json.dumps(summary, indent=1, sort_keys=True).encode("utf-8"))
"""


def stream_summary(folder: Path) -> dict[str, Any]:
    """The change stream of a version as comparable data: its index, its state (each
    programme's latest member and the terms its description read, `state_terms`), and per
    page the number and SHA-256 of its sorted lines (a page of 250 members is megabytes of
    N-Quads), whether the page is stored gzip (its name then without .gz) or as is
    (graph/ldes/log.py)."""
    pages = {}
    for page in sorted((folder / "pages").iterdir()):
        data = page.read_bytes()
        data = gzip.decompress(data) if page.name.endswith(".gz") else data
        lines = sorted(line for line in data.split(b"\n") if line.strip())
        pages[page.name.removesuffix(".gz")] = {
            "lines": len(lines),
            "sha256": hashlib.sha256(b"\n".join(lines)).hexdigest(),
        }
    state = state_terms(gzip.decompress((folder / "state.json.gz").read_bytes()), folder)
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    return {"index": index, "state": state, "pages": pages}


def state_terms(data: bytes, folder: Path | None = None) -> dict[str, Any]:
    """A stream's state file (decompressed), in any format graph/ldes/state.py reads (the
    table of format 3 read from `folder`'s state-terms.gz, one term a line), as programme ->
    its entry with the terms it read (sorted), not their numbers: the numbers depend on
    the versions before. Written here, not imported: it also runs in the tree the reference
    is made from."""
    head, _, blob = data.partition(b"\n")
    found = json.loads(head)
    table = found["terms"]
    if found.get("format") == 3:
        assert folder is not None
        lines = gzip.decompress((folder / "state-terms.gz").read_bytes()).decode("utf-8")
        table = lines.split("\n")[:-1]
    entries = {}
    if found.get("format") in (2, 3):
        numbers = array("I")
        numbers.frombytes(blob)
        if sys.byteorder == "big":
            numbers.byteswap()
        at = 0
        for row in found["programmes"]:
            programme, member, time, deleted, page, digest, unkeyed, _blank, s, o = row
            subjects, objects = numbers[at : at + s], numbers[at + s : at + s + o]
            at += s + o
            entries[programme] = {
                "member": member, "time": time, "deleted": deleted, "page": page,
                "digest": digest, "unkeyed": unkeyed,
                "subjects": sorted(table[n] for n in subjects),
                "objects": sorted(table[n] for n in objects),
            }  # fmt: skip
        return entries
    for programme, e in found["programmes"].items():
        entries[programme] = {
            **{k: v for k, v in e.items() if k not in ("subjects", "objects")},
            "subjects": sorted(table[n] for n in e["subjects"]),
            "objects": sorted(table[n] for n in e["objects"]),
        }
    return entries


def main(argv: list[str]) -> int:
    commit = argv[0] if argv else COMMIT
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True
        ).stdout
        (Path(tmp) / "tree.tar").write_bytes(archive)
        with tarfile.open(Path(tmp) / "tree.tar") as tar:
            tar.extractall(tree, filter="data")
        for name in CATALOGUES:
            work = Path(tmp) / name
            work.mkdir()
            subprocess.run(
                [sys.executable, "-c", CHILD, name, str(work), str(OUT / name), CREATED, str(ROOT)],
                cwd=tree,
                env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                check=True,
            )
    (OUT / "COMMIT").write_text(commit + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
