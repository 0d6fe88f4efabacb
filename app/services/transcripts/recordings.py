"""Recordings: the candidate's consent first, media streamed to the storage backend with its
type sniffed from the bytes, downloads by byte range, deletion on request or at the end of the
retention period (by a worker job), each deletion recorded."""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import filetype
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.db import AfterHook, Database, after_transaction
from app.core.errors import Conflict, FieldProblem, NotFound, PayloadTooLarge, ValidationFailed
from app.core.principal import Principal
from app.models.base import table_of
from app.models.candidates import Application
from app.models.transcripts import (
    DeletionReason,
    Recording,
    RecordingConsent,
    RecordingStatus,
)
from app.platform.audit import record_audit
from app.platform.events import record_event
from app.platform.storage import Storage, storage_for
from app.schemas.transcripts import RecordingConsentCreate
from app.services.transcripts.access import interview_for_media

log = logging.getLogger(__name__)

_recording = table_of(Recording).c
_consent = table_of(RecordingConsent).c

# Enough for every signature the sniffer knows (it reads at most 8 KiB).
SNIFF_BYTES = 8192
RETENTION_BATCH = 100


async def record_consent(
    session: AsyncSession,
    principal: Principal,
    interview_id: uuid.UUID,
    data: RecordingConsentCreate,
) -> RecordingConsent:
    """Record the candidate's consent to recording this interview."""
    interview = await interview_for_media(session, principal, interview_id)
    application = await session.get(Application, interview.application_id)
    assert application is not None  # noqa: S101 - an interview always has its application
    consent = RecordingConsent(
        interview_id=interview.id,
        candidate_id=application.candidate_id,
        given_by=data.given_by,
        given_at=data.given_at,
        method=data.method,
        text_version=data.text_version,
        note=data.note,
        recorded_by_id=principal.user_id,
        recorded_by_api_client_id=principal.api_client_id,
    )
    session.add(consent)
    await session.flush()
    record_audit(
        session, "recording.consent_recorded", object_type="interview", object_id=interview.id
    )
    record_event(
        session,
        "recording.consent_recorded",
        ("interview", interview.id),
        {"interview_id": str(interview.id), "consent_id": str(consent.id), "method": data.method},
    )
    return consent


