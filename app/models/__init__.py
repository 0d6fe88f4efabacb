"""Table classes, one module per aggregate; importing this package registers them all."""

from app.core.roles import Role
from app.models.base import metadata
from app.models.candidates import (
    Application,
    BriefingLink,
    Candidate,
    ImportJob,
    StageChange,
)
from app.models.identity import (
    ApiClient,
    AuditEvent,
    AuthSession,
    RateLimitCounter,
    RefreshToken,
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
from app.models.interviews import (
    ApplicationDecision,
    Evaluation,
    EvaluationAmendment,
    Interview,
    InterviewParticipant,
    NotificationIntent,
)
from app.models.market import MarketBenchmark, MarketDataset
from app.models.notifications import Notification, NotificationPreference
from app.models.organisation import OrganisationProfile
from app.models.plans import (
    CalibrationExercise,
    Competency,
    InterviewPlan,
    InterviewPlanVersion,
    TrainingRecord,
)
from app.models.platform import (
    Event,
    ExternalRef,
    IdempotencyKey,
    Job,
    JobSchedule,
    WorkerHeartbeat,
)
from app.models.transcripts import (
    Recording,
    RecordingConsent,
    Transcript,
    TranscriptSegment,
)
from app.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookSubscription

__all__ = [
    "ApiClient",
    "Application",
    "ApplicationDecision",
    "AuditEvent",
    "AuthSession",
    "BriefingLink",
    "CalibrationExercise",
    "Candidate",
    "Competency",
    "DeliveryStatus",
    "Evaluation",
    "EvaluationAmendment",
    "Event",
    "ExternalRef",
    "HmProfile",
    "IdempotencyKey",
    "ImportJob",
    "Intake",
    "IntakeComment",
    "IntakeQuestion",
    "IntakeRevision",
    "IntakeSignOff",
    "IntakeTeamMember",
    "Interview",
    "InterviewParticipant",
    "InterviewPlan",
    "InterviewPlanVersion",
    "Job",
    "JobSchedule",
    "MarketBenchmark",
    "MarketDataset",
    "Notification",
    "NotificationIntent",
    "NotificationPreference",
    "OrganisationProfile",
    "RateLimitCounter",
    "Recording",
    "RecordingConsent",
    "RefreshToken",
    "Role",
    "StageChange",
    "TrainingRecord",
    "Transcript",
    "TranscriptSegment",
    "User",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkerHeartbeat",
    "metadata",
]
