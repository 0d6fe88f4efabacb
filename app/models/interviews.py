"""Interviews and their panels, evaluations (scorecards) with amendments, debrief decisions,
and the notification intents that reminders and escalations leave for delivery."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.ids import new_id
from app.models.base import JSONVariant, UTCDateTime, Versioned, enum_type


class InterviewStatus(StrEnum):
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


class PanelRole(StrEnum):
    LEAD = "lead"
    INTERVIEWER = "interviewer"
    SHADOW = "shadow"
    REVERSE_SHADOW = "reverse_shadow"


class EvaluationStatus(StrEnum):
    PENDING = "pending"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    # The interview was cancelled or the candidate did not show: nothing to evaluate.
    CANCELLED = "cancelled"


class Recommendation(StrEnum):
    STRONG_NO = "strong_no"
    NO = "no"
    YES = "yes"
    STRONG_YES = "strong_yes"


class Decision(StrEnum):
    ADVANCE = "advance"
    REJECT = "reject"
    HIRE = "hire"


class Interview(Versioned, table=True):
    """One scheduled meeting of a candidate with a panel, for one stage of the intake's plan.

    `plan_version` and `stage_name` are what the plan said when the interview was scheduled;
    `sequence` is the iCalendar SEQUENCE, bumped by every reschedule or cancellation.
    """

    __tablename__ = "interviews"

    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    intake_id: uuid.UUID = Field(foreign_key="intakes.id", index=True)
    plan_id: uuid.UUID = Field(foreign_key="interview_plans.id")
    plan_version: int
    stage_id: str = Field(max_length=64)
    stage_name: str = Field(max_length=200)
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    timezone: str = Field(default="UTC", max_length=64)
    location: str | None = Field(default=None, max_length=500)
    video_url: str | None = Field(default=None, max_length=2000)
    status: InterviewStatus = Field(
        default=InterviewStatus.SCHEDULED, sa_type=enum_type(InterviewStatus)
    )
    override_reason: str | None = Field(default=None, sa_type=Text)
    cancel_reason: str | None = Field(default=None, sa_type=Text)
    scheduled_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sequence: int = 0
    # The panel as shown on reads ([{user_id, role, unqualified_lead}]); `interview_participants`
    # holds the same people for the double-booking and visibility lookups.
    panel: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONVariant)


class InterviewParticipant(SQLModel, table=True):
    """One interviewer on an interview's panel, with their role. `starts_at`, `ends_at` and
    `active` copy the interview so double-booking is one indexed lookup per person."""

    __tablename__ = "interview_participants"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    interview_id: uuid.UUID = Field(foreign_key="interviews.id", ondelete="CASCADE", index=True)
    user_id: uuid.UUID = Field(foreign_key="users.id")
    role: PanelRole = Field(sa_type=enum_type(PanelRole))
    starts_at: datetime = Field(sa_type=UTCDateTime)
    ends_at: datetime = Field(sa_type=UTCDateTime)
    active: bool = True
    # Set when the interview was held without the lead being qualified for the stage.
    unqualified_lead: bool = False

    __table_args__ = (
        UniqueConstraint("interview_id", "user_id"),
        Index("ix_interview_participants_user_busy", "user_id", "starts_at"),
    )


class Evaluation(Versioned, table=True):
    """One interviewer's scorecard for one interview.

    `competencies` is the stage's list when the interview was scheduled, so later plan edits
    never change what a scorecard asks. `next_reminder_at`, `overdue_notified_at` and
    `escalated_at` drive the reminder job; `turnaround_seconds` and `on_time` are stored at
    submission so insights never recompute them.
    """

    __tablename__ = "evaluations"

    interview_id: uuid.UUID = Field(foreign_key="interviews.id", index=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True)
    intake_id: uuid.UUID = Field(foreign_key="intakes.id", index=True)
    interviewer_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    panel_role: PanelRole = Field(sa_type=enum_type(PanelRole))
    stage_id: str = Field(max_length=64)
    competencies: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONVariant)
    status: EvaluationStatus = Field(
        default=EvaluationStatus.PENDING, sa_type=enum_type(EvaluationStatus), index=True
    )
    ratings: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONVariant)
    recommendation: Recommendation | None = Field(default=None, sa_type=enum_type(Recommendation))
    summary: str | None = Field(default=None, sa_type=Text)
    feedback_sla_hours: int
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    escalates_at: datetime = Field(sa_type=UTCDateTime)
    next_reminder_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    reminders_sent: int = 0
    overdue_notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    escalated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    turnaround_seconds: int | None = None
    on_time: bool | None = None
    amendment_count: int = 0

    __table_args__ = (UniqueConstraint("interview_id", "interviewer_id"),)


class EvaluationAmendment(SQLModel, table=True):
    """A change to a submitted evaluation: what it said before, what it says now, and why."""

    __tablename__ = "evaluation_amendments"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    evaluation_id: uuid.UUID = Field(foreign_key="evaluations.id", ondelete="CASCADE", index=True)
    amended_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    amended_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    reason: str = Field(sa_type=Text)
    before: dict[str, Any] = Field(default_factory=dict, sa_type=JSONVariant)
    after: dict[str, Any] = Field(default_factory=dict, sa_type=JSONVariant)


class ApplicationDecision(SQLModel, table=True):
    """A debrief decision on an application: advance, reject or hire, with the rationale."""

    __tablename__ = "application_decisions"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", ondelete="CASCADE", index=True)
    decision: Decision = Field(sa_type=enum_type(Decision))
    rationale: str = Field(sa_type=Text)
    from_stage: str = Field(max_length=64)
    to_stage: str = Field(max_length=64)
    reason_code: str | None = Field(default=None, max_length=50)
    decided_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    decided_by_api_client_id: uuid.UUID | None = None
    decided_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class NotificationIntent(SQLModel, table=True):
    """Something a person should be told (a reminder, an escalation), recorded when it became
    due; the notifications feature delivers it and sets `delivered_at`."""

    __tablename__ = "notification_intents"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    kind: str = Field(max_length=64, index=True)
    recipient_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    subject_type: str = Field(max_length=32)
    subject_id: uuid.UUID
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONVariant)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
