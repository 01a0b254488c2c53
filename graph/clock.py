"""The one clock: which day the pages take as today.

Whether a deadline has passed, which deadline is the next one and whether a source is old
enough to be "possibly out of date" all depend on today's date. Code that needs it takes a
`Clock` (the server builds one in `create_app`) instead of reading the machine's date, so
that tests, and anyone previewing the site as of another day, can fix it with the `today`
setting (docs/settings.md) or `create_app(clock=FixedClock(...))`.

The build's own timestamps (a version's `created`) are not read through this clock: they
record when a version was published and have to move forward.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from .settings import Settings


class Clock(Protocol):
    def today(self) -> date:
        """The day the pages are rendered as of."""
        ...


class SystemClock:
    """The machine's own date (local time, as `date.today()`)."""

    def today(self) -> date:
        return date.today()

    def __repr__(self) -> str:
        return "SystemClock()"


@dataclass(frozen=True)
class FixedClock:
    """Always the same day."""

    day: date

    def today(self) -> date:
        return self.day


def from_settings(settings: Settings) -> Clock:
    """A FixedClock on the `today` setting when it is set, else the machine's clock."""
    day = settings.today
    return FixedClock(day) if day is not None else SystemClock()
