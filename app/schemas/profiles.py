"""Hiring-manager (and interviewer) profiles: the candidate-facing background."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints

from app.schemas.common import STRICT_INPUT, SingleLine, Text

Paragraph = Annotated[Text, StringConstraints(max_length=5000)]


class ProfileLink(BaseModel):
    """A link shown to candidates (a talk, a blog post, the team page)."""

    model_config = STRICT_INPUT

    label: Annotated[SingleLine, StringConstraints(min_length=1, max_length=100)]
    url: AnyHttpUrl


class HmProfileUpdate(BaseModel):
    """The whole profile (PUT replaces it; omitted fields become empty)."""

    model_config = STRICT_INPUT

    headline: Annotated[SingleLine, StringConstraints(max_length=200)] | None = Field(
        default=None, examples=["Engineering manager, Payments"]
    )
    bio: Paragraph | None = None
    team_description: Paragraph | None = None
    working_style: Paragraph | None = None
    values_in_people: Paragraph | None = None
    interview_style: Paragraph | None = None
    growth_paths: Paragraph | None = None
    photo_url: AnyHttpUrl | None = None
    links: list[ProfileLink] = Field(default_factory=list, max_length=10)
    internal_notes: Paragraph | None = Field(
        default=None, description="Never shown to candidates; visible to the owner and staff."
    )


class HmProfileRead(BaseModel):
    """A profile; `internal_notes` is null for readers who may not see it."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(from_attributes=True)

    user_id: uuid.UUID
    headline: str | None
    bio: str | None
    team_description: str | None
    working_style: str | None
    values_in_people: str | None
    interview_style: str | None
    growth_paths: str | None
    photo_url: str | None
    links: list[ProfileLink]
    internal_notes: str | None
    created_at: datetime | None
    updated_at: datetime | None
