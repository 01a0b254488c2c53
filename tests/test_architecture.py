"""The layout's rules (STYLE.md section 3, CONTRIBUTING.md "Map"), read from the code with ast:

- no import cycle among the project's modules (imports inside functions count too);
- `graph` imports neither `server` nor Flask, Werkzeug or gunicorn;
- pySHACL is imported in one module only, the wrapper graph/build/validate.py, and rudof
  (pyrudof) in one only, graph/build/rudof_shacl.py;
- in server/, RDF is serialised only by server/representations.py (no `.serialize(` call and
  no pyoxigraph `serialize` anywhere else; the build's writers in graph/build/ write files);
- no module over MAX_LINES lines but the few of LONG_MODULES, each with its reason;
- every package's `__init__.py` has a docstring that says what lives there and who imports it;
- no test module imports another test module (shared helpers live in tests/support/);
- CONTRIBUTING.md's map names exactly the folders of graph/ and server/.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("graph", "server", "bench", "tests")
MAX_LINES = 500
# Modules allowed over MAX_LINES, each with its reason (keep this list short).
LONG_MODULES: dict[str, str] = {
    "graph/store/pool.py": "the executor pool's scheduling, lanes and crash handling are one "
    "lock-guarded state machine; split, its invariants would span modules",
    "graph/ingest/schemaorg.py": "one importer of one outside format (schema.org in pages), "
    "its mapping table included",
}
SERIALISER = "server/representations.py"
SHACL_WRAPPER = "graph/build/validate.py"
RUDOF_WRAPPER = "graph/build/rudof_shacl.py"
FORBIDDEN_IN_GRAPH = ("server", "flask", "werkzeug", "gunicorn", "jinja2")


def _files() -> list[Path]:
    found: list[Path] = []
    for package in PACKAGES:
        found.extend(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)
    return sorted(found)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in _files()}


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """(module imported, line) for every import in `path`, at any depth (functions too).
    `from X import name` imports X.name when that is a module of the project, else X."""
    modules = _modules()
    here = _module_name(path)
    package = here if _is_package(path) else here.rpartition(".")[0]
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                if node.level > 1:
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts)
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                yield (submodule if submodule in modules else target), node.lineno


def _project_graph() -> dict[str, set[str]]:
    modules = _modules()
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for target, _line in _imports(path):
            if target in modules and target != name:
                edges[name].add(target)
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_no_import_cycles() -> None:
    assert _cycles(_project_graph()) == []


def test_cycle_finder_finds_a_cycle() -> None:
    """The check can fail: a two-module and a three-module cycle are found, a chain is not."""
    edges = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c"}, "f": {"a"}}
    assert sorted(_cycles(edges)) == [["a", "b"], ["c", "d", "e"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _imports_of(folder: str, forbidden: Callable[[str], bool]) -> list[str]:
    """`file:line imports module` for every import of a `forbidden` module below `folder`."""
    return [
        f"{_rel(path)}:{line} imports {target}"
        for path in _files()
        if _rel(path).startswith(folder)
        for target, line in _imports(path)
        if forbidden(target)
    ]


def test_graph_never_imports_the_web() -> None:
    assert _imports_of("graph/", lambda t: t.split(".")[0] in FORBIDDEN_IN_GRAPH) == []


def test_one_pyshacl_wrapper() -> None:
    offending = [
        f"{_rel(path)}:{line}"
        for path in _files()
        for target, line in _imports(path)
        if target.split(".")[0] == "pyshacl" and _rel(path) != SHACL_WRAPPER
    ]
    assert offending == []
    assert any(t.startswith("pyshacl") for t, _l in _imports(ROOT / SHACL_WRAPPER))


def test_one_rudof_wrapper() -> None:
    offending = [
        f"{_rel(path)}:{line}"
        for path in _files()
        for target, line in _imports(path)
        if target.split(".")[0] == "pyrudof" and _rel(path) != RUDOF_WRAPPER
    ]
    assert offending == []
    assert any(t.startswith("pyrudof") for t, _l in _imports(ROOT / RUDOF_WRAPPER))


def _serialiser_calls(path: Path) -> list[int]:
    """Lines of `x.serialize(...)` calls and of `serialize` imported from pyoxigraph."""
    lines = []
    for node in ast.walk(_tree(path)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "serialize"
        ):
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module == "pyoxigraph":
            if any(alias.name == "serialize" for alias in node.names):
                lines.append(node.lineno)
    return lines


def test_one_rdf_serialiser_in_the_web_app() -> None:
    offending = [
        f"{_rel(path)}:{line}"
        for path in _files()
        if _rel(path).startswith("server/") and _rel(path) != SERIALISER
        for line in _serialiser_calls(path)
    ]
    assert offending == []
    assert _serialiser_calls(ROOT / SERIALISER)


def test_serialiser_check_can_fail(tmp_path: Path) -> None:
    sample = tmp_path / "view.py"
    sample.write_text("from pyoxigraph import serialize\n\ndef f(g):\n    return g.serialize()\n")
    assert _serialiser_calls(sample) == [1, 4]


def test_no_long_modules() -> None:
    too_long = {
        _rel(path): n
        for path in _files()
        if not _rel(path).startswith("tests/")
        and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert {k: v for k, v in too_long.items() if k not in LONG_MODULES} == {}
    # The allowlist holds only modules that still need it.
    assert set(LONG_MODULES) <= set(too_long)


def test_no_script_folder_shadows_the_standard_library() -> None:
    """bench/ and tests/support/ hold scripts run as `python bench/x.py`, which puts their
    folder first on sys.path: a module there named like a standard one (bench/gzip.py) is
    what every `import gzip` of that process gets."""
    shadowing = [
        _rel(path)
        for folder in ("bench", "tests/support", "tests")
        for path in sorted((ROOT / folder).glob("*.py"))
        if path.stem in sys.stdlib_module_names
    ]
    assert shadowing == []


def _packages() -> list[Path]:
    return [p for p in _files() if _is_package(p) and not _rel(p).startswith("tests/")]


@pytest.mark.parametrize("init", _packages(), ids=_rel)
def test_each_package_says_what_lives_there_and_who_imports_it(init: Path) -> None:
    doc = ast.get_docstring(_tree(init)) or ""
    assert len(doc) > 80, f"{_rel(init)} needs a docstring: what lives here, who imports it"
    assert re.search(r"\bimport", doc, re.IGNORECASE), f"{_rel(init)}: who may import it?"


def test_no_test_module_imports_another() -> None:
    assert _imports_of("tests/", lambda t: t.startswith("tests.test_")) == []


def _map_folders() -> set[str]:
    """The folders CONTRIBUTING.md's map names (its first code block after '## Map')."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("\n## Map", 1)[1]
    block = section.split("```", 2)[1]
    folders: set[str] = set()
    parents: list[tuple[int, str]] = []
    for line in block.splitlines()[1:]:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        first = line.split()[0]
        if not first.endswith("/"):
            continue
        while parents and parents[-1][0] >= indent:
            parents.pop()
        path = (parents[-1][1] if parents else "") + first
        folders.add(path.rstrip("/"))
        parents.append((indent, path))
    return folders


def _tree_folders() -> set[str]:
    found = {"graph", "server"}
    for top in ("graph", "server"):
        for d in (ROOT / top).rglob("*"):
            if d.is_dir() and "__pycache__" not in d.parts and not d.name.startswith("."):
                found.add(_rel(d))
    return found


def test_contributing_map_matches_the_tree() -> None:
    named = _map_folders()
    assert {f for f in named if f.split("/")[0] in ("graph", "server")} == _tree_folders()
    assert all((ROOT / f).is_dir() for f in named)
