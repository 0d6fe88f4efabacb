"""Interview plans (versioned documents of stages, competencies and questions), the
competency library, interviewer training and calibration exercises."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.ids import new_id
from app.models.base import JSONVariant, UTCDateTime, Versioned, enum_type


class StageKind(StrEnum):
    SCREEN = "screen"
    HIRING_MANAGER = "hiring_manager"
    TECHNICAL = "technical"
    PANEL = "panel"
    TAKE_HOME = "take_home"
    REFERENCE = "reference"
    OTHER = "other"


class StageFormat(StrEnum):
    ONSITE = "onsite"
    VIDEO = "video"
    PHONE = "phone"


class TrainingState(StrEnum):
    ASSIGNED = "assigned"
    STUDIED = "studied"
    SHADOWED = "shadowed"
    REVERSE_SHADOWED = "reverse_shadowed"
    QUALIFIED = "qualified"
    EXPIRED = "expired"


class Competency(Versioned, table=True):
    """A skill or trait assessed in interviews, with what each rating 1-4 looks like."""

    __tablename__ = "competencies"

    name: str = Field(max_length=200, unique=True)
    description: str | None = Field(default=None, sa_type=Text)
    category: str | None = Field(default=None, max_length=100)
    rubric: dict[str, str] = Field(default_factory=dict, sa_type=JSONVariant)
    # What strong evidence sounds like in an answer: the interviewer kit's "Listen for".
    listen_for: str | None = Field(default=None, sa_type=Text)


class InterviewPlan(Versioned, table=True):
    """A plan: ordered stages, each with its competencies, questions and interviewer pool.

    `stages` is the working document (stage and question ids stay stable across plan
    versions); `plan_version` counts content versions. Once an intake using the plan is
    agreed, `locked_version` is set and the next edit starts a new plan version.
    """

    __tablename__ = "interview_plans"

    name: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_type=Text)
    is_template: bool = Field(default=False, index=True)
    owner_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    intake_id: uuid.UUID | None = Field(default=None, foreign_key="intakes.id", index=True)
    copied_from_id: uuid.UUID | None = None
    plan_version: int = 1
    locked_version: int | None = None
    shadows_required: int = 2
    reverse_shadows_required: int = 1
    # Whether shadows and reverse shadows owe an evaluation too (leads and interviewers always do).
    shadows_evaluate: bool = False
    stages: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONVariant)


class InterviewPlanVersion(SQLModel, table=True):
    """A frozen plan version: what interviews held at that version were run against."""

    __tablename__ = "interview_plan_versions"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    plan_id: uuid.UUID = Field(foreign_key="interview_plans.id", ondelete="CASCADE")
    number: int
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, sa_type=Text)
    stages: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONVariant)
    locked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (UniqueConstraint("plan_id", "number"),)


class TrainingRecord(Versioned, table=True):
    """One person's way to interviewing one plan stage on their own."""

    __tablename__ = "training_records"

    user_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    plan_id: uuid.UUID = Field(foreign_key="interview_plans.id", ondelete="CASCADE")
    stage_id: uuid.UUID
    state: TrainingState = Field(default=TrainingState.ASSIGNED, sa_type=enum_type(TrainingState))
    shadow_count: int = 0
    reverse_shadow_count: int = 0
    assigned_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    approved_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    studied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    qualified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    calibrations: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONVariant)

    __table_args__ = (UniqueConstraint("user_id", "plan_id", "stage_id"),)


class CalibrationExercise(Versioned, table=True):
    """A sample answer with reference ratings, to practise rating against."""

    __tablename__ = "calibration_exercises"

    name: str = Field(max_length=200)
    plan_id: uuid.UUID | None = Field(default=None, foreign_key="interview_plans.id")
    stage_id: uuid.UUID | None = None
    sample: str = Field(sa_type=Text)
    reference_ratings: dict[str, int] = Field(default_factory=dict, sa_type=JSONVariant)
