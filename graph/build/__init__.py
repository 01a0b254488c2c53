"""The build: source files in, a published version out.

release.py (what a build reads: the source folders, read with load.py, and the catalogue
order of order.py) -> validate.py (SHACL: `shacl()` is the only pySHACL call of the project)
-> publish.py (an atomic new version) -> writers/ (its products, each given one BuildContext
of context.py, in the order pipeline.py declares). pipeline.py runs it (`build()`),
exports.py writes `prospectus export`, reference.py holds the optional official shapes the
exports are checked against.

Imported by the CLI (server/cli.py), the importers (graph/ingest/: they read and check
records as the build does) and the tests; the web app reads what a build published through
graph/versions.py, graph/read/ and graph/store/, and only a writer's layout (dump files,
resources.json, change records) from here. It may import graph/read/ (text helpers, the
dataset description) and graph/store/ (to load a version's store).
"""
