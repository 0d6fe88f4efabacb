"""The `data` of each event type (version 1): what Tandem recorded when the change happened.

These models document the payloads (OpenAPI `webhooks`, `docs/events.md`); a test checks that
payloads recorded by real requests validate against them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserData(_Data):
    id: uuid.UUID
    email: str | None = Field(None, description="Personal: needs `users:read`.")
    full_name: str | None = Field(None, description="Personal: needs `users:read`.")
    role: str
    is_active: bool


class UserUpdatedData(UserData):
    changes: dict[str, Any] = Field(
        description="Changed fields, each `{from, to}`; e-mail and name need `users:read`."
    )


class HmProfileData(_Data):
    user_id: uuid.UUID


class OrganisationData(_Data):
    pass


class TrainingStatusData(_Data):
    id: uuid.UUID
    user_id: uuid.UUID
    plan_id: uuid.UUID
    stage_id: uuid.UUID
    from_: str | None = Field(alias="from")
    to: str


class TrainingQualifiedData(_Data):
    id: uuid.UUID
    user_id: uuid.UUID
    plan_id: uuid.UUID
    stage_id: uuid.UUID
    approved_by_id: str


class PlanData(_Data):
    id: uuid.UUID
    name: str
    is_template: bool
    intake_id: uuid.UUID | None
    plan_version: int
    copied_from_id: uuid.UUID | None = None


class PlanVersionData(PlanData):
    previous_version: int


class IntakeRevisionData(_Data):
    id: uuid.UUID
    revision: int


class IntakeSignedOffData(IntakeRevisionData):
    party: str


class IntakeData(_Data):
    id: uuid.UUID
    title: str
    status: str
    revision: int
    recruiter_id: uuid.UUID | None
    hiring_manager_id: uuid.UUID | None


class IntakeUpdatedData(IntakeData):
    changes: dict[str, Any]
    material: bool


class IntakeStatusData(IntakeData):
    from_: str = Field(alias="from")
    to: str


class IntakeCommentData(_Data):
    intake_id: uuid.UUID
    comment_id: uuid.UUID
    author_id: uuid.UUID
    mentions: list[Any]


class CandidateData(_Data):
    id: uuid.UUID
    source: str | None
    fields: list[str] | None = Field(None, description="Which fields changed (updates).")
    merged: bool | None = Field(None, description="True when a duplicate was merged in.")


class CandidateErasedData(_Data):
    id: uuid.UUID
    erased_at: datetime = Field(description="When the personal data was erased.")


class ApplicationData(_Data):
    id: uuid.UUID
    candidate_id: uuid.UUID
    intake_id: uuid.UUID
    stage: str
    status: str


class ApplicationMovedData(ApplicationData):
    from_: str = Field(alias="from")
    to: str
    reason_code: str | None = None


class HmReviewDueData(ApplicationData):
    hiring_manager_id: uuid.UUID
    due_at: datetime | None


class BriefingSharedData(_Data):
    application_id: uuid.UUID
    link_id: uuid.UUID
    stage_id: str | None


class BriefingViewedData(_Data):
    application_id: uuid.UUID
    link_id: uuid.UUID
    views: int


class ImportData(_Data):
    id: uuid.UUID
    total_rows: int
    created: int
    updated: int
    unchanged: int
    errors: int


class MarketDatasetImportedData(_Data):
    id: uuid.UUID
    name: str
    status: str = Field(description="`ready` or `failed`.")
    rows: int
    errors: int


class MarketDatasetData(_Data):
    id: uuid.UUID
    name: str


class InterviewData(_Data):
    id: uuid.UUID
    application_id: uuid.UUID
    intake_id: uuid.UUID
    stage_id: str
    plan_version: int
    starts_at: datetime
    ends_at: datetime
    status: str
    interviewers: list[dict[str, Any]]
    override_reason: str | None
    previous: dict[str, Any] | None = Field(None, description="Rescheduled: the old times.")
    reason: str | None = Field(None, description="Rescheduled or cancelled: why.")
    training_updates: list[dict[str, Any]] | None = Field(
        None, description="Completed: shadow counts moved on trainees' records."
    )


class EvaluationData(_Data):
    id: uuid.UUID
    interview_id: uuid.UUID
    application_id: uuid.UUID
    intake_id: uuid.UUID
    interviewer_id: uuid.UUID
    stage_id: str
    recommendation: str | None


class EvaluationSubmittedData(EvaluationData):
    on_time: bool | None
    turnaround_seconds: int | None
    submitted_at: datetime


class EvaluationAmendedData(EvaluationData):
    amendment_id: uuid.UUID
    reason: str
    previous_recommendation: str | None
    amendment_count: int


class EvaluationDueData(_Data):
    evaluation_id: uuid.UUID
    interview_id: uuid.UUID
    application_id: uuid.UUID
    interviewer_id: uuid.UUID
    due_at: datetime
    notified: list[uuid.UUID] | None = Field(None, description="Escalated: who was told.")


class DebriefDecidedData(_Data):
    id: uuid.UUID
    application_id: uuid.UUID
    intake_id: uuid.UUID
    decision: str
    from_: str = Field(alias="from")
    to: str
    reason_code: str | None
    decided_by: uuid.UUID | None
    decided_by_api_client_id: uuid.UUID | None


class ConsentData(_Data):
    interview_id: uuid.UUID
    consent_id: uuid.UUID
    method: str


class RecordingData(_Data):
    id: uuid.UUID
    interview_id: uuid.UUID
    media_type: str
    size_bytes: int
    retain_until: datetime
    status: str


class TranscriptData(_Data):
    id: uuid.UUID
    interview_id: uuid.UUID
    segments: int
    format: str


class PingData(_Data):
    webhook_id: uuid.UUID
    message: str
