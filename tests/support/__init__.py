"""Helpers shared by tests: test servers and fixture documents (never import a test module)."""
