"""Synthetic study programmes for the benchmark (issue #3): a deterministic, seeded generator.

`generate.generate(path, programmes=N, seed=S)` writes N-Quads (or TriG) with the graph layout
of the bundled build (docs/model.md): one named graph per synthetic source segment (one
programme page each), carrying the PROV of its segment; one curation graph (the universities'
canonical names and seats, `pro:fieldOfEducation`, the generating agent); the ontology graph and
the vocabulary graph, read with graph/build/load.py; and the catalogue order graph
(graph/build/order.py, `pro:listPosition`) that the build computes. The vocabulary graph is
extended with the EU concepts the synthetic data uses beyond the bundled snapshot (more
countries, languages, ISCED-F fields), each with `skos:prefLabel` and `skos:inScheme`, so the
output stays valid against the shapes.

The same seed and size always give the same bytes. Quads are written as they are made, so
100,000 programmes (about ten million quads) never sit in memory.

What lives here: tables.py (the names, places and values drawn from), terms.py (N-Quads terms
written by hand), vocab.py (the concepts used), organisations.py (the universities),
generator.py (the programmes, block by block) and generate.py (the file). Imported by the CLI
(`prospectus generate`), the benchmark (bench/) and the tests; nothing else imports it.
"""
