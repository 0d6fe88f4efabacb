"""Erasure: what a dry run would change and what a real run changed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class ErasureChange(BaseModel):
    """One table's rows that an erasure anonymises or deletes."""

    table: str = Field(examples=["evaluations"])
    action: Literal["anonymise", "delete"]
    rows: int = Field(ge=1, examples=[2])


class ErasureRead(BaseModel):
    """The report of an erasure: per table and action the rows, and the stored files deleted."""

    candidate_id: uuid.UUID
    dry_run: bool
    erased_at: datetime | None = Field(description="When it happened; null in a dry run.")
    changes: list[ErasureChange]
    files: list[str] = Field(description="Storage keys of the files deleted (or to delete).")
