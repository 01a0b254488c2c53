"""Importers: records of outside catalogues in, source graphs with provenance out.

One module per outside format (`ooapi` for the Open Education API v5, a package of its walk,
mapping and tables; `elm` for the European Learning Model 3; `schemaorg` for schema.org in web
pages), and what they share: `client`
(a polite HTTP client: timeout, retries with backoff, Retry-After, a User-Agent, a request
rate), `codes` (code lookups in the vocabularies shipped in ontology/vocab/, offline),
`records` (one imported record -> one Turtle file whose graph carries the record's
provenance; writing is idempotent and incremental) and `report` (what was imported, kept,
retired and refused, and why). The mapping tables are in docs/import.md.

Imported by server/cli.py (`prospectus import …`) and by tests; nothing here imports
`server` or Flask, and nothing here publishes: `prospectus build` does.
"""
