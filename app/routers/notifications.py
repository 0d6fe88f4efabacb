"""/api/v1/me/notifications and /api/v1/me/notification-preferences: your inbox."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response, link_headers
from app.deps import IfMatch, PageDep, SessionDep, require, runtime_of
from app.routers.base import api_router
from app.schemas.notifications import (
    NotificationList,
    NotificationPreferences,
    NotificationPreferencesUpdate,
    NotificationRead,
    NotificationsRead,
)
from app.services.notifications import inbox

router = api_router("/me/notifications", "Users")
preferences_router = api_router("/me/notification-preferences", "Users")
Reader = Annotated[Principal, require("notifications", "read")]
Updater = Annotated[Principal, require("notifications", "update")]


@router.get("", response_model=NotificationList)
async def me_list_notifications(
    request: Request,
    principal: Reader,
    session: SessionDep,
    page: PageDep,
    unread: Annotated[bool | None, Query(description="Only unread (true) or read (false).")] = None,
) -> Response:
    """Your notifications, oldest first, with the unread count."""
    runtime = runtime_of(request)
    result, unread_count = await inbox.list_page(
        session, runtime.db, runtime.cursors, principal, page, unread
    )
    body = NotificationList(
        data=[NotificationRead.model_validate(dict(row)) for row in result.rows],
        next_cursor=result.next_cursor,
        has_more=result.has_more,
        unread_count=unread_count,
    )
    return json_response(body, headers=link_headers(request, result.next_cursor))


@router.post("/read-all", response_model=NotificationsRead)
async def me_read_all_notifications(principal: Updater, session: SessionDep) -> Response:
    """Mark all your notifications read."""
    return json_response(NotificationsRead(marked=await inbox.mark_all_read(session, principal)))


@router.post(
    "/{notification_id}/read",
    response_model=NotificationRead,
    responses=problem_openapi_responses(404),
)
async def me_read_notification(
    notification_id: uuid.UUID, principal: Updater, session: SessionDep
) -> Response:
    """Mark one of your notifications read."""
    notification = await inbox.mark_read(session, principal, notification_id)
    return json_response(NotificationRead.model_validate(notification))


@preferences_router.get("", response_model=NotificationPreferences)
async def me_get_notification_preferences(principal: Reader, session: SessionDep) -> Response:
    """Your notification preferences (ETag for the update)."""
    found = await inbox.preferences(session, principal)
    return json_response(NotificationPreferences.model_validate(found), version=found.version)


@preferences_router.patch(
    "",
    response_model=NotificationPreferences,
    responses=problem_openapi_responses(412, 428),
)
async def me_update_notification_preferences(
    body: NotificationPreferencesUpdate, if_match: IfMatch, principal: Updater, session: SessionDep
) -> Response:
    """Mute kinds of notification or turn e-mail off (needs If-Match)."""
    found = await inbox.update_preferences(session, principal, if_match, body)
    return json_response(NotificationPreferences.model_validate(found), version=found.version)
