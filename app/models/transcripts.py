"""Interview recordings (media in the storage backend, with the candidate's consent and a
retention date), transcripts stored as segments, and their analysis.

Every row carries `candidate_id` (and the intake and application) so that erasing a candidate's
data can find their recordings and transcripts without walking interviews.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.ids import new_id
from app.models.base import JSONVariant, Timestamped, UTCDateTime, Versioned, enum_type


class ConsentMethod(StrEnum):
    VERBAL = "verbal"  # said on the call, before the recording started
    WRITTEN = "written"  # a signed form or an e-mail reply
    ELECTRONIC = "electronic"  # a box ticked in a scheduling or candidate portal


class RecordingStatus(StrEnum):
    STORED = "stored"
    DELETED = "deleted"


class DeletionReason(StrEnum):
    RETENTION = "retention"
    REQUEST = "request"


class RecordingConsent(SQLModel, table=True):
    """The candidate's consent to recording one interview: who gave it, when, how, and which
    version of the consent text they were shown; who recorded it in Tandem."""

    __tablename__ = "recording_consents"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    interview_id: uuid.UUID = Field(foreign_key="interviews.id", ondelete="CASCADE", index=True)
    candidate_id: uuid.UUID = Field(foreign_key="candidates.id", index=True)
    given_by: str = Field(max_length=200)
    given_at: datetime = Field(sa_type=UTCDateTime)
    method: ConsentMethod = Field(sa_type=enum_type(ConsentMethod))
    text_version: str = Field(max_length=100)
    note: str | None = Field(default=None, sa_type=Text)
    recorded_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    recorded_by_api_client_id: uuid.UUID | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Recording(Timestamped, table=True):
    """One uploaded recording of an interview. Deleting it (on request or when its retention
    date passes) removes the media and keeps this row as the record of the deletion."""

    __tablename__ = "recordings"

    interview_id: uuid.UUID = Field(foreign_key="interviews.id", ondelete="CASCADE", index=True)
    intake_id: uuid.UUID = Field(foreign_key="intakes.id", index=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id")
    candidate_id: uuid.UUID = Field(foreign_key="candidates.id", index=True)
    consent_id: uuid.UUID = Field(foreign_key="recording_consents.id")
    status: RecordingStatus = Field(
        default=RecordingStatus.STORED, sa_type=enum_type(RecordingStatus)
    )
    storage_backend: str = Field(max_length=20)
    storage_key: str | None = Field(default=None, max_length=300)
    file_name: str | None = Field(default=None, max_length=255)
    media_type: str = Field(max_length=100)
    size_bytes: int
    sha256: str = Field(max_length=64)
    retain_until: datetime = Field(sa_type=UTCDateTime)
    uploaded_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    uploaded_by_api_client_id: uuid.UUID | None = None
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    deletion_reason: DeletionReason | None = Field(default=None, sa_type=enum_type(DeletionReason))
    deleted_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")

    __table_args__ = (Index("ix_recordings_status_retain_until", "status", "retain_until"),)


class Transcript(Versioned, table=True):
    """An interview's transcript: where it came from, who each speaker label is, and the
    analysis computed from its segments (on import and on every speaker-map change)."""

    __tablename__ = "transcripts"

    interview_id: uuid.UUID = Field(foreign_key="interviews.id", ondelete="CASCADE", unique=True)
    intake_id: uuid.UUID = Field(foreign_key="intakes.id", index=True)
    application_id: uuid.UUID = Field(foreign_key="applications.id")
    candidate_id: uuid.UUID = Field(foreign_key="candidates.id", index=True)
    source_format: str = Field(max_length=20)
    # False for plain `Speaker: text` files: times are estimated from word counts.
    timed: bool = True
    segment_count: int = 0
    duration_ms: int = 0
    # [{label, side: candidate|interviewer|unknown, user_id, assigned: auto|manual}]
    speakers: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONVariant)
    analysis: dict[str, Any] = Field(default_factory=dict, sa_type=JSONVariant)
    engine: str = Field(default="lexical", max_length=20)
    analysed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    uploaded_by_id: uuid.UUID | None = Field(default=None, foreign_key="users.id")
    uploaded_by_api_client_id: uuid.UUID | None = None


class TranscriptSegment(SQLModel, table=True):
    """One cue of a transcript: who spoke, when (milliseconds from the start), what was said."""

    __tablename__ = "transcript_segments"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    transcript_id: uuid.UUID = Field(foreign_key="transcripts.id", ondelete="CASCADE")
    position: int
    start_ms: int
    end_ms: int
    speaker: str = Field(max_length=200)
    text: str = Field(sa_type=Text)

    __table_args__ = (UniqueConstraint("transcript_id", "position"),)
