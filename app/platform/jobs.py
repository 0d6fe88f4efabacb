"""Background jobs: enqueue work, claim it exactly once, retry with backoff, give up as dead.

Every job kind is registered with `register_job` in one place, `app.job_kinds`. The worker
(`app.worker`) claims due jobs with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so any number of
workers can run side by side; SQLite serialises writers anyway.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.models.base import table_of
from app.models.platform import Job, JobSchedule, JobStatus

_job = table_of(Job).c
_schedule = table_of(JobSchedule).c

JobFunction = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]
RetryPolicy = Callable[[int], timedelta]


def exponential_backoff(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s … capped at one hour, with ±20 % jitter so retries do not stampede."""
    base = min(10 * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


@dataclass(frozen=True, slots=True)
class JobKind:
    """A registered kind of job: its handler, retry policy and attempt limit."""

    name: str
    run: Callable[..., Awaitable[None]]
    retry_after: RetryPolicy
    max_attempts: int | None
    manages_transactions: bool = False


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """A job enqueued every `every`, by whichever worker takes the slot first."""

    name: str
    every: timedelta
    kind: str


JOB_KINDS: dict[str, JobKind] = {}
PERIODIC_JOBS: dict[str, PeriodicJob] = {}


def register_job(
    kind: str,
    run: Callable[..., Awaitable[None]],
    *,
    every: timedelta | None = None,
    retry_after: RetryPolicy = exponential_backoff,
    max_attempts: int | None = None,
    manages_transactions: bool = False,
) -> None:
    """Register how jobs of `kind` run: `run(session, payload)` inside the job's own
    transaction, or with `manages_transactions` `run(database, payload)` for long jobs that
    commit as they go (imports). With `every`, one is also enqueued on that schedule by
    whichever worker takes the slot first. `app.job_kinds` registers every kind."""
    JOB_KINDS[kind] = JobKind(kind, run, retry_after, max_attempts, manages_transactions)
    if every is not None:
        PERIODIC_JOBS[kind] = PeriodicJob(kind, every, kind)


def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    unique_key: str | None = None,
    max_attempts: int = 8,
) -> Job:
    """Add a job to the caller's transaction: it runs only if that transaction commits."""
    registered = JOB_KINDS.get(kind)
    job = Job(
        kind=kind,
        payload=payload or {},
        run_at=run_at or utcnow(),
        unique_key=unique_key,
        max_attempts=(registered.max_attempts if registered else None) or max_attempts,
    )
    session.add(job)
    return job


async def claim_due_jobs(
    session: AsyncSession, *, worker: str, limit: int, lease: timedelta
) -> list[Job]:
    """Mark up to `limit` due jobs as running for `worker`; none is claimed by two workers."""
    now = utcnow()
    due = (
        select(_job.id)
        .where(
            or_(
                (_job.status == JobStatus.QUEUED) & (_job.run_at <= now),
                # A running job whose lease ran out: its worker died.
                (_job.status == JobStatus.RUNNING) & (_job.locked_until < now),
            )
        )
        .order_by(_job.run_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(
        update(Job)
        .where(_job.id.in_(due.scalar_subquery()))
        .values(
            status=JobStatus.RUNNING,
            locked_by=worker,
            locked_until=now + lease,
            attempts=_job.attempts + 1,
            updated_at=now,
        )
        .returning(Job)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars().all())


def finish_job() -> dict[str, Any]:
    """The column values of a job that succeeded."""
    now = utcnow()
    return {
        "status": JobStatus.SUCCEEDED,
        "finished_at": now,
        "locked_until": None,
        "last_error": None,
        "updated_at": now,
    }


def fail_job(job: Job, error: str) -> dict[str, Any]:
    """The column values of a job that failed: queued again after a backoff, or dead."""
    now = utcnow()
    kind = JOB_KINDS.get(job.kind)
    values: dict[str, Any] = {"last_error": error[:4000], "locked_until": None, "updated_at": now}
    if kind is None or job.attempts >= job.max_attempts:
        values.update(status=JobStatus.DEAD, finished_at=now)
    else:
        values.update(status=JobStatus.QUEUED, run_at=now + kind.retry_after(job.attempts))
    return values


async def take_due_schedules(session: AsyncSession) -> list[PeriodicJob]:
    """Take the periodic slots that are due (compare-and-set, so one worker wins each)."""
    now = utcnow()
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    taken = []
    for job in PERIODIC_JOBS.values():
        await session.execute(
            insert(JobSchedule)
            .values(name=job.name, interval_seconds=int(job.every.total_seconds()), next_run_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        result = await session.execute(
            update(JobSchedule)
            .where(_schedule.name == job.name, _schedule.next_run_at <= now)
            .values(next_run_at=now + job.every, last_run_at=now)
        )
        if getattr(result, "rowcount", 0) == 1:
            enqueue(session, job.kind)
            taken.append(job)
    return taken
