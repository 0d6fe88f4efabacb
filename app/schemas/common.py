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
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
