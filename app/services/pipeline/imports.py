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
from itertools import islice
from pathlib import Path
from typing import Any

import anyio
from pydantic import ValidationError
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.context import Actor, actor_var
from app.core.db import Database
from app.core.errors import DomainError, FieldProblem, NotFound, ValidationFailed
from app.core.ids import new_id
from app.core.principal import Principal
from app.models.base import table_of
from app.models.candidates import (
    Application,
    ApplicationStatus,
    Candidate,
    ImportJob,
    ImportStatus,
)
from app.models.intakes import Intake
from app.models.platform import ExternalRef
from app.platform.events import record_event
from app.platform.jobs import enqueue, job_handler
from app.schemas.candidates import CandidateCreate
from app.services.pipeline import applications as application_service
from app.services.pipeline import candidates as candidate_service

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
    if intake_id is not None:
        # Applying in bulk needs the same rights as applying one by one.
        await application_service.intake_taking_candidates(session, principal, intake_id)
    folder = anyio.Path(data_dir / "imports")
    await folder.mkdir(parents=True, exist_ok=True)
    job_id = new_id()
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

NOT_TEXT = "not valid UTF-8 text"
Row = tuple[CandidateCreate, tuple[str, str] | None]


def _is_text(values: Iterator[Any]) -> bool:
    # Undecodable bytes survive decoding as lone surrogates, which cannot be encoded back.
    for value in values:
        if isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


def _rows(path: Path, file_format: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, raw row) for every data row; a bad line yields an `_error` row."""
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
        if file_format == "csv":
            reader = csv.DictReader(text)
            for row in reader:
                if not _is_text(iter((*row, *row.values()))):
                    yield reader.line_num, {"_error": NOT_TEXT}
                    continue
                yield reader.line_num, {k.strip(): v for k, v in row.items() if k}
        else:
            for number, line in enumerate(text, start=1):
                if not line.strip():
                    continue
                if not _is_text(iter((line,))):
                    yield number, {"_error": NOT_TEXT}
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


def _parse(raw: Mapping[str, Any], mapping: Mapping[str, str]) -> Row | list[dict[str, str]]:
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

OUTCOMES = ("created_count", "updated_count", "unchanged_count")


class _Batch:
    """One batch of valid rows.

    The fast path applies the whole batch in one savepoint and one flush (the ORM then inserts
    candidates, ids and events in a few multi-row statements). A row the database refuses
    spoils that savepoint, so the batch is then redone row by row, each in its own savepoint:
    the bad row is reported and the rest is kept.
    """

    def __init__(self, job: ImportJob, seen_emails: dict[str, uuid.UUID]) -> None:
        self.job = job
        self.rows: list[tuple[int, CandidateCreate, tuple[str, str] | None]] = []
        self.seen_emails = seen_emails  # across batches: an address found once is not re-read

    async def apply(self, session: AsyncSession) -> None:
        """Apply every row; counts and errors go to the job, touched candidates to the intake."""
        try:
            async with session.begin_nested():
                tally = await self._run(session, one_by_one=False)
        except (DomainError, IntegrityError):
            tally = await self._run(session, one_by_one=True)
        tally.record(self.job)
        if self.job.intake_id is not None and tally.touched:
            await _apply_to_intake(session, self.job, tally.touched)

    async def _lookup(
        self, session: AsyncSession, emails: dict[str, uuid.UUID]
    ) -> tuple[dict[tuple[str, str], uuid.UUID], dict[uuid.UUID, Candidate]]:
        """Who the batch's ATS ids and addresses already name, and those candidates loaded."""
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
        wanted_emails = {data.email for _, data, _ in self.rows if data.email} - set(emails)
        if wanted_emails:
            found = await session.execute(
                select(_candidate.email, _candidate.id).where(_candidate.email.in_(wanted_emails))
            )
            emails.update({r.email: r.id for r in found})
        wanted = set(by_ref.values()) | {
            emails[data.email] for _, data, _ in self.rows if data.email in emails
        }
        loaded: dict[uuid.UUID, Candidate] = {}
        if wanted:
            # populate_existing: after a spoiled fast path, start again from the stored rows.
            result = await session.execute(
                select(Candidate)
                .where(_candidate.id.in_(wanted))
                .execution_options(populate_existing=True)
            )
            loaded = {c.id: c for c in result.scalars()}
        return by_ref, loaded

    async def _run(self, session: AsyncSession, *, one_by_one: bool) -> _Tally:
        emails = dict(self.seen_emails)
        by_ref, loaded = await self._lookup(session, emails)
        tally = _Tally()
        for line, data, ref in self.rows:
            try:
                if one_by_one:
                    async with session.begin_nested():
                        candidate, outcome = await self._row(
                            session, data, ref, by_ref, emails, loaded
                        )
                        await session.flush()
                else:
                    candidate, outcome = await self._row(session, data, ref, by_ref, emails, loaded)
            except _RowRefused as refused:
                tally.errors.append((line, refused.message))
                continue
            except (DomainError, IntegrityError) as exc:
                if not one_by_one:
                    raise
                message = (
                    exc.detail if isinstance(exc, DomainError) else "conflicts with stored data"
                )
                tally.errors.append((line, message))
                await _reload_spoiled(session, loaded)
                continue
            tally.counts[outcome] += 1
            tally.touched.append(candidate.id)
            if ref is not None:
                by_ref[ref] = candidate.id
            if candidate.email:
                emails[candidate.email] = candidate.id
            loaded[candidate.id] = candidate
        if not one_by_one:
            await session.flush()
        self.seen_emails.update(emails)
        return tally

    @staticmethod
    async def _row(
        session: AsyncSession,
        data: CandidateCreate,
        ref: tuple[str, str] | None,
        by_ref: dict[tuple[str, str], uuid.UUID],
        emails: dict[str, uuid.UUID],
        loaded: dict[uuid.UUID, Candidate],
    ) -> tuple[Candidate, str]:
        existing_id = by_ref.get(ref) if ref else None
        owner = emails.get(data.email) if data.email else None
        if existing_id is None and owner is not None:
            if ref is not None:
                # As the upsert by ATS id answers 409: a new ATS id cannot take over a stored
                # candidate's address.
                raise _RowRefused(
                    f"the e-mail address belongs to another candidate ({owner}), "
                    f"not to {ref[0]}:{ref[1]}"
                )
            existing_id = owner
        if existing_id is not None and existing_id in loaded:
            candidate = loaded[existing_id]
            provided = data.model_dump(exclude_none=True, exclude={"external_ids"})
            changed = await candidate_service.apply_changes(session, candidate, provided)
            return candidate, "updated_count" if changed else "unchanged_count"
        return candidate_service.add_checked(session, data, (ref,) if ref else ()), "created_count"


