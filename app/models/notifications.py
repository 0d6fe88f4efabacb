"""Notifications to people: the in-app inbox and per-user preferences."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.ids import new_id
from app.models.base import JSONVariant, UTCDateTime


class Notification(SQLModel, table=True):
    """One message to one person, made from a notification intent (at most once each)."""

    __tablename__ = "notifications"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    kind: str = Field(max_length=64)
    title: str = Field(max_length=300)
    body: str = Field(sa_type=Text)
    link: str | None = Field(default=None, max_length=500)
    subject_type: str = Field(max_length=32)
    subject_id: uuid.UUID
    intent_id: uuid.UUID | None = Field(default=None, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    email_status: str = Field(default="none", max_length=20)
    email_attempts: int = 0

    __table_args__ = (Index("ix_notifications_user_id_id", "user_id", "id"),)


class NotificationPreference(SQLModel, table=True):
    """What a person does not want to be told, and whether e-mail is wanted at all."""

    __tablename__ = "notification_preferences"

    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    muted_kinds: list[str] = Field(default_factory=list, sa_type=JSONVariant)
    email_enabled: bool = True
    version: int = Field(default=1, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
