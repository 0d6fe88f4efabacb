"""/api/v1/interviews/{interview_id}/recording: consent, upload, download (byte ranges), delete."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Request, Response
from fastapi.responses import StreamingResponse

from app.core.errors import RangeNotSatisfiable
from app.core.openapi_components import header_ref
from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response
from app.deps import IdempotencyDep, SessionDep, require, runtime_of
from app.models.transcripts import Recording
from app.platform.multipart import StreamedFile, file_field_openapi
from app.platform.storage import Storage, storage_for
from app.routers.base import api_router
from app.routers.media import binary_response
from app.schemas.transcripts import (
    RecordingConsentCreate,
    RecordingConsentRead,
    RecordingRead,
)
from app.services.transcripts import recordings

router = api_router("/interviews", "Recordings and transcripts")

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


@router.post(
    "/{interview_id}/recording-consent",
    status_code=201,
    response_model=RecordingConsentRead,
    responses=problem_openapi_responses(404),
)
async def interviews_record_consent(
    interview_id: uuid.UUID,
    body: RecordingConsentCreate,
    principal: Annotated[Principal, require("recordings", "write")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Record the candidate's consent to recording this interview (who, when, how, which text)."""
    consent = await recordings.record_consent(session, principal, interview_id, body)
    return json_response(RecordingConsentRead.model_validate(consent), status_code=201)


@router.post(
    "/{interview_id}/recording",
    status_code=201,
    response_model=RecordingRead,
    responses={
        **problem_openapi_responses(404, 409, 413, 415),
        201: {"headers": {"Location": header_ref("Location")}},
    },
    openapi_extra=file_field_openapi("file", "The audio or video file (any size up to the limit)."),
)
async def interviews_upload_recording(
    request: Request,
    interview_id: uuid.UUID,
    principal: Annotated[Principal, require("recordings", "write")],
    session: SessionDep,
) -> Response:
    """Upload the interview's recording (multipart, streamed to storage); needs recorded consent."""
    settings = runtime_of(request).settings
    upload = StreamedFile(request, "file")
    await upload.open()
    recording = await recordings.upload(
        session,
        principal,
        storage_for(settings),
        interview_id,
        upload.chunks(),
        file_name=upload.filename,
        max_bytes=settings.recording_max_bytes,
        retention_days=settings.recording_retention_days,
    )
    return json_response(
        RecordingRead.model_validate(recording),
        status_code=201,
        headers={"Location": f"/api/v1/interviews/{interview_id}/recording"},
    )


@router.get(
    "/{interview_id}/recording/metadata",
    response_model=RecordingRead,
    responses=problem_openapi_responses(404),
)
async def interviews_get_recording_metadata(
    request: Request,
    interview_id: uuid.UUID,
    principal: Annotated[Principal, require("recordings", "read")],
    session: SessionDep,
) -> Response:
    """The recording's record: type, size, checksum, retention date."""
    recording = await recordings.get_recording(session, principal, interview_id)
    runtime_of(request).read_audit.record(
        "recording.metadata_read", "recording", recording.id, interview_id=str(interview_id)
    )
    return json_response(RecordingRead.model_validate(recording))


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) of a single `Range: bytes=` request; None for the whole file."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        return None  # multiple or malformed ranges: serve the whole file, as RFC 9110 allows
    first_text, last_text = match.groups()
    if not first_text:
        first, last = max(size - int(last_text), 0), size - 1
    else:
        first = int(first_text)
        last = min(int(last_text), size - 1) if last_text else size - 1
    if first >= size or first > last:
        raise RangeNotSatisfiable(
            f"The recording has {size} bytes.", headers={"Content-Range": f"bytes */{size}"}
        )
    return first, last


async def _stream(storage: Storage, key: str, first: int, last: int) -> AsyncIterator[bytes]:
    async for chunk in storage.read(key, first, last):
        yield chunk


@router.get(
    "/{interview_id}/recording",
    responses={
        **problem_openapi_responses(404, 416),
        200: {
            **binary_response("The media file.", "audio/*", "video/*"),
            "headers": {"ETag": header_ref("ETag")},
        },
        206: {
            **binary_response(
                "The requested byte range (`Range: bytes=first-last`).", "audio/*", "video/*"
            ),
            "headers": {"ETag": header_ref("ETag")},
        },
    },
    response_class=Response,
)
async def interviews_get_recording(
    request: Request,
    interview_id: uuid.UUID,
    principal: Annotated[Principal, require("recordings", "read")],
    session: SessionDep,
) -> Response:
    """Download the recording; `Range` requests get 206 with that part (for seeking players)."""
    recording: Recording = await recordings.get_recording(session, principal, interview_id)
    size = recording.size_bytes
    wanted = _byte_range(request.headers.get("range"), size)
    first, last = wanted or (0, size - 1)
    runtime_of(request).read_audit.record(
        "recording.read",
        "recording",
        recording.id,
        interview_id=str(interview_id),
        range=f"{first}-{last}" if wanted else None,
    )
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Length": str(last - first + 1),
        "ETag": f'"{recording.sha256}"',
        "Cache-Control": "private, no-store",
        "Content-Disposition": f'attachment; filename="interview-{interview_id}"',
    }
    if wanted:
        headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    assert recording.storage_key is not None  # noqa: S101 - stored recordings have a key
    storage = storage_for(runtime_of(request).settings)
    return StreamingResponse(
        _stream(storage, recording.storage_key, first, last),
        status_code=206 if wanted else 200,
        media_type=recording.media_type,
        headers=headers,
    )


@router.delete(
    "/{interview_id}/recording",
    response_model=RecordingRead,
    responses=problem_openapi_responses(404),
)
async def interviews_delete_recording(
    request: Request,
    interview_id: uuid.UUID,
    principal: Annotated[Principal, require("recordings", "write")],
    session: SessionDep,
) -> Response:
    """Delete the recording's media now; the record of the deletion stays."""
    recording = await recordings.delete_recording(
        session, principal, storage_for(runtime_of(request).settings), interview_id
    )
    return json_response(RecordingRead.model_validate(recording))
