"""Intakes: the standard kickoff agreement for one opening."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, ClassVar, Literal

import pycountry
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.core.pagination import Page
from app.models.intakes import (
    EmploymentType,
    IntakeStatus,
    PayPeriod,
    RemotePolicy,
    SignOffParty,
    TeamRole,
)
from app.schemas.common import STRICT_INPUT, Name, SequenceNumber, SingleLine, Text


@cache
def _currency_codes() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def _check_currency(value: str) -> str:
    code = value.upper()
    if code not in _currency_codes():
        raise ValueError("must be an ISO 4217 currency code such as EUR or USD")
    return code


Currency = Annotated[
    str, Field(min_length=3, max_length=3, examples=["EUR"]), AfterValidator(_check_currency)
]
SocCode = Annotated[
    str,
    StringConstraints(pattern=r"^\d{2}-\d{4}$"),
    Field(examples=["15-1252"], description="SOC 2018 occupation code, `NN-NNNN`."),
]
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=14, decimal_places=2, examples=[85000]),
    PlainSerializer(float, return_type=float, when_used="json"),
]
ShortText = Annotated[SingleLine, StringConstraints(min_length=1, max_length=300)]
LongText = Annotated[Text, StringConstraints(max_length=5000)]


class Requirement(BaseModel):
    """A must-have or nice-to-have, with why it matters."""

    model_config = STRICT_INPUT

    item: ShortText = Field(examples=["Production Python"])
    why: Annotated[Text, StringConstraints(max_length=1000)] | None = Field(
        default=None, examples=["The team owns three Python services"]
    )


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"


class SyncCadence(BaseModel):
    """How often recruiter and hiring manager meet about the opening."""

    model_config = STRICT_INPUT

    frequency: Literal["weekly", "biweekly", "monthly"] = "weekly"
    weekday: Weekday = Weekday.MONDAY


class TeamMemberIn(BaseModel):
    """A coordinator or interviewer on the hiring team."""

    model_config = STRICT_INPUT

    user_id: uuid.UUID
    team_role: Literal[TeamRole.COORDINATOR, TeamRole.INTERVIEWER]


class ExternalId(BaseModel):
    """An ATS's id for this object."""

    model_config = STRICT_INPUT

    source: Annotated[SingleLine, StringConstraints(min_length=1, max_length=50)] = Field(
        examples=["greenhouse"]
    )
    external_id: Annotated[SingleLine, StringConstraints(min_length=1, max_length=200)] = Field(
        examples=["4012345"]
    )


class _IntakeFields(BaseModel):
    """Every writable field; all optional here, required ones are enforced by IntakeCreate."""

    model_config = STRICT_INPUT

    title: Name | None = Field(default=None, examples=["Senior Backend Engineer"])
    department: Annotated[SingleLine, StringConstraints(max_length=200)] | None = None
    location: Annotated[SingleLine, StringConstraints(max_length=200)] | None = None
    remote_policy: RemotePolicy | None = None
    employment_type: EmploymentType | None = None
    level: Annotated[SingleLine, StringConstraints(max_length=100)] | None = None
    headcount: int | None = Field(default=None, ge=1, le=1000)
    salary_min: Money | None = None
    salary_max: Money | None = None
    currency: Currency | None = None
    pay_period: PayPeriod | None = None
    soc_code: SocCode | None = None
    must_haves: list[Requirement] | None = Field(default=None, max_length=50)
    nice_to_haves: list[Requirement] | None = Field(default=None, max_length=50)
    deal_breakers: list[ShortText] | None = Field(default=None, max_length=50)
    ideal_candidate: LongText | None = None
    selling_points: list[ShortText] | None = Field(default=None, max_length=50)
    target_companies: list[ShortText] | None = Field(default=None, max_length=100)
    talent_pools: list[ShortText] | None = Field(default=None, max_length=50)
    answers: dict[uuid.UUID, LongText] | None = Field(
        default=None, description="Answers to the standard intake questions, by question id."
    )
    recruiter_id: uuid.UUID | None = None
    hiring_manager_id: uuid.UUID | None = None
    team: list[TeamMemberIn] | None = Field(default=None, max_length=50)
    interview_plan_id: uuid.UUID | None = None
    feedback_sla_hours: int | None = Field(default=None, ge=1, le=720)
    hm_review_sla_hours: int | None = Field(default=None, ge=1, le=720)
    shortlist_due_date: date | None = None
    target_fill_date: date | None = None
    sync_cadence: SyncCadence | None = None


class IntakeCreate(_IntakeFields):
    """A new intake (a draft). `recruiter_id` defaults to the caller when they are a recruiter."""

    title: Name = Field(examples=["Senior Backend Engineer"])
    hiring_manager_id: uuid.UUID
    external_ids: list[ExternalId] = Field(default_factory=list, max_length=10)

    @model_validator(mode="after")
    def _consistent(self) -> IntakeCreate:
        check_ranges(self.model_dump(exclude_none=True))
        return self


