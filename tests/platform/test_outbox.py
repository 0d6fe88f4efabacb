"""The event outbox: a change and its event commit together, or neither does."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.models import Event, User


async def all_events(runtime) -> list[Event]:
    async with runtime.db.session(write=False) as session:
        return list((await session.execute(select(Event))).scalars())


async def test_creating_a_user_writes_one_user_created_event(client, admin, runtime):
    response = await client.post(
        "/api/v1/users",
        headers={**admin.headers, "X-Request-ID": "outbox-req-1"},
        json={"email": "ivy@example.com", "full_name": "Ivy Outbox", "role": "interviewer"},
    )
    assert response.status_code == 201, response.text
    user_id = response.json()["id"]

    events = await all_events(runtime)
    assert len(events) == 1
    event = events[0]
    assert event.type == "user.created"
    assert (event.subject_type, event.subject_id) == ("user", user_id)
    assert event.payload["email"] == "ivy@example.com"
    assert event.payload["role"] == "interviewer"
    assert event.actor_user_id == admin.id
    assert event.request_id == "outbox-req-1"


async def test_failed_request_writes_neither_change_nor_event(client, admin, runtime):
    response = await client.post(
        "/api/v1/_test/users-then-fail",
        headers=admin.headers,
        json={"email": "jo@example.com", "full_name": "Jo Rollback", "role": "recruiter"},
    )
    assert response.status_code == 409, response.text
    assert await all_events(runtime) == []
    async with runtime.db.engine.connect() as conn:
        found = (
            await conn.execute(select(User.id).where(User.email == "jo@example.com"))  # type: ignore[call-overload]
        ).all()
    assert found == []


async def test_events_are_written_only_for_changes(client, admin, make_user, runtime):
    user = await make_user()
    etag = (await client.get(f"/api/v1/users/{user.id}", headers=admin.headers)).headers["etag"]
    same = await client.patch(
        f"/api/v1/users/{user.id}",
        headers={**admin.headers, "If-Match": etag},
        json={"full_name": user.user.full_name},
    )
    assert same.status_code == 200
    assert await all_events(runtime) == []
    changed = await client.patch(
        f"/api/v1/users/{user.id}",
        headers={**admin.headers, "If-Match": same.headers["etag"]},
        json={"full_name": "Someone Else"},
    )
    assert changed.status_code == 200
    events = await all_events(runtime)
    assert [(e.type, uuid.UUID(e.subject_id)) for e in events] == [("user.updated", user.id)]
    assert events[0].payload["changes"]["full_name"]["to"] == "Someone Else"
