"""Table classes, one module per aggregate; importing this package registers them all."""

from app.models.base import metadata
from app.models.identity import (
    ApiClient,
    AuditEvent,
    AuthSession,
    RateLimitCounter,
    RefreshToken,
    Role,
    User,
)
from app.models.platform import Event, IdempotencyKey, Job, JobSchedule

__all__ = [
    "ApiClient",
    "AuditEvent",
    "AuthSession",
    "Event",
    "IdempotencyKey",
    "Job",
    "JobSchedule",
    "RateLimitCounter",
    "RefreshToken",
    "Role",
    "User",
    "metadata",
]
