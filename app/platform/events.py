"""The event outbox: every state change writes an event in the same transaction as the change."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.context import current_actor, current_request_id
from app.models.platform import Event


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
    return event
