"""Everything about building the programme graph: sources, IRIs, validation, publishing.

This package never imports `server` or Flask; the web app imports it, never the reverse.
"""
