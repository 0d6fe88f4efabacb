"""Idempotency-Key on POST: replay, reuse with another body, concurrent duplicates, release
after failure, and keys scoped to the principal."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from app.core.roles import Role
from app.models import Event, IdempotencyKey, User


def new_user(email: str) -> dict[str, str]:
    return {"email": email, "full_name": "Idem Potent", "role": "recruiter"}


async def emails(runtime) -> list[str]:
    async with runtime.db.engine.connect() as conn:
        return list((await conn.execute(select(User.email))).scalars())  # type: ignore[call-overload]


async def count(runtime, model) -> int:
    async with runtime.db.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())


async def test_same_key_same_body_replays(client, admin, runtime):
    headers = {**admin.headers, "Idempotency-Key": "create-ana-1"}
    first = await client.post("/api/v1/users", headers=headers, json=new_user("ana@example.com"))
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers

    second = await client.post("/api/v1/users", headers=headers, json=new_user("ana@example.com"))
    assert second.status_code == 201, second.text
    assert second.headers["idempotent-replayed"] == "true"
    assert second.content == first.content
    for header in ("content-type", "location", "etag"):
        assert second.headers[header] == first.headers[header]

    assert (await emails(runtime)).count("ana@example.com") == 1
    async with runtime.db.engine.connect() as conn:
        created = (
            await conn.execute(select(func.count()).where(Event.type == "user.created"))  # type: ignore[arg-type]
        ).scalar_one()
    assert created == 1


async def test_same_key_other_body_is_422_and_writes_nothing(client, admin, runtime):
    headers = {**admin.headers, "Idempotency-Key": "create-bo-1"}
    first = await client.post("/api/v1/users", headers=headers, json=new_user("bo@example.com"))
    assert first.status_code == 201, first.text
    users_before = await count(runtime, User)
    events_before = await count(runtime, Event)

    other = await client.post("/api/v1/users", headers=headers, json=new_user("cy@example.com"))
    assert other.status_code == 422, other.text
    assert other.headers["content-type"].startswith("application/problem+json")
    body = other.json()
    assert body["type"] == "/problems/idempotency-key-reused"
    assert body["errors"][0]["location"] == "header.Idempotency-Key"
    assert "idempotent-replayed" not in other.headers
    assert "cy@example.com" not in await emails(runtime)
    assert await count(runtime, User) == users_before
    assert await count(runtime, Event) == events_before

    # The original is still replayable.
    again = await client.post("/api/v1/users", headers=headers, json=new_user("bo@example.com"))
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content


async def test_concurrent_duplicates_one_runs_one_is_409(client, admin, runtime):
    headers = {**admin.headers, "Idempotency-Key": "slow-dee-1"}
    body = new_user("dee@example.com")
    responses = await asyncio.gather(
        client.post("/api/v1/_test/users-slow", headers=headers, json=body),
        client.post("/api/v1/_test/users-slow", headers=headers, json=body),
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409], [r.text for r in responses]
    winner = next(r for r in responses if r.status_code == 201)
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.headers["content-type"].startswith("application/problem+json")
    assert loser.json()["type"] == "/problems/idempotency-key-in-use"
    assert int(loser.headers["retry-after"]) >= 1
    assert (await emails(runtime)).count("dee@example.com") == 1

    # Once the first finished, a retry replays its response.
    retry = await client.post("/api/v1/_test/users-slow", headers=headers, json=body)
    assert retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.content == winner.content


async def test_failed_request_releases_its_key(client, admin, runtime):
    headers = {**admin.headers, "Idempotency-Key": "then-fail-1"}
    body = new_user("eve@example.com")
    for _attempt in range(2):
        response = await client.post("/api/v1/_test/users-then-fail", headers=headers, json=body)
        # The route itself ran again (its own conflict), not "key in use" and not a replay.
        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["type"] == "/problems/conflict"
        assert problem["detail"] == "failing on purpose after writing"
        assert "idempotent-replayed" not in response.headers
        assert await count(runtime, IdempotencyKey) == 0
    assert "eve@example.com" not in await emails(runtime)

    # The key is free for a request that succeeds.
    done = await client.post("/api/v1/users", headers=headers, json=body)
    assert done.status_code == 201, done.text


async def test_keys_are_per_principal(client, admin, make_user, runtime):
    other_admin = await make_user(Role.ADMIN)
    third_admin = await make_user(Role.ADMIN)
    key = {"Idempotency-Key": "shared-key-1"}
    first = await client.post(
        "/api/v1/users", headers={**admin.headers, **key}, json=new_user("fay@example.com")
    )
    assert first.status_code == 201, first.text

    # Same key, another body, another admin: a fresh request, not "reused".
    other = await client.post(
        "/api/v1/users", headers={**other_admin.headers, **key}, json=new_user("gus@example.com")
    )
    assert other.status_code == 201, other.text
    assert "idempotent-replayed" not in other.headers

    # Same key and body, another admin: it runs (and meets the existing e-mail address).
    third = await client.post(
        "/api/v1/users", headers={**third_admin.headers, **key}, json=new_user("fay@example.com")
    )
    assert third.status_code == 409, third.text
    assert third.json()["type"] == "/problems/conflict"
    assert "idempotent-replayed" not in third.headers

    stored = await emails(runtime)
    assert stored.count("fay@example.com") == 1
    assert stored.count("gus@example.com") == 1


async def test_without_a_key_nothing_is_stored(client, admin, runtime):
    response = await client.post(
        "/api/v1/users", headers=admin.headers, json=new_user("hal@example.com")
    )
    assert response.status_code == 201
    assert await count(runtime, IdempotencyKey) == 0
