"""The discussion thread of an intake."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from app.core.pagination import Page
from app.schemas.common import printable_text

# Stripped first, so a comment of only spaces is empty (and refused).
CommentBody = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000),
    AfterValidator(printable_text),
]


class IntakeCommentCreate(BaseModel):
    """A comment; `mentions` are team members to notify."""

    model_config = ConfigDict(extra="forbid")

    body: CommentBody = Field(examples=["@Hugo can we move the shortlist date to Friday?"])
    mentions: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class IntakeCommentUpdate(BaseModel):
    """Edit your comment (within the edit window)."""

    model_config = ConfigDict(extra="forbid")

    body: CommentBody
    mentions: list[uuid.UUID] | None = Field(default=None, max_length=20)


class IntakeCommentRead(BaseModel):
    """A comment; a deleted one keeps its place with `body: null`."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    intake_id: uuid.UUID
    author_id: uuid.UUID
    body: str | None
    mentions: list[uuid.UUID]
    edited_at: datetime | None
    deleted_at: datetime | None
    created_at: datetime
    updated_at: datetime


IntakeCommentList = Page[IntakeCommentRead]
