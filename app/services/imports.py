"""Bulk candidate imports: a CSV or JSON Lines file, streamed to disk, processed by the worker
in batches. Each row is all-or-nothing; re-running a file changes nothing (external ids and
e-mail addresses find the candidates it already made)."""

from __future__ import annotations

import csv
import io
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import anyio
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import DomainError, FieldProblem, NotFound, ValidationFailed
from app.core.principal import Principal
from app.models.base import table_of
from app.models.candidates import (
    Application,
    ApplicationStatus,
    Candidate,
    ImportJob,
    ImportStatus,
    StageChange,
)
from app.models.intakes import Intake
from app.models.platform import ExternalRef
from app.schemas.candidates import CandidateCreate
from app.services import candidates as candidate_service
from app.services.events import record_event
from app.services.jobs import enqueue, job_handler

log = logging.getLogger(__name__)

_candidate = table_of(Candidate).c
_ref = table_of(ExternalRef).c
_application = table_of(Application).c

BATCH_ROWS = 500
MAX_REPORTED_ERRORS = 1000
MAX_ROWS = 50_000
LIST_COLUMNS = ("other_emails", "skills", "tags")
LINK_COLUMNS = ("linkedin", "portfolio", "github")
KNOWN_COLUMNS = frozenset(
    {
        "full_name",
        "email",
        "other_emails",
        "phone",
        "location",
        "headline",
        "current_title",
        "current_company",
        "skills",
        "pay_expectation_amount",
        "pay_expectation_currency",
        "pay_expectation_period",
        "notice_period_days",
        "source",
        "tags",
        "external_source",
        "external_id",
        *LINK_COLUMNS,
    }
)


def check_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """`{"file column": "our field"}`; unknown target fields are a 422."""
    unknown = sorted(target for target in mapping.values() if target not in KNOWN_COLUMNS)
    if unknown:
        raise ValidationFailed(
            "The mapping names fields that do not exist.",
            errors=[FieldProblem(f"body.mapping.{f}", "unknown field", "unknown") for f in unknown],
        )
    return dict(mapping)


async def start(
    session: AsyncSession,
    principal: Principal,
    data_dir: Path,
    chunks: AsyncIterator[bytes],
    *,
    file_name: str | None,
    file_format: str,
    mapping: Mapping[str, str],
    intake_id: uuid.UUID | None,
) -> ImportJob:
    """Store the upload (chunk by chunk, never whole in memory) and queue its processing."""
    if intake_id is not None and await session.get(Intake, intake_id) is None:
        raise ValidationFailed(
            "No such intake.", errors=[FieldProblem("body.intake_id", "no such intake", "unknown")]
        )
    folder = anyio.Path(data_dir / "imports")
    await folder.mkdir(parents=True, exist_ok=True)
    job_id = uuid.uuid4()
    target = folder / f"{job_id}.{file_format}"
    async with await anyio.open_file(target, "wb") as out:
        async for chunk in chunks:
            await out.write(chunk)
    job = ImportJob(
        id=job_id,
        file_format=file_format,
        file_name=(file_name or "")[:255] or None,
        stored_path=str(target),
        mapping=check_mapping(mapping),
        intake_id=intake_id,
        created_by_id=principal.user_id,
        api_client_id=principal.api_client_id,
    )
    session.add(job)
    await session.flush()
    enqueue(session, "imports.run", {"import_id": str(job.id)}, max_attempts=3)
    return job


async def get_import(session: AsyncSession, import_id: uuid.UUID) -> ImportJob:
    """One import and its progress."""
    job = await session.get(ImportJob, import_id)
    if job is None:
        raise NotFound(f"No import with id {import_id}.")
    return job


# --- Reading the file ---------------------------------------------------------------------------


