"""The audit trail of identity actions: who (person, key, key for a person) did what, when."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.roles import Role
from tests.support.harness import TEST_PASSWORD, Actor, MakeApiKey

AUDIT = "/api/v1/audit-events"
USERS = "/api/v1/users"


async def audit_entries(
    client: httpx.AsyncClient, admin: Actor, **filters: str
) -> list[dict[str, Any]]:
    response = await client.get(AUDIT, params=filters, headers=admin.headers)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def test_a_person_creating_a_user_is_audited(client, admin):
    response = await client.post(
        USERS,
        json={"email": "new@example.com", "full_name": "New", "role": "recruiter"},
        headers={**admin.headers, "X-Request-ID": "audit-test-request-1"},
    )
    assert response.status_code == 201, response.text
    [entry] = await audit_entries(client, admin, action="user.created")
    assert entry["actor_user_id"] == str(admin.id)
    assert entry["api_client_id"] is None
    assert entry["on_behalf_of"] is False
    assert entry["object_type"] == "user"
    assert entry["object_id"] == response.json()["id"]
    assert entry["request_id"] == "audit-test-request-1"
    assert entry["client_address"]


async def test_a_key_acting_for_itself_is_audited_without_a_person(
    client, admin, make_api_key: MakeApiKey
):
    key = await make_api_key("users:write")
    response = await client.post(
        USERS,
        json={"email": "synced@example.com", "full_name": "Synced", "role": "interviewer"},
        headers=key.headers(),
    )
    assert response.status_code == 201, response.text
    [entry] = await audit_entries(client, admin, action="user.created")
    assert entry["api_client_id"] == str(key.id)
    assert entry["actor_user_id"] is None
    assert entry["on_behalf_of"] is False


async def test_sign_in_deactivation_and_refresh_reuse_are_audited(client, admin, make_user):
    user = await make_user(Role.RECRUITER, email="rosa@example.com")
    signed_in = await client.post(
        "/api/v1/auth/token", data={"username": "rosa@example.com", "password": TEST_PASSWORD}
    )
    pair = signed_in.json()
    [entry] = await audit_entries(client, admin, action="auth.signed_in")
    assert entry["actor_user_id"] == str(user.id)
    assert entry["object_id"] == str(user.id)

    rotated = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert rotated.status_code == 200
    reused = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert reused.status_code == 401
    [entry] = await audit_entries(client, admin, action="auth.refresh_reuse_detected")
    assert entry["actor_user_id"] == str(user.id)
    assert entry["object_type"] == "auth_session"

    await client.post(f"{USERS}/{user.id}/deactivate", headers=admin.headers)
    [entry] = await audit_entries(client, admin, action="user.deactivated")
    assert entry["actor_user_id"] == str(admin.id)
    assert entry["object_id"] == str(user.id)

    by_admin = await audit_entries(client, admin, actor_user_id=str(admin.id))
    assert {e["action"] for e in by_admin} == {"user.deactivated"}


async def test_who_may_read_the_audit_trail(client, actors, make_api_key: MakeApiKey):
    assert (await client.get(AUDIT, headers=actors[Role.ADMIN].headers)).status_code == 200
    for role in (Role.RECRUITER, Role.HIRING_MANAGER, Role.INTERVIEWER):
        assert (await client.get(AUDIT, headers=actors[role].headers)).status_code == 403
    auditor = await make_api_key("audit:read")
    assert (await client.get(AUDIT, headers=auditor.headers())).status_code == 200
    other = await make_api_key("users:write", "events:read")
    response = await client.get(AUDIT, headers=other.headers())
    assert response.status_code == 403
    assert response.json()["required_scope"] == "audit:read"


async def test_a_user_update_audits_which_fields_changed_never_their_values(client, admin):
    created = await client.post(
        USERS,
        json={"email": "old.name@example.com", "full_name": "Old Name", "role": "interviewer"},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    url = f"{USERS}/{created.json()['id']}"
    updated = await client.patch(
        url,
        json={"full_name": "New Name", "role": "recruiter"},
        headers={**admin.headers, "If-Match": created.headers["etag"]},
    )
    assert updated.status_code == 200, updated.text
    [entry] = await audit_entries(client, admin, action="user.updated")
    assert entry["details"] == {
        "fields": ["full_name", "role"],
        "role": {"from": "interviewer", "to": "recruiter"},
    }
    assert "name" not in str(entry["details"]).lower().replace("full_name", "")
