"""Interviews: scheduling, rescheduling, cancelling and completing, and their panels."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import (
    AnyHttpUrl,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    UrlConstraints,
    field_validator,
    model_validator,
)

from app.core.pagination import Page
from app.models.interviews import InterviewStatus, PanelRole
from app.schemas.common import STRICT_INPUT, SingleLine, Text, TimeZone

Reason = Annotated[Text, StringConstraints(min_length=1, max_length=2000)]
Location = Annotated[SingleLine, StringConstraints(min_length=1, max_length=500)]
VideoLink = Annotated[AnyHttpUrl, UrlConstraints(max_length=2000)]
MAX_DURATION_HOURS = 12


class PanelMember(BaseModel):
    """One interviewer and their role on the panel (exactly one `lead` per panel)."""

    model_config = STRICT_INPUT

    user_id: uuid.UUID
    role: PanelRole = Field(default=PanelRole.INTERVIEWER, examples=["lead"])


def _check_panel(panel: list[PanelMember]) -> list[PanelMember]:
    seen = set()
    for member in panel:
        if member.user_id in seen:
            raise ValueError(f"{member.user_id} is on the panel twice")
        seen.add(member.user_id)
    # One person runs every interview; the qualification rule applies to them.
    if sum(member.role is PanelRole.LEAD for member in panel) != 1:
        raise ValueError("a panel has exactly one lead")
    return panel


class _Times(BaseModel):
    @model_validator(mode="after")
    def _end_after_start(self) -> _Times:
        starts_at, ends_at = getattr(self, "starts_at", None), getattr(self, "ends_at", None)
        if starts_at is not None and ends_at is not None:
            if ends_at <= starts_at:
                raise ValueError("ends_at must be after starts_at")
            if (ends_at - starts_at).total_seconds() > MAX_DURATION_HOURS * 3600:
                raise ValueError(f"an interview lasts at most {MAX_DURATION_HOURS} hours")
        return self


class InterviewCreate(_Times):
    """Schedule an interview (or record one held in the past, for an ATS back-fill)."""

    model_config = STRICT_INPUT

    application_id: uuid.UUID
    stage_id: uuid.UUID = Field(description="A stage of the intake's interview plan.")
    starts_at: AwareDatetime = Field(examples=["2026-12-01T14:00:00+01:00"])
    ends_at: AwareDatetime = Field(examples=["2026-12-01T15:00:00+01:00"])
    timezone: TimeZone = Field(
        default="UTC",
        description="IANA time zone shown in invitations.",
        examples=["Europe/Berlin"],
    )
    location: Location | None = None
    video_url: VideoLink | None = None
    interviewers: list[PanelMember] = Field(min_length=1, max_length=12)
    override_reason: Reason | None = Field(
        default=None,
        description="Why a lead who is not qualified for the stage runs it anyway (recorded).",
    )

    _panel = field_validator("interviewers")(_check_panel)


class InterviewReschedule(_Times):
    """New times; optionally a new place, link or panel. Pending evaluations follow."""

    model_config = STRICT_INPUT

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    timezone: TimeZone | None = None
    location: Location | None = None
    video_url: VideoLink | None = None
    interviewers: list[PanelMember] | None = Field(default=None, min_length=1, max_length=12)
    override_reason: Reason | None = None
    reason: Reason | None = None

    @field_validator("interviewers")
    @classmethod
    def _panel(cls, value: list[PanelMember] | None) -> list[PanelMember] | None:
        return _check_panel(value) if value is not None else None


class InterviewCancel(BaseModel):
    model_config = STRICT_INPUT

    reason: Reason


class PanelMemberRead(BaseModel):
    user_id: uuid.UUID
    role: PanelRole
    unqualified_lead: bool = Field(
        default=False, description="A lead scheduled without a current qualification."
    )


class InterviewRead(BaseModel):
    """An interview, its panel and where it stands."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    application_id: uuid.UUID
    intake_id: uuid.UUID
    plan_id: uuid.UUID
    plan_version: int
    stage_id: uuid.UUID
    stage_name: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str | None
    video_url: str | None
    status: InterviewStatus
    interviewers: list[PanelMemberRead]
    override_reason: str | None
    cancel_reason: str | None
    scheduled_by_id: uuid.UUID | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    sequence: int
    created_at: datetime
    updated_at: datetime


InterviewList = Page[InterviewRead]
