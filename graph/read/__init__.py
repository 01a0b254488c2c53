"""What requests read: a published version, through the store interface (graph/store/).

describe.py (one resource's description: facts, labels, sources), labels.py (the labels
of IRIs), expand.py (what each kind
of page reads besides the resource: the expand rules and the one entry point
`read_resource`), graphs.py (whole graphs as documents: a named graph, the ontology, the
shapes), catalogue.py (the home page's counts, the programme list's facts and facets, the
search), schemaorg.py (the schema.org JSON-LD of a programme), dataset_description.py (VoID
and DCAT-AP from the published versions' manifests) and text.py (how values are written for
people).

Imported by the web app (server/), the build's ELM export (text.py) and the export commands
(graph/build/exports.py); it imports only graph's common modules and graph/store/.
"""
