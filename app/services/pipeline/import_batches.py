"""Importing one batch of valid rows: candidates created, updated or unchanged by e-mail and ATS id,
and applied to the intake."""

from __future__ import annotations

import uuid

from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.errors import DomainError
from app.models.base import table_of
from app.models.candidates import (
    Application,
    ApplicationStatus,
    Candidate,
    ImportJob,
)
from app.models.intakes import Intake
from app.models.platform import ExternalRef
from app.schemas.candidates import CandidateCreate
from app.services.pipeline import applications as application_service
from app.services.pipeline import candidates as candidate_service

_candidate = table_of(Candidate).c
_ref = table_of(ExternalRef).c
_application = table_of(Application).c
OUTCOMES = ("created_count", "updated_count", "unchanged_count")

MAX_REPORTED_ERRORS = 1000


class Batch:
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
            report_error(job, line, [{"field": "row", "message": message}])


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


def report_error(job: ImportJob, line: int, problems: list[dict[str, str]]) -> None:
    job.error_count += 1
    if len(job.errors) < MAX_REPORTED_ERRORS:
        job.errors = [*job.errors, {"line": line, "errors": problems}]
