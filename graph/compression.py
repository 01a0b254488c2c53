"""gzip (RFC 1952) as Prospectus writes it: zlib-ng's deflate instead of the system zlib's.

Every gzip the build writes (the dumps' members, the change stream's pages and state) and
the server's compressed answers go through here. zlib-ng (https://github.com/zlib-ng/zlib-ng,
the `zlib-ng` package's bindings) writes the same format that every gzip reader reads, about
twice as fast as zlib at the same level for the same size, and faster still at the low
levels (bench/results/gzip-2026-12-04T035201.md, `python -m bench.gzip_levels`: 5,000
programmes, one core; the sorted N-Quads in the dumps' chunks, level 6: 208 MB/s at 35.0x
with zlib, 374 MB/s at 36.0x with zlib-ng; lines in source order as the change stream's
pages hold them: zlib level 1 411 MB/s at 14.3x, zlib-ng level 2 966 MB/s at 14.8x).

A gzip written here has no file name and mtime 0, so the same bytes in give the same bytes
out with the same library. Deflate's output is not promised across libraries, their
versions or processor families (zlib's is not either): where compressed bytes are reused
between versions (the dumps' chunks, graph/canonical.py), their kind names `LIBRARY`, and
a version's identity is the digest of its N-Quads, never of a gzip file.
"""

from __future__ import annotations

from typing import Any

from zlib_ng import gzip_ng, zlib_ng

LIBRARY = f"zlib-ng-{zlib_ng.ZLIBNG_VERSION}"  # names the encoder where its bytes are reused


def gzip_bytes(data: bytes, level: int) -> bytes:
    """`data` as one gzip member at `level`: no file name, mtime 0."""
    return gzip_ng.compress(data, compresslevel=level, mtime=0)


def gzip_compressor(level: int) -> Any:
    """A compressor of one gzip member at `level` (`compress` then `flush`): no file name,
    mtime 0."""
    return zlib_ng.compressobj(level, zlib_ng.DEFLATED, 31)
