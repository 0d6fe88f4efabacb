"""Worker heartbeats: each running worker refreshes its row every few seconds, so `/readyz`
can say how many workers are alive wherever they run, and an optional file beside the
worker lets a container probe it without a database call."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.db import Database
from app.models.base import table_of
from app.models.platform import WorkerHeartbeat

_beat = table_of(WorkerHeartbeat).c

# A worker is alive while its last beat is younger than this many intervals: one missed
# beat (a slow database, a long pause) is not yet a death.
ALIVE_INTERVALS = 3
# Rows of workers that vanished without saying goodbye are dropped after a day.
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class WorkersSeen:
    alive: int
    last_heartbeat_at: datetime | None


async def beat(
    session: AsyncSession,
    *,
    worker: str,
    hostname: str,
    pid: int,
    started_at: datetime,
    jobs_run: int,
) -> None:
    """Record that `worker` is alive now (and forget workers long gone)."""
    now = utcnow()
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(WorkerHeartbeat)
        .values(
            worker=worker,
            hostname=hostname,
            pid=pid,
            started_at=started_at,
            beat_at=now,
            jobs_run=jobs_run,
        )
        .on_conflict_do_update(
            index_elements=["worker"], set_={"beat_at": now, "jobs_run": jobs_run}
        )
    )
    await session.execute(delete(WorkerHeartbeat).where(_beat.beat_at < now - FORGET_AFTER))


async def forget(session: AsyncSession, worker: str) -> None:
    """A worker that stops cleanly removes its row at once."""
    await session.execute(delete(WorkerHeartbeat).where(_beat.worker == worker))


async def workers_seen(db: Database, interval_seconds: float) -> WorkersSeen:
    """How many workers beat recently, and when the last beat was."""
    since = utcnow() - timedelta(seconds=interval_seconds * ALIVE_INTERVALS)
    async with db.engine.connect() as conn:
        row = (
            await conn.execute(
                select(
                    func.count().filter(_beat.beat_at >= since),
                    func.max(_beat.beat_at),
                )
            )
        ).one()
    last = row[1]
    if isinstance(last, str):  # SQLite's aggregate loses the column type
        last = datetime.fromisoformat(last)
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return WorkersSeen(alive=int(row[0] or 0), last_heartbeat_at=last)


def touch(path: Path) -> None:
    """Refresh the heartbeat file (created if missing)."""
    path.touch(exist_ok=True)
    os.utime(path)


def file_is_fresh(path: Path, max_age_seconds: float) -> bool:
    """Whether the heartbeat file exists and was touched within `max_age_seconds`."""
    try:
        age = time.time() - path.stat().st_mtime
    except OSError:
        return False
    return age <= max_age_seconds
