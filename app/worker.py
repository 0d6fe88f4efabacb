"""The job loop behind `tandem worker` (and inside `tandem serve` on SQLite)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from asyncio import FIRST_COMPLETED
from datetime import timedelta
from pathlib import Path

import asyncpg
from sqlalchemy import update
from sqlalchemy.engine import make_url

from app.core.clock import utcnow
from app.core.redaction import describe_exception
from app.job_kinds import register_job_kinds
from app.models.base import table_of
from app.models.platform import Job
from app.platform import events, heartbeats, jobs
from app.platform.runtime import Runtime
from app.services.events import relay

_job = table_of(Job).c

log = logging.getLogger("tandem.worker")


class Worker:
    """Claims due jobs and runs each in its own transaction, up to `concurrency` at a time."""

    def __init__(
        self, runtime: Runtime, *, name: str | None = None, heartbeat_file: Path | None = None
    ) -> None:
        register_job_kinds()
        self.runtime = runtime
        settings = runtime.settings
        self.hostname = socket.gethostname()
        self.name = name or f"{self.hostname}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.concurrency = settings.worker_concurrency
        self.poll_seconds = settings.worker_poll_seconds
        self.lease = timedelta(seconds=settings.worker_lease_seconds)
        self.heartbeat_seconds = settings.worker_heartbeat_seconds
        self.heartbeat_file = heartbeat_file
        self.started_at = utcnow()
        self.jobs_run = 0
        self.beats = 0
        self.wake = asyncio.Event()
        self.listening = False

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until `stop` is set; jobs already running are finished, not abandoned."""
        log.info("worker started", extra={"worker": self.name})
        # Beats come from their own task, so a long job does not make the worker look dead.
        heartbeat = asyncio.create_task(self._beat_until(stop), name="worker-heartbeat")
        listener = asyncio.create_task(self._listen_until(stop), name="worker-listen")
        while not stop.is_set():
            try:
                if self.wake.is_set():
                    self.wake.clear()
                    await self.relay()
                ran = await self.run_once()
            except Exception:
                log.warning("worker cycle failed; retrying", exc_info=True)
                ran = 0
            if ran == 0 and not self.wake.is_set():
                await self._idle(stop)
        await heartbeat
        await listener
        log.info("worker stopped", extra={"worker": self.name})

    async def _idle(self, stop: asyncio.Event) -> None:
        """Wait for the next poll, a commit notification, or the stop signal."""
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())]
        try:
            await asyncio.wait(waits, timeout=self.poll_seconds, return_when=FIRST_COMPLETED)
        finally:
            for waiter in waits:
                waiter.cancel()

    async def relay(self) -> None:
        """Number and fan out what just committed (woken by `NOTIFY`)."""
        async with self.runtime.db.unit_of_work(write=True) as session:
            await relay.relay_job(session, {})

    async def _listen_until(self, stop: asyncio.Event) -> None:
        """On PostgreSQL, LISTEN for commits that recorded events; reconnect after failures."""
        db = self.runtime.db
        if db.is_sqlite:
            return
        dsn = make_url(db.url).set(drivername="postgresql").render_as_string(hide_password=False)
        while not stop.is_set():
            conn = None
            try:
                conn = await asyncpg.connect(dsn, timeout=5)
                await conn.add_listener(events.CHANNEL, lambda *_args: self.wake.set())
                self.listening = True
                self.wake.set()  # catch up with anything committed while not listening
                while not stop.is_set() and not conn.is_closed():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=5)
            except (OSError, asyncpg.PostgresError):
                log.warning("LISTEN connection failed; polling until it is back", exc_info=True)
            finally:
                self.listening = False
                if conn is not None and not conn.is_closed():
                    await conn.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.poll_seconds)

    async def beat(self) -> None:
        """Tell the database (and the heartbeat file, if any) that this worker is alive."""
        if self.heartbeat_file is not None:
            heartbeats.touch(self.heartbeat_file)
        async with self.runtime.db.unit_of_work(write=True) as session:
            await heartbeats.beat(
                session,
                worker=self.name,
                hostname=self.hostname,
                pid=os.getpid(),
                started_at=self.started_at,
                jobs_run=self.jobs_run,
            )
        self.beats += 1

    async def _beat_until(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.beat()
            except Exception:
                log.warning("worker heartbeat failed; retrying", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.heartbeat_seconds)
        try:
            async with self.runtime.db.unit_of_work(write=True) as session:
                await heartbeats.forget(session, self.name)
        except Exception:
            log.warning("could not remove the worker's heartbeat", exc_info=True)

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
            values = jobs.fail_job(job, describe_exception(exc))
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
        finally:
            self.jobs_run += 1
