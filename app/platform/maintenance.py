"""Housekeeping jobs: expire idempotency keys, rate-limit windows, old jobs and tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.models.base import table_of
from app.models.identity import RefreshToken
from app.models.platform import Job, JobStatus
from app.platform.idempotency import purge_expired
from app.platform.rate_limits import purge_expired_counters

_job = table_of(Job).c
_refresh_token = table_of(RefreshToken).c

FINISHED_JOB_RETENTION = timedelta(days=7)


async def purge(session: AsyncSession, _payload: dict[str, Any]) -> None:
    """Delete what has outlived its purpose."""
    now = utcnow()
    await purge_expired(session)
    await purge_expired_counters(session)
    await session.execute(
        delete(Job).where(
            _job.status == JobStatus.SUCCEEDED, _job.finished_at < now - FINISHED_JOB_RETENTION
        )
    )
    await session.execute(delete(RefreshToken).where(_refresh_token.expires_at < now))
