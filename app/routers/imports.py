"""/api/v1/imports: bulk candidate uploads (CSV or JSON Lines), processed in the background."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import File, Form, Response, UploadFile

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response
from app.deps import RuntimeDep, SessionDep, require
from app.platform.storage import storage_for
from app.routers.base import api_router
from app.schemas.imports import ImportRead
from app.services.pipeline import import_files, imports

router = api_router("/imports", "Candidates")
CHUNK = 256 * 1024


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


@router.post(
    "",
    status_code=202,
    response_model=ImportRead,
    responses=problem_openapi_responses(413),
)
async def imports_create(
    file: Annotated[UploadFile, File(description="CSV with a header row, or JSON Lines.")],
    principal: Annotated[Principal, require("imports", "create")],
    session: SessionDep,
    runtime: RuntimeDep,
    format: Annotated[
        Literal["csv", "jsonl"] | None,
        Form(description="Default: from the file name (.csv, .jsonl or .ndjson)."),
    ] = None,
    mapping: Annotated[
        str | None,
        Form(description='JSON: {"file column": "field"}, e.g. {"Name": "full_name"}.'),
    ] = None,
    intake_id: Annotated[uuid.UUID | None, Form(description="Also apply everyone to it.")] = None,
) -> Response:
    """Upload candidates to import in the background; poll the import for progress."""
    job = await imports.start(
        session,
        principal,
        storage_for(runtime.settings),
        _chunks(file),
        file_name=file.filename,
        file_format=import_files.file_format_of(file.filename, format),
        mapping=import_files.parse_mapping(mapping),
        intake_id=intake_id,
    )
    return json_response(
        ImportRead.model_validate(job),
        status_code=202,
        headers={"Location": f"/api/v1/imports/{job.id}"},
    )


@router.get("/{import_id}", response_model=ImportRead, responses=problem_openapi_responses(404))
async def imports_get(
    import_id: uuid.UUID,
    _principal: Annotated[Principal, require("imports", "read")],
    session: SessionDep,
) -> Response:
    """An import's status, progress and per-row errors (line numbers and field messages)."""
    job = await imports.get_import(session, import_id)
    return json_response(ImportRead.model_validate(job), version=job.version)
