"""Webhook subscriptions and deliveries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.core.pagination import Page
from app.schemas.common import SingleLine

EventTypes = list[SingleLine]


class WebhookCreate(BaseModel):
    """A new subscription: where to send, which event types (wildcards allowed)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, examples=["https://ats.example.com/hooks/tandem"])
    event_types: EventTypes = Field(min_length=1, max_length=50, examples=[["evaluation.*"]])
    description: SingleLine | None = Field(default=None, max_length=500)
    is_active: bool = True


class WebhookUpdate(BaseModel):
    """Change a subscription; re-enabling one also clears why it was disabled."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000)
    event_types: EventTypes | None = Field(default=None, min_length=1, max_length=50)
    description: SingleLine | None = Field(default=None, max_length=500)
    is_active: bool | None = None


class WebhookRead(BaseModel):
    """A subscription (its secret is never shown again after creation or rotation)."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str | None
    is_active: bool
    disabled_reason: str | None = Field(
        description="Why Tandem disabled it: `gone` (410) or `failing` (3 days of failures)."
    )
    failing_since: datetime | None
    previous_secret_expires_at: datetime | None
    owner_user_id: uuid.UUID | None
    owner_api_client_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    """The new subscription with its signing secret: shown this once."""

    secret: str = Field(examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])


class WebhookRotate(BaseModel):
    """How long the old secret keeps signing beside the new one."""

    model_config = ConfigDict(extra="forbid")

    grace_hours: int = Field(default=24, ge=0, le=168)


class WebhookSecret(BaseModel):
    """The new secret (shown once) and until when the previous one still signs."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    secret: str
    previous_secret_expires_at: datetime | None


class WebhookReplay(BaseModel):
    """Send again every matching event that happened in a time range."""

    model_config = ConfigDict(extra="forbid")

    since: AwareDatetime
    until: AwareDatetime | None = None
    event_types: EventTypes | None = Field(default=None, max_length=50)


class WebhookReplayed(BaseModel):
    queued: int = Field(description="Deliveries queued.")


class DeliveryRead(BaseModel):
    """One event (or ping) sent to one subscription."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: str = Field(description="`pending`, `delivered` or `failed`.")
    attempts: int
    response_status: int | None
    response_ms: int | None
    response_body: str | None = Field(description="The first 2,000 characters.")
    last_error: str | None
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


DeliveryList = Page[DeliveryRead]
WebhookList = Page[WebhookRead]
