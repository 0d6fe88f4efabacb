"""Recordings, consents, transcripts, speaker maps, analyses, evidence, coaching and search.

Times inside a transcript (`start`, `end`) are seconds from the start of the recording. Every
number of an analysis names the segments (`segments`, by `position`) it was computed from.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from app.models.interviews import PanelRole
from app.models.transcripts import ConsentMethod, DeletionReason, RecordingStatus
from app.schemas.common import STRICT_INPUT, SingleLine, Text

Engine = Annotated[
    Literal["lexical", "semantic"], Field(description="The analysis engine that produced this.")
]

Side = Literal["candidate", "interviewer", "unknown"]


class RecordingConsentCreate(BaseModel):
    """The candidate's consent to recording: who gave it, when, how, and which consent text."""

    model_config = STRICT_INPUT

    given_by: Annotated[SingleLine, StringConstraints(min_length=1, max_length=200)] = Field(
        examples=["Ada Lovelace"]
    )
    given_at: AwareDatetime
    method: ConsentMethod = Field(examples=["verbal"])
    text_version: Annotated[SingleLine, StringConstraints(min_length=1, max_length=100)] = Field(
        examples=["recording-consent-2026-01"]
    )
    note: Annotated[Text, StringConstraints(max_length=2000)] | None = None


class RecordingConsentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    interview_id: uuid.UUID
    candidate_id: uuid.UUID
    given_by: str
    given_at: datetime
    method: ConsentMethod
    text_version: str
    note: str | None
    recorded_by_id: uuid.UUID | None
    recorded_by_api_client_id: uuid.UUID | None
    created_at: datetime


class RecordingRead(BaseModel):
    """A recording's record (the media itself is `GET .../recording`)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    interview_id: uuid.UUID
    candidate_id: uuid.UUID
    consent_id: uuid.UUID
    status: RecordingStatus
    file_name: str | None
    media_type: str
    size_bytes: int
    sha256: str
    retain_until: datetime
    uploaded_by_id: uuid.UUID | None
    deleted_at: datetime | None
    deletion_reason: DeletionReason | None
    created_at: datetime


class SegmentRead(BaseModel):
    position: int
    start: float
    end: float
    speaker: str
    side: Side
    user_id: uuid.UUID | None
    text: str


class SpeakerRead(BaseModel):
    label: str = Field(description="The name or label the transcript file used.")
    side: Side
    user_id: uuid.UUID | None = Field(description="The interviewer, when `side` is interviewer.")
    assigned: Literal["auto", "manual", "none"]


class TranscriptRead(BaseModel):
    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)
    id: uuid.UUID
    interview_id: uuid.UUID
    candidate_id: uuid.UUID
    source_format: Literal["vtt", "srt", "plain", "json"]
    timed: bool = Field(description="False when times were estimated from word counts.")
    segment_count: int
    duration: float
    speakers: list[SpeakerRead]
    engine: Engine
    analysed_at: datetime | None
    segments: list[SegmentRead]
    created_at: datetime
    updated_at: datetime


class SpeakerAssignment(BaseModel):
    """Who one speaker label is: the candidate, an interviewer of the panel, or unknown."""

    model_config = STRICT_INPUT

    label: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    side: Side
    user_id: uuid.UUID | None = None


class SpeakersUpdate(BaseModel):
    """Assignments for some or all speaker labels; labels not named keep theirs."""

    model_config = STRICT_INPUT

    speakers: list[SpeakerAssignment] = Field(min_length=1, max_length=50)


class AnalysisRead(BaseModel):
    """The analysis of a transcript; see docs/transcripts.md for every definition."""

    sends_etag: ClassVar[bool] = True  # responses carry its ETag (OpenAPI)

    model_config = ConfigDict(extra="allow")

    transcript_id: uuid.UUID
    interview_id: uuid.UUID
    engine: Engine
    analysed_at: datetime | None
    timed: bool
    talk_share: dict[str, Any]
    longest_monologue: dict[str, Any]
    questions: dict[str, Any]
    plan_coverage: list[dict[str, Any]]
    competency_coverage: list[dict[str, Any]]
    risky_topics: list[dict[str, Any]]
    interruptions: dict[str, Any]


class EvidencePassage(BaseModel):
    segments: list[int]
    quote: str
    start: float
    end: float
    score: float


class CompetencyEvidence(BaseModel):
    competency_id: str
    name: str
    passages: list[EvidencePassage]


class EvidenceRead(BaseModel):
    """The candidate's passages most relevant to each competency: suggestions for the
    interviewer's notes, never a rating or a recommendation."""

    interview_id: uuid.UUID
    engine: Engine
    competencies: list[CompetencyEvidence]


class CoachingPoint(BaseModel):
    code: str
    message: str
    value: float | int | None = None
    segments: list[int] = Field(default_factory=list)


class InterviewerCoaching(BaseModel):
    user_id: uuid.UUID
    role: PanelRole
    went_well: list[CoachingPoint]
    to_improve: list[CoachingPoint]


class InterviewCoachingRead(BaseModel):
    interview_id: uuid.UUID
    engine: Engine
    interviewers: list[InterviewerCoaching]


class CoachingInterview(BaseModel):
    interview_id: uuid.UUID
    intake_id: uuid.UUID
    stage_name: str
    starts_at: datetime
    panel_role: PanelRole
    talk_share: float | None = Field(description="This interviewer's share of all talk.")
    interviewers_talk_share: float | None
    plan_coverage: float | None = Field(description="Planned questions asked ÷ planned.")
    flagged_topics: int
    questions_asked: int
    open_question_share: float | None
    evaluation_on_time: bool | None
    evaluation_turnaround_hours: float | None


class CoachingTrend(BaseModel):
    metric: str
    earlier: float | None
    recent: float | None
    change: float | None


class InterviewerCoachingRead(BaseModel):
    """One interviewer over time: per interview with a transcript, and trends (the recent half
    of the period against the earlier half)."""

    user_id: uuid.UUID
    since: datetime | None
    until: datetime | None
    interviews: list[CoachingInterview]
    totals: dict[str, Any]
    trends: list[CoachingTrend]
    training: list[dict[str, Any]]


class TranscriptHit(BaseModel):
    interview_id: uuid.UUID
    application_id: uuid.UUID
    candidate_id: uuid.UUID
    stage_name: str
    position: int
    start: float
    speaker: str
    snippet: str = Field(description="The segment with each match wrapped in «…».")


class TranscriptSearchRead(BaseModel):
    query: str
    data: list[TranscriptHit]
    has_more: bool
