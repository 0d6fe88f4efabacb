"""Read audits lose nothing: a failed write keeps its batch and the next flush writes it."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from app.core.db import Database
from app.core.metrics import Metrics
from app.models.base import table_of
from app.models.identity import AuditEvent
from app.platform.audit import ReadAudit
from app.platform.runtime import Runtime
from tests.support.harness import Backend, make_settings
from tests.support.proxy import CuttableProxy

_audit = table_of(AuditEvent).c


async def _count(runtime: Runtime, object_id: str) -> int:
    async with runtime.db.engine.connect() as conn:
        result = await conn.execute(
            select(func.count())
            .select_from(table_of(AuditEvent))
            .where(_audit.object_id == object_id)
        )
        return int(result.scalar_one())


async def test_entries_survive_a_database_outage(
    backend: Backend, runtime: Runtime, tmp_path: Path
) -> None:
    object_id = str(uuid.uuid4())
    if backend.name == "postgresql":
        # The audit writes through a proxy that is cut: the database is gone for this writer.
        url = make_url(backend.url)
        proxy = CuttableProxy(url.host or "127.0.0.1", url.port or 5432)
        await proxy.start()
        db = Database(make_settings(url.set(port=proxy.port).render_as_string(False), tmp_path))
        await db.connect()
    else:
        proxy = None
        db = runtime.db
    audit = ReadAudit(db, Metrics())
    try:
        audit.record("candidate.read", "candidate", object_id)
        await audit.flush()  # the database is there: written
        assert await _count(runtime, object_id) == 1

        audit.record("candidate.read", "candidate", object_id)
        audit.record("candidates.listed", "candidate", object_id, count=3)
        if proxy is not None:
            await proxy.cut()
        else:
            async with runtime.db.engine.begin() as conn:
                await conn.execute(text("ALTER TABLE audit_events RENAME TO audit_events_away"))
        try:
            with pytest.raises(Exception):  # noqa: B017, PT011 - any database failure
                await audit.flush()
            assert audit.pending == 2
        finally:
            if proxy is not None:
                await proxy.restore()
            else:
                async with runtime.db.engine.begin() as conn:
                    await conn.execute(text("ALTER TABLE audit_events_away RENAME TO audit_events"))

        audit.record("candidate.read", "candidate", object_id)
        assert await audit.flush() == 3
        assert audit.pending == 0
        assert await _count(runtime, object_id) == 4
        assert await audit.flush() == 0  # nothing written twice
        assert await _count(runtime, object_id) == 4
    finally:
        if proxy is not None:
            await db.dispose()
            await proxy.cut()


async def test_a_full_queue_drops_and_counts(runtime: Runtime) -> None:
    metrics = Metrics()
    audit = ReadAudit(runtime.db, metrics, max_pending=2)
    for _ in range(5):
        audit.record("candidate.read", "candidate", "c")
    assert audit.pending == 2
    assert metrics.read_audit_dropped._value.get() == 3
    assert await audit.flush() == 2
