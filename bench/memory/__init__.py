"""`python -m bench.memory` (`make bench-memory`): what serving the store costs in memory, per
process layout (issue 14 item 3), and what each layout costs in latency and killability.

For each size and layout a runner process, in a session of its own, builds the layout's process
tree, loads or opens the synthetic graph and runs one workload, stopping at checkpoints. This
harness reads /proc/<pid>/smaps_rollup of every process of that session: every `--interval`
seconds for the peaks, and at each checkpoint process by process. Results go to
bench/results/memory-<date>.json and .md, with the machine and the date.

Layouts (see bench/README.md, "Memory"):

  baseline   one process bulk-loads the N-Quads into an in-memory Store: the reference (peak RSS)
  threads    that one process answering on 2 and 4 threads (pyoxigraph releases the GIL)
  fork-read  a parent that loads and never touches the store again, and one forked child that
             reads: how much the child copies, step by step
  fork-pool  the in-memory server's layout: a master loads in memory and forks 2 workers; each
             forks 2 executor processes warmed with len(store); lookups in the workers,
             queries in the executors
  fork-threads  a master that loads and never reads, one query process forked from it that
             answers every lookup and query on threads, 2 web workers that only talk to it
  disk-pool  the same tree on the on-disk store (RocksDB) opened read-only by every process
  hybrid     one process with the in-memory store for lookups and keyset listings (threads),
             2 executor processes on the read-only on-disk store for every other query
  alternating  one process holding both stores, each request sent to both in turn: the
             disk's price query by query, with the machine's other load weighing on both alike
  server     the real `prospectus serve --data FILE` (in memory, fork-pool's tree), over HTTP
  server-disk  the real `prospectus serve` of a published version made of the file and its
             on-disk store (the default, `store_in_memory = false`), over HTTP

`--data FILE,…` measures given N-Quads files (with the generator's summary .json beside each)
instead of generating `--sizes`; `--stores DIR` names where their on-disk stores are.

A layout whose estimated memory exceeds `--max-gb` is not run at that size; the report
extrapolates it from the largest size measured, and says so.

Modules: measure.py (smaps, snapshots, the sampler, layout names), workload.py (the requests
and the in-process answerer), processes.py (executor pools, the query service, forked web
workers), runner.py (one layout in its process tree), harness.py (sizes, layouts, the real
servers, the command line), report.py (the Markdown). Nothing imports this package but its
own `__main__` and tests/test_bench_memory.py.
"""

from __future__ import annotations

from .harness import main
from .measure import LAYOUTS, smaps_rollup, snapshot, summary_ms

__all__ = ["LAYOUTS", "main", "smaps_rollup", "snapshot", "summary_ms"]
