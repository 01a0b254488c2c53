"""The bundled programme pages tell what a page states from what the editors concluded, against
a live server on 127.0.0.1: values only the curation graph gives are marked, the editors'
conclusions are listed with their rule and evidence, and the corrected facts read as the
pages state them (the scores without a test, English-speaking Canada, Postgrad programmes)."""

from __future__ import annotations

import pytest
import requests
from bs4 import BeautifulSoup, Tag

from .conftest import LiveServer

pytestmark = pytest.mark.live

PIONEER = "/doc/programme/kuleuven/pioneer"
LEIDEN = "/doc/programme/leiden/ict-in-the-public-sector"
CONCLUDED = "our conclusion"


def page(server: LiveServer, path: str) -> BeautifulSoup:
    r = requests.get(server.url + path, headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200, (path, r.status_code)
    soup = BeautifulSoup(r.text, "html.parser")
    for details in soup.select("details.src"):  # the folded source lists
        details.decompose()
    return soup


def section(soup: BeautifulSoup, heading_id: str) -> Tag:
    found = soup.find("section", attrs={"aria-labelledby": heading_id})
    assert isinstance(found, Tag), f"no section {heading_id}"
    return found


def text(node: Tag) -> str:
    return " ".join(node.get_text(" ").split())


def fact(soup: BeautifulSoup, label: str) -> str:
    """The text of one key fact (dt label -> dd)."""
    for dt in section(soup, "facts-h").find_all("dt"):
        if text(dt) == label:
            dd = dt.find_next_sibling("dd")
            assert isinstance(dd, Tag)
            return text(dd)
    raise AssertionError(f"no key fact {label}")


def concluded_values(node: Tag) -> list[str]:
    """The values marked as the editors' conclusion, by their text."""
    found = []
    for flag in node.select(".flag.concluded"):
        value = flag.find_parent("span", class_="value")
        assert isinstance(value, Tag)
        found.append(text(value).replace(CONCLUDED, "").strip())
    return found


def test_concluded_values_are_marked_and_stated_ones_are_not(live_server: LiveServer) -> None:
    soup = page(live_server, PIONEER)
    # The EQF level is the editors' (curation); the stated levels are not marked.
    assert fact(soup, "Level").startswith("EQF Level 7 " + CONCLUDED)
    level = section(soup, "facts-h")
    assert "EQF Level 7" in concluded_values(level)
    assert not any(v.startswith(("Masters", "Postgraduate")) for v in concluded_values(level))
    assert CONCLUDED not in fact(soup, "Credits") and CONCLUDED not in fact(soup, "Duration")
    # The coordinator role is concluded from "By KU Leuven"; providing is stated.
    partners = text(section(soup, "partners-h"))
    assert "coordinator (our conclusion), provider" in partners


def test_the_notes_give_the_rule_and_the_words_of_each_conclusion(
    live_server: LiveServer,
) -> None:
    notes = [text(li) for li in section(page(live_server, PIONEER), "notes-h").find_all("li")]
    coordinator = next(n for n in notes if "coordinator of PIONEER" in n)
    assert "“By KU Leuven”" in coordinator and "Rule:" in coordinator
    assert "(Inferred)" in coordinator and CONCLUDED in coordinator
    year = next(n for n in notes if "intake year 2026" in n)
    assert "“01 Jul 2026 … Sep”" in year
    assert any("(Empty section)" in n for n in notes)
    assert any("(Unlabelled value)" in n and "84+ 7+ 100+" in n for n in notes)


def test_pages_show_the_facts_as_the_pages_state_them(live_server: LiveServer) -> None:
    soup = page(live_server, PIONEER)
    admission = section(soup, "adm-h")
    tables = {text(t.caption): t for t in admission.find_all("table") if t.caption}
    everyone = text(tables["All applicants"])
    assert "Scores (no test named)" in everyone and "Score 84+" in everyone
    assert "Exempt: applicants from English-speaking Canada" in text(admission)
    assert "applicants from Canada" not in text(admission)
    flemish = next(t for caption, t in tables.items() if "Flemish Community" in caption)
    experience = next(
        row for row in flemish.find_all("tr") if "Professional experience" in text(row)
    )
    assert "by where it stands on the page" in text(experience)
    assert concluded_values(experience)
    # KU Leuven's career advice is no PIONEER highlight.
    assert "During your bachelor" not in text(soup.find("main") or soup)
    ku_leuven = page(live_server, "/doc/org/ku-leuven")
    assert "105 (Postgrad programmes)" in text(ku_leuven)


def test_a_concluded_component_is_marked(live_server: LiveServer) -> None:
    soup = page(live_server, LEIDEN)
    path = section(soup, "path-h")
    assert any("in-company research thesis internships" in v for v in concluded_values(path))
    careers = section(soup, "car-h")
    assert "chief information officer" in concluded_values(careers)