class _RowRefused(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


class _Tally:
    """What a batch did, kept apart from the job until the batch is through."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self.errors: list[tuple[int, str]] = []
        self.touched: list[uuid.UUID] = []

    def record(self, job: ImportJob) -> None:
        for outcome, count in self.counts.items():
            setattr(job, outcome, getattr(job, outcome) + count)
        for line, message in self.errors:
            _error(job, line, [{"field": "row", "message": message}])


async def _reload_spoiled(session: AsyncSession, loaded: dict[uuid.UUID, Candidate]) -> None:
    """A rolled-back savepoint expires what it touched; read those candidates back now (async
    code cannot load them lazily later)."""
    for candidate_id, candidate in list(loaded.items()):
        state = inspect(candidate)
        if state.transient or state.detached:
            del loaded[candidate_id]  # made in the refused row: gone with it
        elif state.expired_attributes:
            await session.refresh(candidate)


async def _apply_to_intake(
    session: AsyncSession, job: ImportJob, candidate_ids: list[uuid.UUID]
) -> None:
    """Give imported candidates an `applied` application to the import's intake (once), while
    the intake still takes candidates; otherwise say so once in the report."""
    intake_id = job.intake_id
    intake = await session.get(Intake, intake_id) if intake_id else None
    if intake is None:
        return
    if intake.status not in application_service.OPEN_FOR_APPLICATIONS:
        # It closed after the upload: the people are imported, but not put in its pipeline.
        if not any(e["line"] is None for e in job.errors):
            job.errors = [
                *job.errors,
                {
                    "line": None,
                    "errors": [
                        {
                            "field": "intake_id",
                            "message": f"the intake is {intake.status} and takes no candidates; "
                            "the candidates were imported without applications",
                        }
                    ],
                },
            ]
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
    now = utcnow()
    for candidate_id in dict.fromkeys(candidate_ids):
        if candidate_id in active:
            continue
        application = Application(
            candidate_id=candidate_id,
            intake_id=intake.id,
            recruiter_id=intake.recruiter_id,
            hiring_manager_id=intake.hiring_manager_id,
            stage="applied",
            source="import",
            applied_at=now,
            stage_changed_at=now,
        )
        session.add(application)
        session.add(application_service.stage_change(application, None, "applied", at=now))
        application_service.record_created(session, application)
        active.add(candidate_id)
    await session.flush()


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
        # The import acts for whoever uploaded it: events and stage history name them.
        uploader = Actor(user_id=job.created_by_id, api_client_id=job.api_client_id)
    acting = actor_var.set(uploader)
    try:
        await _run_and_report(db, import_id, snapshot)
    finally:
        actor_var.reset(acting)


async def _run_and_report(db: Database, import_id: uuid.UUID, snapshot: dict[str, Any]) -> None:
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
        chunk = list(islice(rows, BATCH_ROWS))
        if not chunk:
            break
        total += len(chunk)
        async with db.unit_of_work(write=True) as session:
            job = await session.get(ImportJob, import_id, with_for_update=True)
            assert job is not None  # noqa: S101
            batch = _Batch(job, seen_emails)
            for line, raw in chunk:
                if "_error" in raw:
                    _error(job, line, [{"field": "row", "message": str(raw["_error"])}])
                elif total > MAX_ROWS:
                    _error(job, line, [{"field": "row", "message": f"over {MAX_ROWS} rows"}])
                else:
                    parsed = _parse(raw, snapshot["map"])
                    if isinstance(parsed, list):
                        _error(job, line, parsed)
                    else:
                        batch.rows.append((line, *parsed))
            await batch.apply(session)
            job.processed_rows += len(chunk)
    return total


@job_handler("imports.run", manages_transactions=True)
async def _run_job(db: Database, payload: dict[str, Any]) -> None:
    await run_import(db, uuid.UUID(payload["import_id"]))
