"""Platform tables: the event outbox, idempotency keys, and background jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, Index, LargeBinary, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.core.clock import utcnow
from app.core.ids import new_id
from app.models.base import JSONVariant, Timestamped, UTCDateTime, enum_type


class Event(SQLModel, table=True):
    """A state change, written in the same transaction as the change itself (outbox)."""

    __tablename__ = "events"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    type: str = Field(max_length=100, index=True)
    subject_type: str = Field(max_length=50)
    subject_id: str = Field(max_length=100)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONVariant)
    actor_user_id: uuid.UUID | None = Field(default=None)
    actor_api_client_id: uuid.UUID | None = Field(default=None)
    request_id: str | None = Field(default=None, max_length=100)
    occurred_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # Commit order: assigned after commit by the relay (`app.platform.event_relay`), so a
    # transaction that commits late still gets a number above everything already served.
    seq: int | None = Field(default=None, sa_type=BigInteger, unique=True)

    __table_args__ = (
        Index("ix_events_subject", "subject_type", "subject_id"),
        Index(
            "ix_events_unsequenced",
            "occurred_at",
            sqlite_where=text("seq IS NULL"),
            postgresql_where=text("seq IS NULL"),
        ),
    )


class IdempotencyStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class IdempotencyKey(SQLModel, table=True):
    """A POST's `Idempotency-Key`, its request fingerprint and the response to replay."""

    __tablename__ = "idempotency_keys"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    principal: str = Field(max_length=100)
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    status: IdempotencyStatus = Field(
        default=IdempotencyStatus.IN_PROGRESS, sa_type=enum_type(IdempotencyStatus)
    )
    response_status: int | None = None
    response_headers: dict[str, str] | None = Field(default=None, sa_type=JSONVariant)
    response_body: bytes | None = Field(default=None, sa_type=LargeBinary)
    locked_until: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (UniqueConstraint("principal", "key"),)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    DEAD = "dead"


class Job(Timestamped, table=True):
    """One unit of background work, claimed by exactly one worker at a time."""

    __tablename__ = "jobs"

    kind: str = Field(max_length=100)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONVariant)
    status: JobStatus = Field(default=JobStatus.QUEUED, sa_type=enum_type(JobStatus))
    run_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    attempts: int = 0
    max_attempts: int = 8
    last_error: str | None = Field(default=None, max_length=4000)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    locked_by: str | None = Field(default=None, max_length=200)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    unique_key: str | None = Field(default=None, max_length=255, unique=True)

    __table_args__ = (Index("ix_jobs_status_run_at", "status", "run_at"),)


class JobSchedule(SQLModel, table=True):
    """When each periodic job is next due; workers take a due slot with compare-and-set."""

    __tablename__ = "job_schedules"

    name: str = Field(primary_key=True, max_length=100)
    interval_seconds: int
    next_run_at: datetime = Field(sa_type=UTCDateTime)
    last_run_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ExternalRef(SQLModel, table=True):
    """An ATS's id for one of our resources: (resource type, source, external id) is unique."""

    __tablename__ = "external_refs"

    id: uuid.UUID = Field(default_factory=new_id, primary_key=True)
    resource_type: str = Field(max_length=50)
    resource_id: uuid.UUID = Field(index=True)
    source: str = Field(max_length=50)
    external_id: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (UniqueConstraint("resource_type", "source", "external_id"),)


class WorkerHeartbeat(SQLModel, table=True):
    """A running worker's last sign of life (its row goes when it stops cleanly)."""

    __tablename__ = "worker_heartbeats"

    worker: str = Field(primary_key=True, max_length=200)
    hostname: str = Field(max_length=255)
    pid: int
    started_at: datetime = Field(sa_type=UTCDateTime)
    beat_at: datetime = Field(sa_type=UTCDateTime, index=True)
    jobs_run: int = 0
