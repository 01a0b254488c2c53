"""`prospectus validate`: exit 0 conforms, 1 violations, 2 unreadable input — never a traceback.

One test runs the installed `prospectus` command in a process of its own (the entry point
works); the others call the same command in process with click's CliRunner.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from server.cli import cli

from .conftest import PROSPECTUS, ROOT

DATA = Path(__file__).parent / "data" / "cli"
SHAPES_CASES = Path(__file__).parent / "shapes"


def validate(*files: Path) -> Result:
    """`prospectus validate FILES` in process; a traceback would be an exception here."""
    result = CliRunner().invoke(cli, ["validate", *map(str, files)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def test_bundled_sources_conform() -> None:
    """The installed command, in a process of its own."""
    result = subprocess.run(
        [PROSPECTUS, "validate"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "conforms" in result.stdout
    assert "0 violation(s)" in result.stderr


@pytest.mark.parametrize(
    ("name", "line"),
    [("broken.ttl", 3), ("broken.jsonld", 4), ("broken.trig", 4)],
)
def test_unreadable_input_exits_2_naming_file_and_line(name: str, line: int) -> None:
    result = validate(DATA / name)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert name in result.stderr and "syntax error" in result.stderr
    assert f"{name}:{line}:" in result.stderr


def test_missing_file_exits_2() -> None:
    result = validate(DATA / "no-such-file.ttl")
    assert result.exit_code == 2
    assert "no-such-file.ttl" in result.stderr
    assert "Traceback" not in result.stderr


def test_valid_examples_exit_0() -> None:
    files = sorted((SHAPES_CASES / "valid").glob("*.ttl"))
    assert files, "tests/shapes/valid holds examples"
    for path in files:
        result = validate(path)
        assert result.exit_code == 0, (path.name, result.stderr)


# tests/test_shapes.py checks every invalid example in-process; here a sample goes through
# the command line, one process each, to check exit code and report.
CLI_SAMPLE = [
    "ielts-score-not-half-step.ttl",
    "negative-fee.ttl",
    "ror-malformed.ttl",
    "programme-without-title.ttl",
]


@pytest.mark.parametrize("name", CLI_SAMPLE)
def test_invalid_example_exits_1_with_report(name: str) -> None:
    path = SHAPES_CASES / "invalid" / name
    assert path.is_file()
    result = validate(path)
    assert result.exit_code == 1, (path.name, result.stderr)
    assert "Violation:" in result.stderr and "message:" in result.stderr
    assert "node:" in result.stderr and "Traceback" not in result.stderr
    assert path.name in result.stderr, "the report names the file"
