"""Candidates, their applications to intakes with stage history, briefing links, imports."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, Numeric, Text, event, text
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.ids import new_id
from app.core.text import fold
from app.models.base import JSONVariant, UTCDateTime, Versioned, enum_type
from app.models.intakes import PayPeriod


class ApplicationStatus(StrEnum):
    ACTIVE = "active"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    HIRED = "hired"


class RejectionReason(StrEnum):
    NOT_QUALIFIED = "not_qualified"
    QUALIFIED_NOT_SELECTED = "qualified_not_selected"
    PAY_MISMATCH = "pay_mismatch"
    LOCATION_MISMATCH = "location_mismatch"
    POSITION_FILLED = "position_filled"
    NO_SHOW = "no_show"
    CANDIDATE_DECLINED = "candidate_declined"
    OTHER = "other"


class ImportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class Candidate(Versioned, table=True):
    """A person who may be hired. `email` is the primary address, lower-cased and unique."""

    __tablename__ = "candidates"

    full_name: str = Field(max_length=200, index=True)
    # `full_name` folded for search (see `app.core.text.fold`); kept in step on every write.
    search_name: str = Field(default="", max_length=200)
    email: str | None = Field(default=None, max_length=320, unique=True)
    other_emails: list[str] = Field(default_factory=list, sa_type=JSONVariant)
    phone: str | None = Field(default=None, max_length=20)
    location: str | None = Field(default=None, max_length=200)
    headline: str | None = Field(default=None, max_length=300)
    current_title: str | None = Field(default=None, max_length=200)
    current_company: str | None = Field(default=None, max_length=200)
    links: dict[str, Any] = Field(default_factory=dict, sa_type=JSONVariant)
    skills: list[str] = Field(default_factory=list, sa_type=JSONVariant)
    pay_expectation_amount: Decimal | None = Field(default=None, sa_type=Numeric(14, 2))
    pay_expectation_currency: str | None = Field(default=None, max_length=3)
    pay_expectation_period: PayPeriod | None = Field(default=None, sa_type=enum_type(PayPeriod))
    notice_period_days: int | None = None
    source: str | None = Field(default=None, max_length=100, index=True)
    tags: list[str] = Field(default_factory=list, sa_type=JSONVariant)
    consent: dict[str, Any] | None = Field(default=None, sa_type=JSONVariant)
    external_ids: list[dict[str, str]] = Field(default_factory=list, sa_type=JSONVariant)
    # Set by erasure (app.services.privacy): when, and a keyed hash (HMAC-SHA256 with the
    # app secret) of the e-mail, so a re-applying person can be recognised as erased.
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    erased_email_hash: str | None = Field(default=None, max_length=64, index=True)


@event.listens_for(Candidate, "before_insert")
@event.listens_for(Candidate, "before_update")
def _fold_name(_mapper: Any, _connection: Any, target: Candidate) -> None:
    target.search_name = fold(target.full_name)[:200]


class Application(Versioned, table=True):
    """A candidate in one intake's pipeline."""

    __tablename__ = "applications"

    candidate_id: uuid.UUID = Field(foreign_key="candidates.id", index=True)
    intake_id: uuid.UUID = Field(foreign_key="intakes.id", index=True)
    recruiter_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    hiring_manager_id: uuid.UUID = Field(foreign_key="users.id", index=True)
    stage: str = Field(max_length=64, index=True)
    status: ApplicationStatus = Field(
        default=ApplicationStatus.ACTIVE, sa_type=enum_type(ApplicationStatus)
    )
    reason_code: str | None = Field(default=None, max_length=50)
    reason_note: str | None = Field(default=None, sa_type=Text)
    source: str | None = Field(default=None, max_length=100)
    applied_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    stage_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    shortlisted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hm_review_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    hm_reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    hm_review_due_notified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    external_ids: list[dict[str, str]] = Field(default_factory=list, sa_type=JSONVariant)

    __table_args__ = (
        # One active application per candidate per intake.
        Index(
            "uq_applications_active_candidate_intake",
            "candidate_id",
            "intake_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )


class StageChange(SQLModel, table=True):
    """One move of an application: from where, to where, when, by whom, why."""

    __tablename__ = "application_stage_changes"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True, ondelete="CASCADE")
    from_stage: str | None = Field(default=None, max_length=64)
    to_stage: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    by_user_id: uuid.UUID | None = None
    by_api_client_id: uuid.UUID | None = None
    reason: str | None = Field(default=None, sa_type=Text)


class BriefingLink(SQLModel, table=True):
    """A candidate's public, expiring, revocable link to their briefing (only a hash kept)."""

    __tablename__ = "briefing_links"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id", index=True, ondelete="CASCADE")
    stage_id: str | None = Field(default=None, max_length=64)
    token_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by_id: uuid.UUID | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    first_viewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_viewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    view_count: int = 0


class ImportJob(Versioned, table=True):
    """A bulk candidate import: its file, progress and per-row errors."""

    __tablename__ = "imports"

    status: ImportStatus = Field(default=ImportStatus.QUEUED, sa_type=enum_type(ImportStatus))
    file_format: str = Field(max_length=10)
    file_name: str | None = Field(default=None, max_length=255)
    stored_path: str = Field(max_length=1000)
    mapping: dict[str, str] = Field(default_factory=dict, sa_type=JSONVariant)
    intake_id: uuid.UUID | None = Field(default=None, foreign_key="intakes.id")
    total_rows: int | None = None
    processed_rows: int = 0
    created_count: int = 0
    updated_count: int = 0
    unchanged_count: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONVariant)
    created_by_id: uuid.UUID | None = None
    api_client_id: uuid.UUID | None = None
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failure: str | None = Field(default=None, max_length=2000)
