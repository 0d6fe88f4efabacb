"""Helpers for event tests: run the relay, read the feed."""

from __future__ import annotations

from typing import Any

import httpx

from app.platform.runtime import Runtime
from app.services.events.relay import sequence_events


async def relay(runtime: Runtime) -> int:
    """Number what has committed (as the periodic relay job does); how many were numbered."""
    async with runtime.db.unit_of_work(write=True) as session:
        return len(await sequence_events(session))


async def read_feed(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    response = await client.get("/api/v1/events", headers=headers, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
