"""Text helpers: folding for search, and writing stored text into Markdown and plain text."""

from __future__ import annotations

import re
import unicodedata
from typing import Any


def fold(text: str) -> str:
    """Case- and accent-insensitive form: "Émile ØDEGÅRD" → "emile ødegard"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", bare).casefold()


# Characters that start inline Markdown (emphasis, code, links, images, raw HTML, tables,
# strikethrough, entities) and the backslash itself: each is written backslash-escaped.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~!&])")
# What makes a line a block of its own: a heading, quote, list item, rule or setext underline.
_MD_LINE_START = re.compile(r"^([#>+=-]|\d{1,9}(?=[.)]))")


def _escape_line_start(match: re.Match[str]) -> str:
    marker = match.group(1)
    # "1." is a list item: escape the dot, which the lookahead left in place.
    return marker + "\\" if marker.isdigit() else "\\" + marker


def escape_markdown(value: Any) -> Any:
    """A stored value as literal Markdown text: no markup of its own can take effect (no
    `<script>`, no `[link](…)`, no `# heading` on a line of its own). Numbers pass as they are;
    it is the `finalize` of the Markdown templates, so every value is escaped once."""
    if isinstance(value, bool | int | float) or value is None:
        return value
    text = _MD_INLINE.sub(r"\\\1", str(value))
    lines = []
    for line in text.split("\n"):
        line = line.lstrip(" \t")  # indentation would make a code block
        lines.append(_MD_LINE_START.sub(_escape_line_start, line))
    return "\n".join(lines)


def plain_line(text: str) -> str:
    """Text for a plain-text field that some readers render as HTML (an invitation's summary
    and description): one line, no angle brackets."""
    return " ".join(text.replace("<", "").replace(">", "").split())
