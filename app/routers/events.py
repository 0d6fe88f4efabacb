"""/api/v1/events: the change feed, in commit order."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from app.core.principal import Principal
from app.core.responses import link_headers
from app.deps import RuntimeDep, SessionDep, require
from app.routers.base import api_router
from app.schemas.events import EventList
from app.services.events.feed import list_events

router = api_router("/events", "Events")


@router.get("", response_model=EventList)
async def events_list(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Annotated[Principal, require("events", "list")],
    after: Annotated[
        str | None,
        Query(max_length=200, description="`next_cursor` of the previous page; omit to start."),
    ] = None,
    types: Annotated[
        list[str] | None,
        Query(
            max_length=50,
            description="Event types or patterns (`evaluation.*`, `*`); repeat or comma-separate.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Response:
    """Read events in commit order; poll with the last `next_cursor` for what commits next."""
    patterns = [p.strip() for value in types or [] for p in value.split(",") if p.strip()]
    page = await list_events(
        session, runtime.cursors, principal, after=after, types=patterns, limit=limit
    )
    body = EventList.model_validate(
        {"data": page.data, "next_cursor": page.next_cursor, "has_more": page.has_more}
    )
    # The feed's cursor is always set (to poll from); the link only while more pages follow.
    headers = link_headers(request, page.next_cursor if page.has_more else None, param="after")
    return Response(body.model_dump_json(), media_type="application/json", headers=headers)
