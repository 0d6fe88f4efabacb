"""Password sign-in: the token pair, and failures that all look and take the same."""

from __future__ import annotations

import statistics
import time

import httpx

from app.core.roles import Role
from tests.support.harness import TEST_PASSWORD, MakeUser

TOKEN_URL = "/api/v1/auth/token"


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(TOKEN_URL, data={"username": email, "password": password})


async def test_login_returns_an_access_and_a_refresh_token(client, make_user):
    user = await make_user(Role.RECRUITER, email="maria.jansen@example.com")
    response = await login(client, "maria.jansen@example.com", TEST_PASSWORD)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert body["refresh_expires_in"] == 30 * 86400
    assert body["access_token"]
    assert body["refresh_token"]
    assert body["access_token"] != body["refresh_token"]

    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200, me.text
    assert me.json()["id"] == str(user.id)


async def test_login_email_is_case_insensitive(client, make_user):
    await make_user(Role.INTERVIEWER, email="ivan@example.com")
    response = await login(client, "  Ivan@Example.COM ", TEST_PASSWORD)
    assert response.status_code == 200, response.text


def _comparable(problem: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in problem.items() if k not in ("request_id", "instance")}


async def test_every_login_failure_looks_the_same(client, make_user):
    await make_user(Role.RECRUITER, email="rita@example.com")
    await make_user(Role.RECRUITER, email="gone@example.com", active=False)
    failures = {
        "wrong password": await login(client, "rita@example.com", "not-the-password-123"),
        "unknown e-mail": await login(client, "nobody@example.com", TEST_PASSWORD),
        # The inactive user's password is right: that must not show.
        "inactive user": await login(client, "gone@example.com", TEST_PASSWORD),
    }
    bodies = {}
    for case, response in failures.items():
        assert response.status_code == 401, (case, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert "access_token" not in response.text
        bodies[case] = _comparable(response.json())
    first = bodies["wrong password"]
    assert first["type"] == "/problems/unauthorized"
    assert all(body == first for body in bodies.values()), bodies
    headers = {case: r.headers.get("www-authenticate") for case, r in failures.items()}
    assert len(set(headers.values())) == 1, headers


async def test_login_form_needs_username_and_password(client):
    response = await client.post(TOKEN_URL, data={"username": "x@example.com"})
    assert response.status_code == 422
    assert any(e["location"] == "body.password" for e in response.json()["errors"])


async def _timed_login(client: httpx.AsyncClient, email: str, password: str) -> float:
    started = time.perf_counter()
    response = await login(client, email, password)
    elapsed = time.perf_counter() - started
    # A 429 would be fast and spoil the comparison: every try must be a real check.
    assert response.status_code == 401, response.text
    return elapsed


async def test_unknown_email_is_not_answered_faster_than_a_wrong_password(
    client: httpx.AsyncClient, make_user: MakeUser
):
    await make_user(Role.RECRUITER, email="timing@example.com")
    # Warm up both paths (the dummy hash is computed on first use).
    await _timed_login(client, "timing@example.com", "wrong-password-000")
    await _timed_login(client, "ghost-0@example.com", "wrong-password-000")
    wrong, unknown = [], []
    for i in range(3):  # 4 failures on the account in all: below the default limit of 5
        wrong.append(await _timed_login(client, "timing@example.com", f"wrong-password-{i}"))
        unknown.append(await _timed_login(client, f"ghost-{i}@example.com", "wrong-password-0"))
    # Both paths run one Argon2id verification; without the dummy hash the unknown address
    # would answer in a fraction of the time. The bound is loose to stay stable on busy CI.
    assert statistics.median(unknown) >= 0.5 * statistics.median(wrong), (unknown, wrong)
