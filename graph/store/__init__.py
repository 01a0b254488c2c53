"""The one store interface: the only code that touches the published data.

`open_store(settings, version_dir)` returns the implementation the `store` setting names:
oxigraph (default), rdflib or remote. `graph.store.files.open_files` serves RDF files given
with `prospectus serve --data`.

base.py (the Store protocol and its errors), oxigraph.py, rdflib.py and remote.py (the three
implementations), files.py (`serve --data`), query_pool.py (the query process pool a store
holds: limits, started on first use), pool.py and executor.py (the pool's worker and executor
sides), lanes.py, crashes.py, stats.py (how the pool schedules, names crashes and counts),
query_text.py, ordering.py, federation.py (what is done to a query's text before it runs),
results.py and terms.py (results and terms across the interface), layout.py (whether a
version is held in memory or on disk: the `store_in_memory` setting and its "auto" rule).
remote_publish.py loads a published version into a remote store (`prospectus publish --to`).

Imported by graph/read/, the build (to load a version's store), the web app and the tests;
it imports nothing of graph but its common modules.
"""

from .base import (
    QueryCrashed,
    QueryFailed,
    QueryMemoryExceeded,
    QueryQueueFull,
    QueryRefused,
    QueryResult,
    QuerySyntaxError,
    QueryTimedOut,
    QueryTooDeep,
    Store,
    StoreError,
    UpstreamError,
)

__all__ = [
    "QueryCrashed",
    "QueryFailed",
    "QueryMemoryExceeded",
    "QueryQueueFull",
    "QueryRefused",
    "QueryResult",
    "QuerySyntaxError",
    "QueryTimedOut",
    "QueryTooDeep",
    "Store",
    "StoreError",
    "UpstreamError",
    "open_store",
]


def open_store(settings, version_dir=None, in_memory: bool | None = None) -> Store:  # noqa: ANN001
    """The store of the published version in `version_dir`. For Oxigraph, `in_memory` says
    where it is held; None applies `store_in_memory` (its "auto" rule: layout.py)."""
    from .query_pool import Limits

    limits = Limits.from_settings(settings)
    kind = settings.store
    if kind == "oxigraph":
        from . import layout
        from .oxigraph import OxigraphStore

        if in_memory is None:
            in_memory = layout.decide(settings, version_dir)
        return OxigraphStore.open_published(version_dir, in_memory=in_memory, limits=limits)
    if kind == "rdflib":
        from .rdflib import RdflibStore

        return RdflibStore.open_published(version_dir, limits=limits)
    if kind == "remote":
        from .remote import RemoteStore

        return RemoteStore(settings.remote_endpoint, limits)
    raise StoreError(f"setting 'store' must be oxigraph, rdflib or remote, not {kind!r}")
