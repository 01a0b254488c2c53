"""What one import did: records written, unchanged, retired, refused (with URL and field).

Exit codes (mapped by server/cli.py only): 0 every record was imported, 1 some were refused
(the others were written), 2 the source could not be read at all (SourceUnreadable: nothing
was written).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Refusal:
    """A record that could not be imported: where it is, which field, and why."""

    url: str
    identifier: str
    field: str
    message: str

    def render(self) -> str:
        what = (
            f" ({self.identifier})" if self.identifier and self.identifier not in self.url else ""
        )
        return f"refused {self.url}{what}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    fmt: str
    source: str
    into: str
    new: list[str] = field(default_factory=list)  # file names
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # refused now, previous version kept
    refused: list[Refusal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was dropped, warnings
    requests: int = 0

    @property
    def imported(self) -> int:
        return len(self.new) + len(self.changed) + len(self.unchanged)

    @property
    def exit_code(self) -> int:
        return 1 if self.refused else 0

    def lines(self) -> list[str]:
        out = [r.render() for r in self.refused]
        out += [
            f"kept the previously imported {name} (its record is refused now)" for name in self.kept
        ]
        out += [f"retired {name} (its record is gone from the source)" for name in self.retired]
        out += [f"note: {n}" for n in self.notes]
        return out

    def summary(self) -> str:
        asked = f", {self.requests} request(s)" if self.requests else ""
        return (
            f"{self.fmt} import of {self.source} into {self.into}: "
            f"{self.imported} record(s) imported ({len(self.new)} new, {len(self.changed)} "
            f"changed, {len(self.unchanged)} unchanged), {len(self.retired)} retired, "
            f"{len(self.refused)} refused{asked}"
        )
