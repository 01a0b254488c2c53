"""Page models: what each HTML page shows, as a dataclass its template reads (docs/pages.md).

One module per family: resource.py (the generic page, a named graph's page, and
`render_resource`, which picks the page of a description's kind), programme.py with
programme_facts.py and admission.py (the programme page), organisation.py, ontology.py (the
ontology's and the shapes' documentation), listing.py (the home page, the programme list
and the search); shown.py holds what they are all made of (Shown values, PageBase).

A page model is a function of what graph/read/ read (a ResourceDescription, a GraphSummary,
the catalogue's facts): it never queries the store and never changes what it was given.
Imported by the views (server/views/) only; it imports graph.read, graph.iris and
server/urls.py, never a view.
"""
