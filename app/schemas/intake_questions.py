"""The standard intake: questions every intake answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from app.core.pagination import Page
from app.schemas.common import STRICT_INPUT, SingleLine, Text

QuestionText = Annotated[SingleLine, StringConstraints(min_length=3, max_length=500)]
HelpText = Annotated[Text, StringConstraints(max_length=2000)]


class IntakeQuestionCreate(BaseModel):
    """A question of the standard intake."""

    model_config = STRICT_INPUT

    text: QuestionText = Field(examples=["Why is this role open?"])
    help_text: HelpText | None = None
    required: bool = True
    position: int = Field(default=0, ge=0, le=10_000)


class IntakeQuestionUpdate(BaseModel):
    """Change a question; `active: false` retires it (answers stay readable)."""

    model_config = STRICT_INPUT

    text: QuestionText | None = None
    help_text: HelpText | None = None
    required: bool | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)
    active: bool | None = None

    @field_validator("text", "required", "position", "active", mode="after")
    @classmethod
    def _not_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be null")
        return value


class IntakeQuestionRead(BaseModel):
    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    text: str
    help_text: str | None
    required: bool
    position: int
    active: bool
    created_at: datetime
    updated_at: datetime


IntakeQuestionList = Page[IntakeQuestionRead]