# Fields that always have a value: null cannot clear them (send the value you want).
NOT_NULL_FIELDS = (
    "title",
    "remote_policy",
    "employment_type",
    "headcount",
    "pay_period",
    "must_haves",
    "nice_to_haves",
    "deal_breakers",
    "selling_points",
    "target_companies",
    "talent_pools",
    "answers",
    "recruiter_id",
    "hiring_manager_id",
    "team",
    "feedback_sla_hours",
    "hm_review_sla_hours",
)


class IntakeUpdate(_IntakeFields):
    """A partial update: only the fields sent change (null clears an optional field)."""

    @field_validator(*NOT_NULL_FIELDS, mode="after")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null; send a value (an empty list clears a list)")
        return value


class IntakeUpsert(IntakeCreate):
    """The full intake as the ATS knows it, put by its external id."""


def check_ranges(values: dict[str, Any]) -> None:
    """Cross-field rules every intake must satisfy (raise ValueError naming the rule)."""
    low, high = values.get("salary_min"), values.get("salary_max")
    if low is not None and high is not None and low > high:
        raise ValueError("salary_min must not exceed salary_max")
    if (low is not None or high is not None) and not values.get("currency"):
        raise ValueError("a pay range needs a currency")
    shortlist, fill = values.get("shortlist_due_date"), values.get("target_fill_date")
    if shortlist is not None and fill is not None and shortlist > fill:
        raise ValueError("shortlist_due_date must not be after target_fill_date")


class TeamMember(BaseModel):
    user_id: uuid.UUID
    team_role: TeamRole


class SignOffRead(BaseModel):
    party: SignOffParty
    user_id: uuid.UUID
    revision: int
    signed_at: datetime
    carried_over: bool = Field(
        description="Signed on an earlier revision; only cosmetic changes happened since."
    )


class DeadlineStatus(StrEnum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"


class Deadline(BaseModel):
    date: date
    status: DeadlineStatus
    days_remaining: int


class Deadlines(BaseModel):
    shortlist_due_date: Deadline | None = None
    target_fill_date: Deadline | None = None
    days_open: int | None = Field(
        default=None, description="Days since the intake was opened (or since agreement)."
    )
    days_to_target: int | None = Field(
        default=None, description="Days from opening (or agreement) to the target fill date."
    )


class IntakeRead(BaseModel):
    """An intake with its team, current sign-offs and computed deadlines."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    department: str | None
    location: str | None
    remote_policy: RemotePolicy
    employment_type: EmploymentType
    level: str | None
    headcount: int
    salary_min: Money | None
    salary_max: Money | None
    currency: str | None
    pay_period: PayPeriod
    soc_code: str | None
    must_haves: list[Requirement]
    nice_to_haves: list[Requirement]
    deal_breakers: list[str]
    ideal_candidate: str | None
    selling_points: list[str]
    target_companies: list[str]
    talent_pools: list[str]
    answers: dict[str, str]
    recruiter_id: uuid.UUID
    hiring_manager_id: uuid.UUID
    team: list[TeamMember]
    interview_plan_id: uuid.UUID | None
    interview_plan_version: int | None = Field(
        description="The plan version this intake agrees to (a new version needs new sign-offs)."
    )
    feedback_sla_hours: int
    hm_review_sla_hours: int
    shortlist_due_date: date | None
    target_fill_date: date | None
    sync_cadence: SyncCadence | None
    status: IntakeStatus
    revision: int
    agreed_revision: int | None
    sign_off_status: Literal["not_submitted", "pending", "signed"]
    sign_offs: list[SignOffRead]
    deadlines: Deadlines
    status_changed_at: datetime | None
    submitted_at: datetime | None
    agreed_at: datetime | None
    opened_at: datetime | None
    filled_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    external_ids: list[ExternalId]
    created_at: datetime
    updated_at: datetime


IntakeList = Page[IntakeRead]


class SignOffCreate(BaseModel):
    """Sign a specific revision (the one you reviewed)."""

    model_config = ConfigDict(extra="forbid")

    revision: SequenceNumber = Field(examples=[3])


class CancelRequest(BaseModel):
    """Why the opening is cancelled."""

    model_config = STRICT_INPUT

    reason: Annotated[Text, StringConstraints(min_length=1, max_length=500)] | None = None


class RevisionRead(BaseModel):
    """One revision: what the intake said, what changed, who changed it."""

    number: int
    material: bool
    changes: dict[str, Any]
    snapshot: dict[str, Any]
    changed_by_user_id: uuid.UUID | None
    changed_by_api_client_id: uuid.UUID | None
    created_at: datetime


class RevisionSummary(BaseModel):
    number: int
    material: bool
    changed_fields: list[str]
    changed_by_user_id: uuid.UUID | None
    changed_by_api_client_id: uuid.UUID | None
    created_at: datetime


RevisionList = Page[RevisionSummary]


class FieldDiff(BaseModel):
    field: str
    before: Any
    after: Any


class IntakeDiff(BaseModel):
    """Field-by-field differences between two revisions."""

    from_revision: int
    to_revision: int
    material: bool = Field(description="Whether any material field differs.")
    changes: list[FieldDiff]
