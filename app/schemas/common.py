"""Field types shared by several resources."""

from __future__ import annotations

from functools import cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints

STRICT_INPUT = ConfigDict(extra="forbid", str_strip_whitespace=True)


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _check_time_zone(value: str) -> str:
    if value not in _time_zones():
        raise ValueError("must be an IANA time zone name such as 'Europe/Amsterdam'")
    return value


TimeZone = Annotated[
    str,
    Field(examples=["Europe/Amsterdam"], description="IANA time zone name."),
    AfterValidator(_check_time_zone),
]


# Characters that make text read other than it is. Refused: C1 controls, the Unicode line
# and paragraph separators, and the bidirectional embeddings, overrides and isolates (U+202E
# turns "gnp.exe" into "exe.png"). Removed: invisible characters that carry nothing in a
# name or title (zero-width space, word joiner, BOM, Mongolian vowel separator).
_REFUSED = frozenset(
    [chr(c) for c in range(0x80, 0xA0)]
    + ["\u2028", "\u2029"]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
)
_INVISIBLE = str.maketrans(dict.fromkeys(["\u200b", "\u2060", "\ufeff", "\u180e"]))
# Zero-width (non-)joiners shape emoji and scripts such as Persian or Devanagari; between
# ASCII characters they only hide a difference ("ad\u200dmin"), so there they are removed.
_JOINERS = frozenset({"\u200c", "\u200d"})


def _drop_stray_joiners(value: str) -> str:
    kept = []
    for i, ch in enumerate(value):
        if ch in _JOINERS:
            before = value[i - 1] if i > 0 else ""
            after = value[i + 1] if i + 1 < len(value) else ""
            if not (before and after and not before.isascii() and not after.isascii()):
                continue
        kept.append(ch)
    return "".join(kept)


def _plain_unicode(value: str) -> str:
    """Refuse characters that spoof, remove invisible ones."""
    if any(ch in _REFUSED for ch in value):
        raise ValueError(
            "must not contain control characters, line separators or bidirectional overrides"
        )
    value = value.translate(_INVISIBLE)
    if "\u200c" in value or "\u200d" in value:
        value = _drop_stray_joiners(value)
    return value


def _single_line(value: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters or line breaks")
    plain = _plain_unicode(value).strip()
    if value and not plain:
        raise ValueError("must contain visible characters")
    return plain


def printable_text(value: str) -> str:
    if any((ord(ch) < 32 and ch not in "\t\n\r") or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return _plain_unicode(value)


# Revision and version numbers: positive, and small enough for any database integer.
SequenceNumber = Annotated[int, Field(ge=1, le=2_000_000_000)]
SingleLine = Annotated[str, AfterValidator(_single_line)]
"""One line of text: no control characters (a NUL cannot even be stored)."""
Text = Annotated[str, AfterValidator(printable_text)]
"""Free text: line breaks and tabs allowed, other control characters not."""
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200, strip_whitespace=True),
    AfterValidator(_single_line),
]
