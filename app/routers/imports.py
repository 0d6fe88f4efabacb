"""/api/v1/imports: bulk candidate uploads (CSV or JSON Lines), processed in the background."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import File, Form, Response, UploadFile
from pydantic import BaseModel, ConfigDict

from app.core.errors import FieldProblem, ValidationFailed
from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response
from app.deps import RuntimeDep, SessionDep, require
from app.models.candidates import ImportStatus
from app.platform.storage import storage_for
from app.routers.base import api_router
from app.services.pipeline import imports

router = api_router("/imports", "Candidates")
CHUNK = 256 * 1024


class ImportRead(BaseModel):
    """An import's progress: rows processed of the total, what happened, which rows failed."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: ImportStatus
    file_format: str
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
    name = (file.filename or "").lower()
    chosen = format or (
        "csv"
        if name.endswith(".csv")
        else "jsonl"
        if name.endswith((".jsonl", ".ndjson"))
        else None
    )
    if chosen is None:
        raise ValidationFailed(
            "Say whether the file is CSV or JSON Lines.",
            errors=[FieldProblem("body.format", "csv or jsonl", "missing")],
        )
    try:
        parsed = orjson.loads(mapping) if mapping else {}
    except orjson.JSONDecodeError:
        parsed = None
    if not isinstance(parsed, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
    ):
        raise ValidationFailed(
            "The mapping must be a JSON object of column names to field names.",
            errors=[FieldProblem("body.mapping", "not a JSON object of strings", "invalid")],
        )
    job = await imports.start(
        session,
        principal,
        storage_for(runtime.settings),
        _chunks(file),
        file_name=file.filename,
        file_format=chosen,
        mapping=parsed,
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
