"""Refresh-token rotation with reuse detection, and logout."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.core.roles import Role
from app.models.base import table_of
from app.models.identity import RefreshToken
from tests.support.harness import TEST_PASSWORD, MakeUser

ME = "/api/v1/me"
REFRESH = "/api/v1/auth/refresh"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def sign_in(client: httpx.AsyncClient, email: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/token", data={"username": email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200, response.text
    pair: dict[str, Any] = response.json()
    return pair


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(REFRESH, json={"refresh_token": token})


@pytest.fixture
async def email(make_user: MakeUser) -> str:
    await make_user(Role.RECRUITER, email="rosa.recruiter@example.com")
    return "rosa.recruiter@example.com"


async def test_refresh_returns_a_new_pair_and_the_old_refresh_token_stops_working(client, email):
    first = await sign_in(client, email)
    response = await refresh(client, first["refresh_token"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    second = response.json()
    assert second["token_type"] == "bearer"
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert (await client.get(ME, headers=bearer(second["access_token"]))).status_code == 200

    again = await refresh(client, first["refresh_token"])
    assert again.status_code == 401, again.text
    assert again.headers["content-type"].startswith("application/problem+json")


async def test_reusing_a_rotated_refresh_token_ends_the_whole_session(client, runtime, email):
    first = await sign_in(client, email)
    other_session = await sign_in(client, email)
    second = (await refresh(client, first["refresh_token"])).json()
    third = (await refresh(client, second["refresh_token"])).json()
    # Access tokens of this session are in use (and cached) before the theft is noticed.
    for token in (first["access_token"], third["access_token"]):
        assert (await client.get(ME, headers=bearer(token))).status_code == 200

    # The thief (or the victim) presents an already-rotated token: the family is revoked.
    assert (await refresh(client, second["refresh_token"])).status_code == 401

    # The newest refresh token of the family no longer works ...
    assert (await refresh(client, third["refresh_token"])).status_code == 401
    # ... nor do the access tokens of that session, at once.
    for token in (first["access_token"], second["access_token"], third["access_token"]):
        assert (await client.get(ME, headers=bearer(token))).status_code == 401
    # Another sign-in of the same person is a different family and keeps working.
    assert (await client.get(ME, headers=bearer(other_session["access_token"]))).status_code == 200
    assert (await refresh(client, other_session["refresh_token"])).status_code == 200


async def test_logout_ends_the_access_and_the_refresh_token(client, email):
    pair = await sign_in(client, email)
    headers = bearer(pair["access_token"])
    assert (await client.get(ME, headers=headers)).status_code == 200  # now cached
    response = await client.post("/api/v1/auth/logout", headers=headers)
    assert response.status_code == 204, response.text
    assert (await client.get(ME, headers=headers)).status_code == 401
    assert (await refresh(client, pair["refresh_token"])).status_code == 401
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 401


@pytest.mark.parametrize(
    "body",
    [{"refresh_token": "garbage"}, {"refresh_token": ""}, {}, {"refresh_token": "x", "extra": 1}],
)
async def test_refresh_with_nonsense_is_a_4xx_not_a_500(client, body):
    response = await client.post(REFRESH, json=body)
    assert response.status_code in (401, 422), response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_refresh_fails_once_the_user_is_deactivated(client, admin, email):
    pair = await sign_in(client, email)
    user_id = (await client.get(ME, headers=bearer(pair["access_token"]))).json()["id"]
    response = await client.post(f"/api/v1/users/{user_id}/deactivate", headers=admin.headers)
    assert response.status_code == 200, response.text
    assert (await refresh(client, pair["refresh_token"])).status_code == 401


async def test_refresh_tokens_are_stored_only_as_a_hash(client, runtime, email):
    pair = await sign_in(client, email)
    async with runtime.db.engine.connect() as conn:
        rows = (await conn.execute(select(table_of(RefreshToken)))).mappings().all()
    [row] = rows
    assert row["token_hash"] == hashlib.sha256(pair["refresh_token"].encode()).hexdigest()
    for value in row.values():
        assert pair["refresh_token"] not in str(value)
