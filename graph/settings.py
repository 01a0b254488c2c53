"""The one settings table. Each setting has a name, a type, a default and a help text.

Loaded once, in this order: defaults, then an optional TOML file (`PROSPECTUS_CONFIG`, or
`prospectus.toml` in the working directory), then `PROSPECTUS_<NAME>` environment
variables (values parsed as JSON when they parse, like Flask's `from_prefixed_env`).
docs/settings.md documents every setting; tests/test_docs.py keeps the two in step.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .errors import ProspectusError
from .iris import DATA_BASE

PREFIX = "PROSPECTUS_"


class BoolOrAuto:
    """The type of a setting that is true, false or "auto" (decided at run time)."""

    AUTO = "auto"


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", str, "var", "Folder where the build publishes versions (store, dumps)."),
    Setting("base_iri", str, DATA_BASE, "Base of the data IRIs; /id/... paths map onto it."),
    Setting(
        "public_url",
        str,
        "",
        "Public root URL of the site, used in every absolute URL it writes; empty means the "
        "request's own root (its Host checked against allowed_hosts).",
    ),
    Setting(
        "today",
        date,
        None,
        "The day pages are rendered as of (YYYY-MM-DD): passed deadlines, the next deadline, "
        "out-of-date sources. Unset: the machine's date.",
    ),
    Setting(
        "allowed_hosts",
        list,
        [],
        "Host names the site answers for (`.example.org` includes subdomains); others get "
        "400. Empty: any name when public_url is set, else only loopback names and the "
        "address `serve --host` binds.",
    ),
    Setting(
        "cors_origins",
        list,
        ["*"],
        "Origins whose scripts may read the site's answers (CORS); `*` means any.",
    ),
    Setting("store", str, "oxigraph", "Store implementation: oxigraph, rdflib or remote."),
    Setting(
        "store_in_memory",
        BoolOrAuto,
        "auto",
        "Oxigraph: load the published store into every serving process's memory instead of "
        "opening its on-disk store read-only (shared through the OS page cache). Faster on "
        "scans, but each query process copies the store (bench/README.md, Memory). auto: in "
        "memory when the version's copies fit the machine (docs/settings.md), else on disk.",
    ),
    Setting("remote_endpoint", str, "", "remote store: URL of the SPARQL 1.1 query endpoint."),
    Setting("query_timeout", float, 10.0, "Seconds a SPARQL query may run before it is stopped."),
    Setting(
        "max_rows",
        int,
        10000,
        "Most result rows (or triples) one query returns; a cut result says so.",
    ),
    Setting("max_query_length", int, 20000, "Longest SPARQL query accepted, in characters."),
    Setting(
        "max_query_depth",
        int,
        100,
        "Deepest nesting of { } ( ) [ ] (and ! in a row) a SPARQL query may have; deeper "
        "queries get 400 before any parser sees them. 0 turns the check off.",
    ),
    Setting(
        "service_allowlist",
        list,
        [],
        "Endpoints that SERVICE and FROM may reach; empty means none (no outbound requests).",
    ),
    Setting("retain_versions", int, 5, "Published versions kept on disk (older dumps removed)."),
    Setting(
        "reference_shapes_dir",
        str,
        "",
        "Folder of the official ELM (LOQ, EDC) and DCAT-AP shapes; when set, the build and "
        "the exports are checked against them. Empty: those checks are skipped and said so.",
    ),
    Setting("workers", int, 2, "WSGI worker processes started by `prospectus serve`."),
    Setting("threads", int, 4, "Threads per WSGI worker."),
    Setting(
        "query_processes",
        int,
        2,
        "SPARQL executor processes per WSGI worker. On disk they share the store's pages; "
        "with store_in_memory each holds a private copy of most of the store once warm "
        "(bench/README.md), so size it to the memory.",
    ),
    Setting(
        "query_memory_limit",
        int,
        1024,
        "MB of memory one SPARQL query may add to its query process (RLIMIT_AS); a query "
        "that needs more gets 503. 0 means no limit.",
    ),
    Setting(
        "query_queue",
        int,
        2,
        "Heavy SPARQL queries that may wait for a query process, per worker; one more gets "
        "503 with Retry-After at once (never more than leaves one thread free for pages).",
    ),
    Setting(
        "cheap_query_budget",
        float,
        1.0,
        "Seconds a query classified cheap may run in the query process kept for cheap "
        "queries before it is treated as heavy.",
    ),
    Setting(
        "import_dir",
        str,
        "imports",
        "Folder the importers write their sources to (one Turtle file per record); "
        "`prospectus build` publishes them with the bundled sources.",
    ),
    Setting(
        "import_rate",
        float,
        2.0,
        "Importers: most HTTP requests per second sent to one source.",
    ),
    Setting("import_timeout", float, 30.0, "Importers: seconds to wait for an HTTP response."),
    Setting(
        "import_retries",
        int,
        4,
        "Importers: retries of a request answered 429 or 5xx (or not at all), with backoff.",
    ),
    Setting(
        "ldes_page_size",
        int,
        250,
        "Change stream: members per page; a page with this many members is full and never "
        "changes again (served immutable).",
    ),
    Setting(
        "ldes_retention_days",
        int,
        0,
        "Change stream: days of full history kept; older pages are dropped unless they hold "
        "a programme's latest version. 0 keeps every member.",
    ),
    Setting(
        "ooapi_contact_email",
        str,
        "",
        "OOAPI read API: the contact e-mail address GET /ooapi/v5/ names (contactEmail); "
        "empty: GET /ooapi/v5/ answers 404 (the other endpoints work).",
    ),
    Setting(
        "ooapi_documentation_url",
        str,
        "",
        "OOAPI read API: the documentation URL GET /ooapi/v5/ names; empty: the site's "
        "/dataset page.",
    ),
    Setting(
        "sparql_rate_limit",
        float,
        0.0,
        "Requests a second one client may send to /sparql on average (a token bucket shared "
        "by all workers); more get 429 with Retry-After. 0 turns the limit off.",
    ),
    Setting(
        "sparql_rate_burst",
        int,
        20,
        "Requests one client may send to /sparql at once, above sparql_rate_limit (the size "
        "of its bucket).",
    ),
    Setting(
        "sparql_rate_client_header",
        str,
        "",
        "Header in which a trusted reverse proxy names the client (X-Forwarded-For: its "
        "rightmost address counts); empty: the peer address of the connection.",
    ),
    Setting(
        "publish_attempts",
        int,
        4,
        "`publish --to`: attempts of each request to the remote store (the first included), "
        "with backoff, when it does not answer or answers 408, 429 or 5xx.",
    ),
    Setting(
        "build_workers",
        int,
        0,
        "`build`: processes that parse and validate the sources, encode the dumps' chunks, "
        "project the ELM export and describe the change stream's programmes, in parallel, "
        "and with more than one runs a rebuild's writers in "
        'two processes (docs/build.md, "Writers in two lanes"); 0 means one per core '
        "(os.cpu_count()).",
    ),
    Setting(
        "shacl_engine",
        str,
        "rudof",
        "`build` and `validate`: the SHACL engine that validates the sources group by group: "
        "rudof (Rust, several times faster) or pyshacl (the reference it is tested against).",
    ),
    Setting(
        "sparql_cache_bytes",
        int,
        64 * 1024 * 1024,
        "Bytes of /sparql answers each WSGI worker keeps for repeated queries, read by every "
        "worker (LRU; one answer at most 1/16 of it; emptied when the served version "
        "changes). 0 turns the cache off.",
    ),
)

BY_NAME = {s.name: s for s in SETTINGS}


class SettingsError(ProspectusError):
    exit_code = 2


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    if setting.default is None and value in (None, ""):
        return None  # an optional setting left unset
    if setting.type is date:
        return _date(setting, value, origin)
    if setting.type is BoolOrAuto:
        return _bool_or_auto(setting, value, origin)
    if setting.type is bool and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
    if setting.type is list and isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    try:
        if setting.type is float and isinstance(value, int | float | str):
            return float(value)
        if setting.type is int and not isinstance(value, bool):
            return int(value)
    except ValueError:
        pass
    if not isinstance(value, setting.type):
        raise SettingsError(
            f"{origin}: setting {setting.name!r} must be {setting.type.__name__}, got {value!r}"
        )
    return value


def _bool_or_auto(setting: Setting, value: Any, origin: str) -> bool | str:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered == BoolOrAuto.AUTO:
            return BoolOrAuto.AUTO
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
    raise SettingsError(
        f'{origin}: setting {setting.name!r} must be true, false or "auto", got {value!r}'
    )


def _date(setting: Setting, value: Any, origin: str) -> date:
    """A day: a TOML date, or text in the form YYYY-MM-DD."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise SettingsError(
        f"{origin}: setting {setting.name!r} must be a date (YYYY-MM-DD), got {value!r}"
    )


