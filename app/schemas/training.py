"""Interviewer training records and calibration."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.core.pagination import Page
from app.models.plans import TrainingState
from app.schemas.common import STRICT_INPUT, Name, Text


class TrainingCreate(BaseModel):
    """Assign someone to learn to interview one stage of a plan."""

    model_config = STRICT_INPUT

    user_id: uuid.UUID
    plan_id: uuid.UUID
    stage_id: uuid.UUID


class TrainingRead(BaseModel):
    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    plan_id: uuid.UUID
    stage_id: uuid.UUID
    state: TrainingState
    shadow_count: int
    reverse_shadow_count: int
    assigned_by_id: uuid.UUID | None
    approved_by_id: uuid.UUID | None
    studied_at: datetime | None
    qualified_at: datetime | None
    expires_at: datetime | None
    calibrations: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime


TrainingList = Page[TrainingRead]

Rating = Annotated[int, Field(ge=1, le=4)]


class CalibrationCreate(BaseModel):
    """Your ratings of an exercise's sample answer, per competency."""

    model_config = ConfigDict(extra="forbid")

    exercise_id: uuid.UUID
    ratings: dict[uuid.UUID, Rating] = Field(min_length=1)


class CompetencyAgreement(BaseModel):
    competency_id: uuid.UUID
    reference: int
    rating: int
    difference: int


class CalibrationResult(BaseModel):
    """How your ratings compare with the reference."""

    exercise_id: uuid.UUID
    submitted_at: datetime
    exact_agreement: float = Field(
        description="Share of competencies rated exactly as the reference."
    )
    within_one_agreement: float = Field(description="Share within one point of the reference.")
    per_competency: list[CompetencyAgreement]


class CalibrationExerciseCreate(BaseModel):
    """A sample answer with the ratings an experienced interviewer gives it."""

    model_config = STRICT_INPUT

    name: Name
    plan_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    sample: Annotated[Text, StringConstraints(min_length=10, max_length=20_000)]
    reference_ratings: dict[uuid.UUID, Rating] = Field(min_length=1)


class CalibrationExerciseRead(BaseModel):
    """An exercise; `reference_ratings` only for recruiters and admins (trainees rate blind)."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    plan_id: uuid.UUID | None
    stage_id: uuid.UUID | None
    sample: str
    reference_ratings: dict[str, int] | None
    created_at: datetime
    updated_at: datetime


CalibrationExerciseList = Page[CalibrationExerciseRead]
