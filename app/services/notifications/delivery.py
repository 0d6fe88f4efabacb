"""From notification intents to people: the in-app inbox, then e-mail when SMTP is set.

`notify_job` turns each undelivered intent into a notification (unless its kind is
muted by the recipient) exactly once: intents are claimed with `SKIP LOCKED` on PostgreSQL
and marked delivered in the same transaction. Then it sends what is pending outside any
transaction (SMTP is slow) and retries quietly: a failed send is logged and tried again on the
next run, up to `MAX_EMAIL_ATTEMPTS` times.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
import uuid
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import Database
from app.models.base import table_of
from app.models.identity import User
from app.models.interviews import NotificationIntent
from app.models.notifications import Notification, NotificationPreference
from app.services.notifications import messages

NOTIFY_JOB = "notifications.deliver"
BATCH = 500
EMAIL_BATCH = 50
MAX_EMAIL_ATTEMPTS = 5

log = logging.getLogger(__name__)
_intent = NotificationIntent.__table__.c  # type: ignore[attr-defined]
_notification = Notification.__table__.c  # type: ignore[attr-defined]
_users = table_of(User)
_user = _users.c


async def deliver_intents(session: AsyncSession, *, email_on: bool) -> int:
    """Make notifications of undelivered intents; how many were made."""
    statement = (
        select(NotificationIntent)
        .where(_intent.delivered_at.is_(None))
        .order_by(_intent.created_at)
        .limit(BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    intents = list((await session.execute(statement)).scalars())
    if not intents:
        return 0
    recipients = {i.recipient_id for i in intents}
    preferences = {
        p.user_id: p
        for p in (
            await session.execute(
                select(NotificationPreference).where(
                    NotificationPreference.user_id.in_(recipients)  # type: ignore[attr-defined]
                )
            )
        ).scalars()
    }
    now, made = utcnow(), 0
    for intent in intents:
        intent.delivered_at = now
        preference = preferences.get(intent.recipient_id)
        if preference is not None and intent.kind in preference.muted_kinds:
            continue
        title, body, link = messages.render(intent.kind, intent.payload, str(intent.subject_id))
        wants_email = email_on and (preference is None or preference.email_enabled)
        session.add(
            Notification(
                user_id=intent.recipient_id,
                kind=intent.kind,
                title=title,
                body=body,
                link=link,
                subject_type=intent.subject_type,
                subject_id=intent.subject_id,
                intent_id=intent.id,
                email_status="pending" if wants_email else "none",
            )
        )
        made += 1
    await session.flush()
    return made


def _smtp_send(settings: Settings, message: EmailMessage) -> None:
    assert settings.smtp_host is not None  # noqa: S101 - checked by the caller
    timeout = settings.smtp_timeout_seconds
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
        smtp.send_message(message)


async def _claim_emails(db: Database) -> Sequence[Any]:
    async with db.unit_of_work(write=True) as session:
        due = (
            select(_notification.id)
            .where(_notification.email_status == "pending")
            .order_by(_notification.id)
            .limit(EMAIL_BATCH)
        )
        if not db.is_sqlite:
            due = due.with_for_update(skip_locked=True)
        ids = list((await session.execute(due)).scalars())
        if not ids:
            return []
        await session.execute(
            update(Notification)
            .where(_notification.id.in_(ids))
            .values(email_status="sending", email_attempts=_notification.email_attempts + 1)
        )
        rows = await session.execute(
            select(Notification, _user.email, _user.full_name, _user.is_active)
            .join(_users, _user.id == _notification.user_id)
            .where(_notification.id.in_(ids))
        )
        return list(rows.all())


async def send_pending_emails(db: Database) -> int:
    """Send pending notification e-mails; how many went out."""
    settings = db.settings
    if not settings.smtp_host:
        return 0
    sent = 0
    for notification, address, name, active in await _claim_emails(db):
        status = "skipped"
        if active:
            message = messages.email(
                sender=settings.smtp_from,
                to=address,
                name=name,
                title=notification.title,
                body=notification.body,
                link=notification.link,
            )
            try:
                await asyncio.to_thread(_smtp_send, settings, message)
                status, sent = "sent", sent + 1
            except (OSError, smtplib.SMTPException) as exc:
                last = notification.email_attempts >= MAX_EMAIL_ATTEMPTS
                status = "failed" if last else "pending"
                log.warning(
                    "notification e-mail not sent",
                    extra={"notification_id": str(notification.id), "error": str(exc)},
                )
        await _set_status(db, notification.id, status)
    return sent


async def _set_status(db: Database, notification_id: uuid.UUID, status: str) -> None:
    async with db.unit_of_work(write=True) as session:
        await session.execute(
            update(Notification)
            .where(_notification.id == notification_id)
            .values(email_status=status)
        )


async def notify_job(db: Database, _payload: dict[str, Any]) -> None:
    """The periodic job: intents become notifications, then pending e-mails go out."""
    async with db.unit_of_work(write=True) as session:
        await deliver_intents(session, email_on=bool(db.settings.smtp_host))
    await send_pending_emails(db)
