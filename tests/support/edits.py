"""Edits of generated N-Quads source files, for the tests of what a rebuild does with a
change (tests/test_checks_store.py, tests/test_checks_results.py)."""

from __future__ import annotations

import re
from pathlib import Path


def add_blank_nodes(path: Path, text: str) -> None:
    """A statement about a blank node in the file's first graph (the store keeps labels)."""
    line = path.read_text(encoding="utf-8").splitlines()[0]
    subject, graph = line.split(" ", 1)[0], line.rsplit(" ", 2)[-2]
    extra = (
        f"{subject} <https://example.org/note> _:n {graph} .\n"
        f'_:n <https://example.org/text> "{text}" {graph} .\n'
    )
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")


def change_title(path: Path) -> None:
    title = re.compile(r'(<http://purl.org/dc/terms/title> ")([^"]*)(")')
    path.write_text(title.sub(r"\1\2 (revised)\3", path.read_text(encoding="utf-8"), count=1))
