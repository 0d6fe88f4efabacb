"""Shared test helpers: candidates."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from app.models.base import table_of
from app.models.candidates import Candidate
from app.models.platform import Event
from app.platform.runtime import Runtime
from tests.support.harness import Actor
from tests.support.intakes import act

CANDIDATES = "/api/v1/candidates"


UPSERT = f"{CANDIDATES}/by-external-id"


async def new_candidate(
    client: httpx.AsyncClient, actor: Actor, full_name: str = "Sam Okafor", **fields: Any
) -> dict[str, Any]:
    """Create a candidate (201 expected) and return it as read."""
    response = await act(client, actor, "POST", CANDIDATES, json={"full_name": full_name, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def subject_events(runtime: Runtime, subject_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(type, payload) of every event about one object, oldest first."""
    events = table_of(Event).c
    async with runtime.db.unit_of_work(write=False) as session:
        rows = await session.execute(
            select(events.type, events.payload)
            .where(events.subject_id == subject_id)
            .order_by(events.id)
        )
        return [(row.type, dict(row.payload)) for row in rows]


async def count_candidates(runtime: Runtime) -> int:
    async with runtime.db.engine.connect() as conn:
        query = select(func.count()).select_from(table_of(Candidate))
        return int((await conn.execute(query)).scalar_one())
