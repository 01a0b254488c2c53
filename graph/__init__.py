"""The programme graph: everything but the web: its sources, its build, its store, its reading.

Two flows, each in its own folder:

- a build (`build/`): source files in, a validated, published version out, with its products
  (`build/writers/`); the importers (`ingest/`) write source files for it;
- a request (`read/`): what the web app reads from a published version, through the store
  (`store/`, the only code that touches the data).

Beside them, the modules every room uses: `iris.py` (the one place IRIs are minted),
`formats.py` (the one format registry), `settings.py` (the one settings table), `errors.py`
(the typed errors), `paths.py` (where the checkout's data files are), `clock.py` (which day
it is for the pages), `versions.py` (the published versions in the data folder),
`canonical.py` (deterministic RDF bytes); and `synthetic/`, the benchmark's generator.

Imported by `server` (the web app and the CLI), `bench` and the tests. Nothing here imports
`server`, Flask or Werkzeug (a test checks it), and the rooms import
each other one way: `build` and `ingest` may use `read` and `store`; `read` uses `store`;
`store` uses none of them.
"""
