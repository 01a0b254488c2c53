"""The `prospectus` command. Only this module maps exception classes to exit codes:
0 success, 1 validation violations, 2 unreadable input or any other failure.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from graph import settings as settings_module
from graph.errors import ProspectusError
from graph.formats import EXPORT_FORMATS


def _settings(ctx: click.Context):  # noqa: ANN202
    return ctx.obj["settings"]


def reports_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn ProspectusError into a readable message on stderr and its exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ProspectusError as exc:
            click.echo(str(exc), err=True)
            sys.exit(exc.exit_code)

    return wrapper


@click.group()
@click.option(
    "--setting",
    "-s",
    "pairs",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a setting (see docs/settings.md).",
)
@click.pass_context
@reports_errors
def cli(ctx: click.Context, pairs: tuple[str, ...]) -> None:
    """Prospectus: publish study-programme facts as linked data."""
    overrides = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not NAME=VALUE", param_hint="--setting")
        overrides[name.strip()] = value
    ctx.obj = {"settings": settings_module.load(overrides)}


def _use_reference_shapes(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        ctx.obj["settings"] = ctx.obj["settings"].replace(reference_shapes_dir=str(value))


reference_shapes_option = click.option(
    "--reference-shapes",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    expose_value=False,
    callback=_use_reference_shapes,
    help="Folder of the official ELM and DCAT-AP shapes to check against "
    "(the reference_shapes_dir setting; docs/harvesting.md).",
)


def export_output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--output/-o (a file, '-' standard output) and --format, as every export takes them."""
    command = click.option(
        "--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="turtle", show_default=True
    )(command)
    return click.option(
        "--output",
        "-o",
        type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
        default="-",
        show_default=True,
        help="File to write; '-' is standard output.",
    )(command)


def _checked_note(settings, what: str) -> str:  # noqa: ANN001
    from graph.build import reference

    root = reference.folder(settings.reference_shapes_dir)
    if root is None:
        return reference.not_checked(what)
    return f"conforms to the official {what} shapes in {root}"


def _print_report(report) -> None:  # noqa: ANN001
    for result in report.warnings:
        click.echo(result.render(), err=True)
        click.echo("", err=True)
    counts = f"{len(report.violations)} violation(s), {len(report.warnings)} warning(s)"
    click.echo(f"validation: {counts}", err=True)