class Settings(Mapping[str, Any]):
    """Read-only mapping of setting name -> value, also readable as attributes."""

    def __init__(self, values: dict[str, Any]):
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(key) from None

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def replace(self, **changes: Any) -> Settings:
        merged = dict(self._values)
        for name, value in changes.items():
            if name not in BY_NAME:
                raise SettingsError(f"unknown setting {name!r}")
            merged[name] = _coerce(BY_NAME[name], value, "override")
        return Settings(merged)

    @property
    def data_path(self) -> Path:
        return Path(self._values["data_dir"]).resolve()

    @property
    def import_path(self) -> Path:
        return Path(self._values["import_dir"]).resolve()


def load(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: str | os.PathLike[str] | None = None,
) -> Settings:
    """Defaults, then the TOML file, then PROSPECTUS_* variables, then `overrides`."""
    environ = os.environ if environ is None else environ
    values = {s.name: s.default for s in SETTINGS}
    path = Path(config_file or environ.get(PREFIX + "CONFIG", "prospectus.toml"))
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{path}: {exc}") from None
        for name, value in data.items():
            if name not in BY_NAME:
                raise SettingsError(f"{path}: unknown setting {name!r}")
            values[name] = _coerce(BY_NAME[name], value, str(path))
    for setting in SETTINGS:
        raw = environ.get(PREFIX + setting.name.upper())
        if raw is None:
            continue
        try:
            parsed: Any = json.loads(raw)
        except ValueError:
            parsed = raw
        if setting.type in (str, date):
            parsed = raw
        values[setting.name] = _coerce(setting, parsed, PREFIX + setting.name.upper())
    for name, value in (overrides or {}).items():
        if name not in BY_NAME:
            raise SettingsError(f"unknown setting {name!r}")
        values[name] = _coerce(BY_NAME[name], value, "command line")
    return Settings(values)
