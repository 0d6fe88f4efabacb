"""Bulk candidate imports: progress and per-row errors."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from app.models.candidates import ImportStatus


class ImportRead(BaseModel):
    """An import's progress: rows processed of the total, what happened, which rows failed."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: ImportStatus
    file_format: Literal["csv", "jsonl"]
    file_name: str | None
    mapping: dict[str, str]
    intake_id: uuid.UUID | None
    total_rows: int | None
    processed_rows: int
    created_count: int
    updated_count: int
    unchanged_count: int
    error_count: int
    errors: list[dict[str, Any]]
    failure: str | None
    started_at: datetime | None
    finished_at: datetime | None
    created_at: datetime
    updated_at: datetime
