"""API clients: integration keys with scopes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.pagination import Page
from app.core.scopes import KNOWN_SCOPES
from app.schemas.common import STRICT_INPUT, Name

# A scope an API key may carry: a closed set, documented as an enum.
Scope = Annotated[str, Field(json_schema_extra={"enum": sorted(KNOWN_SCOPES)})]


def _check_scopes(scopes: list[str] | None) -> list[str] | None:
    if scopes is None:
        return None
    unknown = sorted(set(scopes) - KNOWN_SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(unknown)}")
    return sorted(set(scopes))


class ApiClientCreate(BaseModel):
    """A new integration key."""

    model_config = STRICT_INPUT

    name: Name = Field(examples=["Greenhouse sync"])
    scopes: list[Scope] = Field(
        min_length=1,
        examples=[["candidates:write", "evaluations:read", "webhooks:manage"]],
        description="`<family>:read|write` per resource family, `audit:read`, "
        "`webhooks:manage`, and `on_behalf_of` to act for a user.",
    )

    _scopes = field_validator("scopes")(_check_scopes)


class ApiClientUpdate(BaseModel):
    """Rename a key or change its scopes."""

    model_config = STRICT_INPUT

    name: Name | None = None
    scopes: list[Scope] | None = Field(default=None, min_length=1)

    _scopes = field_validator("scopes")(_check_scopes)


class ApiClientRead(BaseModel):
    """An integration key's metadata (never the key itself)."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    key_prefix: str = Field(description="The first characters of the key, to recognise it.")
    scopes: list[Scope]
    created_by_id: uuid.UUID | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ApiClientCreated(ApiClientRead):
    """The new key's metadata and, this once, the key."""

    key: str = Field(description="The API key. Shown only in this response; store it safely.")


ApiClientList = Page[ApiClientRead]
