"""Reading an HTML page as a test does: its links, <link> tags, scripts, ids, title and
visible text (PageParser, parse_page)."""

from __future__ import annotations

from html.parser import HTMLParser

BLOCKS = frozenset(
    {
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "td",
        "th",
        "tr",
        "table",
        "caption",
        "section",
        "article",
        "header",
        "footer",
        "main",
        "nav",
        "details",
        "summary",
        "br",
        "form",
        "label",
        "option",
        "select",
        "button",
    }
)


class PageParser(HTMLParser):
    """Links, <link> tags, the <title>, ids and the visible text of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.link_tags: list[dict[str, str]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.ids: set[str] = set()
        self.title = ""
        self.html_lang: str | None = None
        self.text_parts: list[str] = []
        self._in: list[str] = []
        self._script_attrs: dict[str, str] | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in BLOCKS:
            self.text_parts.append(" ")
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if tag == "link":
            self.link_tags.append(a)
        if tag == "script":
            self._script_attrs = a
            self._script_text = []
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS:
            self.text_parts.append(" ")
        if tag == "script" and self._script_attrs is not None:
            self.scripts.append((self._script_attrs, "".join(self._script_text)))
            self._script_attrs = None
        while self._in:
            if self._in.pop() == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._script_attrs is not None:
            self._script_text.append(data)
            return
        if "title" in self._in:
            self.title += data
        elif "style" not in self._in:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.text_parts).split())


def parse_page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser
