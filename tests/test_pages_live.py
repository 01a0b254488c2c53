"""The pages people read, against live servers on 127.0.0.1: the programme page (key facts,
study path, admission per applicant group, partners, sources on demand, conflicts, stale
values), institution pages, the home page, the programme list with filters, search, and
escaping of hostile literals."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup

from graph.iris import DATA_BASE

from .conftest import TODAY, LiveServer
from .support.pages import PageParser, parse_page

pytestmark = pytest.mark.live

PAGES = Path(__file__).parent / "data" / "pages"
HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def fixture_server(live_server_factory) -> LiveServer:  # noqa: ANN001
    return live_server_factory(data_files=(PAGES / "programme.trig",))


@pytest.fixture(scope="module")
def before_deadline_server(live_server_factory) -> LiveServer:  # noqa: ANN001
    """The fixture page rendered as of the day before its 1 July 2026 deadline."""
    return live_server_factory(
        data_files=(PAGES / "programme.trig",), settings={"today": "2026-06-30"}
    )


@pytest.fixture(scope="module")
def hostile_server(live_server_factory) -> LiveServer:  # noqa: ANN001
    return live_server_factory(data_files=(PAGES / "script-title.trig",))


def get_page(server: LiveServer, path: str, **headers: str) -> tuple[str, PageParser]:
    r = requests.get(server.url + path, headers={**HTML, **headers}, timeout=30)
    assert r.status_code == 200, (path, r.status_code, r.text[:500])
    return r.text, parse_page(r.text)


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> whose heading has id `heading_id`."""
    m = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', html, re.S)
    assert m, f"no section {heading_id}"
    return m.group(0)


def text_of(html: str) -> str:
    """The visible text, without the folded source notes."""
    return parse_page(re.sub(r'<details class="src">.*?</details>', "", html, flags=re.S)).text


def key_facts(html: str) -> dict[str, str]:
    """dt -> dd text of the key-facts panel, without the source notes."""
    block = section(html, "facts-h")
    block = re.sub(r'<details class="src">.*?</details>', "", block, flags=re.S)
    facts = {}
    for dt, dd in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", block, re.S):
        facts[text_of(dt)] = text_of(dd)
    return facts


# -- the programme page ----------------------------------------------------------------------


def test_programme_key_facts(fixture_server: LiveServer) -> None:
    html, page = get_page(fixture_server, "/doc/programme/ku-leuven/pioneer")
    facts = key_facts(html)
    assert facts["Degree"] == "Master of Science (MSc)"
    assert facts["Level"] == "EQF Level 7"
    assert facts["Credits"].startswith("120 ECTS")
    assert facts["Duration"].startswith("2 years")
    assert facts["Mode of study"] == "Presential"
    assert facts["Schedule"] == "Full time"
    assert facts["Language of instruction"] == "English"
    assert facts["Start"] == "September"
    assert facts["Tuition fee"] == "€4,000 per year (for international applicants)"
    assert TODAY > "2026-07-01", "the live servers' day is after the deadline"
    assert facts["Application deadline"] == "1 July 2026 (passed)"
    assert "Next application deadline" not in facts
    assert page.title.startswith("Erasmus Mundus Master of Science in Public Sector Innovation")
    assert page.html_lang == "en"


def test_next_deadline_before_it_passes(before_deadline_server: LiveServer) -> None:
    html, _page = get_page(before_deadline_server, "/doc/programme/ku-leuven/pioneer")
    facts = key_facts(html)
    assert facts["Next application deadline"] == "1 July 2026"
    assert "Application deadline" not in facts


def test_programme_sections(fixture_server: LiveServer) -> None:
    html, _page = get_page(fixture_server, "/doc/programme/ku-leuven/pioneer")
    path = text_of(section(html, "path-h"))
    assert path.index("Semester 1") < path.index("Semester 2") < path.index("Semester 4")
    assert "At KU Leuven, Belgium" in path
    assert "Choose 1 of 2" in path
    assert "Thesis with an internship" in path and "Thesis with a research stay" in path
    admission = section(html, "adm-h")
    assert "<caption>international applicants</caption>" in admission
    assert "IELTS Academic: at least 6.5 overall, at least 6 in each part" in text_of(admission)
    assert "Exempt: applicants from United Kingdom" in text_of(admission)
    partners = section(html, "partners-h")
    assert 'href="/doc/org/ku-leuven"' in partners
    assert 'href="https://ror.org/05f950310"' in partners
    assert "coordinator, provider, hosts semester 1" in text_of(partners)
    assert "Erasmus Mundus scholarship" in text_of(section(html, "fund-h"))
    assert "Public sector at all levels" in text_of(section(html, "car-h"))


def test_sources_on_demand_conflicts_and_stale_values(fixture_server: LiveServer) -> None:
    html, _page = get_page(fixture_server, "/doc/programme/ku-leuven/pioneer")
    facts = section(html, "facts-h")
    # Each fact shows its source and date on demand (a <details> element, no script).
    credits = re.search(r"<dt>Credits</dt><dd>(.*?)</dd>", facts, re.S).group(1)
    assert '<details class="src">' in credits
    sources = parse_page(credits).text
    assert "Example Portal" in sources and "March 2020" in sources
    # A value only a 2020 page states is marked as possibly out of date.
    assert "possibly out of date" in text_of(credits)
    mode = re.search(r"<dt>Mode of study</dt><dd>(.*?)</dd>", facts, re.S).group(1)
    assert "possibly out of date" not in text_of(mode)
    # Conflicting values side by side, marked.
    more = section(html, "more-h")
    group = re.search(r"<dt>Typical group size</dt><dd>(.*?)</dd>", more, re.S).group(1)
    assert "Sources disagree" in text_of(group)
    assert re.search(r"<li>.*30.*</li>.*<li>.*40.*</li>", group, re.S)
    # Both titles the sources use, with their sources.
    assert "Titles used by the sources (2)" in html


