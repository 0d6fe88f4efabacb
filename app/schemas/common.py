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


def _single_line(value: str) -> str:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters or line breaks")
    return value


def printable_text(value: str) -> str:
    if any((ord(ch) < 32 and ch not in "\t\n\r") or ord(ch) == 127 for ch in value):
        raise ValueError("must not contain control characters")
    return value


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
