"""Intakes: the signed kickoff agreement for one opening, with its team, revisions,
sign-offs and discussion; the standard intake questions; hiring-manager profiles."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, Index, Numeric, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.ids import new_id
from app.models.base import JSONVariant, UTCDateTime, Versioned, enum_type


class RemotePolicy(StrEnum):
    ONSITE = "onsite"
    HYBRID = "hybrid"
    REMOTE = "remote"


class EmploymentType(StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    CONTRACT = "contract"
    TEMPORARY = "temporary"
    INTERNSHIP = "internship"


class PayPeriod(StrEnum):
    YEAR = "year"
    MONTH = "month"
    HOUR = "hour"


class IntakeStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    AGREED = "agreed"
    OPEN = "open"
    ON_HOLD = "on_hold"
    FILLED = "filled"
    CANCELLED = "cancelled"


class TeamRole(StrEnum):
    RECRUITER = "recruiter"
    HIRING_MANAGER = "hiring_manager"
    COORDINATOR = "coordinator"
    INTERVIEWER = "interviewer"


class SignOffParty(StrEnum):
    RECRUITER = "recruiter"
    HIRING_MANAGER = "hiring_manager"


class Intake(Versioned, table=True):
    """One opening's agreement. `team`, `sign_offs` and `external_ids` are read-model copies
    of their tables, so an intake reads in one row."""

    __tablename__ = "intakes"

    title: str = Field(max_length=200)
    department: str | None = Field(default=None, max_length=200)
    location: str | None = Field(default=None, max_length=200)
    remote_policy: RemotePolicy = Field(
        default=RemotePolicy.HYBRID, sa_type=enum_type(RemotePolicy)
    )
    employment_type: EmploymentType = Field(
        default=EmploymentType.FULL_TIME, sa_type=enum_type(EmploymentType)
    )
    level: str | None = Field(default=None, max_length=100)
    headcount: int = 1
    salary_min: Decimal | None = Field(default=None, sa_type=Numeric(14, 2))
    salary_max: Decimal | None = Field(default=None, sa_type=Numeric(14, 2))
    currency: str | None = Field(default=None, max_length=3)
    pay_period: PayPeriod = Field(default=PayPeriod.YEAR, sa_type=enum_type(PayPeriod))
    soc_code: str | None = Field(default=None, max_length=7)
    must_haves: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONVariant)
    nice_to_haves: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONVariant)
    deal_breakers: list[str] = Field(default_factory=list, sa_type=JSONVariant)
    ideal_candidate: str | None = Field(default=None, sa_type=Text)
    selling_points: list[str] = Field(default_factory=list, sa_type=JSONVariant)
    target_companies: list[str] = Field(default_factory=list, sa_type=JSONVariant)
    talent_pools: list[str] = Field(default_factory=list, sa_type=JSONVariant)
    answers: dict[str, str] = Field(default_factory=dict, sa_type=JSONVariant)

    recruiter_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    hiring_manager_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    team: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONVariant)
    interview_plan_id: uuid.UUID | None = None
    interview_plan_version: int | None = None

    feedback_sla_hours: int = 24
    hm_review_sla_hours: int = 48
    shortlist_due_date: date | None = Field(default=None, sa_type=Date)
    target_fill_date: date | None = Field(default=None, sa_type=Date)
    sync_cadence: dict[str, Any] | None = Field(default=None, sa_type=JSONVariant)

    status: IntakeStatus = Field(default=IntakeStatus.DRAFT, sa_type=enum_type(IntakeStatus))
    revision: int = 1
    agreed_revision: int | None = None
    sign_offs: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONVariant)
    status_changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    agreed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    filled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancel_reason: str | None = Field(default=None, max_length=500)
    external_ids: list[dict[str, str]] = Field(default_factory=list, sa_type=JSONVariant)

    __table_args__ = (Index("ix_intakes_status_updated_at", "status", "updated_at"),)


class IntakeTeamMember(SQLModel, table=True):
    """Who is on an intake's hiring team (and so may see its objects)."""

    __tablename__ = "intake_team_members"

    intake_id: uuid.UUID = Field(foreign_key="intakes.id", primary_key=True, ondelete="CASCADE")
    user_id: uuid.UUID = Field(foreign_key="users.id", primary_key=True, index=True)
    team_role: TeamRole = Field(sa_type=enum_type(TeamRole))


class IntakeRevision(SQLModel, table=True):
    """A numbered state of an intake from review on: the full snapshot and what changed."""

    __tablename__ = "intake_revisions"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    intake_id: uuid.UUID = Field(foreign_key="intakes.id", ondelete="CASCADE")
    number: int
    material: bool = True
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_type=JSONVariant)
    changes: dict[str, Any] = Field(default_factory=dict, sa_type=JSONVariant)
    changed_by_user_id: uuid.UUID | None = None
    changed_by_api_client_id: uuid.UUID | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (UniqueConstraint("intake_id", "number"),)


class IntakeSignOff(SQLModel, table=True):
    """A party's signature on one revision; carried to the next revision on cosmetic changes."""

    __tablename__ = "intake_sign_offs"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    intake_id: uuid.UUID = Field(foreign_key="intakes.id", ondelete="CASCADE")
    revision: int
    party: SignOffParty = Field(sa_type=enum_type(SignOffParty))
    user_id: uuid.UUID = Field(foreign_key="users.id")
    signed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    carried_over: bool = False

    __table_args__ = (UniqueConstraint("intake_id", "revision", "party"),)


class IntakeComment(Versioned, table=True):
    """A message in an intake's discussion thread."""

    __tablename__ = "intake_comments"

    intake_id: uuid.UUID = Field(foreign_key="intakes.id", index=True, ondelete="CASCADE")
    author_id: uuid.UUID = Field(foreign_key="users.id")
    body: str = Field(sa_type=Text)
    mentions: list[str] = Field(default_factory=list, sa_type=JSONVariant)
    edited_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class IntakeQuestion(Versioned, table=True):
    """A question of the standard intake; required ones must be answered before review."""

    __tablename__ = "intake_questions"

    text: str = Field(max_length=500)
    help_text: str | None = Field(default=None, max_length=2000)
    required: bool = True
    position: int = 0
    active: bool = True


class HmProfile(Versioned, table=True):
    """A hiring manager's candidate-facing background, plus internal-only notes."""

    __tablename__ = "hm_profiles"

    user_id: uuid.UUID = Field(foreign_key="users.id", unique=True, ondelete="CASCADE")
    headline: str | None = Field(default=None, max_length=200)
    bio: str | None = Field(default=None, sa_type=Text)
    team_description: str | None = Field(default=None, sa_type=Text)
    working_style: str | None = Field(default=None, sa_type=Text)
    values_in_people: str | None = Field(default=None, sa_type=Text)
    interview_style: str | None = Field(default=None, sa_type=Text)
    growth_paths: str | None = Field(default=None, sa_type=Text)
    photo_url: str | None = Field(default=None, max_length=1000)
    links: list[dict[str, str]] = Field(default_factory=list, sa_type=JSONVariant)
    internal_notes: str | None = Field(default=None, sa_type=Text)
