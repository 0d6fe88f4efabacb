"""The in-app inbox and notification preferences."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class NotificationRead(BaseModel):
    """Something Tandem told you: a reminder, an overdue notice, an escalation."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str = Field(examples=["evaluation.overdue"])
    title: str
    body: str
    link: str | None = Field(description="The API path of what it is about.")
    subject_type: str
    subject_id: uuid.UUID
    created_at: datetime
    read_at: datetime | None


class NotificationList(BaseModel):
    """A page of your notifications, oldest first, with how many are unread in all."""

    sends_link: ClassVar[bool] = True  # documents the Link header (OpenAPI)

    data: list[NotificationRead]
    next_cursor: str | None
    has_more: bool
    unread_count: int


class NotificationsRead(BaseModel):
    marked: int = Field(description="How many were unread and are now read.")


class NotificationPreferences(BaseModel):
    """What you do not want to be told, and whether you want e-mail at all."""

    model_config = ConfigDict(from_attributes=True)

    muted_kinds: list[str]
    email_enabled: bool


class NotificationPreferencesUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    muted_kinds: list[str] | None = Field(default=None, max_length=50)
    email_enabled: bool | None = None
