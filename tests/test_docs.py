"""The documentation keeps up with the code (like datasette's tests/test_docs.py):

- every setting of graph/settings.py is in docs/settings.md with its environment variable,
  type and default, and nothing else is;
- every target `make help` lists is in CONTRIBUTING's table of tasks, and every `make X`
  the documentation names exists;
- every `prospectus` command (subcommands included) is in README's table of commands;
- every file under tests/ that the documentation or the code cites exists, and every test
  module FEATURES.md names exists.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import click
import pytest

from graph import settings
from server.cli import cli

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted(
    [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "FEATURES.md"]
    + list((ROOT / "docs").glob("*.md"))
    + list((ROOT / "bench").glob("*.md"))
    + [p for p in ROOT.glob("*/README.md") if not p.parent.name.startswith(".")]  # not caches
    + list((ROOT / "graph").rglob("README.md"))
)
CODE = sorted(
    p
    for folder in ("graph", "server", "tests", "bench")
    for p in (ROOT / folder).rglob("*.py")
    if p.name != "test_docs.py"
)


def table_rows(text: str, header: str) -> list[list[str]]:
    """The cells of the Markdown table whose header row starts with `header`, without the
    header row and the rule under it."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))  # `\|` is a pipe in a cell
        rows.append([cell.strip().replace("\\|", "|") for cell in cells])
    assert rows, f"no rows under {header!r}"
    return rows


def code_spans(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


# -- settings -----------------------------------------------------------------------------


def documented_settings() -> dict[str, list[str]]:
    rows = table_rows((ROOT / "docs" / "settings.md").read_text(encoding="utf-8"), "| setting |")
    return {code_spans(row[0])[0]: row for row in rows}


def test_every_setting_is_documented_with_its_default() -> None:
    documented = documented_settings()
    assert set(documented) == {s.name for s in settings.SETTINGS}
    for setting in settings.SETTINGS:
        name, env, type_name, default, what = documented[setting.name]
        assert code_spans(env) == [settings.PREFIX + setting.name.upper()], setting.name
        assert type_name == setting.type.__name__, setting.name
        assert code_spans(default) == [repr(setting.default)], setting.name
        assert what, f"{setting.name} has no description"


# -- make targets -------------------------------------------------------------------------


def make_targets() -> set[str]:
    listed = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "help"], capture_output=True, text=True, check=True
    ).stdout
    return {line.split("\t", 1)[0] for line in listed.splitlines() if line.strip()}


def test_every_make_target_is_in_contributing() -> None:
    targets = make_targets()
    assert {"help", "test", "golden"} <= targets
    rows = table_rows((ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8"), "| target |")
    documented = {
        span.split()[1] for row in rows for span in code_spans(row[0]) if span.startswith("make ")
    }
    assert targets - documented == set(), "targets missing from CONTRIBUTING's table"
    assert documented - targets == set(), "CONTRIBUTING names targets that do not exist"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_make_target_named_exists(doc: Path) -> None:
    named = set(re.findall(r"`make ([a-z][a-z0-9-]*)", doc.read_text(encoding="utf-8")))
    assert named - make_targets() == set()


# -- commands -----------------------------------------------------------------------------


def commands(group: click.Group = cli, prefix: str = "prospectus") -> set[str]:
    found = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= commands(command, f"{prefix} {name}")
        else:
            found.add(f"{prefix} {name}")
    return found


def test_every_command_is_in_the_readme() -> None:
    rows = table_rows((ROOT / "README.md").read_text(encoding="utf-8"), "| command |")
    documented = set()
    for row in rows:
        for span in code_spans(row[0]):
            words = [w for w in span.split() if re.fullmatch(r"[a-z]+", w)]
            documented.add(" ".join(words))
    assert commands() - documented == set(), "commands missing from README's table"
    assert documented - commands() == set(), "README names commands that do not exist"


# -- citations ----------------------------------------------------------------------------

TESTS_PATH = re.compile(r"(?<![\w/.])tests/[\w./-]*\w")
# Folders the tests write into (git-ignored): cited as where to look, not as sources.
WRITTEN = {"tests/artefacts"}


@pytest.mark.parametrize("path", DOCS + CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_cited_test_files_exist(path: Path) -> None:
    cited = set(TESTS_PATH.findall(path.read_text(encoding="utf-8")))
    missing = sorted(c for c in cited - WRITTEN if not (ROOT / c).exists())
    assert not missing, f"{path.relative_to(ROOT)} cites files that do not exist: {missing}"


def test_features_names_existing_tests() -> None:
    modules = {p.stem for p in (ROOT / "tests").glob("test_*.py")}
    functions = {
        name
        for p in (ROOT / "tests").glob("test_*.py")
        for name in re.findall(r"^def (test_\w+)", p.read_text(encoding="utf-8"), re.M)
    }
    named = set(re.findall(r"\btest_\w+", (ROOT / "FEATURES.md").read_text(encoding="utf-8")))
    unknown = {
        name
        for name in named
        if name not in modules
        and name not in functions
        # `test_pool_*` names a family of tests by its prefix
        and not (name.endswith("_") and any(f.startswith(name) for f in functions))
    }
    assert not unknown, f"FEATURES.md names tests that do not exist: {sorted(unknown)}"