async def latest_consent(session: AsyncSession, interview_id: uuid.UUID) -> RecordingConsent | None:
    """The most recent consent recorded for the interview."""
    return (
        await session.execute(
            select(RecordingConsent)
            .where(_consent.interview_id == interview_id)
            .order_by(_consent.created_at.desc(), _consent.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def current_recording(session: AsyncSession, interview_id: uuid.UUID) -> Recording | None:
    """The interview's stored recording, if any."""
    return (
        await session.execute(
            select(Recording).where(
                _recording.interview_id == interview_id,
                _recording.status == RecordingStatus.STORED.value,
            )
        )
    ).scalar_one_or_none()


def sniff(head: bytes) -> str | None:
    """The media type the bytes say they are, if audio or video; None otherwise."""
    kind = filetype.guess(head)
    if kind is None or not str(kind.mime).startswith(("audio/", "video/")):
        return None
    return str(kind.mime)


class _Counted:
    """Passes chunks through while hashing and counting them, refusing past the limit."""

    def __init__(self, first: bytes, rest: AsyncIterator[bytes], limit: int) -> None:
        self.first, self.rest, self.limit = first, rest, limit
        self.digest = hashlib.sha256()
        self.size = 0

    def _see(self, chunk: bytes) -> bytes:
        self.size += len(chunk)
        if self.size > self.limit:
            raise PayloadTooLarge(f"A recording may not exceed {self.limit} bytes.")
        self.digest.update(chunk)
        return chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.first:
            yield self._see(self.first)
        async for chunk in self.rest:
            yield self._see(chunk)


async def _head(chunks: AsyncIterator[bytes]) -> bytes:
    head = b""
    async for chunk in chunks:
        head += chunk
        if len(head) >= SNIFF_BYTES:
            break
    return head


async def upload(
    session: AsyncSession,
    principal: Principal,
    storage: Storage,
    interview_id: uuid.UUID,
    chunks: AsyncIterator[bytes],
    *,
    file_name: str | None,
    max_bytes: int,
    retention_days: int,
) -> Recording:
    """Store a recording: 422 without consent or when the bytes are not audio or video, 409
    when one is already stored. Nothing is kept when the upload is refused."""
    interview = await interview_for_media(session, principal, interview_id, lock=True)
    consent = await latest_consent(session, interview.id)
    if consent is None:
        raise ValidationFailed(
            "Record the candidate's consent to recording this interview before uploading.",
            errors=[FieldProblem("recording_consent", "no consent recorded", "consent_required")],
        )
    if await current_recording(session, interview.id) is not None:
        raise Conflict("This interview already has a recording; delete it to upload another.")
    head = await _head(chunks)
    media_type = sniff(head)
    if media_type is None:
        raise ValidationFailed(
            "The file is not a recognised audio or video format.",
            errors=[FieldProblem("body.file", "not audio or video", "unsupported_media")],
        )
    recording = Recording(
        interview_id=interview.id,
        intake_id=interview.intake_id,
        application_id=interview.application_id,
        candidate_id=consent.candidate_id,
        consent_id=consent.id,
        storage_backend=storage.name,
        media_type=media_type,
        file_name=(file_name or "")[:255] or None,
        size_bytes=0,
        sha256="",
        retain_until=utcnow() + timedelta(days=retention_days),
        uploaded_by_id=principal.user_id,
        uploaded_by_api_client_id=principal.api_client_id,
    )
    key = f"recordings/{interview.id}/{recording.id}"
    counted = _Counted(head, chunks, max_bytes)
    try:
        await storage.save(key, aiter(counted), content_type=media_type)
    except BaseException:
        await storage.delete(key)
        raise
    after_transaction(session, _forget_unless_committed(storage, key))
    recording.storage_key, recording.size_bytes = key, counted.size
    recording.sha256 = counted.digest.hexdigest()
    session.add(recording)
    await session.flush()
    record_audit(session, "recording.uploaded", object_type="recording", object_id=recording.id)
    record_event(session, "recording.uploaded", ("recording", recording.id), _payload(recording))
    return recording


def _forget_unless_committed(storage: Storage, key: str) -> AfterHook:
    """The media of an upload whose transaction did not commit must not stay behind."""

    async def hook(committed: bool) -> None:
        if not committed:
            await storage.delete(key)

    return hook


def _payload(recording: Recording) -> dict[str, Any]:
    return {
        "id": str(recording.id),
        "interview_id": str(recording.interview_id),
        "media_type": recording.media_type,
        "size_bytes": recording.size_bytes,
        "retain_until": recording.retain_until.isoformat(),
        "status": str(recording.status),
    }


async def get_recording(
    session: AsyncSession, principal: Principal, interview_id: uuid.UUID
) -> Recording:
    """The interview's stored recording (404 if none or not the caller's to see)."""
    interview = await interview_for_media(session, principal, interview_id)
    recording = await current_recording(session, interview.id)
    if recording is None:
        raise NotFound(f"Interview {interview_id} has no recording.")
    return recording


async def delete_recording(
    session: AsyncSession, principal: Principal, storage: Storage, interview_id: uuid.UUID
) -> Recording:
    """Delete the media now; the row stays as the record of the deletion."""
    recording = await get_recording(session, principal, interview_id)
    await _delete(session, storage, recording, DeletionReason.REQUEST, principal.user_id)
    return recording


async def _delete(
    session: AsyncSession,
    storage: Storage,
    recording: Recording,
    reason: DeletionReason,
    by: uuid.UUID | None,
) -> None:
    if recording.storage_key:
        await storage.delete(recording.storage_key)
    recording.status, recording.deleted_at = RecordingStatus.DELETED, utcnow()
    recording.deletion_reason, recording.deleted_by_id = reason, by
    recording.storage_key = None
    await session.flush()
    details = {"reason": str(reason), "interview_id": str(recording.interview_id)}
    record_audit(
        session,
        "recording.deleted",
        object_type="recording",
        object_id=recording.id,
        details=details,
    )
    record_event(session, "recording.deleted", ("recording", recording.id), _payload(recording))


async def enforce_retention(db: Database, storage: Storage) -> int:
    """Delete every recording whose retention date has passed; how many."""
    deleted = 0
    while True:
        async with db.unit_of_work(write=True) as session:
            due = list(
                (
                    await session.execute(
                        select(Recording)
                        .where(
                            _recording.status == RecordingStatus.STORED.value,
                            _recording.retain_until <= utcnow(),
                        )
                        .order_by(_recording.retain_until)
                        .limit(RETENTION_BATCH)
                        .with_for_update(skip_locked=True)
                    )
                ).scalars()
            )
            for recording in due:
                await _delete(session, storage, recording, DeletionReason.RETENTION, None)
        deleted += len(due)
        if len(due) < RETENTION_BATCH:
            return deleted


RETENTION_JOB = "recordings.retention"


async def retention_job(db: Database, _payload: dict[str, Any]) -> None:
    """The periodic job: recordings past their retention date lose their media."""
    count = await enforce_retention(db, storage_for(db.settings))
    if count:
        log.info("recordings deleted at the end of their retention", extra={"count": count})
