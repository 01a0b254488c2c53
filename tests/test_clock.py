"""The app's clock (graph/clock.py): the day pages are rendered as of.

In-process (app.test_client()): the `today` setting and `create_app(clock=...)` decide which
deadline is next, which have passed and which sources are out of date; the live servers of
tests/test_pages_live.py check the same through `prospectus serve`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from graph import settings
from graph.clock import FixedClock, SystemClock
from server import clock, create_app

PROGRAMME = Path(__file__).parent / "data" / "pages" / "programme.trig"
PIONEER = "/doc/programme/ku-leuven/pioneer"


def client_on(tmp_path: Path, day: date | None = None, **overrides: str) -> FlaskClient:
    loaded = settings.load({"data_dir": str(tmp_path / "data"), **overrides}, environ={})
    app = create_app(
        loaded, data_files=[PROGRAMME], clock=FixedClock(day) if day is not None else None
    )
    return app.test_client()


def key_facts(client: FlaskClient) -> dict[str, BeautifulSoup]:
    """dt text -> dd element of the programme page's key facts."""
    response = client.get(PIONEER, headers={"Accept": "text/html"})
    assert response.status_code == 200
    soup = BeautifulSoup(response.data, "html.parser")
    panel = soup.find("section", attrs={"aria-labelledby": "facts-h"})
    assert panel is not None
    return {dt.get_text(strip=True): dt.find_next_sibling("dd") for dt in panel.find_all("dt")}


def shown(dd: BeautifulSoup) -> str:
    """The visible value of a key fact, without its folded sources."""
    for details in dd.find_all("details"):
        details.decompose()
    return " ".join(dd.get_text(" ").split())


@pytest.mark.parametrize(
    ("day", "label", "text"),
    [
        (date(2026, 1, 15), "Next application deadline", "1 July 2026"),
        (date(2026, 6, 30), "Next application deadline", "1 July 2026"),
        (date(2026, 7, 1), "Next application deadline", "1 July 2026"),  # open all that day
        (date(2026, 7, 2), "Application deadline", "1 July 2026 (passed)"),
        (date(2031, 1, 1), "Application deadline", "1 July 2026 (passed)"),
    ],
    ids=str,
)
def test_the_deadline_follows_the_clock(tmp_path: Path, day: date, label: str, text: str) -> None:
    facts = key_facts(client_on(tmp_path, day))
    assert shown(facts[label]) == text
    other = {"Next application deadline", "Application deadline"} - {label}
    assert not other & set(facts)


@pytest.mark.parametrize(
    ("day", "stale"), [(date(2021, 6, 1), False), (date(2026, 9, 1), True)], ids=str
)
def test_out_of_date_marks_follow_the_clock(tmp_path: Path, day: date, stale: bool) -> None:
    # The credits are stated only by a page last updated in March 2020.
    credits = key_facts(client_on(tmp_path, day))["Credits"]
    assert bool(credits.select(".value.is-stale")) is stale
    assert ("possibly out of date" in shown(credits)) is stale


def test_the_setting_sets_the_clock(tmp_path: Path) -> None:
    facts = key_facts(client_on(tmp_path, today="2026-06-30"))
    assert shown(facts["Next application deadline"]) == "1 July 2026"
    # A clock handed to create_app wins over the setting.
    facts = key_facts(client_on(tmp_path, date(2026, 7, 2), today="2026-06-30"))
    assert shown(facts["Application deadline"]) == "1 July 2026 (passed)"


def test_without_the_setting_the_machine_clock_is_used(tmp_path: Path) -> None:
    app = create_app(settings.load({"data_dir": str(tmp_path)}, environ={}))
    assert isinstance(clock(app), SystemClock)
    pinned = create_app(
        settings.load({"data_dir": str(tmp_path), "today": "2026-06-30"}, environ={})
    )
    assert clock(pinned) == FixedClock(date(2026, 6, 30))


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, None),
        ({"PROSPECTUS_TODAY": "2026-06-30"}, date(2026, 6, 30)),
        ({"PROSPECTUS_TODAY": " 2026-06-30 "}, date(2026, 6, 30)),
        ({"PROSPECTUS_TODAY": ""}, None),
    ],
)
def test_today_from_the_environment(environ: dict[str, str], expected: date | None) -> None:
    assert settings.load(environ=environ, config_file="/nonexistent.toml").today == expected


def test_today_from_a_toml_date(tmp_path: Path) -> None:
    config = tmp_path / "p.toml"
    config.write_text("today = 2026-06-30\n")
    assert settings.load(environ={}, config_file=config).today == date(2026, 6, 30)
    config.write_text('today = "2026-07-02"\n')
    assert settings.load(environ={}, config_file=config).today == date(2026, 7, 2)


@pytest.mark.parametrize("value", ["30/06/2026", "2026-02-30", "2026", "tomorrow", "2026-06-30T10"])
def test_a_bad_day_names_the_setting(value: str) -> None:
    with pytest.raises(settings.SettingsError) as raised:
        settings.load(environ={"PROSPECTUS_TODAY": value}, config_file="/nonexistent.toml")
    message = str(raised.value)
    assert "PROSPECTUS_TODAY" in message and "'today'" in message and "YYYY-MM-DD" in message


def test_a_toml_datetime_is_not_a_day(tmp_path: Path) -> None:
    config = tmp_path / "p.toml"
    config.write_text("today = 2026-06-30T10:00:00Z\n")
    with pytest.raises(settings.SettingsError, match="'today' must be a date"):
        settings.load(environ={}, config_file=config)
