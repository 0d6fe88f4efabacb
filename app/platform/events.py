"""The event outbox: every state change writes an event in the same transaction as the change.

On PostgreSQL a transaction that recorded an event also sends `NOTIFY tandem_events` (delivered
only if it commits), so workers listening on the channel relay it at once instead of waiting
for their next poll.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.core.context import current_actor, current_request_id
from app.models.platform import Event

CHANNEL = "tandem_events"
_NOTIFY = "tandem.notify_events"


def record_event(
    session: AsyncSession,
    type: str,
    subject: tuple[str, uuid.UUID | str],
    payload: Mapping[str, Any],
) -> Event:
    """Add an event to the request's transaction: it exists if and only if the change commits."""
    actor = current_actor()
    subject_type, subject_id = subject
    event = Event(
        type=type,
        subject_type=subject_type,
        subject_id=str(subject_id),
        payload=dict(payload),
        actor_user_id=actor.user_id if actor else None,
        actor_api_client_id=actor.api_client_id if actor else None,
        request_id=current_request_id(),
    )
    session.add(event)
    notify_on_commit(session)
    return event


def notify_on_commit(session: AsyncSession) -> None:
    """Wake listening workers when this transaction commits (PostgreSQL; a no-op on SQLite)."""
    session.info[_NOTIFY] = True


@sa_event.listens_for(Session, "before_commit")
def _notify_before_commit(session: Session) -> None:
    if not session.info.pop(_NOTIFY, False):
        return
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(text(f"NOTIFY {CHANNEL}"))


@sa_event.listens_for(Session, "after_rollback")
def _forget_notify(session: Session) -> None:
    session.info.pop(_NOTIFY, None)
