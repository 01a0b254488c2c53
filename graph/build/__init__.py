"""The build: source files in, a published version out.

load (read the sources) -> order (the catalogue order) -> validate (SHACL, the one pySHACL
wrapper) -> publish (an atomic new version), after which the writers of `writers/` add the
version's products (dumps, statistics, change record, ELM export). `pipeline.build()` runs it.

Imported by the CLI (server/cli.py) and the tests; the web app reads only what a build
published (graph/read/, graph/store/).
"""
