"""Run one writer of the build over a published version, in a process of its own: what
bench/writers.py (and tests/support/writers_reference.py) measure. Imports `graph` from
the tree on PYTHONPATH, so that the same script runs main's writers and this branch's.

    python bench/writers_child.py WRITER VERSION_DIR OUT_DIR [REFERENCE_DIR]

OUT_DIR is made a staging folder holding a copy of the version's dataset.nq and a link to
its store; the writer's products land there. Prints one JSON line: seconds, peak RSS.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path


def _peak_rss() -> int:
    """This process's peak resident set (VmHWM): not getrusage's ru_maxrss, which Linux carries
    over an exec from the parent that forked it."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main(argv: list[str]) -> int:
    name, version_dir, out = argv[0], Path(argv[1]), Path(argv[2])
    reference = Path(argv[3]) if len(argv) > 3 and argv[3] else None
    from graph.build.context import BuildContext
    from graph.build.publish import Staging
    from graph.build.writers.elm.write import write_elm
    from graph.build.writers.facets import write_facets
    from graph.build.writers.ldes import ldes_writer
    from graph.build.writers.search_index import write_search_index
    from graph.build.writers.statistics import write_statistics

    writers = {
        "statistics": write_statistics,
        "facets": write_facets,
        "elm": write_elm,
        "search_index": write_search_index,
        "ldes": ldes_writer(),
    }
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copyfile(version_dir / "dataset.nq", out / "dataset.nq")
    os.symlink((version_dir / "store").resolve(), out / "store")
    manifest = json.loads((version_dir / "manifest.json").read_text(encoding="utf-8"))
    nquads = (out / "dataset.nq").read_bytes() if "--with-bytes" in argv else b""
    # Before (3fd16af) a Staging carried the N-Quads bytes; since, it reads dataset.nq.
    extra = (nquads,) if "nquads" in Staging.__dataclass_fields__ else ()
    ctx = BuildContext(Staging(out, manifest, None, *extra), manifest["base_iri"], reference)
    started = time.perf_counter()
    writers[name](ctx)
    seconds = time.perf_counter() - started
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    peak = _peak_rss()
    print(json.dumps({"writer": name, "seconds": seconds, "peak_rss": peak}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
