"""Every route of the app's URL map, made concrete for the bundled build."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from server import create_app

# A value for every URL variable of the app's routes; a new variable fails the tests that
# walk the routes until it is given one here. None: filled in by `routes()`.
SAMPLES: dict[tuple[str, str], str | None] = {
    ("/id/<path:path>", "path"): "programme/kuleuven/pioneer",
    ("/vocab/<path:path>", "path"): None,  # a concept of the served graph
    ("/doc/<path:path>", "path"): "programme/kuleuven/pioneer",
    ("/ontology.<ext>", "ext"): "ttl",
    ("/shapes.<ext>", "ext"): "ttl",
    ("/dataset.<extension>", "extension"): "jsonld",
    ("/dataset/changes/<version_id>", "version_id"): None,  # the current version
    ("/dumps/<version_id>/<filename>", "version_id"): "latest",
    ("/dumps/<version_id>/<filename>", "filename"): "dataset.nt.gz",
    ("/static/<path:filename>", "filename"): "site.css",
    ("/ldes.<extension>", "extension"): "nq",
    ("/ldes/<page>", "page"): "1",
    ("/ooapi/v5/<path:rest>", "rest"): "programs",
    ("/.well-known/sparql-examples.<ext>", "ext"): "ttl",
    ("/programmes.<ext>", "ext"): "ttl",
}


@dataclass(frozen=True)
class Route:
    rule: str
    path: str  # the rule with its variables filled in
    methods: frozenset[str]


def routes(data_dir: Path, vocab_path: str) -> list[Route]:
    """Every rule of the app built over `data_dir`; `vocab_path` is a concept's path under
    /vocab/ in that graph."""
    app = create_app(overrides={"data_dir": str(data_dir)})
    current = (data_dir / "current").resolve().name
    found = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for argument in rule.arguments:
            key = (rule.rule, argument)
            assert key in SAMPLES, f"give {key} a sample value in tests/support/routes.py"
            value = SAMPLES[key]
            if value is None:
                value = current if argument == "version_id" else vocab_path
            converter = "path:" if f"<path:{argument}>" in path else ""
            path = path.replace(f"<{converter}{argument}>", value)
        found.append(Route(rule.rule, path, frozenset(rule.methods or ())))
    return found
