"""Background jobs: exactly-once claiming by competing workers, retries with backoff, dead
jobs, and periodic slots taken once per interval by competing workers."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from app.core.clock import set_clock
from app.models import Event, Job
from app.models.platform import JobStatus
from app.platform.events import record_event
from app.platform.jobs import (
    PERIODIC_JOBS,
    enqueue,
    exponential_backoff,
    register_job,
    take_due_schedules,
)
from app.platform.runtime import Runtime
from app.worker import Worker
from tests.support.harness import ManualClock, make_settings

RECORD = "test.platform.record"
FAIL = "test.platform.always_fails"
FAIL_DEFAULT_POLICY = "test.platform.always_fails_default_policy"
TICK = "test.platform.tick"

RUNS: list[int] = []


async def record_run(_session, payload: dict[str, Any]) -> None:
    await asyncio.sleep(random.uniform(0, 0.003))
    RUNS.append(payload["n"])


async def always_fail(session, payload: dict[str, Any]) -> None:
    # Written in the job's transaction, which must roll back with the failure.
    record_event(session, "test.must_not_persist", ("job", str(payload["n"])), {})
    await session.flush()
    raise ValueError(f"broken on purpose #{payload['n']}")


async def always_fail_default_policy(_session, _payload: dict[str, Any]) -> None:
    raise RuntimeError("still broken")


async def tick(_session, _payload: dict[str, Any]) -> None:
    return None


register_job(RECORD, record_run)
register_job(
    FAIL, always_fail, retry_after=lambda attempts: timedelta(minutes=attempts), max_attempts=3
)
register_job(FAIL_DEFAULT_POLICY, always_fail_default_policy, max_attempts=2)
register_job(TICK, tick)


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    """Freeze app.core.clock (an odd microsecond, so rounding would show); restore afterwards."""
    manual = ManualClock(datetime(2031, 3, 4, 5, 6, 7, 123457, tzinfo=UTC))
    set_clock(manual)
    try:
        yield manual
    finally:
        set_clock(None)


@pytest.fixture
def tick_every_minute() -> Iterator[None]:
    register_job(TICK, tick, every=timedelta(seconds=60))
    try:
        yield
    finally:
        PERIODIC_JOBS.pop(TICK, None)


async def load_job(runtime: Runtime, job_id: uuid.UUID) -> Job:
    async with runtime.db.session(write=False) as session:
        job = await session.get(Job, job_id)
        assert job is not None
        return job


async def jobs_of(runtime: Runtime, kind: str) -> list[Job]:
    async with runtime.db.session(write=False) as session:
        result = await session.execute(select(Job).where(Job.kind == kind))  # type: ignore[arg-type]
        return list(result.scalars())


async def enqueue_one(runtime: Runtime, kind: str, payload: dict[str, Any]) -> uuid.UUID:
    async with runtime.db.unit_of_work(write=True) as session:
        job = enqueue(session, kind, payload)
    return job.id


async def test_two_workers_run_each_job_exactly_once(backend, runtime):
    RUNS.clear()
    async with runtime.db.unit_of_work(write=True) as session:
        for n in range(200):
            enqueue(session, RECORD, {"n": n})

    # Two independent processes' worth of state: own settings, engines and pools.
    runtimes = [
        Runtime.build(make_settings(backend.url, backend.data_dir, worker_concurrency=8))
        for _ in range(2)
    ]
    try:
        workers = [Worker(r, name=f"worker-{i}") for i, r in enumerate(runtimes)]
        ran = await asyncio.gather(*(w.run_until_idle() for w in workers))
    finally:
        for r in runtimes:
            await r.db.dispose()

    assert len(RUNS) == 200, "some job ran twice or not at all"
    assert sorted(RUNS) == list(range(200))
    jobs = await jobs_of(runtime, RECORD)
    assert len(jobs) == 200
    assert {j.status for j in jobs} == {JobStatus.SUCCEEDED}
    assert {j.attempts for j in jobs} == {1}
    assert all(j.finished_at is not None and j.locked_until is None for j in jobs)
    # Both workers really competed for the same rows.
    assert {j.locked_by for j in jobs} == {"worker-0", "worker-1"}
    async with runtime.db.engine.connect() as conn:
        total = (await conn.execute(select(func.count()).select_from(Job))).scalar_one()
    assert sum(ran) == total  # every claimed job (including housekeeping) was claimed once


async def test_failing_job_backs_off_by_its_policy_then_dies(runtime, clock):
    job_id = await enqueue_one(runtime, FAIL, {"n": 7})
    assert (await load_job(runtime, job_id)).max_attempts == 3
    worker = Worker(runtime, name="retry-worker")
    worker.concurrency = 32  # the periodic jobs due in a cycle never crowd this job out

    for attempt in (1, 2):
        await worker.run_once()
        job = await load_job(runtime, job_id)
        assert job.status == JobStatus.QUEUED
        assert job.attempts == attempt
        assert job.last_error == "ValueError: broken on purpose #7"
        assert job.run_at == clock.now + timedelta(minutes=attempt)
        assert job.locked_until is None
        assert job.finished_at is None

        # Not retried before its time.
        clock.advance(attempt * 60 - 1)
        await worker.run_once()
        assert (await load_job(runtime, job_id)).attempts == attempt
        clock.advance(1)

    await worker.run_once()
    job = await load_job(runtime, job_id)
    assert job.status == JobStatus.DEAD
    assert job.attempts == 3
    assert job.finished_at == clock.now
    assert job.last_error == "ValueError: broken on purpose #7"

    # Dead is final.
    clock.advance(24 * 3600)
    await worker.run_once()
    assert (await load_job(runtime, job_id)).attempts == 3

    # Each attempt ran in its own transaction, rolled back with the failure.
    async with runtime.db.engine.connect() as conn:
        leaked = (
            await conn.execute(
                select(func.count()).where(Event.type == "test.must_not_persist")  # type: ignore[arg-type]
            )
        ).scalar_one()
    assert leaked == 0


async def test_default_policy_backs_off_exponentially(runtime, clock):
    job_id = await enqueue_one(runtime, FAIL_DEFAULT_POLICY, {})
    worker = Worker(runtime, name="default-policy-worker")

    await worker.run_once()
    job = await load_job(runtime, job_id)
    assert job.status == JobStatus.QUEUED
    assert timedelta(seconds=8) <= job.run_at - clock.now <= timedelta(seconds=12)

    clock.now = job.run_at
    await worker.run_until_idle()  # the periodic jobs due first may take the first cycle
    job = await load_job(runtime, job_id)
    assert job.status == JobStatus.DEAD
    assert job.attempts == 2
    assert job.last_error == "RuntimeError: still broken"


def test_exponential_backoff_doubles_with_jitter_and_a_cap():
    for attempts in range(1, 16):
        base = min(10 * 2 ** (attempts - 1), 3600)
        delays = [exponential_backoff(attempts).total_seconds() for _ in range(50)]
        assert all(0.8 * base <= d <= 1.2 * base for d in delays), (attempts, delays)
        assert len(set(delays)) > 1  # jittered


async def test_job_of_unknown_kind_is_dead_at_once(runtime, clock):
    job_id = await enqueue_one(runtime, "test.platform.no_such_kind", {})
    await Worker(runtime, name="unknown-kind-worker").run_once()
    job = await load_job(runtime, job_id)
    assert job.status == JobStatus.DEAD
    assert job.attempts == 1
    assert job.last_error is not None
    assert "no handler registered" in job.last_error


async def test_job_enqueued_in_a_rolled_back_transaction_never_runs(runtime):
    class Abort(Exception):
        pass

    async def enqueue_then_fail() -> None:
        async with runtime.db.unit_of_work(write=True) as session:
            enqueue(session, RECORD, {"n": -1})
            await session.flush()
            raise Abort

    with pytest.raises(Abort):
        await enqueue_then_fail()
    assert await jobs_of(runtime, RECORD) == []


async def test_periodic_slot_taken_once_per_interval(backend, runtime, clock, tick_every_minute):
    runtimes = [Runtime.build(make_settings(backend.url, backend.data_dir)) for _ in range(3)]

    async def take(rt: Runtime) -> list[str]:
        async with rt.db.unit_of_work(write=True) as session:
            return [job.name for job in await take_due_schedules(session)]

    try:
        # (seconds to advance, ticks expected): due at once, then every 60 s, and a long
        # pause gives one tick, not a burst of missed ones.
        for step, expected in ((0, 1), (30, 0), (30, 1), (59, 0), (1, 1), (600, 1), (0, 0)):
            clock.advance(step)
            taken = await asyncio.gather(*(take(rt) for rt in runtimes))
            assert sum(names.count(TICK) for names in taken) == expected, (step, taken)
    finally:
        for rt in runtimes:
            await rt.db.dispose()

    ticks = await jobs_of(runtime, TICK)
    assert len(ticks) == 4
    assert {j.status for j in ticks} == {JobStatus.QUEUED}
