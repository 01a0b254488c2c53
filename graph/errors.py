"""One error type per failure of the build pipeline. The CLI alone maps them to exit codes.

Every message says what was wrong and where (file, line, node), never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


class ProspectusError(Exception):
    """Base class: `str(error)` is a message a data editor can act on."""

    exit_code = 2


@dataclass
class SourceSyntaxError(ProspectusError):
    """An input file that does not parse (exit 2)."""

    path: Path
    line: int | None
    message: str
    exit_code = 2

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: syntax error: {self.message}"


@dataclass
class SourceStructureError(ProspectusError):
    """A file that parses but breaks a rule of the source layout (exit 2)."""

    path: Path
    message: str
    exit_code = 2

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class Violation:
    """One SHACL validation result, located in a source file where possible."""

    severity: str  # "Violation" | "Warning" | "Info"
    focus_node: str
    path: str | None
    value: str | None
    message: str
    source_shape: str
    source_file: str | None = None

    def render(self) -> str:
        where = self.source_file or "(no source file)"
        parts = [f"{self.severity}: {where}", f"  node:     {self.focus_node}"]
        if self.path:
            parts.append(f"  property: {self.path}")
        if self.value is not None:
            parts.append(f"  value:    {self.value}")
        parts.append(f"  message:  {self.message}")
        parts.append(f"  shape:    {self.source_shape}")
        return "\n".join(parts)


@dataclass
class ValidationFailed(ProspectusError):
    """SHACL found at least one Violation (exit 1); warnings ride along."""

    results: list[Violation] = field(default_factory=list)
    exit_code = 1

    @property
    def violations(self) -> list[Violation]:
        return [r for r in self.results if r.severity == "Violation"]

    def __str__(self) -> str:
        n = len(self.violations)
        head = f"validation failed: {n} violation{'s' if n != 1 else ''}"
        return "\n\n".join([head, *(r.render() for r in self.results)])


@dataclass
class PublishError(ProspectusError):
    """Publishing could not complete; the previously published version is untouched."""

    message: str
    exit_code = 2

    def __str__(self) -> str:
        return f"publish failed: {self.message} (the previously published version still serves)"


@dataclass
class SourceUnreadable(ProspectusError):
    """An import source (an endpoint, a file, a page) that could not be read at all (exit 2).

    Nothing is written when it is raised: the import folder stays as it was.
    """

    url: str
    message: str
    exit_code = 2

    def __str__(self) -> str:
        return f"{self.url}: cannot be read: {self.message} (nothing was imported or retired)"


@dataclass
class RecordsRefused(ProspectusError):
    """An import that wrote the records it could map and refused others (exit 1)."""

    summary: str
    exit_code = 1

    def __str__(self) -> str:
        return self.summary


@dataclass
class BuildRunning(ProspectusError):
    """Another build holds the data folder (exit 2); this one did nothing."""

    data_dir: Path
    holder: str
    exit_code = 2

    def __str__(self) -> str:
        return (
            f"{self.data_dir}: another build is running there ({self.holder}); wait for it to "
            "finish: two builds in one data folder would share its caches (nothing was changed, "
            "the published version still serves)"
        )
