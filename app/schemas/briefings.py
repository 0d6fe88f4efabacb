"""Candidate briefings and the public links that show them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.models.intakes import EmploymentType, RemotePolicy
from app.models.plans import StageFormat, StageKind
from app.schemas.common import STRICT_INPUT


class BriefingPerson(BaseModel):
    """Someone the candidate will meet, as they present themselves to candidates."""

    name: str | None = None
    headline: str | None = None
    bio: str | None = None
    team_description: str | None = None
    working_style: str | None = None
    values_in_people: str | None = None
    interview_style: str | None = None
    growth_paths: str | None = None
    photo_url: str | None = None
    links: list[dict[str, Any]] = Field(default_factory=list)
    is_hiring_manager: bool = Field(
        default=False, description="In `interviewers`: the hiring manager described above."
    )
    observing: bool = Field(
        default=False, description="In `interviewers`: joins to learn, does not assess."
    )


class BriefingOrganisation(BaseModel):
    """The company, from the organisation profile (null fields until an admin sets it)."""

    name: str | None
    logo_url: str | None
    website_url: str | None
    careers_contact_name: str | None
    careers_email: str | None


class BriefingContact(BaseModel):
    """Who the candidate writes to with questions: the intake's recruiter."""

    name: str
    email: str


class BriefingInterview(BaseModel):
    """The booked interview, with its date and time in the invitation's time zone."""

    starts_at: datetime
    ends_at: datetime
    timezone: str
    date_text: str = Field(examples=["Tuesday 1 December 2026"])
    time_text: str = Field(examples=["14:00\u201315:00"])
    timezone_label: str = Field(examples=["Europe/Amsterdam, CET"])
    duration_minutes: int
    location: str | None
    video_url: str | None


class BriefingRole(BaseModel):
    title: str
    department: str | None
    location: str | None
    remote_policy: RemotePolicy
    employment_type: EmploymentType
    selling_points: list[str]
    ideal_candidate: str | None


class BriefingTopic(BaseModel):
    name: str
    description: str | None


class BriefingStage(BaseModel):
    name: str
    kind: StageKind
    format: StageFormat
    duration_minutes: int
    interview: BriefingInterview | None = Field(
        description="The booked interview of this stage (null until one is scheduled)."
    )
    interviewers: list[BriefingPerson] = Field(
        description="The interview's panel once booked; until then, the stage's interviewers."
    )
    what_we_look_at: list[BriefingTopic]
    how_to_prepare: str
    logistics: str


class BriefingStep(BaseModel):
    name: str
    kind: StageKind
    duration_minutes: int
    state: Literal["done", "current", "upcoming"] = Field(
        description="Where the candidate is: the briefing's stage is `current`."
    )


class BriefingRead(BaseModel):
    """A candidate's prep pack: never internal notes, questions, rubrics or pay."""

    candidate_name: str
    organisation: BriefingOrganisation
    contact: BriefingContact | None
    role: BriefingRole
    hiring_manager: BriefingPerson
    process: list[BriefingStep]
    stage: BriefingStage | None


class BriefingLinkCreate(BaseModel):
    """Share the briefing with the candidate through a public link."""

    model_config = STRICT_INPUT

    stage_id: str | None = Field(default=None, max_length=64)
    expires_in_days: int = Field(default=14, ge=1, le=90)


class BriefingLinkRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    application_id: uuid.UUID
    stage_id: str | None
    expires_at: datetime
    revoked_at: datetime | None
    created_at: datetime
    first_viewed_at: datetime | None
    last_viewed_at: datetime | None
    view_count: int


class BriefingLinkCreated(BriefingLinkRead):
    url: str = Field(description="The public page; send it to the candidate. Shown once.")
