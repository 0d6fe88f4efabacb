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


async def relay_and_fan_out(runtime: Runtime) -> None:
    """Run the relay job once: number committed events and create their deliveries."""
    from app.services.events.relay import relay_job

    async with runtime.db.unit_of_work(write=True) as session:
        await relay_job(session, {})


async def subscribe(
    client: httpx.AsyncClient, headers: dict[str, str], url: str, *types: str
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/webhooks",
        headers=headers,
        json={"url": url, "event_types": list(types) or ["*"], "description": "test"},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body
