"""Users administration per role, deactivation, e-mail uniqueness, passwords."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.core.roles import Role
from app.models.base import table_of
from app.models.identity import User
from app.platform.runtime import Runtime
from tests.support.harness import TEST_PASSWORD, Actor, MakeUser

USERS = "/api/v1/users"
ME = "/api/v1/me"
NEW_PASSWORD = "a-fresh-and-long-passphrase-9"


def new_user_body(**changes: Any) -> dict[str, Any]:
    body = {
        "email": f"new-{uuid.uuid4().hex[:8]}@example.com",
        "full_name": "Nora New",
        "role": "interviewer",
    }
    body.update(changes)
    return body


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/token", data={"username": email, "password": password})


async def stored_password_hash(runtime: Runtime, user_id: str) -> str:
    users = table_of(User).c
    async with runtime.db.engine.connect() as conn:
        value = (
            await conn.execute(select(users.password_hash).where(users.id == uuid.UUID(user_id)))
        ).scalar_one()
    assert isinstance(value, str)
    return value


async def test_admin_manages_the_whole_user_lifecycle(client, admin):
    created = await client.post(
        USERS, json=new_user_body(time_zone="Europe/Amsterdam"), headers=admin.headers
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert created.headers["location"] == f"{USERS}/{user['id']}"
    assert user["role"] == "interviewer"
    assert user["is_active"] is True
    assert "password" not in created.text
    assert "password_hash" not in created.text

    listed = await client.get(USERS, headers=admin.headers)
    assert listed.status_code == 200
    assert {u["id"] for u in listed.json()["data"]} >= {user["id"], str(admin.id)}

    fetched = await client.get(f"{USERS}/{user['id']}", headers=admin.headers)
    assert fetched.status_code == 200
    etag = fetched.headers["etag"]

    path = f"{USERS}/{user['id']}"
    missing = await client.patch(path, json={"full_name": "Nora Changed"}, headers=admin.headers)
    assert missing.status_code == 428, missing.text
    stale = await client.patch(
        path, json={"full_name": "Nora Changed"}, headers={**admin.headers, "If-Match": '"999"'}
    )
    assert stale.status_code == 412, stale.text
    updated = await client.patch(
        path,
        json={"full_name": "Nora Changed", "role": "hiring_manager"},
        headers={**admin.headers, "If-Match": etag},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["full_name"] == "Nora Changed"
    assert updated.json()["role"] == "hiring_manager"
    assert updated.headers["etag"] != etag
    # The ETag just used is stale now.
    again = await client.patch(
        path, json={"full_name": "X"}, headers={**admin.headers, "If-Match": etag}
    )
    assert again.status_code == 412

    deactivated = await client.post(f"{path}/deactivate", headers=admin.headers)
    assert deactivated.status_code == 200, deactivated.text
    assert deactivated.json()["is_active"] is False
    assert deactivated.json()["deactivated_at"] is not None
    reactivated = await client.post(f"{path}/reactivate", headers=admin.headers)
    assert reactivated.status_code == 200, reactivated.text
    assert reactivated.json()["is_active"] is True
    assert reactivated.json()["deactivated_at"] is None

    missing_user = await client.get(f"{USERS}/{uuid.uuid4()}", headers=admin.headers)
    assert missing_user.status_code == 404


async def test_recruiter_reads_users_but_cannot_change_them(client, actors):
    recruiter, other = actors[Role.RECRUITER], actors[Role.INTERVIEWER]
    headers = recruiter.headers
    assert (await client.get(USERS, headers=headers)).status_code == 200
    assert (await client.get(f"{USERS}/{other.id}", headers=headers)).status_code == 200

    forbidden = [
        await client.post(USERS, json=new_user_body(), headers=headers),
        await client.patch(
            f"{USERS}/{other.id}", json={"full_name": "X"}, headers={**headers, "If-Match": "*"}
        ),
        await client.post(f"{USERS}/{other.id}/deactivate", headers=headers),
        await client.post(f"{USERS}/{other.id}/reactivate", headers=headers),
    ]
    for response in forbidden:
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "/problems/forbidden"
    # Nothing changed.
    assert (await client.get(f"{USERS}/{other.id}", headers=headers)).json()["full_name"] == (
        other.user.full_name
    )


@pytest.mark.parametrize("role", [Role.HIRING_MANAGER, Role.INTERVIEWER])
async def test_hiring_managers_and_interviewers_see_only_themselves(client, actors, role):
    me = actors[role]
    assert (await client.get(USERS, headers=me.headers)).status_code == 403
    own = await client.get(f"{USERS}/{me.id}", headers=me.headers)
    assert own.status_code == 200
    assert own.json()["id"] == str(me.id)
    for other in actors.values():
        if other is me:
            continue
        hidden = await client.get(f"{USERS}/{other.id}", headers=me.headers)
        # Another user is not "forbidden" but invisible: the same 404 as an unknown id.
        assert hidden.status_code == 404, hidden.text
        unknown = await client.get(f"{USERS}/{uuid.uuid4()}", headers=me.headers)
        assert unknown.status_code == 404
        assert {
            k: v for k, v in hidden.json().items() if k not in ("detail", "instance", "request_id")
        } == {
            k: v for k, v in unknown.json().items() if k not in ("detail", "instance", "request_id")
        }


async def test_deactivation_ends_sessions_at_once_and_blocks_login(client, admin, make_user):
    victim = await make_user(Role.RECRUITER, email="leaving@example.com")
    assert (await client.get(ME, headers=victim.headers)).status_code == 200  # cached now
    signed_in = await login(client, "leaving@example.com", TEST_PASSWORD)
    assert signed_in.status_code == 200
    refresh_token = signed_in.json()["refresh_token"]

    response = await client.post(f"{USERS}/{victim.id}/deactivate", headers=admin.headers)
    assert response.status_code == 200, response.text

    assert (await client.get(ME, headers=victim.headers)).status_code == 401
    access = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    assert (await client.get(ME, headers=access)).status_code == 401
    assert (await login(client, "leaving@example.com", TEST_PASSWORD)).status_code == 401
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})
    assert refreshed.status_code == 401

    # Reactivation lets them sign in again, but the old sessions stay ended.
    assert (
        await client.post(f"{USERS}/{victim.id}/reactivate", headers=admin.headers)
    ).status_code == 200
    assert (await login(client, "leaving@example.com", TEST_PASSWORD)).status_code == 200
    assert (await client.get(ME, headers=victim.headers)).status_code == 401


async def test_admin_cannot_deactivate_themselves(client, admin):
    response = await client.post(f"{USERS}/{admin.id}/deactivate", headers=admin.headers)
    assert response.status_code == 409, response.text
    assert (await client.get(ME, headers=admin.headers)).status_code == 200


@pytest.mark.parametrize("email", ["ADMIN@example.com", "Admin@Example.COM", " admin@example.com "])
async def test_email_uniqueness_ignores_case(client, admin, email):
    response = await client.post(USERS, json=new_user_body(email=email), headers=admin.headers)
    assert response.status_code == 409, response.text
    assert response.json()["existing_id"] == str(admin.id)


async def test_emails_are_stored_lower_case(client, admin):
    response = await client.post(
        USERS, json=new_user_body(email="Mixed.Case@Example.com"), headers=admin.headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["email"] == "mixed.case@example.com"


@pytest.mark.parametrize(
    ("password", "email", "problem"),
    [
        ("short-1A", None, "at least 12"),
        ("password1234", None, "most common"),
        ("aaaaaaaaaaaaaaaa", None, "too few different"),
        ("abababababababab", None, "too few different"),
        ("maria.jansen-in-2025!", "maria.jansen@example.com", "e-mail name"),
        ("x" * 257, None, None),
    ],
)
async def test_weak_passwords_are_refused(client, admin, password, email, problem):
    body = new_user_body(password=password, **({"email": email} if email else {}))
    response = await client.post(USERS, json=body, headers=admin.headers)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert errors
    assert all(e["location"] == "body.password" for e in errors), errors
    if problem:
        assert any(problem in e["message"] for e in errors), errors
    # Nothing was written.
    listed = await client.get(USERS, headers=admin.headers)
    assert [u["id"] for u in listed.json()["data"]] == [str(admin.id)]


async def test_password_hashes_are_argon2id_with_owasp_parameters(client, admin, runtime):
    response = await client.post(
        USERS, json=new_user_body(password=NEW_PASSWORD), headers=admin.headers
    )
    assert response.status_code == 201, response.text
    stored = await stored_password_hash(runtime, response.json()["id"])
    assert NEW_PASSWORD not in stored
    match = re.fullmatch(r"\$argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([^$]+)\$([^$]+)", stored)
    assert match, stored
    version, memory, time_cost, parallelism, salt, digest = match.groups()
    assert (int(version), int(memory), int(time_cost), int(parallelism)) == (19, 19456, 2, 1)
    assert len(salt) >= 16
    assert len(digest) >= 32
    # And the new user can sign in with it.
    assert (await login(client, response.json()["email"], NEW_PASSWORD)).status_code == 200


async def test_changing_the_password_needs_the_current_one(client, make_user):
    user = await make_user(Role.INTERVIEWER)
    wrong = await client.post(
        f"{ME}/password",
        json={"current_password": "not-my-password-123", "new_password": NEW_PASSWORD},
        headers=user.headers,
    )
    assert wrong.status_code == 422, wrong.text
    assert [e["location"] for e in wrong.json()["errors"]] == ["body.current_password"]
    weak = await client.post(
        f"{ME}/password",
        json={"current_password": TEST_PASSWORD, "new_password": "password1234"},
        headers=user.headers,
    )
    assert weak.status_code == 422, weak.text
    assert {e["location"] for e in weak.json()["errors"]} == {"body.new_password"}
    # Neither attempt changed anything.
    assert (await login(client, user.user.email, TEST_PASSWORD)).status_code == 200


async def test_password_change_ends_other_sessions_and_keeps_this_one(
    client: httpx.AsyncClient, make_user: MakeUser, runtime: Runtime
):
    user: Actor = await make_user(Role.HIRING_MANAGER)
    other = await login(client, user.user.email, TEST_PASSWORD)
    other_headers = {"Authorization": f"Bearer {other.json()['access_token']}"}
    assert (await client.get(ME, headers=other_headers)).status_code == 200  # cached now

    changed = await client.post(
        f"{ME}/password",
        json={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD},
        headers=user.headers,
    )
    assert changed.status_code == 204, changed.text

    assert (await client.get(ME, headers=user.headers)).status_code == 200
    assert (await client.get(ME, headers=other_headers)).status_code == 401
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": other.json()["refresh_token"]}
    )
    assert refreshed.status_code == 401
    assert (await login(client, user.user.email, TEST_PASSWORD)).status_code == 401
    assert (await login(client, user.user.email, NEW_PASSWORD)).status_code == 200
    assert (await stored_password_hash(runtime, str(user.id))).startswith("$argon2id$")


async def test_a_role_change_applies_to_existing_tokens_at_once(client, admin, make_user):
    recruiter = await make_user(Role.RECRUITER)
    assert (await client.get(USERS, headers=recruiter.headers)).status_code == 200  # cached
    current = await client.get(f"{USERS}/{recruiter.id}", headers=admin.headers)
    demoted = await client.patch(
        f"{USERS}/{recruiter.id}",
        json={"role": "interviewer"},
        headers={**admin.headers, "If-Match": current.headers["etag"]},
    )
    assert demoted.status_code == 200, demoted.text
    assert (await client.get(USERS, headers=recruiter.headers)).status_code == 403
    assert (await client.get(ME, headers=recruiter.headers)).json()["role"] == "interviewer"


async def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, admin, make_user):
    url = f"/api/v1/users/{admin.id}"
    etag = (await client.get(url, headers=admin.headers)).headers["etag"]
    demote = await client.patch(
        url, headers={**admin.headers, "If-Match": etag}, json={"role": "recruiter"}
    )
    assert demote.status_code == 409, demote.text
    assert "last active admin" in demote.json()["detail"]
    assert (await client.get(url, headers=admin.headers)).json()["role"] == "admin"

    # With a second admin the first may step down, and then the second is the last one.
    second = await make_user(Role.ADMIN)
    demote = await client.patch(
        url, headers={**admin.headers, "If-Match": etag}, json={"role": "recruiter"}
    )
    assert demote.status_code == 200, demote.text
    # An inactive admin does not count: the second admin is now the last active one.
    await make_user(Role.ADMIN, active=False)
    second_url = f"/api/v1/users/{second.id}"
    second_etag = (await client.get(second_url, headers=second.headers)).headers["etag"]
    demote = await client.patch(
        second_url, headers={**second.headers, "If-Match": second_etag}, json={"role": "recruiter"}
    )
    assert demote.status_code == 409, demote.text
