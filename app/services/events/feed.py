"""The change feed: committed events in commit order (`seq`), after a cursor."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import FieldProblem, ValidationFailed
from app.core.pagination import CursorCodec
from app.core.principal import Principal
from app.models.base import table_of
from app.models.platform import Event
from app.services.events.catalogue import unknown_patterns
from app.services.events.payloads import envelope

_events = table_of(Event)
_event = _events.c
_SCOPE = "events-feed"
PATTERN = re.compile(r"\*|[a-z_]+\.\*|[a-z_]+\.[a-z_]+")
MAX_PATTERNS = 50


@dataclass(frozen=True, slots=True)
class FeedPage:
    """Events of one page, the cursor to continue from (also on the last page, to poll with),
    and whether more are there right now."""

    data: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


def check_patterns(patterns: Sequence[str], field: str) -> list[str]:
    """Event type patterns: `*`, `<resource>.*` or an exact catalogued type (422 otherwise)."""
    if len(patterns) > MAX_PATTERNS:
        raise ValidationFailed(
            f"At most {MAX_PATTERNS} event types.",
            errors=[FieldProblem(field, f"at most {MAX_PATTERNS} patterns", "too_many")],
        )
    bad = [p for p in patterns if not PATTERN.fullmatch(p)] or unknown_patterns(patterns)
    if bad:
        raise ValidationFailed(
            "Unknown event types: " + ", ".join(bad[:5]) + " (see docs/events.md).",
            errors=[FieldProblem(field, f"no event type matches {p!r}", "unknown") for p in bad],
        )
    return list(dict.fromkeys(patterns))


def type_condition(patterns: Sequence[str]) -> ColumnElement[bool] | None:
    """The SQL condition for a list of patterns; None when everything matches."""
    if not patterns or "*" in patterns:
        return None
    conditions = [
        _event.type.startswith(p[:-1], autoescape=True) if p.endswith(".*") else _event.type == p
        for p in patterns
    ]
    return or_(*conditions)


async def list_events(
    session: AsyncSession,
    cursors: CursorCodec,
    principal: Principal,
    *,
    after: str | None,
    types: Sequence[str],
    limit: int,
) -> FeedPage:
    """A page of the feed; personal fields are left out unless the caller's scopes allow them."""
    position = cursors.decode(after, _SCOPE, ("int",))[0] if after else 0
    statement = select(_events).where(_event.seq > position)
    condition = type_condition(check_patterns(types, "query.types"))
    if condition is not None:
        statement = statement.where(condition)
    statement = statement.order_by(_event.seq).limit(limit + 1)
    rows = (await session.execute(statement)).mappings().all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    if rows:
        position = rows[-1]["seq"]
    return FeedPage(
        data=[{**envelope(dict(row), principal.scopes), "sequence": row["seq"]} for row in rows],
        next_cursor=cursors.encode(_SCOPE, [position]),
        has_more=has_more,
    )
