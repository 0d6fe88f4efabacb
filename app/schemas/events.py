"""Events as integrations read them: the feed item and its envelope."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class EventActor(BaseModel):
    """Who caused the event: a user, an integration (both when it acted for the user), or
    neither (a background job)."""

    user_id: uuid.UUID | None
    api_client_id: uuid.UUID | None


class EventSubject(BaseModel):
    """The resource the event is about."""

    type: str = Field(examples=["application"])
    id: str


class EventEnvelope(BaseModel):
    """The body of a webhook delivery: `data` is as recorded when the event happened."""

    id: uuid.UUID = Field(description="The event id; also the `webhook-id` header.")
    type: str = Field(examples=["evaluation.submitted"])
    version: int = Field(description="The version of this type's `data` schema.", examples=[1])
    occurred_at: datetime
    actor: EventActor
    subject: EventSubject
    data: dict[str, Any] = Field(description="The type's payload (see the `webhooks` section).")


class EventRead(EventEnvelope):
    """An event in the change feed."""

    sequence: int = Field(description="Commit order: strictly increasing along the feed.")


class EventList(BaseModel):
    """A page of the feed. `next_cursor` is set on the last page too: pass it as `after` to
    poll for what commits next."""

    data: list[EventRead]
    next_cursor: str
    has_more: bool
