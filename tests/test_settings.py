"""The one settings table: order of sources, types, and its documentation."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from graph import settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_without_file_or_environment(tmp_path: Path) -> None:
    loaded = settings.load(environ={}, config_file=tmp_path / "absent.toml")
    assert {name: loaded[name] for name in loaded} == {s.name: s.default for s in settings.SETTINGS}


def test_file_then_environment_then_overrides(tmp_path: Path) -> None:
    config = tmp_path / "p.toml"
    config.write_text('query_timeout = 3\nmax_rows = 7\nstore = "rdflib"\n')
    env = {"PROSPECTUS_MAX_ROWS": "9", "PROSPECTUS_SERVICE_ALLOWLIST": '["http://127.0.0.1:1/q"]'}
    loaded = settings.load({"store": "remote"}, environ=env, config_file=config)
    assert loaded.query_timeout == 3.0
    assert loaded.max_rows == 9
    assert loaded.service_allowlist == ["http://127.0.0.1:1/q"]
    assert loaded.store == "remote"


def test_bool_and_list_from_plain_strings() -> None:
    env = {"PROSPECTUS_STORE_IN_MEMORY": "on", "PROSPECTUS_SERVICE_ALLOWLIST": "a, b"}
    loaded = settings.load(environ=env, config_file="/nonexistent.toml")
    assert loaded.store_in_memory is True  # the default is "auto"
    assert loaded.service_allowlist == ["a", "b"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("auto", "auto"), ("AUTO", "auto"), ("true", True), ("off", False), ("1", True), ("0", False)],
)
def test_store_in_memory_is_true_false_or_auto(raw: str, expected: bool | str) -> None:
    loaded = settings.load(
        environ={"PROSPECTUS_STORE_IN_MEMORY": raw}, config_file="/nonexistent.toml"
    )
    assert loaded.store_in_memory == expected
    assert type(loaded.store_in_memory) is type(expected)
    default = settings.load(environ={}, config_file="/nonexistent.toml")
    assert default.store_in_memory == "auto"


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"PROSPECTUS_MAX_ROWS": "many"}, "PROSPECTUS_MAX_ROWS: setting 'max_rows' must be int"),
        (
            {"PROSPECTUS_STORE_IN_MEMORY": "perhaps"},
            "'store_in_memory' must be true, false or \"auto\"",
        ),
    ],
)
def test_wrong_types_name_the_setting_and_origin(env: dict[str, str], fragment: str) -> None:
    with pytest.raises(settings.SettingsError) as info:
        settings.load(environ=env, config_file="/nonexistent.toml")
    assert fragment in str(info.value)


def test_unknown_setting_in_file_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "p.toml"
    config.write_text("query_timout = 3\n")
    with pytest.raises(settings.SettingsError, match="unknown setting 'query_timout'"):
        settings.load(environ={}, config_file=config)


def test_graph_never_imports_server_or_flask() -> None:
    offenders = []
    for path in (ROOT / "graph").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{path.relative_to(ROOT)}: {n}"
                for n in names
                if n.split(".")[0] in {"server", "flask", "werkzeug"}
            ]
    assert not offenders
