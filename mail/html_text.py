"""HTML to readable plain text, for mail that has no text/plain part.

Keeps the line structure a reader sees (paragraphs, line breaks, list
items, table rows), drops what a reader never sees (scripts, styles, the
head) and unescapes entities. Good enough to extract "Field: value" lines
from an HTML-only email, not a renderer.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

__all__ = ["html_to_text"]

# Tags that start and end on a line of their own.
_LINE_TAGS = frozenset(
    "address article aside dd div dl dt fieldset figcaption figure footer form header "
    "hr li main nav pre section tbody tfoot thead tr".split()
)
# Tags a reader sees set apart by a blank line.
_PARAGRAPH_TAGS = frozenset("blockquote h1 h2 h3 h4 h5 h6 ol p table ul".split())
# Table cells stay on their row, apart from each other: "City<td>Suwon" -> "City\tSuwon".
_CELL_TAGS = frozenset({"td", "th"})
_INVISIBLE_TAGS = frozenset({"script", "style", "head", "title", "template", "noscript"})

_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_CELL_GAP = re.compile(r" *\t[\t ]*")
_TAG = re.compile(r"<[^>]*>")


def html_to_text(markup: str) -> str:
    """Return the text a reader would see in ``markup``, one block per line."""
    converter = _TextCollector()
    try:
        converter.feed(markup)
        converter.close()
        text = converter.text()
    except Exception:  # html.parser can trip on hostile markup; a rough strip beats nothing
        text = html.unescape(_TAG.sub(" ", markup))
    return _tidy(text)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._chunks: list[str] = []
        self._newlines_at_end = 2  # the start of the text counts as a fresh paragraph
        self._invisible_depth = 0
        self._pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE_TAGS:
            self._invisible_depth += 1
        elif tag == "br":
            self._append_newline()  # always: consecutive <br> are deliberate blank lines
        else:
            self._open_or_close(tag)
            if tag == "pre":
                self._pre_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <hr/>, <p/>: no content, so never enter an invisible or <pre> section.
        if tag == "br":
            self._append_newline()
        elif tag not in _INVISIBLE_TAGS:
            self._open_or_close(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _INVISIBLE_TAGS:
            self._invisible_depth = max(0, self._invisible_depth - 1)
        else:
            if tag not in _CELL_TAGS:  # a cell is set apart where it opens
                self._open_or_close(tag)
            if tag == "pre":
                self._pre_depth = max(0, self._pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._invisible_depth:
            return
        if not self._pre_depth:
            # Source line breaks and indentation are layout, not content.
            data = _SPACES.sub(" ", data)
        if data.strip():
            self._chunks.append(data)
            self._newlines_at_end = len(data) - len(data.rstrip("\n"))
        elif data:
            self._chunks.append(data)

    def text(self) -> str:
        return "".join(self._chunks)

    def _open_or_close(self, tag: str) -> None:
        if tag in _PARAGRAPH_TAGS:
            self._ensure_newlines(2)
        elif tag in _LINE_TAGS:
            self._ensure_newlines(1)
        elif tag in _CELL_TAGS:
            self._chunks.append("\t")

    def _ensure_newlines(self, count: int) -> None:
        while self._newlines_at_end < count:
            self._append_newline()

    def _append_newline(self) -> None:
        self._chunks.append("\n")
        self._newlines_at_end += 1


def _tidy(text: str) -> str:
    lines = (_CELL_GAP.sub("\t", line).strip(" \t") for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")
