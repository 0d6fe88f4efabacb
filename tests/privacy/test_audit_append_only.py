"""The audit log is append-only: the database itself refuses to change or remove an entry."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from app.models.base import table_of
from app.models.identity import AuditEvent
from app.platform.audit import record_audit
from app.platform.maintenance import purge
from app.platform.runtime import Runtime

_audit = table_of(AuditEvent)
APP = Path(__file__).resolve().parents[2] / "app"


async def _entry(runtime: Runtime) -> uuid.UUID:
    async with runtime.db.unit_of_work(write=True) as session:
        entry = record_audit(session, "test.appended", object_type="thing", object_id="1")
        await session.flush()
        return entry.id


async def _actions(runtime: Runtime, entry_id: uuid.UUID) -> list[str]:
    async with runtime.db.engine.connect() as conn:
        rows = await conn.execute(select(_audit.c.action).where(_audit.c.id == entry_id))
        return [r.action for r in rows]


@pytest.mark.parametrize(
    "change",
    [
        lambda i: update(_audit).where(_audit.c.id == i).values(action="test.rewritten"),
        lambda i: update(_audit).values(details={}),
        lambda i: delete(_audit).where(_audit.c.id == i),
        lambda i: delete(_audit),
    ],
    ids=["update-one", "update-all", "delete-one", "delete-all"],
)
async def test_the_database_refuses_change(runtime: Runtime, change) -> None:
    entry_id = await _entry(runtime)
    with pytest.raises(DBAPIError, match="append-only"):
        async with runtime.db.engine.begin() as conn:
            await conn.execute(change(entry_id))
    assert await _actions(runtime, entry_id) == ["test.appended"]


async def test_inserting_still_works_and_the_purge_job_keeps_entries(runtime: Runtime) -> None:
    first, second = await _entry(runtime), await _entry(runtime)
    async with runtime.db.unit_of_work(write=True) as session:
        await purge(session, {})
    async with runtime.db.engine.connect() as conn:
        count = (
            await conn.execute(
                select(func.count()).select_from(_audit).where(_audit.c.id.in_([first, second]))
            )
        ).scalar_one()
    assert count == 2


def test_no_code_path_updates_or_deletes_audit_entries() -> None:
    """The service has no way to change an entry: no UPDATE or DELETE names the table."""
    pattern = re.compile(
        r"(update|delete)\(\s*(AuditEvent|table_of\(AuditEvent\)|_audit\b)"
        r"|(UPDATE|DELETE FROM)\s+\"?audit_events",
    )
    offenders = [
        str(path.relative_to(APP.parent))
        for path in APP.rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
