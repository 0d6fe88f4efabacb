"""Applications: a candidate in one intake's pipeline, its moves and reviews."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.core.pagination import Page
from app.models.candidates import ApplicationStatus, RejectionReason
from app.schemas.common import STRICT_INPUT, SingleLine, Text

FIXED_STAGES = ("applied", "shortlisted", "hm_review")
# Where an application is: a fixed stage, a stage id of the intake's plan, or, once it left the
# pipeline, its closing status.
Stage = Annotated[
    Literal["applied", "shortlisted", "hm_review", "rejected", "withdrawn", "hired"] | uuid.UUID,
    Field(
        description="`applied`, `shortlisted`, `hm_review`, a stage id of the intake's plan, "
        "or, once closed, `rejected`, `withdrawn` or `hired`."
    ),
]
Note = Annotated[Text, StringConstraints(min_length=1, max_length=2000)]
StageName = Annotated[
    SingleLine,
    StringConstraints(min_length=1, max_length=64),
    Field(
        description="`applied`, `shortlisted`, `hm_review`, or a stage id of the intake's plan.",
        examples=["shortlisted"],
    ),
]


class ApplicationCreate(BaseModel):
    """Put a candidate in an intake's pipeline."""

    model_config = STRICT_INPUT

    candidate_id: uuid.UUID
    intake_id: uuid.UUID
    stage: StageName = "applied"
    source: Annotated[SingleLine, StringConstraints(max_length=100)] | None = None


class ApplicationMove(BaseModel):
    """Move to another stage (not a terminal one: use reject, withdraw or hire)."""

    model_config = STRICT_INPUT

    stage: StageName
    reason: Note | None = None


class ApplicationReject(BaseModel):
    model_config = STRICT_INPUT

    reason_code: RejectionReason = Field(examples=["qualified_not_selected"])
    note: Note | None = None


class ApplicationWithdraw(BaseModel):
    model_config = STRICT_INPUT

    reason: Note | None = None


class HmReviewDecision(BaseModel):
    """The hiring manager's decision on a shortlisted candidate."""

    model_config = STRICT_INPUT

    decision: Literal["advance", "reject"]
    stage: StageName | None = Field(
        default=None,
        description="Where an advanced candidate goes (default: the plan's first stage).",
    )
    reason_code: RejectionReason | None = None
    note: Note | None = None


class ApplicationRead(BaseModel):
    """An application; `hm_review_overdue` is true while a due review is still waiting."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    candidate_id: uuid.UUID
    intake_id: uuid.UUID
    recruiter_id: uuid.UUID
    hiring_manager_id: uuid.UUID
    stage: Stage
    status: ApplicationStatus
    reason_code: RejectionReason | None
    reason_note: str | None
    source: str | None
    applied_at: datetime
    stage_changed_at: datetime
    shortlisted_at: datetime | None
    hm_review_due_at: datetime | None
    hm_reviewed_at: datetime | None
    hm_review_overdue: bool
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime


ApplicationList = Page[ApplicationRead]


class StageChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    from_stage: Stage | None
    to_stage: Stage
    at: datetime
    by_user_id: uuid.UUID | None
    by_api_client_id: uuid.UUID | None
    reason: str | None


StageChangeList = Page[StageChangeRead]