@cli.command()
@click.option(
    "--sources",
    "sources_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Publish exactly the source files of this folder (*.ttl, *.trig, *.nq; anything "
    "else is refused) instead of graph/sources/ and the import_dir setting's folder.",
)
@reference_shapes_option
@click.pass_context
@reports_errors
def build(ctx: click.Context, sources_dir: Path | None) -> None:
    """Parse, validate and publish the bundled graph (or the sources of --sources DIR)."""
    from graph.build import progress
    from graph.build.pipeline import build as run_build
    from graph.build.release import source_folders

    progress.enable()  # a bar on a terminal, plain lines otherwise (standard error)
    folders = source_folders(_settings(ctx), sources_dir)
    for folder in folders:
        not_read = f" (not read: {', '.join(p.name for p in folder.not_read)})"
        click.echo(
            f"sources: {len(folder.files)} file(s) in {folder.path}"
            + (not_read if folder.not_read else ""),
            err=True,
        )
    files = [path for folder in folders for path in folder.files]
    result = run_build(_settings(ctx), source_files=files)
    _print_report(result.report)
    if result.published:
        click.echo(f"ELM export: {_checked_note(_settings(ctx), 'ELM')}", err=True)
    what = "published" if result.published else "unchanged, still serving"
    click.echo(
        f"{what}: version {result.version.id} ({result.version.manifest['quads']} quads)"
        f" in {result.version.path}"
    )


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.pass_context
@reports_errors
def validate(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Validate the bundled and imported sources, or the given Turtle/TriG/JSON-LD files."""
    from graph.build.release import default_sources, read_release
    from graph.build.validate import validate_files, validate_release
    from graph.errors import ValidationFailed

    report = (
        validate_files(list(files))
        if files
        else validate_release(
            read_release(default_sources(_settings(ctx))), engine=_settings(ctx).shacl_engine
        )
    )
    _print_report(report)
    if report.violations:
        raise ValidationFailed(report.results)
    click.echo("conforms")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=int)
@click.option(
    "--data",
    "data_files",
    multiple=True,
    type=click.Path(path_type=Path, exists=True),
    help="Serve these RDF files instead of the published graph.",
)
@click.pass_context
@reports_errors
def serve(ctx: click.Context, host: str, port: int, data_files: tuple[Path, ...]) -> None:
    """Serve the published graph (or --data files) with a real WSGI server (gunicorn)."""
    from graph.store.files import parse_files

    from .wsgi import run

    parse_files(data_files)
    run(_settings(ctx), host=host, port=port, data_files=data_files)


def main() -> None:  # pragma: no cover
    cli()


@cli.command()
@click.option(
    "--programmes",
    "-n",
    type=click.IntRange(min=1),
    required=True,
    help="How many synthetic programmes to write.",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="The same seed and size always give the same file.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=Path("synthetic.nq"),
    show_default=True,
    help="File to write: N-Quads (.nq) or TriG (.trig); or a folder (an existing one, or a "
    "name without a suffix) to write one source file per source, for `build --sources`.",
)
@reports_errors
def generate(programmes: int, seed: int, output: Path) -> None:
    """Write a synthetic graph of N programmes (same ontology and shapes) for benchmarks."""
    from graph.synthetic.generate import generate as run_generate
    from graph.synthetic.generate import generate_folder

    if output.is_dir() or not output.suffix:
        summary = generate_folder(output, programmes, seed=seed)
        where = f"one file per source in {output}/"
    else:
        summary = run_generate(output, programmes, seed=seed)
        where = str(output)
    click.echo(
        f"wrote {summary.quads} quads: {summary.programmes} programmes, "
        f"{summary.organisations} universities, seed {seed} -> {where}"
    )


@cli.group()
def export() -> None:
    """Write the graph in other models (European Learning Model) and its description."""


@export.command("elm")
@export_output_options
@click.option(
    "--from-sources",
    is_flag=True,
    help="Project the bundled sources instead of the published version.",
)
@click.option("--no-validate", is_flag=True, help="Skip the check against the ELM shapes.")
@reference_shapes_option
@click.pass_context
@reports_errors
def export_elm(
    ctx: click.Context, output: Path, fmt: str, from_sources: bool, no_validate: bool
) -> None:
    """Programmes as ELM 3 learning opportunities and qualifications, checked against the
    official LOQ and EDC shapes when given (exit 1 on a violation, nothing written)."""
    from graph.build.exports import export_elm
    from graph.errors import ValidationFailed

    result = export_elm(
        _settings(ctx), fmt=fmt, from_sources=from_sources, validate=not no_validate
    )
    for programme, why in result.projection.skipped.items():
        click.echo(f"left out {programme}: {why}", err=True)
    if result.report is not None and result.report.violations:
        raise ValidationFailed(result.report.results)
    if str(output) == "-":
        click.echo(result.data.decode("utf-8"), nl=False)
    else:
        output.write_bytes(result.data)
    note = "not validated (--no-validate)" if no_validate else _checked_note(_settings(ctx), "ELM")
    click.echo(
        f"ELM export of {result.source}: {len(result.projection.programmes)} programme(s)"
        + ("" if str(output) == "-" else f" -> {output}")
        + f"; {note}",
        err=True,
    )


@export.command("dataset")
@export_output_options
@reference_shapes_option
@click.pass_context
@reports_errors
def export_dataset(ctx: click.Context, output: Path, fmt: str) -> None:
    """The VoID + DCAT-AP description of the published versions (what /.well-known/void
    serves), checked against the official DCAT-AP 3 shapes when given (exit 1 on a
    violation, nothing written)."""
    from graph.build.exports import export_description
    from graph.errors import ValidationFailed

    settings = _settings(ctx)
    result = export_description(settings, fmt=fmt)
    if result.report is not None and result.report.violations:
        raise ValidationFailed(result.report.results)
    if str(output) == "-":
        click.echo(result.data.decode("utf-8"), nl=False)
    else:
        output.write_bytes(result.data)
    click.echo(
        f"dataset description of version {result.version}"
        + ("" if str(output) == "-" else f" -> {output}")
        + f"; {_checked_note(settings, 'DCAT-AP')}",
        err=True,
    )


@cli.group("import")
def import_() -> None:
    """Bring records of outside catalogues in as sources (one Turtle file per record).

    Exit 0 when every record was imported, 1 when some were refused (the others are
    written), 2 when the source could not be read (nothing is written). Nothing is
    published until `prospectus build`.
    """


def _into_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--into",
        type=click.Path(path_type=Path, file_okay=False),
        help="Folder to write the imported sources to (default: the import_dir setting).",
    )(func)


def _finish_import(report) -> None:  # noqa: ANN001
    from graph.errors import RecordsRefused

    for line in report.lines():
        click.echo(line, err=True)
    click.echo(report.summary())
    if report.exit_code:
        raise RecordsRefused(f"{len(report.refused)} record(s) refused (named above)")


@import_.command("ooapi")
@click.argument("source")
@_into_option
@click.option(
    "--page-size",
    type=click.Choice(["10", "20", "50", "100", "250"]),  # ooapi.tables.PAGE_SIZES
    default="100",
    show_default=True,
    help="pageSize asked of the endpoint's collections.",
)
@click.pass_context
@reports_errors
def import_ooapi(ctx: click.Context, source: str, into: Path | None, page_size: str) -> None:
    """Programs, offerings and organizations of an OOAPI v5 endpoint (its base URL), or of a
    folder of its JSON documents."""
    from graph.ingest import ooapi
    from graph.ingest.client import client_for

    settings = _settings(ctx)
    report = ooapi.run(
        source, into or settings.import_path, client_for(settings), page_size=int(page_size)
    )
    _finish_import(report)


@import_.command("elm")
@click.argument("source")
@_into_option
@click.pass_context
@reports_errors
def import_elm(ctx: click.Context, source: str, into: Path | None) -> None:
    """ELM 3 learning opportunities and their qualifications (Turtle, JSON-LD, RDF/XML), from a
    file or a URL."""
    from graph.ingest import elm
    from graph.ingest.client import client_for

    settings = _settings(ctx)
    _finish_import(elm.run(source, into or settings.import_path, client_for(settings)))


@import_.command("schemaorg")
@click.argument("source")
@_into_option
@click.pass_context
@reports_errors
def import_schemaorg(ctx: click.Context, source: str, into: Path | None) -> None:
    """schema.org EducationalOccupationalProgram or Course embedded in a web page (JSON-LD,
    microdata or RDFa), from a URL or a file."""
    from graph.ingest import schemaorg
    from graph.ingest.client import client_for

    settings = _settings(ctx)
    _finish_import(schemaorg.run(source, into or settings.import_path, client_for(settings)))


@cli.command()
@click.option("--to", "query_endpoint", required=True, metavar="URL", help="SPARQL query endpoint.")
@click.option("--graph-store", default="", metavar="URL", help="Graph Store Protocol endpoint.")
@click.option("--update", default="", metavar="URL", help="SPARQL Update endpoint.")
@click.option("--version", "version_id", default=None, help="Version id (default: current).")
@click.option("--user", default="", help="User name for the store's write endpoints.")
@click.option("--password", default="", envvar="PROSPECTUS_PUBLISH_PASSWORD", help="Its password.")
@click.option("--auth", type=click.Choice(["basic", "digest"]), default="basic", show_default=True)
@click.option("--attempts", type=click.IntRange(min=1), default=None, help="publish_attempts.")
@click.option("--switch/--no-switch", default=True, show_default=True, help="Write the settings.")
@click.pass_context
@reports_errors
def publish(
    ctx: click.Context,
    query_endpoint: str,
    graph_store: str,
    update: str,
    version_id: str | None,
    user: str,
    password: str,
    auth: str,
    attempts: int | None,
    switch: bool,
) -> None:
    """Load a published version into a remote SPARQL store, one named graph at a time, then
    point the servers' remote backend at it (docs/deploy.md)."""
    import os

    from graph import versions
    from graph.store import remote_publish as rp

    settings = _settings(ctx)
    if version_id:
        version = versions.find(settings.data_path, version_id)
        missing = f"no published version {version_id} in {settings.data_path}"
    else:
        version = versions.current(settings.data_path)
        missing = f"nothing is published yet in {settings.data_path}: run `prospectus build`"
    if version is None:
        raise rp.PublishError(missing)
    if not (graph_store or update) and query_endpoint.rstrip("/").endswith("/query"):
        graph_store = query_endpoint.rstrip("/").removesuffix("/query") + "/store"  # Oxigraph
    target = rp.Target(
        query=query_endpoint,
        graph_store=graph_store,
        update=update,
        user=user,
        password=password,
        auth=auth,
        attempts=attempts or settings.publish_attempts,
    )
    report = rp.publish(version, target, settings.base_iri, log=lambda line: click.echo(line))
    click.echo(
        f"published version {report.version} to {query_endpoint}: {len(report.graphs)} graph(s), "
        f"{sum(report.graphs.values())} quads, {len(report.removed)} removed, "
        f"{report.retries} retried request(s); counts checked"
    )
    if not switch:
        click.echo(f'to serve it, set: store = "remote", remote_endpoint = "{query_endpoint}"')
        return
    path = rp.config_path(dict(os.environ))
    rp.switch_settings(path, query_endpoint)
    click.echo(
        f'{path}: store = "remote", remote_endpoint = "{query_endpoint}"; '
        "restart `prospectus serve` to read it (settings are read once, at start)"
    )
    for name in ("STORE", "REMOTE_ENDPOINT"):
        if os.environ.get(settings_module.PREFIX + name) is not None:
            click.echo(f"note: PROSPECTUS_{name} is set and wins over {path}", err=True)
