"""The change feed: commit order, a cursor that never skips, filters, scopes and roles."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.roles import Role
from app.models import Event
from app.models.base import table_of
from app.schemas.event_data import UserData, UserUpdatedData
from tests.support.events import read_feed, relay

_event = table_of(Event).c


async def _create_user(client, admin, email: str) -> str:
    response = await client.post(
        "/api/v1/users",
        headers=admin.headers,
        json={"email": email, "full_name": "Feed Person", "role": "interviewer"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_feed_serves_committed_events_in_order_and_polls_on(client, admin, runtime):
    first = await _create_user(client, admin, "one@example.com")
    second = await _create_user(client, admin, "two@example.com")
    empty = await read_feed(client, admin.headers)
    assert empty["data"] == []  # not numbered yet: the relay has not run
    assert await relay(runtime) == 2

    page = await read_feed(client, admin.headers, limit=1)
    assert [e["subject"]["id"] for e in page["data"]] == [first]
    assert page["has_more"] is True
    event = page["data"][0]
    assert event["type"] == "user.created"
    assert event["version"] == 1
    assert event["actor"] == {"user_id": str(admin.id), "api_client_id": None}
    UserData.model_validate(event["data"])

    rest = await read_feed(client, admin.headers, after=page["next_cursor"])
    assert [e["subject"]["id"] for e in rest["data"]] == [second]
    assert rest["has_more"] is False
    assert rest["data"][0]["sequence"] > event["sequence"]
    # `Link: rel="next"` only while more pages follow, with the cursor as `after`.
    linked = await client.get("/api/v1/events", headers=admin.headers, params={"limit": 1})
    assert f"after={page['next_cursor']}" in linked.headers["link"]
    assert 'rel="next"' in linked.headers["link"]
    last = await client.get(
        "/api/v1/events", headers=admin.headers, params={"after": page["next_cursor"]}
    )
    assert "link" not in last.headers

    # The last page's cursor is where to poll from.
    third = await _create_user(client, admin, "three@example.com")
    await relay(runtime)
    polled = await read_feed(client, admin.headers, after=rest["next_cursor"])
    assert [e["subject"]["id"] for e in polled["data"]] == [third]


async def test_types_filter_takes_exact_types_and_wildcards(client, admin, runtime):
    user_id = await _create_user(client, admin, "filter@example.com")
    etag = (await client.get(f"/api/v1/users/{user_id}", headers=admin.headers)).headers["etag"]
    changed = await client.patch(
        f"/api/v1/users/{user_id}",
        headers={**admin.headers, "If-Match": etag},
        json={"full_name": "Renamed Person"},
    )
    assert changed.status_code == 200
    await relay(runtime)
    updated = await read_feed(client, admin.headers, types="user.updated")
    assert [e["type"] for e in updated["data"]] == ["user.updated"]
    UserUpdatedData.model_validate(updated["data"][0]["data"])
    both = await read_feed(client, admin.headers, types="user.*")
    assert [e["type"] for e in both["data"]] == ["user.created", "user.updated"]
    none = await read_feed(client, admin.headers, types=["evaluation.*", "intake.created"])
    assert none["data"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"types": "user.nonsense"},
        {"types": "no-dots"},
        {"types": "bogus.*"},
        {"after": "not-a-cursor"},
        {"limit": "0"},
        {"limit": "201"},
    ],
)
async def test_bad_feed_queries_are_422(client, admin, params):
    response = await client.get("/api/v1/events", headers=admin.headers, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("role", [Role.RECRUITER, Role.HIRING_MANAGER, Role.INTERVIEWER])
async def test_only_admins_read_the_feed(client, actors, role):
    response = await client.get("/api/v1/events", headers=actors[role].headers)
    assert response.status_code == 403


async def test_api_keys_need_events_read_and_get_personal_fields_by_scope(
    client, admin, runtime, make_api_key
):
    await _create_user(client, admin, "pii@example.com")
    await relay(runtime)
    without = await make_api_key("users:write")
    assert (await client.get("/api/v1/events", headers=without.headers())).status_code == 403

    feed_only = await make_api_key("events:read")
    data = (await read_feed(client, feed_only.headers()))["data"][0]["data"]
    assert "email" not in data
    assert "full_name" not in data
    assert data["role"] == "interviewer"

    with_users = await make_api_key("events:read", "users:read")
    data = (await read_feed(client, with_users.headers()))["data"][0]["data"]
    assert data["email"] == "pii@example.com"


async def test_cursor_never_skips_a_transaction_that_commits_late(backend, client, admin, runtime):
    """Transaction A writes its event first (lower id, earlier time) but commits after B.
    A reader that has already read B must still get A."""
    if backend.name != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time: there is nothing to interleave")
    from app.platform.events import record_event

    late = runtime.db.session(write=True)
    async with late.begin():
        slow = record_event(late, "organisation.updated", ("organisation", "slow"), {})
        await late.flush()
        async with runtime.db.unit_of_work(write=True) as quick_session:
            quick = record_event(quick_session, "organisation.updated", ("organisation", "q"), {})
        assert slow.id < quick.id
        assert slow.occurred_at <= quick.occurred_at
        # The relay runs while A is still open: only B is numbered.
        assert await relay(runtime) == 1
        seen = await read_feed(client, admin.headers)
        assert [e["id"] for e in seen["data"]] == [str(quick.id)]
    await late.close()
    # A has committed now: the next relay numbers it after B, and the cursor returns it.
    assert await relay(runtime) == 1
    after = await read_feed(client, admin.headers, after=seen["next_cursor"])
    assert [e["id"] for e in after["data"]] == [str(slow.id)]
    # Paging by id instead would have passed A for good.
    async with runtime.db.unit_of_work(write=False) as session:
        by_id = (await session.execute(select(_event.id).where(_event.id > quick.id))).all()
    assert by_id == []


async def test_concurrent_relays_number_each_event_once(backend, runtime, client, admin):
    import asyncio

    for i in range(20):
        await _create_user(client, admin, f"many{i}@example.com")
    counts = await asyncio.gather(*(relay(runtime) for _ in range(4)))
    assert sum(counts) == 20
    async with runtime.db.unit_of_work(write=False) as session:
        seqs = sorted((await session.execute(select(_event.seq))).scalars())
    assert seqs == list(range(1, 21))
