"""The change stream: a Linked Data Event Stream (LDES) of study programmes.

https://w3id.org/ldes/specification and https://w3id.org/tree/specification. Each member is
an immutable version of one programme, emitted when a published version adds, changes or
retires it (docs/harvesting.md, "The change stream").

- `members`: what a member holds and how changed programmes are found from the change record;
- `bulk`: members made in bulk, a batch of programmes at a time (in worker processes), each
  described as `members.describe_programme` does, in pyoxigraph terms;
- the build step that appends a version's members to the stream stored in the version is
  a writer of the build: graph/build/writers/ldes.py (`ldes_writer(page_size,
  retention_days)`);
- `log`: the stream's files in a version (index, pages);
- `state`: the build's memory between versions (each programme's latest member and reads);
- `nodes`: the root node and the pages as RDF for a site's URLs (`stream_graph`,
  `page_graph`, `page_is_immutable`), and a static copy (`export_static`).

Pure functions over files: nothing here imports Flask or server. Imported by the build's
LDES writer, the dataset description (graph/read/) and the stream's view (server/views/ldes.py).
"""

from .log import StreamError
from .nodes import (
    ExportedFile,
    PageGone,
    Stream,
    StreamUrls,
    UnknownPage,
    export_static,
    page_etag,
    page_graph,
    page_is_immutable,
    page_parts,
    serialize,
    stream_graph,
)

__all__ = [
    "ExportedFile",
    "PageGone",
    "Stream",
    "StreamError",
    "StreamUrls",
    "UnknownPage",
    "export_static",
    "page_etag",
    "page_graph",
    "page_is_immutable",
    "page_parts",
    "serialize",
    "stream_graph",
]
