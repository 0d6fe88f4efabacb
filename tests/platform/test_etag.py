"""Strong ETags and If-Match on PATCH /api/v1/users/{user_id}: 428 without, 412 when stale,
and neither writes anything."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from sqlalchemy import select

from app.models import Event
from tests.support.harness import Actor

STRONG_ETAG = re.compile(r'^"[^"]+"$')


async def read(client: httpx.AsyncClient, admin: Actor, user_id: uuid.UUID) -> httpx.Response:
    response = await client.get(f"/api/v1/users/{user_id}", headers=admin.headers)
    assert response.status_code == 200, response.text
    return response


async def event_types(runtime) -> list[str]:
    async with runtime.db.engine.connect() as conn:
        return list((await conn.execute(select(Event.type))).scalars())  # type: ignore[call-overload]


async def test_get_returns_a_strong_etag(client, admin, make_user):
    user = await make_user()
    response = await read(client, admin, user.id)
    etag = response.headers["etag"]
    assert STRONG_ETAG.match(etag), etag
    assert (await read(client, admin, user.id)).headers["etag"] == etag


async def test_patch_without_if_match_is_428_and_writes_nothing(client, admin, make_user, runtime):
    user = await make_user(full_name="Original Name")
    before = await read(client, admin, user.id)
    response = await client.patch(
        f"/api/v1/users/{user.id}", headers=admin.headers, json={"full_name": "Sneaky"}
    )
    assert response.status_code == 428, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/precondition-required"
    after = await read(client, admin, user.id)
    assert after.json() == before.json()
    assert after.headers["etag"] == before.headers["etag"]
    assert await event_types(runtime) == []


@pytest.mark.parametrize("if_match", ["", " ", ", ,"])
async def test_an_empty_if_match_is_answered_like_a_missing_one(
    client, admin, make_user, runtime, if_match
):
    user = await make_user(full_name="Original Name")
    response = await client.patch(
        f"/api/v1/users/{user.id}",
        headers={**admin.headers, "If-Match": if_match},
        json={"full_name": "Sneaky"},
    )
    assert response.status_code == 428, response.text
    assert (await read(client, admin, user.id)).json()["full_name"] == "Original Name"
    assert await event_types(runtime) == []


async def test_patch_with_stale_etag_is_412_and_writes_nothing(client, admin, make_user, runtime):
    user = await make_user(full_name="Original Name")
    stale = (await read(client, admin, user.id)).headers["etag"]
    first = await client.patch(
        f"/api/v1/users/{user.id}",
        headers={**admin.headers, "If-Match": stale},
        json={"full_name": "First Writer"},
    )
    assert first.status_code == 200, first.text
    current = await read(client, admin, user.id)

    for if_match in (stale, f"W/{current.headers['etag']}", '"no-such-version"'):
        response = await client.patch(
            f"/api/v1/users/{user.id}",
            headers={**admin.headers, "If-Match": if_match},
            json={"full_name": "Second Writer"},
        )
        assert response.status_code == 412, (if_match, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["type"] == "/problems/precondition-failed"
        assert body["current_etag"] == current.headers["etag"]

    after = await read(client, admin, user.id)
    assert after.json() == current.json()
    assert after.json()["full_name"] == "First Writer"
    assert after.headers["etag"] == current.headers["etag"]
    assert await event_types(runtime) == ["user.updated"]


async def test_patch_with_current_etag_succeeds_and_changes_the_etag(client, admin, make_user):
    user = await make_user(full_name="Original Name")
    before = await read(client, admin, user.id)
    response = await client.patch(
        f"/api/v1/users/{user.id}",
        headers={**admin.headers, "If-Match": before.headers["etag"]},
        json={"full_name": "Renamed", "time_zone": "Europe/Amsterdam"},
    )
    assert response.status_code == 200, response.text
    new_etag = response.headers["etag"]
    assert STRONG_ETAG.match(new_etag)
    assert new_etag != before.headers["etag"]
    body = response.json()
    assert body["full_name"] == "Renamed"
    assert body["time_zone"] == "Europe/Amsterdam"
    assert body["role"] == before.json()["role"]  # partial update: the rest is unchanged
    after = await read(client, admin, user.id)
    assert after.headers["etag"] == new_etag
    assert after.json()["full_name"] == "Renamed"


async def test_if_match_star_and_lists(client, admin, make_user):
    user = await make_user()
    etag = (await read(client, admin, user.id)).headers["etag"]
    star = await client.patch(
        f"/api/v1/users/{user.id}",
        headers={**admin.headers, "If-Match": "*"},
        json={"full_name": "Star Match"},
    )
    assert star.status_code == 200, star.text
    assert star.headers["etag"] != etag
    listed = await client.patch(
        f"/api/v1/users/{user.id}",
        headers={**admin.headers, "If-Match": f'"bogus", {star.headers["etag"]}'},
        json={"full_name": "List Match"},
    )
    assert listed.status_code == 200, listed.text
    assert (await read(client, admin, user.id)).json()["full_name"] == "List Match"
