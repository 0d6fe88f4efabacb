"""On PostgreSQL a worker LISTENs for commits that recorded events and relays them at once,
long before its next poll."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy import select

from app.models import Event
from app.models.base import table_of
from app.platform.events import record_event
from app.platform.runtime import Runtime
from app.worker import Worker
from tests.support.harness import make_settings

_event = table_of(Event).c


async def test_a_commit_wakes_the_worker(backend, runtime):
    if backend.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    worker_runtime = Runtime.build(
        make_settings(backend.url, backend.data_dir, worker_poll_seconds=60)
    )
    worker = Worker(worker_runtime, name="listening-worker")
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        for _ in range(100):  # wait until it listens (and its first cycles are done)
            if worker.listening:
                break
            await asyncio.sleep(0.1)
        assert worker.listening
        await asyncio.sleep(1)
        async with runtime.db.unit_of_work(write=True) as session:
            event = record_event(session, "organisation.updated", ("organisation", "x"), {})
        numbered = None
        for _ in range(100):  # well under the 60 s poll
            async with runtime.db.unit_of_work(write=False) as session:
                numbered = (
                    await session.execute(select(_event.seq).where(_event.id == event.id))
                ).scalar_one()
            if numbered is not None:
                break
            await asyncio.sleep(0.1)
        assert numbered is not None, "the commit did not wake the worker"
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=30)
        await worker_runtime.db.dispose()
