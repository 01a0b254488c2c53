"""The products of a version, one module per product, each a function of the BuildContext
(graph/build/context.py) and written once: dumps.py (the dataset dumps and SHA256SUMS),
statistics.py (the counts of the manifest and resources.json;
statistics_update.py adjusts them on a rebuild), changes.py (the change
record), elm/ (the ELM export), search_index.py (the full-text index, graph/search/),
ldes.py (the change stream's new members, graph/ldes/), facets.py (the programme list's
unfiltered facet counts, facets.json). graph/build/pipeline.py declares
the order they run in.

Imported by the build (pipeline.py, exports.py) and, for the layout of what they wrote (dump
files, resources.json, change records), by the web app's views and the tests.
"""
