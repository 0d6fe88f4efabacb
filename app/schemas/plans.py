"""Competencies, interview plans, kits and readiness."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.core.pagination import Page
from app.models.plans import StageFormat, StageKind, TrainingState
from app.schemas.common import STRICT_INPUT, Name, SingleLine, Text

LongText = Annotated[Text, StringConstraints(max_length=5000)]
LISTEN_FOR = (
    'What strong evidence sounds like in an answer; the interviewer kit shows it as "Listen for".'
)
Category = Annotated[SingleLine, StringConstraints(min_length=1, max_length=100)]
RubricText = Annotated[Text, StringConstraints(min_length=1, max_length=2000)]


class Rubric(BaseModel):
    """What evidence looks like at each rating: 1 strong no, 2 no, 3 yes, 4 strong yes."""

    model_config = STRICT_INPUT

    one: RubricText = Field(alias="1", examples=["Cannot explain any design they worked on."])
    two: RubricText = Field(alias="2")
    three: RubricText = Field(alias="3")
    four: RubricText = Field(alias="4")

    def as_dict(self) -> dict[str, str]:
        return {"1": self.one, "2": self.two, "3": self.three, "4": self.four}


class CompetencyCreate(BaseModel):
    """A competency for the library."""

    model_config = STRICT_INPUT

    name: Name = Field(examples=["System design"])
    description: LongText | None = None
    category: Category | None = Field(default=None, examples=["Technical"])
    rubric: Rubric
    listen_for: LongText | None = Field(default=None, description=LISTEN_FOR)


class CompetencyUpdate(BaseModel):
    """Change a competency; `description`, `category` and `listen_for` may be cleared with null."""

    model_config = STRICT_INPUT

    name: Name | None = None
    description: LongText | None = None
    category: Category | None = None
    rubric: Rubric | None = None
    listen_for: LongText | None = None

    @field_validator("name", "rubric")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null")
        return value


class CompetencyRead(BaseModel):
    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    category: str | None
    rubric: dict[str, str]
    listen_for: str | None
    created_at: datetime
    updated_at: datetime


CompetencyList = Page[CompetencyRead]


class QuestionIn(BaseModel):
    """A question, tied to the competency it gives evidence for."""

    model_config = STRICT_INPUT

    id: uuid.UUID | None = Field(default=None, description="Keep an existing question's id.")
    text: Annotated[Text, StringConstraints(min_length=3, max_length=1000)]
    competency_id: uuid.UUID
    follow_ups: list[Annotated[Text, StringConstraints(min_length=1, max_length=500)]] = Field(
        default_factory=list, max_length=10
    )
    what_good_looks_like: LongText | None = None


class StageIn(BaseModel):
    """One stage of the plan."""

    model_config = STRICT_INPUT

    id: uuid.UUID | None = Field(default=None, description="Keep an existing stage's id.")
    name: Name = Field(examples=["Technical deep dive"])
    kind: StageKind
    duration_minutes: int = Field(ge=5, le=8 * 60, examples=[60])
    format: StageFormat = StageFormat.VIDEO
    competency_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    questions: list[QuestionIn] = Field(default_factory=list, max_length=50)
    interviewer_pool: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    evaluation_required: bool = True


class InterviewPlanCreate(BaseModel):
    """A template (`is_template: true`) or an intake's plan (`intake_id`)."""

    model_config = STRICT_INPUT

    name: Name = Field(examples=["Backend engineer loop"])
    description: LongText | None = None
    is_template: bool = False
    intake_id: uuid.UUID | None = Field(
        default=None, description="Attach the new plan to this intake."
    )
    shadows_required: int = Field(default=2, ge=0, le=20)
    reverse_shadows_required: int = Field(default=1, ge=0, le=20)
    shadows_evaluate: bool = Field(
        default=False,
        description="Shadows and reverse shadows submit evaluations too (not counted in debriefs).",
    )
    stages: list[StageIn] = Field(default_factory=list, max_length=20)


class InterviewPlanUpdate(BaseModel):
    """Change a plan; `stages` replaces the list (send ids to keep stages and questions;
    order is the list's order)."""

    model_config = STRICT_INPUT

    name: Name | None = None
    description: LongText | None = None
    shadows_required: int | None = Field(default=None, ge=0, le=20)
    reverse_shadows_required: int | None = Field(default=None, ge=0, le=20)
    shadows_evaluate: bool | None = None
    stages: list[StageIn] | None = Field(default=None, max_length=20)

    @field_validator(
        "name", "shadows_required", "reverse_shadows_required", "shadows_evaluate", "stages"
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null")
        return value


class InterviewPlanCopy(BaseModel):
    """Copy a plan (usually a template), optionally for an intake."""

    model_config = STRICT_INPUT

    name: Name | None = None
    intake_id: uuid.UUID | None = None


class CompetencyRef(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None = None
    rubric: dict[str, str] = Field(default_factory=dict)
    listen_for: str | None = None


class QuestionRead(BaseModel):
    id: uuid.UUID
    text: str
    competency_id: uuid.UUID
    follow_ups: list[str]
    what_good_looks_like: str | None


class StageRead(BaseModel):
    id: uuid.UUID
    name: str
    kind: StageKind
    duration_minutes: int
    format: StageFormat
    competencies: list[CompetencyRef]
    questions: list[QuestionRead]
    interviewer_pool: list[uuid.UUID]
    evaluation_required: bool


class InterviewPlanRead(BaseModel):
    """A plan at its current version."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    is_template: bool
    owner_id: uuid.UUID | None
    intake_id: uuid.UUID | None
    copied_from_id: uuid.UUID | None
    plan_version: int
    locked_version: int | None
    shadows_required: int
    reverse_shadows_required: int
    shadows_evaluate: bool
    stages: list[StageRead]
    created_at: datetime
    updated_at: datetime


InterviewPlanList = Page[InterviewPlanRead]


class InterviewPlanVersionRead(BaseModel):
    """A plan as it stood at one version."""

    plan_id: uuid.UUID
    number: int
    name: str
    description: str | None
    stages: list[StageRead]
    locked_at: datetime | None = Field(description="When this version was frozen (null: current).")


class PoolMember(BaseModel):
    user_id: uuid.UUID
    status: Literal["qualified", "in_training", "untrained"]
    training_state: TrainingState | None
    training_id: uuid.UUID | None


class StageReadiness(BaseModel):
    stage_id: uuid.UUID
    name: str
    qualified: int
    in_training: int
    untrained: int
    can_be_staffed: bool = Field(description="At least one qualified interviewer can lead it.")
    pool: list[PoolMember]


class PlanReadiness(BaseModel):
    """Who in each stage's pool can interview, and whether every stage can be staffed."""

    plan_id: uuid.UUID
    plan_version: int
    ready: bool
    stages: list[StageReadiness]


class TimeSlot(BaseModel):
    start_minute: int
    end_minute: int
    activity: str


class KitStage(BaseModel):
    id: uuid.UUID
    name: str
    kind: StageKind
    format: StageFormat
    duration_minutes: int
    evaluation_required: bool


class KitCompetency(CompetencyRef):
    listen_for: str = Field(
        description="What strong evidence sounds like: the competency's note, else the "
        'stage\'s "good answers" for it.'
    )


class KitQuestion(QuestionRead):
    competency_name: str


class KitRead(BaseModel):
    """What an interviewer needs for one stage (never shown to candidates)."""

    plan_name: str
    plan_version: int
    stage: KitStage
    time_plan: list[TimeSlot]
    competencies: list[KitCompetency]
    questions: list[KitQuestion]
    rating_names: dict[str, str]
    do: list[str]
    dont: list[str]
