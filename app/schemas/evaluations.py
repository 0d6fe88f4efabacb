"""Evaluations (scorecards), their amendments, debriefs and decisions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.core.pagination import Page
from app.models.candidates import ApplicationStatus, RejectionReason
from app.models.interviews import Decision, EvaluationStatus, PanelRole, Recommendation
from app.schemas.applications import Stage
from app.schemas.common import STRICT_INPUT, Text

Notes = Annotated[Text, StringConstraints(max_length=5000)]
Summary = Annotated[Text, StringConstraints(max_length=10000)]
Reason = Annotated[Text, StringConstraints(min_length=1, max_length=2000)]


class RatingIn(BaseModel):
    """A rating of one competency: 1-4, or `not_assessed: true` (then `rating` is null)."""

    model_config = STRICT_INPUT

    competency_id: uuid.UUID
    rating: int | None = Field(default=None, ge=1, le=4)
    not_assessed: bool = False
    notes: Notes | None = Field(default=None, description="The evidence behind the rating.")

    @model_validator(mode="after")
    def _rating_or_not_assessed(self) -> RatingIn:
        if self.not_assessed and self.rating is not None:
            raise ValueError("a competency is either rated or not assessed, not both")
        return self


class EvaluationUpdate(BaseModel):
    """Save a draft: the ratings sent replace those of the same competencies."""

    model_config = STRICT_INPUT

    ratings: list[RatingIn] | None = Field(default=None, max_length=50)
    recommendation: Recommendation | None = None
    summary: Summary | None = None

    @model_validator(mode="after")
    def _one_rating_per_competency(self) -> EvaluationUpdate:
        ids = [r.competency_id for r in self.ratings or []]
        if len(ids) != len(set(ids)):
            raise ValueError("rate each competency once")
        return self


class EvaluationAmend(EvaluationUpdate):
    """Change a submitted evaluation; the original and the reason are kept."""

    reason: Reason


class RatingRead(BaseModel):
    competency_id: uuid.UUID
    competency_name: str | None = None
    rating: int | None
    not_assessed: bool
    notes: str | None


class CompetencyAsked(BaseModel):
    id: uuid.UUID
    name: str


class AmendmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    amended_at: datetime
    amended_by_id: uuid.UUID | None
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]


class EvaluationRead(BaseModel):
    """A scorecard. Content of an unsubmitted one is shown to its author only; `overdue` is
    true while it is not submitted after `due_at`."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    interview_id: uuid.UUID
    application_id: uuid.UUID
    intake_id: uuid.UUID
    interviewer_id: uuid.UUID
    panel_role: PanelRole
    stage_id: uuid.UUID
    competencies: list[CompetencyAsked]
    status: EvaluationStatus
    ratings: list[RatingRead]
    recommendation: Recommendation | None
    summary: str | None
    feedback_sla_hours: int
    due_at: datetime
    overdue: bool
    submitted_at: datetime | None
    turnaround_seconds: int | None
    on_time: bool | None
    amendment_count: int
    amendments: list[AmendmentRead] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime


EvaluationList = Page[EvaluationRead]


class DecisionCreate(BaseModel):
    """The debrief's decision."""

    model_config = STRICT_INPUT

    decision: Decision
    rationale: Reason
    stage: Annotated[Text, StringConstraints(min_length=1, max_length=64)] | None = Field(
        default=None, description="Where `advance` moves to (default: the plan's next stage)."
    )
    reason_code: RejectionReason | None = Field(
        default=None, description="For `reject` (default `not_qualified`)."
    )
    from_stage: Annotated[Text, StringConstraints(min_length=1, max_length=64)] | None = Field(
        default=None,
        description=(
            "The stage this decision is about: the application's current `stage`. A decision "
            "needs this or `If-Match`; once the application has moved on, deciding on that "
            "stage again is a 409."
        ),
    )


class DecisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    application_id: uuid.UUID
    decision: Decision
    rationale: str
    from_stage: Stage
    to_stage: Stage
    reason_code: RejectionReason | None
    decided_by_id: uuid.UUID | None
    decided_by_api_client_id: uuid.UUID | None
    decided_at: datetime


class CompetencyRating(BaseModel):
    """One submitted answer on a competency: a rating 1-4, or not assessed (rating null)."""

    evaluation_id: uuid.UUID
    interviewer_id: uuid.UUID
    interviewer_name: str | None
    rating: int | None
    not_assessed: bool


class CompetencySummary(BaseModel):
    """All submitted ratings of one competency across the application's interviews (leads and
    interviewers only). `count`, `mean` and `spread` are over the numeric ratings."""

    competency_id: uuid.UUID
    name: str
    ratings: list[CompetencyRating]
    count: int
    mean: float | None = Field(description="Mean of the ratings, 2 decimals; null without any.")
    spread: int | None = Field(description="Highest minus lowest rating; null without any.")
    not_assessed: int
    disagreement: bool = Field(description="The spread is 2 or more.")


class DebriefFlag(BaseModel):
    """A disagreement worth talking about in the debrief, with its facts."""

    kind: Literal["competency_spread", "split_recommendation"]
    detail: str
    competency_id: uuid.UUID | None = None
    competency_name: str | None = None
    min_rating: int | None = None
    max_rating: int | None = None
    spread: int | None = None
    recommendations: dict[str, int] | None = None
    evaluation_ids: list[uuid.UUID] = Field(default_factory=list)


class DebriefEvaluation(BaseModel):
    """One evaluation of the application. `recommendation` shows once it is submitted;
    `overdue` is true while it is not submitted after `due_at`."""

    evaluation_id: uuid.UUID
    interview_id: uuid.UUID
    stage_id: uuid.UUID
    stage_name: str
    interview_ends_at: datetime
    interviewer_id: uuid.UUID
    interviewer_name: str | None
    panel_role: PanelRole
    status: EvaluationStatus
    recommendation: Recommendation | None
    due_at: datetime
    overdue: bool
    submitted_at: datetime | None
    on_time: bool | None
    counts_toward_decision: bool = Field(
        description="Leads and interviewers count; shadows asked to evaluate are listed only."
    )


class DebriefRead(BaseModel):
    """The panel's evidence on one application, put together for the decision."""

    application_id: uuid.UUID
    intake_id: uuid.UUID
    stage: Stage
    status: ApplicationStatus
    competencies: list[CompetencySummary]
    recommendations: dict[str, int] = Field(
        description="Submitted recommendations by value; all four keys always present."
    )
    disagreements: list[DebriefFlag]
    evaluations: list[DebriefEvaluation] = Field(
        description="Every evaluation of the application's interviews that were not cancelled."
    )
    missing: list[DebriefEvaluation] = Field(
        description="Not submitted (pending or draft) although the interview has ended; "
        "`overdue` marks those past their due time."
    )
    late: list[DebriefEvaluation] = Field(description="Submitted after their due time.")
    decision: DecisionRead | None
    decisions: list[DecisionRead]
