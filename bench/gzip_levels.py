"""The gzip the build writes, zlib (the standard library's) against zlib-ng (graph/compression.py),
level by level, on the two kinds of data it compresses: the sorted N-Quads of a version cut
into the dumps' chunks (graph/canonical.py `_chunks`, one gzip member each) and N-Quads in the
order the sources hold them, as the change stream's pages do (one stream, 1 MB at a time).

    .venv/bin/python -m bench.gzip_levels [--programmes 5000] [--rounds 3]

The data is `prospectus generate`'s (seed 1). Each library and level compresses the same
bytes in this process, the rounds alternating between them; the table gives each one's
median CPU time (process_time) as MB/s of input and the ratio of input to output, and checks
that every output decompresses to its input. Results go to bench/results/gzip-<date>.{json,md}.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import subprocess
import tempfile
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zlib_ng import gzip_ng, zlib_ng

from bench.report import machine, machine_line, write_results
from graph.canonical import _chunks
from graph.synthetic.generate import generate

RESULTS = Path(__file__).parent / "results"
DUMPS, PAGES = "dumps (sorted, a member a chunk)", "pages (source order, one stream)"
LEVELS = {DUMPS: (1, 3, 6), PAGES: (1, 2, 3)}
Compress = Callable[[list[bytes], int], bytes]


def _members(module: Any) -> Compress:
    def run(chunks: list[bytes], level: int) -> bytes:
        return b"".join(module.compress(c, compresslevel=level, mtime=0) for c in chunks)

    return run


def _stream(module: Any) -> Compress:
    def run(chunks: list[bytes], level: int) -> bytes:
        compressor = module.compressobj(level, module.DEFLATED, 31)
        return b"".join([*(compressor.compress(c) for c in chunks), compressor.flush()])

    return run


def measure(data: dict[str, list[bytes]], rounds: int) -> list[dict[str, Any]]:
    ways = {
        DUMPS: {"zlib": _members(gzip), "zlib-ng": _members(gzip_ng)},
        PAGES: {"zlib": _stream(zlib), "zlib-ng": _stream(zlib_ng)},
    }
    rows = []
    for kind, chunks in data.items():
        size = sum(len(c) for c in chunks)
        for level in LEVELS[kind]:
            times: dict[str, list[float]] = {name: [] for name in ways[kind]}
            out: dict[str, int] = {}
            for _ in range(rounds):
                for name, compress in ways[kind].items():
                    start = time.process_time()
                    packed = compress(chunks, level)
                    times[name].append(time.process_time() - start)
                    if gzip.decompress(packed) != b"".join(chunks):
                        raise SystemExit(f"{name} level {level}: the output does not decompress")
                    out[name] = len(packed)
            for name, seconds in times.items():
                median = statistics.median(seconds)
                rows.append({
                    "data": kind, "library": name, "level": level, "input_bytes": size,
                    "output_bytes": out[name], "median_cpu_s": round(median, 4),
                    "mb_per_s": round(size / median / 1e6, 1), "ratio": round(size / out[name], 2),
                })  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--programmes", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    when = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as tmp:
        raw, ordered = Path(tmp) / "raw.nq", Path(tmp) / "sorted.nq"
        generate(raw, args.programmes)
        sort = ["sort", "-u", "-o", str(ordered), str(raw)]
        subprocess.run(sort, check=True, env={"LC_ALL": "C"})
        text = raw.read_bytes()
        data = {
            DUMPS: list(_chunks(ordered.open("rb"))),
            PAGES: [text[i : i + (1 << 20)] for i in range(0, len(text), 1 << 20)],
        }
    rows = measure(data, args.rounds)
    m = machine()
    lines = [
        f"# gzip: zlib against zlib-ng, {when.isoformat()}",
        "",
        f"{machine_line(m)}; zlib {zlib.ZLIB_RUNTIME_VERSION}, zlib-ng {zlib_ng.ZLIBNG_VERSION}.",
        f"Input: `prospectus generate` of {args.programmes:,} programmes (seed 1); medians of "
        f"{args.rounds} alternating rounds of CPU time in one process.",
        "",
        "| data | level | library | MB/s | ratio | output bytes |",
        "| --- | ---: | --- | ---: | ---: | ---: |",
        *(
            f"| {r['data']} | {r['level']} | {r['library']} | {r['mb_per_s']:,} | "
            f"{r['ratio']} | {r['output_bytes']:,} |"
            for r in rows
        ),
        "",
    ]
    stem = write_results(
        args.out, "gzip", when, {"machine": m, "programmes": args.programmes, "rows": rows},
        "\n".join(lines),
    )  # fmt: skip
    print(stem.with_suffix(".md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
