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
from app.models.intakes import (
    HmProfile,
    Intake,
    IntakeComment,
    IntakeQuestion,
    IntakeRevision,
    IntakeSignOff,
    IntakeTeamMember,
)
from app.models.platform import Event, ExternalRef, IdempotencyKey, Job, JobSchedule

__all__ = [
    "ApiClient",
    "AuditEvent",
    "AuthSession",
    "Event",
    "ExternalRef",
    "HmProfile",
    "IdempotencyKey",
    "Intake",
    "IntakeComment",
    "IntakeQuestion",
    "IntakeRevision",
    "IntakeSignOff",
    "IntakeTeamMember",
    "Job",
    "JobSchedule",
    "RateLimitCounter",
    "RefreshToken",
    "Role",
    "User",
    "metadata",
]