def _rows(path: Path, file_format: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, raw row) for every data row; a bad line yields an `_error` row."""
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        if file_format == "csv":
            reader = csv.DictReader(text)
            for row in reader:
                yield reader.line_num, {k.strip(): v for k, v in row.items() if k}
        else:
            for number, line in enumerate(text, start=1):
                if not line.strip():
                    continue
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, {"_error": f"not valid JSON: {exc.msg}"}
                    continue
                if not isinstance(value, dict):
                    yield number, {"_error": "each line must be a JSON object"}
                    continue
                yield number, value


def _fields(raw: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """A raw row renamed by the mapping, blanks dropped, lists split on `;`."""
    values: dict[str, Any] = {}
    for column, value in raw.items():
        field = mapping.get(column, column)
        if field not in KNOWN_COLUMNS or value is None or value == "":
            continue
        if field in LIST_COLUMNS and isinstance(value, str):
            value = [part.strip() for part in value.split(";") if part.strip()]
        values[field] = value
    links = {k: values.pop(k) for k in LINK_COLUMNS if k in values}
    if links:
        values["links"] = links
    return values


def _parse(
    raw: Mapping[str, Any], mapping: Mapping[str, str]
) -> tuple[CandidateCreate, tuple[str, str] | None] | list[dict[str, str]]:
    """A row as a valid candidate and its ATS id, or the row's problems."""
    values = _fields(raw, mapping)
    source, external_id = values.pop("external_source", None), values.pop("external_id", None)
    if (source is None) != (external_id is None):
        return [{"field": "external_id", "message": "give both external_source and external_id"}]
    try:
        data = CandidateCreate.model_validate(values)
    except ValidationError as exc:
        return _problems(exc)
    return data, (str(source), str(external_id)) if source is not None else None


def _problems(error: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": ".".join(str(p) for p in e["loc"]) or "row", "message": e["msg"]}
        for e in error.errors()
    ]


# --- Processing ---------------------------------------------------------------------------------


class _Batch:
    """One batch of valid rows, applied with a handful of queries."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.rows: list[tuple[int, CandidateCreate, tuple[str, str] | None]] = []

    async def apply(self, session: AsyncSession, seen_emails: dict[str, uuid.UUID]) -> None:
        refs = {ref for _, _, ref in self.rows if ref}
        by_ref: dict[tuple[str, str], uuid.UUID] = {}
        if refs:
            found = await session.execute(
                select(_ref.source, _ref.external_id, _ref.resource_id).where(
                    _ref.resource_type == candidate_service.RESOURCE,
                    _ref.external_id.in_({external_id for _, external_id in refs}),
                )
            )
            by_ref = {(r.source, r.external_id): r.resource_id for r in found}
        emails = {data.email for _, data, _ in self.rows if data.email}
        if emails:
            found = await session.execute(
                select(_candidate.email, _candidate.id).where(_candidate.email.in_(emails))
            )
            seen_emails.update({r.email: r.id for r in found})
        wanted = set(by_ref.values()) | {seen_emails[e] for e in emails if e in seen_emails}
        loaded = {
            c.id: c
            for c in (
                await session.execute(select(Candidate).where(_candidate.id.in_(wanted)))
            ).scalars()
        }
        touched: list[uuid.UUID] = []
        for line, data, ref in self.rows:
            try:
                # A savepoint per row: a row that fails in the database leaves no trace.
                async with session.begin_nested():
                    candidate, outcome = await self._apply_row(
                        session, data, ref, by_ref, loaded, seen_emails
                    )
            except (DomainError, IntegrityError) as exc:
                message = (
                    exc.detail if isinstance(exc, DomainError) else "conflicts with stored data"
                )
                _error(self.job, line, [{"field": "row", "message": message}])
                continue
            setattr(self.job, outcome, getattr(self.job, outcome) + 1)
            if ref is not None:
                by_ref[ref] = candidate.id
            if candidate.email:
                seen_emails[candidate.email] = candidate.id
            touched.append(candidate.id)
        if self.job.intake_id is not None:
            await _apply_to_intake(session, self.job.intake_id, touched)

    async def _apply_row(
        self,
        session: AsyncSession,
        data: CandidateCreate,
        ref: tuple[str, str] | None,
        by_ref: dict[tuple[str, str], uuid.UUID],
        loaded: dict[uuid.UUID, Candidate],
        seen_emails: dict[str, uuid.UUID],
    ) -> tuple[Candidate, str]:
        existing_id = by_ref.get(ref) if ref else None
        if existing_id is None and data.email:
            existing_id = seen_emails.get(data.email)
        if existing_id is not None and existing_id in loaded:
            candidate = loaded[existing_id]
            provided = data.model_dump(exclude_none=True, exclude={"external_ids"})
            changed = await candidate_service.apply_changes(session, candidate, provided)
            outcome = "updated_count" if changed else "unchanged_count"
        else:
            candidate, _ = await candidate_service.create_candidate(session, data)
            loaded[candidate.id] = candidate
            outcome = "created_count"
        if ref is not None and by_ref.get(ref) != candidate.id:
            await candidate_service.link_external_id(session, candidate, *ref)
        await session.flush()
        return candidate, outcome


async def _apply_to_intake(
    session: AsyncSession, intake_id: uuid.UUID, candidate_ids: list[uuid.UUID]
) -> None:
    """Give imported candidates an `applied` application to the import's intake (once)."""
    intake = await session.get(Intake, intake_id)
    if intake is None:
        return
    active = set(
        (
            await session.execute(
                select(_application.candidate_id).where(
                    _application.intake_id == intake_id,
                    _application.status == ApplicationStatus.ACTIVE.value,
                    _application.candidate_id.in_(candidate_ids),
                )
            )
        ).scalars()
    )
    for candidate_id in dict.fromkeys(candidate_ids):
        if candidate_id in active:
            continue
        application = Application(
            candidate_id=candidate_id,
            intake_id=intake_id,
            recruiter_id=intake.recruiter_id,
            hiring_manager_id=intake.hiring_manager_id,
            stage="applied",
            source="import",
        )
        session.add(application)
        await session.flush()
        session.add(StageChange(application_id=application.id, to_stage="applied"))
        record_event(
            session,
            "application.created",
            ("application", application.id),
            {
                "id": str(application.id),
                "candidate_id": str(candidate_id),
                "intake_id": str(intake_id),
            },
        )
        active.add(candidate_id)


