"""The one store interface: the only code that touches the published data.

`open_store(settings, version_dir)` returns the implementation the `store` setting names.
"""

from .base import QueryResult, Store, StoreError

__all__ = ["QueryResult", "Store", "StoreError", "open_store"]


def open_store(settings, version_dir=None) -> Store:  # noqa: ANN001
    kind = settings.store
    if kind == "oxigraph":
        from .oxigraph import OxigraphStore

        return OxigraphStore.open_published(version_dir, in_memory=settings.store_in_memory)
    if kind == "rdflib":
        from .rdflib import RdflibStore

        return RdflibStore.open_published(version_dir)
    if kind == "remote":
        from .remote import RemoteStore

        return RemoteStore(settings.remote_endpoint)
    raise StoreError(f"setting 'store' must be oxigraph, rdflib or remote, not {kind!r}")
