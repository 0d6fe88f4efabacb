"""Shared test helpers: intakes."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from app.models.base import table_of
from app.models.platform import Event
from app.platform.runtime import Runtime
from tests.support.harness import Actor

BASE = "/api/v1/intakes"


def intake_body(recruiter: Actor | None, manager: Actor, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Senior Backend Engineer",
        "department": "Payments",
        "location": "Amsterdam",
        "remote_policy": "hybrid",
        "level": "Senior",
        "headcount": 2,
        "salary_min": 80000,
        "salary_max": 100000,
        "currency": "eur",
        "soc_code": "15-1252",
        "must_haves": [{"item": "Production Python", "why": "Three Python services"}],
        "nice_to_haves": [{"item": "PostgreSQL tuning"}],
        "hiring_manager_id": str(manager.id),
        "shortlist_due_date": "2027-01-15",
        "target_fill_date": "2027-03-01",
    }
    if recruiter is not None:
        body["recruiter_id"] = str(recruiter.id)
    body.update(extra)
    return body


async def act(
    client: httpx.AsyncClient, actor: Actor, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    headers = {**actor.headers, **kwargs.pop("headers", {})}
    return await client.request(method, path, headers=headers, **kwargs)


async def events_of(runtime: Runtime, intake_id: str) -> list[str]:
    events = table_of(Event).c
    async with runtime.db.unit_of_work(write=False) as session:
        rows = await session.execute(
            select(events.type).where(events.subject_id == intake_id).order_by(events.id)
        )
        return list(rows.scalars())


async def agreed_intake(client, recruiter: Actor, manager: Actor) -> str:
    created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
    url = f"{BASE}/{created.json()['id']}"
    await act(client, recruiter, "POST", f"{url}/submit-for-review")
    await act(client, recruiter, "POST", f"{url}/sign-off", json={"revision": 1})
    response = await act(client, manager, "POST", f"{url}/sign-off", json={"revision": 1})
    assert response.json()["status"] == "agreed", response.text
    return url
