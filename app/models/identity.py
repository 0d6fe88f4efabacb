"""People and credentials: users, their sign-in sessions and refresh tokens, API clients."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.ids import new_id
from app.core.roles import Role
from app.models.base import JSONVariant, UTCDateTime, Versioned, enum_type


class User(Versioned, table=True):
    """A person who signs in. E-mail is stored lower-cased, so uniqueness ignores case."""

    __tablename__ = "users"

    email: str = Field(max_length=320, unique=True)
    full_name: str = Field(max_length=200)
    role: Role = Field(sa_type=enum_type(Role), index=True)
    time_zone: str = Field(default="UTC", max_length=64)
    is_active: bool = Field(default=True, index=True)
    password_hash: str | None = Field(default=None, max_length=255)
    password_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deactivated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuthSession(SQLModel, table=True):
    """One sign-in: a family of rotating refresh tokens and the access tokens they mint."""

    __tablename__ = "auth_sessions"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_refreshed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_reason: str | None = Field(default=None, max_length=50)
    client_address: str | None = Field(default=None, max_length=100)
    user_agent: str | None = Field(default=None, max_length=300)


class RefreshToken(SQLModel, table=True):
    """A refresh token, stored only as its SHA-256; each use rotates it."""

    __tablename__ = "refresh_tokens"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    session_id: uuid.UUID = Field(foreign_key="auth_sessions.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ApiClient(Versioned, table=True):
    """An integration's API key: only a display prefix and a SHA-256 hash are kept."""

    __tablename__ = "api_clients"

    name: str = Field(max_length=200)
    key_prefix: str = Field(max_length=32, unique=True)
    key_hash: str = Field(max_length=64)
    scopes: list[str] = Field(default_factory=list, sa_type=JSONVariant)
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AuditEvent(SQLModel, table=True):
    """Who did what to which object, when, and from which request."""

    __tablename__ = "audit_events"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor_user_id: uuid.UUID | None = Field(default=None, index=True)
    api_client_id: uuid.UUID | None = Field(default=None, index=True)
    on_behalf_of: bool = False
    action: str = Field(max_length=100, index=True)
    object_type: str | None = Field(default=None, max_length=50)
    object_id: str | None = Field(default=None, max_length=100)
    request_id: str | None = Field(default=None, max_length=128)
    client_address: str | None = Field(default=None, max_length=100)
    details: dict[str, object] = Field(default_factory=dict, sa_type=JSONVariant)

    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)


class RateLimitCounter(SQLModel, table=True):
    """A request or failure count for one key in one fixed time window, shared by all replicas."""

    __tablename__ = "rate_limit_counters"

    key: str = Field(primary_key=True, max_length=200)
    window_start: datetime = Field(primary_key=True, sa_type=UTCDateTime)
    count: int = 0
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
