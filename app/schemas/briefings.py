"""Candidate briefings and the public links that show them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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


class BriefingRole(BaseModel):
    title: str
    department: str | None
    location: str | None
    remote_policy: str
    employment_type: str
    selling_points: list[str]
    ideal_candidate: str | None


class BriefingTopic(BaseModel):
    name: str
    description: str | None


class BriefingStage(BaseModel):
    name: str
    kind: str
    format: str
    duration_minutes: int
    interviewers: list[BriefingPerson]
    what_we_look_at: list[BriefingTopic]
    how_to_prepare: str
    logistics: str


class BriefingStep(BaseModel):
    name: str
    kind: str
    duration_minutes: int


class BriefingRead(BaseModel):
    """A candidate's prep pack: never internal notes, questions, rubrics or pay."""

    candidate_name: str
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
