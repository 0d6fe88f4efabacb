"""Readiness: is the database reachable and migrated to the code's head revision?"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from app.core.db import Database
from app.core.migrations import current_revisions, head_revisions

READINESS_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    database: str
    migrations: str


async def check_readiness(db: Database) -> Readiness:
    """Probe the database within a few seconds; never raises."""
    try:
        current = await asyncio.wait_for(current_revisions(db.engine), READINESS_TIMEOUT_SECONDS)
    except Exception:
        return Readiness(False, "unreachable", "unknown")
    heads = head_revisions()
    if current != heads:
        return Readiness(False, "ok", f"at {sorted(current) or 'none'}, head is {sorted(heads)}")
    return Readiness(True, "ok", "at head")