def _error(job: ImportJob, line: int, problems: list[dict[str, str]]) -> None:
    job.error_count += 1
    if len(job.errors) < MAX_REPORTED_ERRORS:
        job.errors = [*job.errors, {"line": line, "errors": problems}]


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
        snapshot = {"path": Path(job.stored_path), "format": job.file_format, "map": job.mapping}
    try:
        total = await _process(db, import_id, snapshot)
    except Exception as exc:  # an unreadable file, a database gone: the import failed
        log.warning("import failed", extra={"import_id": str(import_id)}, exc_info=True)
        async with db.unit_of_work(write=True) as session:
            job = await session.get(ImportJob, import_id, with_for_update=True)
            if job is not None:
                job.status, job.finished_at = ImportStatus.FAILED, utcnow()
                job.failure = f"{type(exc).__name__}: {exc}"[:2000]
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


async def _process(db: Database, import_id: uuid.UUID, snapshot: dict[str, Any]) -> int:
    """Every batch of the file; the number of data rows."""
    seen_emails: dict[str, uuid.UUID] = {}
    rows = _rows(snapshot["path"], snapshot["format"])
    total = 0
    while True:
        chunk = []
        for item in rows:
            chunk.append(item)
            if len(chunk) >= BATCH_ROWS:
                break
        if not chunk:
            break
        total += len(chunk)
        async with db.unit_of_work(write=True) as session:
            job = await session.get(ImportJob, import_id, with_for_update=True)
            assert job is not None  # noqa: S101
            batch = _Batch(job)
            for line, raw in chunk:
                if "_error" in raw:
                    _error(job, line, [{"field": "row", "message": str(raw["_error"])}])
                    continue
                if total > MAX_ROWS:
                    _error(job, line, [{"field": "row", "message": f"over {MAX_ROWS} rows"}])
                    continue
                values = _fields(raw, snapshot["map"])
                ref_source, ref_id = (
                    values.pop("external_source", None),
                    values.pop("external_id", None),
                )
                try:
                    data = CandidateCreate.model_validate(values)
                except ValidationError as exc:
                    _error(job, line, _problems(exc))
                    continue
                if (ref_source is None) != (ref_id is None):
                    _error(
                        job,
                        line,
                        [
                            {
                                "field": "external_id",
                                "message": "give both external_source and external_id",
                            }
                        ],
                    )
                    continue
                batch.rows.append(
                    (line, data, (str(ref_source), str(ref_id)) if ref_source else None)
                )
            await batch.apply(session, seen_emails)
            job.processed_rows += len(chunk)
    return total


@job_handler("imports.run", manages_transactions=True)
async def _run_job(db: Database, payload: dict[str, Any]) -> None:
    await run_import(db, uuid.UUID(payload["import_id"]))
