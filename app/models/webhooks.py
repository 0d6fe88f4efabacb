"""Webhook subscriptions and their deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field

from app.core.clock import utcnow
from app.models.base import JSONVariant, Timestamped, UTCDateTime, Versioned, enum_type


class WebhookSubscription(Versioned, table=True):
    """An endpoint that receives the events it subscribed to, signed with its secret."""

    __tablename__ = "webhook_subscriptions"

    url: str = Field(max_length=2000)
    event_types: list[str] = Field(default_factory=list, sa_type=JSONVariant)
    description: str | None = Field(default=None, max_length=500)
    is_active: bool = True
    # Secrets are kept encrypted with a key derived from the service secret.
    secret_encrypted: str = Field(max_length=500)
    previous_secret_encrypted: str | None = Field(default=None, max_length=500)
    previous_secret_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    owner_user_id: uuid.UUID | None = Field(default=None, foreign_key="users.id", index=True)
    owner_api_client_id: uuid.UUID | None = Field(
        default=None, foreign_key="api_clients.id", index=True
    )
    failing_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_reason: str | None = Field(default=None, max_length=200)


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class WebhookDelivery(Timestamped, table=True):
    """One event (or ping) for one subscription: its body, attempts and last response."""

    __tablename__ = "webhook_deliveries"

    subscription_id: uuid.UUID = Field(foreign_key="webhook_subscriptions.id", ondelete="CASCADE")
    event_id: uuid.UUID = Field()
    event_type: str = Field(max_length=100)
    body: dict[str, Any] = Field(default_factory=dict, sa_type=JSONVariant)
    status: DeliveryStatus = Field(
        default=DeliveryStatus.PENDING, sa_type=enum_type(DeliveryStatus)
    )
    attempts: int = 0
    next_attempt_at: datetime | None = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    response_status: int | None = None
    response_ms: int | None = None
    response_body: str | None = Field(default=None, sa_type=Text)
    last_error: str | None = Field(default=None, max_length=1000)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_webhook_deliveries_subscription_id_id", "subscription_id", "id"),
    )
