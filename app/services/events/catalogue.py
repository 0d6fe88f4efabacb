"""Every event type Tandem records, with its payload schema, version and personal fields.

`record_event` calls name their type as a literal; a test checks that every literal in the
code is catalogued here and every entry here is recorded somewhere.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel

from app.schemas import event_data as d

PING = "ping"


@dataclass(frozen=True, slots=True)
class EventType:
    """One event type: what happened, the shape of its `data`, and its personal fields."""

    name: str
    data: type[BaseModel]
    description: str
    version: int = 1
    # Field (or `parent.child`) -> the API key scope a subscriber needs to receive it.
    personal: Mapping[str, str] = field(default_factory=dict)


_USER_PII = {
    "email": "users:read",
    "full_name": "users:read",
    "changes.email": "users:read",
    "changes.full_name": "users:read",
}

_TYPES = [
    EventType("user.created", d.UserData, "A user was created.", personal=_USER_PII),
    EventType("user.updated", d.UserUpdatedData, "A user's fields changed.", personal=_USER_PII),
    EventType("user.deactivated", d.UserData, "A user was deactivated.", personal=_USER_PII),
    EventType("user.reactivated", d.UserData, "A user was reactivated.", personal=_USER_PII),
    EventType("hm_profile.updated", d.HmProfileData, "A hiring manager's profile changed."),
    EventType("organisation.updated", d.OrganisationData, "The organisation profile changed."),
    EventType("training.status_changed", d.TrainingStatusData, "A training record changed state."),
    EventType("training.qualified", d.TrainingQualifiedData, "An interviewer qualified."),
    EventType("interview_plan.created", d.PlanData, "A plan was created or copied."),
    EventType(
        "interview_plan.version_created",
        d.PlanVersionData,
        "A plan in use changed: a new version was frozen.",
    ),
    EventType("intake.created", d.IntakeData, "An intake was created (draft)."),
    EventType("intake.updated", d.IntakeUpdatedData, "An intake's fields changed."),
    EventType("intake.status_changed", d.IntakeStatusData, "An intake moved to another status."),
    EventType("intake.submitted", d.IntakeRevisionData, "An intake was submitted for review."),
    EventType("intake.signed_off", d.IntakeSignedOffData, "A party signed a revision."),
    EventType("intake.agreed", d.IntakeRevisionData, "Both parties signed the same revision."),
    EventType("intake.comment_added", d.IntakeCommentData, "A comment was added to an intake."),
    EventType("candidate.created", d.CandidateData, "A candidate was created."),
    EventType("candidate.updated", d.CandidateData, "A candidate changed or was merged into."),
    EventType(
        "candidate.erased",
        d.CandidateErasedData,
        "A candidate's personal data was erased; integrations should erase their copies.",
    ),
    EventType("application.created", d.ApplicationData, "A candidate entered a pipeline."),
    EventType("application.stage_changed", d.ApplicationMovedData, "An application changed stage."),
    EventType("application.rejected", d.ApplicationMovedData, "An application was rejected."),
    EventType("application.hired", d.ApplicationMovedData, "An application ended in a hire."),
    EventType("hm_review.due", d.HmReviewDueData, "A hiring manager's review is late."),
    EventType("briefing.shared", d.BriefingSharedData, "A candidate briefing link was made."),
    EventType("briefing.viewed", d.BriefingViewedData, "A candidate opened a briefing."),
    EventType("import.completed", d.ImportData, "A candidate import finished."),
    EventType(
        "market_dataset.imported",
        d.MarketDatasetImportedData,
        "An uploaded market dataset was validated and loaded (or failed).",
    ),
    EventType(
        "market_dataset.made_default",
        d.MarketDatasetData,
        "A market dataset became the default for market checks.",
    ),
    EventType("interview.scheduled", d.InterviewData, "An interview was scheduled."),
    EventType("interview.rescheduled", d.InterviewData, "An interview's time or panel changed."),
    EventType("interview.cancelled", d.InterviewData, "An interview was cancelled."),
    EventType("interview.completed", d.InterviewData, "An interview was held."),
    EventType("interview.no_show", d.InterviewData, "The candidate did not come."),
    EventType("evaluation.submitted", d.EvaluationSubmittedData, "A scorecard was submitted."),
    EventType("evaluation.amended", d.EvaluationAmendedData, "A submitted scorecard changed."),
    EventType("evaluation.overdue", d.EvaluationDueData, "A scorecard passed its due time."),
    EventType("evaluation.escalated", d.EvaluationDueData, "A late scorecard was escalated."),
    EventType("debrief.decided", d.DebriefDecidedData, "A debrief decision was recorded."),
    EventType("recording.consent_recorded", d.ConsentData, "A candidate consented to recording."),
    EventType("recording.uploaded", d.RecordingData, "An interview recording was stored."),
    EventType("recording.deleted", d.RecordingData, "A recording was deleted."),
    EventType("transcript.imported", d.TranscriptData, "A transcript was imported."),
]

CATALOGUE: dict[str, EventType] = {t.name: t for t in _TYPES}
PING_TYPE = EventType(PING, d.PingData, "Sent by `webhooks_test`; never in the feed.")


def matches(patterns: Iterable[str], event_type: str) -> bool:
    """Whether an event type matches any subscription pattern (`*`, `evaluation.*`, exact)."""
    return any(fnmatch.fnmatchcase(event_type, p) for p in patterns)


def unknown_patterns(patterns: Iterable[str]) -> list[str]:
    """Patterns that match no catalogued type (a typo would silently receive nothing)."""
    return [p for p in patterns if not any(fnmatch.fnmatchcase(t, p) for t in CATALOGUE)]
