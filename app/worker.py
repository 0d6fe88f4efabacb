"""The job loop behind `tandem worker` (and inside `tandem serve` on SQLite)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import update

from app.job_kinds import register_job_kinds
from app.models.base import table_of
from app.models.platform import Job
from app.platform import jobs
from app.platform.runtime import Runtime

_job = table_of(Job).c

log = logging.getLogger("tandem.worker")


class Worker:
    """Claims due jobs and runs each in its own transaction, up to `concurrency` at a time."""

    def __init__(self, runtime: Runtime, *, name: str | None = None) -> None:
        register_job_kinds()
        self.runtime = runtime
        settings = runtime.settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.concurrency = settings.worker_concurrency
        self.poll_seconds = settings.worker_poll_seconds
        self.lease = timedelta(seconds=settings.worker_lease_seconds)

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until `stop` is set; jobs already running are finished, not abandoned."""
        log.info("worker started", extra={"worker": self.name})
        while not stop.is_set():
            try:
                ran = await self.run_once()
            except Exception:
                log.warning("worker cycle failed; retrying", exc_info=True)
                ran = 0
            if ran == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.poll_seconds)
        log.info("worker stopped", extra={"worker": self.name})

    async def run_once(self) -> int:
        """Take due periodic slots, claim a batch of due jobs, run them; how many ran."""
        db = self.runtime.db
        async with db.unit_of_work(write=True) as session:
            await jobs.take_due_schedules(session)
        async with db.unit_of_work(write=True) as session:
            claimed = await jobs.claim_due_jobs(
                session, worker=self.name, limit=self.concurrency, lease=self.lease
            )
        if claimed:
            await asyncio.gather(*(self._execute(job) for job in claimed))
        return len(claimed)

    async def run_until_idle(self, max_cycles: int = 1000) -> int:
        """Run cycles until no job is due (tests and one-off maintenance); jobs run in total."""
        total = 0
        for _ in range(max_cycles):
            ran = await self.run_once()
            total += ran
            if ran == 0:
                break
        return total

    async def _execute(self, job: Job) -> None:
        kind = jobs.JOB_KINDS.get(job.kind)
        db = self.runtime.db
        metrics = self.runtime.metrics
        try:
            if kind is None:
                raise LookupError(f"no handler registered for job kind {job.kind!r}")
            if kind.manages_transactions:
                await kind.run(db, dict(job.payload))
                async with db.unit_of_work(write=True) as session:
                    await session.execute(
                        update(Job).where(_job.id == job.id).values(**jobs.finish_job())
                    )
            else:
                async with db.unit_of_work(write=True) as session:
                    await kind.run(session, dict(job.payload))
                    await session.execute(
                        update(Job).where(_job.id == job.id).values(**jobs.finish_job())
                    )
        except Exception as exc:
            values = jobs.fail_job(job, f"{type(exc).__name__}: {exc}")
            log.warning(
                "job failed",
                extra={"job_id": str(job.id), "kind": job.kind, "attempt": job.attempts},
                exc_info=True,
            )
            metrics.jobs.labels(job.kind, str(values.get("status"))).inc()
            async with db.unit_of_work(write=True) as session:
                await session.execute(update(Job).where(_job.id == job.id).values(**values))
        else:
            metrics.jobs.labels(job.kind, "succeeded").inc()