def test_organisation_page_lists_programmes_and_roles(fixture_server: LiveServer) -> None:
    html, page = get_page(fixture_server, "/doc/org/ku-leuven")
    assert page.title.startswith("KU Leuven")
    programmes = section(html, "prog-h")
    assert 'href="/doc/programme/ku-leuven/pioneer"' in programmes
    assert "coordinates, provides, hosts semester 1" in text_of(programmes)
    eacea_html, _ = get_page(fixture_server, "/doc/org/eacea")
    assert "funds" in text_of(section(eacea_html, "prog-h"))


def test_generic_page(fixture_server: LiveServer) -> None:
    html, page = get_page(fixture_server, "/doc/deadline/ku-leuven/pioneer/2026")
    assert "application deadline" in page.title
    assert "1 July 2026" in page.text
    assert 'href="/doc/offering/ku-leuven/pioneer/2026"' in html  # the inverse link
    assert "What links here" in page.text


def test_home_list_filters_and_search(fixture_server: LiveServer) -> None:
    html, page = get_page(fixture_server, "/")
    assert 'href="/doc/programme/ku-leuven/pioneer"' in html
    assert "Programmes 1 Intakes 1" in page.text  # the dataset's figures
    _, listing = get_page(fixture_server, "/programmes")
    assert "1 of 1 programme" in listing.text
    deu = "http://publications.europa.eu/resource/authority/country/DEU"
    html, listing = get_page(fixture_server, f"/programmes?country={deu}")
    assert 'href="/doc/programme/ku-leuven/pioneer"' in html
    # The chosen value is marked in its facet, and its link removes the filter again.
    chosen = BeautifulSoup(html, "html.parser").select(
        'section[data-facet="country"] li.selected a[aria-current]'
    )
    assert [a["href"] for a in chosen] == ["/programmes"]
    html, listing = get_page(fixture_server, "/programmes?credits=121-")  # over 120 ECTS
    assert "No programme matches these filters." in listing.text
    html, result = get_page(fixture_server, "/search?q=leuven")
    assert 'href="/doc/org/ku-leuven"' in html
    html, result = get_page(fixture_server, "/search?q=%3Cscript%3Ealert(9)%3C/script%3E")
    assert "<script>alert(9)" not in html
    assert "<script>alert(9)</script>" in result.text


# -- safety ----------------------------------------------------------------------------------


def test_script_in_a_title_renders_as_text(hostile_server: LiveServer) -> None:
    html, page = get_page(hostile_server, "/doc/programme/evil/script")
    assert page.title.startswith("<script>alert(1)</script>")
    assert "<script>alert(1)</script>" in page.text
    assert "<script>alert" not in html and "<img" not in html and "</script><" not in html
    assert "<i>EVIL</i>" in page.text and "<i>" not in html
    assert not any(href.lower().startswith("javascript:") for href in page.links)
    # The JSON-LD block holds the title as data and does not end the script early.
    blocks = [body for attrs, body in page.scripts if attrs.get("type") == "application/ld+json"]
    assert len(blocks) == 1 and len(page.scripts) == 1
    assert json.loads(blocks[0])["name"] == "<script>alert(1)</script>"
    org_html, org = get_page(hostile_server, "/doc/org/evil")
    assert "<script>alert(4)</script>" in org.title and "<script>alert" not in org_html
    home, _ = get_page(hostile_server, "/")
    assert "<script>alert" not in home
    listing, _ = get_page(hostile_server, "/programmes")
    assert "<script>alert" not in listing


def test_request_data_is_never_echoed_raw(fixture_server: LiveServer) -> None:
    for path in (
        "/doc/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/id/%22%3E%3Cscript%3E",
        "/programmes?country=%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
    ):
        r = requests.get(
            fixture_server.url + path,
            headers={**HTML, "Accept-Language": "<script>", "Referer": "<script>"},
            timeout=30,
        )
        assert "<script>alert" not in r.text and '"><script>' not in r.text, path


def bundled_programmes(built_data_dir: Path) -> list[str]:
    from rdflib import Dataset
    from rdflib.namespace import RDF

    from graph.iris import PRO

    ds = Dataset()
    ds.parse(built_data_dir / "current" / "dataset.nq", format="nquads")
    return sorted(
        {str(s) for s, _p, _o, _g in ds.quads((None, RDF.type, PRO.StudyProgramme, None))}
    )


def test_bundled_programme_pages(live_server: LiveServer, built_data_dir: Path) -> None:
    programmes = bundled_programmes(built_data_dir)
    assert len(programmes) >= 2
    for iri in programmes:
        html, page = get_page(live_server, "/doc/" + iri[len(DATA_BASE) :])
        facts = key_facts(html)
        assert {"Degree", "Duration"} <= set(facts), (iri, facts)
        assert page.title and "Sources" in page.text
