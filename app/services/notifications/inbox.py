"""Your notifications: the inbox, marking read, and your preferences."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import FieldProblem, NotFound, ValidationFailed
from app.core.etag import require_match
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.models.base import table_of
from app.models.notifications import Notification, NotificationPreference
from app.schemas.notifications import NotificationPreferencesUpdate, NotificationRead
from app.services.notifications.messages import KINDS

_notification = table_of(Notification).c

INBOX = ListQuery(
    "notifications",
    select(*(getattr(_notification, name) for name in NotificationRead.model_fields)),
    filters={
        "user_id": lambda p: _notification.user_id == p,
        "unread": lambda p: _notification.read_at.is_(None) == p,
    },
    orders={"id": Keyset(columns=(_notification.id,), kinds=("uuid",))},
)


def _me(principal: Principal) -> uuid.UUID:
    assert principal.user_id is not None  # noqa: S101 - the permission requires a user
    return principal.user_id


async def list_page(
    session: AsyncSession,
    db: Database,
    cursors: CursorCodec,
    principal: Principal,
    page: PageRequest,
    unread: bool | None,
) -> tuple[PageResult, int]:
    """A page of your notifications and how many are unread in all."""
    result = await INBOX.page(db, cursors, page, order="id", user_id=_me(principal), unread=unread)
    count = await session.execute(
        select(func.count())
        .select_from(table_of(Notification))
        .where(_notification.user_id == _me(principal), _notification.read_at.is_(None))
    )
    return result, int(count.scalar_one())


async def mark_read(
    session: AsyncSession, principal: Principal, notification_id: uuid.UUID
) -> Notification:
    """Mark one of your notifications read (someone else's is a 404)."""
    notification = await session.get(Notification, notification_id)
    if notification is None or notification.user_id != _me(principal):
        raise NotFound(f"No notification with id {notification_id}.")
    if notification.read_at is None:
        notification.read_at = utcnow()
        await session.flush()
    return notification


async def mark_all_read(session: AsyncSession, principal: Principal) -> int:
    """Mark every unread notification of yours read; how many."""
    result = await session.execute(
        update(Notification)
        .where(_notification.user_id == _me(principal), _notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def preferences(session: AsyncSession, principal: Principal) -> NotificationPreference:
    """Your preferences (defaults when you never changed them: nothing muted, e-mail on)."""
    found = await session.get(NotificationPreference, _me(principal))
    return found or NotificationPreference(user_id=_me(principal), version=0)


async def update_preferences(
    session: AsyncSession,
    principal: Principal,
    if_match: list[str] | None,
    data: NotificationPreferencesUpdate,
) -> NotificationPreference:
    """Change your preferences (If-Match: `"0"` before the first change)."""
    current = await session.get(NotificationPreference, _me(principal), with_for_update=True)
    require_match(if_match, current.version if current else 0)
    if data.muted_kinds is not None:
        unknown = sorted(set(data.muted_kinds) - set(KINDS))
        if unknown:
            raise ValidationFailed(
                "Unknown notification kinds: " + ", ".join(unknown),
                errors=[
                    FieldProblem("body.muted_kinds", f"unknown kind {k!r}", "unknown")
                    for k in unknown
                ],
            )
    if current is None:
        current = NotificationPreference(user_id=_me(principal), version=0)
        session.add(current)
    if data.muted_kinds is not None:
        current.muted_kinds = sorted(set(data.muted_kinds))
    if data.email_enabled is not None:
        current.email_enabled = data.email_enabled
    current.version += 1
    current.updated_at = utcnow()
    await session.flush()
    return current
