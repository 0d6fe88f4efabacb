"""Readiness: is the database reachable and migrated to the code's head revision? And how
many workers beat recently (reported, not required: see `check_readiness`)."""

from __future__ import annotations

import asyncio
import hmac
from dataclasses import dataclass

from app.core.config import Settings
from app.core.db import Database
from app.core.errors import NotFound, Unauthorized
from app.core.migrations import current_revisions, head_revisions
from app.platform.heartbeats import WorkersSeen, workers_seen

READINESS_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    database: str
    migrations: str
    workers: WorkersSeen | None = None


async def check_readiness(db: Database, heartbeat_seconds: float) -> Readiness:
    """Probe the database within a few seconds; never raises.

    Workers are reported but do not decide readiness: readiness routes traffic to this API
    process, which serves requests whether or not a worker runs; alert on `workers.alive`."""
    try:
        current = await asyncio.wait_for(current_revisions(db.engine), READINESS_TIMEOUT_SECONDS)
    except Exception:
        return Readiness(False, "unreachable", "unknown")
    heads = head_revisions()
    if current != heads:
        return Readiness(False, "ok", f"at {sorted(current) or 'none'}, head is {sorted(heads)}")
    try:
        workers = await asyncio.wait_for(
            workers_seen(db, heartbeat_seconds), READINESS_TIMEOUT_SECONDS
        )
    except Exception:
        return Readiness(False, "unreachable", "at head")
    return Readiness(True, "ok", "at head", workers)


def ensure_metrics_access(settings: Settings, authorization: str | None) -> None:
    """`/metrics` needs `Bearer <TANDEM_METRICS_TOKEN>` when that is set; without it the
    metrics are open in development and not served at all in production."""
    token = settings.metrics_token
    if token is None:
        if settings.is_production:
            raise NotFound("Metrics are served only with TANDEM_METRICS_TOKEN set.")
        return
    scheme, _, presented = (authorization or "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(presented.strip().encode(), expected):
        raise Unauthorized("Send Authorization: Bearer with the metrics token.")
