"""Bulk candidate imports: a CSV or JSON Lines file, streamed to the storage backend (a local
directory or an S3-compatible bucket, so the API and the worker need not share a disk),
processed by the worker in batches. Each row is all-or-nothing; re-running a file changes
nothing (external ids and e-mail addresses find the candidates it already made)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.context import Actor, actor_var
from app.core.db import Database
from app.core.errors import NotFound
from app.core.ids import new_id
from app.core.principal import Principal
from app.models.base import table_of
from app.models.candidates import (
    Application,
    Candidate,
    ImportJob,
    ImportStatus,
)
from app.models.platform import ExternalRef
from app.platform.events import record_event
from app.platform.jobs import enqueue
from app.platform.storage import Storage, storage_for
from app.services.pipeline import applications as application_service
from app.services.pipeline.import_batches import Batch, report_error
from app.services.pipeline.import_files import Row, check_mapping, parse_row, read_rows

log = logging.getLogger(__name__)

_candidate = table_of(Candidate).c
_ref = table_of(ExternalRef).c
_application = table_of(Application).c

BATCH_ROWS = 500
MAX_ROWS = 50_000

IMPORT_JOB = "imports.run"


async def start(
    session: AsyncSession,
    principal: Principal,
    storage: Storage,
    chunks: AsyncIterator[bytes],
    *,
    file_name: str | None,
    file_format: str,
    mapping: Mapping[str, str],
    intake_id: uuid.UUID | None,
) -> ImportJob:
    """Store the upload (chunk by chunk, never whole in memory) and queue its processing."""
    if intake_id is not None:
        # Applying in bulk needs the same rights as applying one by one.
        await application_service.intake_taking_candidates(session, principal, intake_id)
    job_id = new_id()
    stored = await storage.save(f"imports/{job_id}.{file_format}", chunks)
    job = ImportJob(
        id=job_id,
        file_format=file_format,
        file_name=(file_name or "")[:255] or None,
        stored_path=stored.key,
        mapping=check_mapping(mapping),
        intake_id=intake_id,
        created_by_id=principal.user_id,
        api_client_id=principal.api_client_id,
    )
    session.add(job)
    await session.flush()
    enqueue(session, IMPORT_JOB, {"import_id": str(job.id)}, max_attempts=3)
    return job


async def get_import(session: AsyncSession, import_id: uuid.UUID) -> ImportJob:
    """One import and its progress."""
    job = await session.get(ImportJob, import_id)
    if job is None:
        raise NotFound(f"No import with id {import_id}.")
    return job


# --- Reading the file ---------------------------------------------------------------------------


# --- Processing ---------------------------------------------------------------------------------


async def run_import(db: Database, import_id: uuid.UUID) -> None:
    """Process an import, committing batch by batch so progress shows while it runs."""
    async with db.unit_of_work(write=True) as session:
        job = await session.get(ImportJob, import_id)
        if job is None or job.status in (ImportStatus.COMPLETED, ImportStatus.FAILED):
            return
        job.status, job.started_at = ImportStatus.RUNNING, job.started_at or utcnow()
        # A retry starts over: rows already imported are found again and left unchanged.
        job.processed_rows = job.created_count = job.updated_count = job.unchanged_count = 0
        job.error_count, job.errors = 0, []
        snapshot = {"key": job.stored_path, "format": job.file_format, "map": job.mapping}
        # The import acts for whoever uploaded it: events and stage history name them.
        uploader = Actor(user_id=job.created_by_id, api_client_id=job.api_client_id)
    acting = actor_var.set(uploader)
    try:
        await _run_and_report(db, import_id, snapshot)
    finally:
        actor_var.reset(acting)


FAILURE_TEXT = (
    "The import stopped before the end of the file; the rows reported so far were imported. "
    "Upload the file again (rows already imported are left unchanged), or quote this "
    "import's id."
)


async def _run_and_report(db: Database, import_id: uuid.UUID, snapshot: dict[str, Any]) -> None:
    try:
        total = await _process(db, import_id, snapshot)
    except Exception:  # an unreadable file, a database gone: the import failed
        log.warning("import failed", extra={"import_id": str(import_id)}, exc_info=True)
        async with db.unit_of_work(write=True) as session:
            job = await session.get(ImportJob, import_id, with_for_update=True)
            if job is not None:
                job.status, job.finished_at = ImportStatus.FAILED, utcnow()
                # For people, not programmers: the log has the error (without its values).
                job.failure = FAILURE_TEXT
        await _discard_upload(db, snapshot["key"])
        return
    async with db.unit_of_work(write=True) as session:
        job = await session.get(ImportJob, import_id, with_for_update=True)
        assert job is not None  # noqa: S101
        job.status, job.finished_at, job.total_rows = ImportStatus.COMPLETED, utcnow(), total
        record_event(
            session,
            "import.completed",
            ("import", job.id),
            {
                "id": str(job.id),
                "total_rows": total,
                "created": job.created_count,
                "updated": job.updated_count,
                "unchanged": job.unchanged_count,
                "errors": job.error_count,
            },
        )
    await _discard_upload(db, snapshot["key"])


def _parsed(line: int, raw: dict[str, Any], mapping: dict[str, str]) -> Row | list[dict[str, str]]:
    """The row parsed, or its problems; a row that breaks the parser itself is a problem of
    that row alone (logged by kind), never the end of the import."""
    try:
        return parse_row(raw, mapping)
    except Exception as exc:
        log.warning("import row unreadable", extra={"line": line, "error": type(exc).__name__})
        return [{"field": "row", "message": "this line cannot be read"}]


async def _discard_upload(db: Database, key: str) -> None:
    """Delete the uploaded file once its import has ended: the report keeps what the user
    needs, and a file of personal data is not kept longer than it is used."""
    try:
        if Path(key).is_absolute():  # uploads stored before the storage backends
            await anyio.Path(key).unlink(missing_ok=True)
        else:
            await storage_for(db.settings).delete(key)
    except Exception:  # the import's result stands; a leftover file is only logged
        log.warning("could not delete an import's upload", exc_info=True)


async def _process(db: Database, import_id: uuid.UUID, snapshot: dict[str, Any]) -> int:
    """Every batch of the file; the number of data rows."""
    key: str = snapshot["key"]
    if Path(key).is_absolute():  # uploads stored before the storage backends: a local path
        return await _process_file(db, import_id, Path(key), snapshot)
    async with storage_for(db.settings).local_copy(key) as path:
        return await _process_file(db, import_id, path, snapshot)


async def _process_file(
    db: Database, import_id: uuid.UUID, path: Path, snapshot: dict[str, Any]
) -> int:
    seen_emails: dict[str, uuid.UUID] = {}
    rows = read_rows(path, snapshot["format"])
    total = 0
    while True:
        chunk = list(islice(rows, BATCH_ROWS))
        if not chunk:
            break
        total += len(chunk)
        async with db.unit_of_work(write=True) as session:
            job = await session.get(ImportJob, import_id, with_for_update=True)
            assert job is not None  # noqa: S101
            batch = Batch(job, seen_emails)
            for line, raw in chunk:
                if "_error" in raw:
                    report_error(job, line, [{"field": "row", "message": str(raw["_error"])}])
                elif total > MAX_ROWS:
                    report_error(job, line, [{"field": "row", "message": f"over {MAX_ROWS} rows"}])
                else:
                    parsed = _parsed(line, raw, snapshot["map"])
                    if isinstance(parsed, list):
                        report_error(job, line, parsed)
                    else:
                        batch.rows.append((line, *parsed))
            await batch.apply(session)
            job.processed_rows += len(chunk)
    return total


async def run_job(db: Database, payload: dict[str, Any]) -> None:
    """The job behind an upload: import the file it names."""
    await run_import(db, uuid.UUID(payload["import_id"]))
