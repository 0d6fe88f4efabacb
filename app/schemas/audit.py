"""Audit trail entries."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from app.core.pagination import Page


class AuditEventRead(BaseModel):
    """Who (user, API client, on behalf of) did what to which object, when, in which request."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    occurred_at: datetime
    actor_user_id: uuid.UUID | None
    api_client_id: uuid.UUID | None
    on_behalf_of: bool
    action: str
    object_type: str | None
    object_id: str | None
    request_id: str | None
    client_address: str | None
    details: dict[str, Any]


AuditEventList = Page[AuditEventRead]
