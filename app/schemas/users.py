"""Users: people who sign in, with one global role."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from app.core.pagination import Page
from app.core.roles import Role
from app.schemas.common import STRICT_INPUT, Name, TimeZone


def _normalise_email(value: str) -> str:
    return value.strip().lower()


class UserCreate(BaseModel):
    """A new user. Without a password the user can only sign in through the identity provider."""

    model_config = STRICT_INPUT

    email: EmailStr = Field(examples=["maria.jansen@example.com"])
    full_name: Name = Field(examples=["Maria Jansen"])
    role: Role
    time_zone: TimeZone = "UTC"
    password: str | None = Field(default=None, min_length=1, max_length=256, repr=False)

    _email = field_validator("email", mode="after")(_normalise_email)


class UserUpdate(BaseModel):
    """Fields an admin may change; omitted fields stay as they are."""

    model_config = STRICT_INPUT

    full_name: Name | None = None
    role: Role | None = None
    time_zone: TimeZone | None = None


class UserRead(BaseModel):
    """A user as the API shows it (never any credential)."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    time_zone: str
    is_active: bool
    deactivated_at: datetime | None
    created_at: datetime
    updated_at: datetime


UserList = Page[UserRead]


class PasswordChange(BaseModel):
    """Change your own password; the current one proves it is you."""

    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256, repr=False)
    new_password: str = Field(min_length=1, max_length=256, repr=False)
