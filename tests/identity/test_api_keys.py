"""API keys: shown once, stored hashed, scoped, revocable; On-Behalf-Of a user."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.core.roles import Role
from app.models.base import table_of
from app.models.identity import ApiClient
from app.platform.runtime import Runtime
from tests.support.harness import Actor, MakeApiKey

CLIENTS = "/api/v1/api-clients"
USERS = "/api/v1/users"
ME = "/api/v1/me"


def bearer(key: str, on_behalf_of: object = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}"}
    if on_behalf_of is not None:
        headers["On-Behalf-Of"] = str(on_behalf_of)
    return headers


async def create_key(client: httpx.AsyncClient, admin: Actor, *scopes: str) -> dict[str, Any]:
    response = await client.post(
        CLIENTS, json={"name": "Greenhouse sync", "scopes": list(scopes)}, headers=admin.headers
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def stored_client_rows(runtime: Runtime) -> list[dict[str, Any]]:
    async with runtime.db.engine.connect() as conn:
        rows = (await conn.execute(select(table_of(ApiClient)))).mappings().all()
    return [dict(r) for r in rows]


async def test_the_key_is_shown_once_and_only_its_prefix_and_hash_are_stored(
    client, admin, runtime
):
    response = await client.post(
        CLIENTS,
        json={"name": "Greenhouse sync", "scopes": ["users:read", "candidates:write"]},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    created = response.json()
    key = created["key"]
    assert key.startswith("tnd_")
    assert len(key) >= 40
    assert key.startswith(created["key_prefix"])
    assert created["key_prefix"] != key
    assert created["scopes"] == ["candidates:write", "users:read"]
    assert "key_hash" not in created

    # Never again: not in a read, not in the list, not in the audit trail.
    for path in (f"{CLIENTS}/{created['id']}", CLIENTS, "/api/v1/audit-events"):
        later = await client.get(path, headers=admin.headers)
        assert later.status_code == 200, later.text
        assert key not in later.text
        assert "key_hash" not in later.text
    assert (
        "key" not in (await client.get(f"{CLIENTS}/{created['id']}", headers=admin.headers)).json()
    )

    # The database holds the display prefix and the SHA-256 of the key, never the key.
    [row] = await stored_client_rows(runtime)
    assert row["key_prefix"] == created["key_prefix"]
    assert row["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    for column, value in row.items():
        assert key not in str(value), column
        assert key.split("_", 2)[2] not in str(value), column  # not even the secret part


async def test_a_key_authenticates_within_its_scopes(client, admin):
    reader = await create_key(client, admin, "users:read")
    listed = await client.get(USERS, headers=bearer(reader["key"]))
    assert listed.status_code == 200, listed.text
    assert [u["id"] for u in listed.json()["data"]] == [str(admin.id)]
    # A key acting for itself sees every user.
    assert (
        await client.get(f"{USERS}/{admin.id}", headers=bearer(reader["key"]))
    ).status_code == 200

    # Read does not imply write.
    create = await client.post(
        USERS,
        json={"email": "x@example.com", "full_name": "X", "role": "interviewer"},
        headers=bearer(reader["key"]),
    )
    assert create.status_code == 403
    assert create.json()["required_scope"] == "users:write"

    # Write implies read.
    writer = await create_key(client, admin, "users:write")
    assert (await client.get(USERS, headers=bearer(writer["key"]))).status_code == 200


async def test_a_key_without_the_needed_scope_is_forbidden(client, make_api_key: MakeApiKey):
    key = await make_api_key("candidates:read")
    response = await client.get(USERS, headers=key.headers())
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["required_scope"] == "users:read"


async def test_keys_may_not_act_as_people_or_manage_keys(client, make_api_key: MakeApiKey):
    from app.core.scopes import KNOWN_SCOPES

    key = await make_api_key(*(KNOWN_SCOPES - {"on_behalf_of"}))
    # /me needs a person: a key needs On-Behalf-Of for it.
    assert (await client.get(ME, headers=key.headers())).status_code == 403
    assert (
        await client.post(
            f"{ME}/password",
            json={"current_password": "a", "new_password": "b"},
            headers=key.headers(),
        )
    ).status_code == 403
    # No scope lets a key manage keys.
    assert (await client.get(CLIENTS, headers=key.headers())).status_code == 403
    new = await client.post(
        CLIENTS, json={"name": "Escalate", "scopes": ["users:write"]}, headers=key.headers()
    )
    assert new.status_code == 403


async def test_unknown_and_malformed_keys_are_401(client, make_api_key: MakeApiKey):
    key = await make_api_key("users:read")
    prefix, _, secret = key.key.rpartition("_")
    tampered = f"{prefix}_{secret[:-2]}{'AA' if not secret.endswith('AA') else 'BB'}"
    for bad in (tampered, "tnd_", "tnd_123", f"tnd_{'0' * 12}_{'x' * 43}", key.key + "x"):
        response = await client.get(USERS, headers=bearer(bad))
        assert response.status_code == 401, (bad, response.text)


async def test_a_revoked_key_is_401_at_once(client, admin):
    created = await create_key(client, admin, "users:read")
    headers = bearer(created["key"])
    assert (await client.get(USERS, headers=headers)).status_code == 200  # cached now
    revoked = await client.post(f"{CLIENTS}/{created['id']}/revoke", headers=admin.headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    response = await client.get(USERS, headers=headers)
    assert response.status_code == 401, response.text
    assert "revoked" in response.json()["detail"]
    # Revoking twice changes nothing.
    again = await client.post(f"{CLIENTS}/{created['id']}/revoke", headers=admin.headers)
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]


async def test_narrowing_a_keys_scopes_applies_at_once(client, admin):
    created = await create_key(client, admin, "users:read", "audit:read")
    headers = bearer(created["key"])
    assert (await client.get(USERS, headers=headers)).status_code == 200  # cached now
    current = await client.get(f"{CLIENTS}/{created['id']}", headers=admin.headers)
    response = await client.patch(
        f"{CLIENTS}/{created['id']}",
        json={"scopes": ["audit:read"]},
        headers={**admin.headers, "If-Match": current.headers["etag"]},
    )
    assert response.status_code == 200, response.text
    assert (await client.get(USERS, headers=headers)).status_code == 403
    assert (await client.get("/api/v1/audit-events", headers=headers)).status_code == 200


async def test_unknown_scopes_are_refused(client, admin):
    response = await client.post(
        CLIENTS, json={"name": "Bad", "scopes": ["users:read", "root"]}, headers=admin.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["location"].startswith("body.scopes")


async def test_last_used_at_is_set_after_use(client, admin):
    created = await create_key(client, admin, "users:read")
    assert created["last_used_at"] is None
    assert (await client.get(USERS, headers=bearer(created["key"]))).status_code == 200
    after = await client.get(f"{CLIENTS}/{created['id']}", headers=admin.headers)
    assert after.json()["last_used_at"] is not None


async def test_on_behalf_of_acts_as_the_user(client, actors, make_api_key: MakeApiKey):
    recruiter = actors[Role.RECRUITER]
    key = await make_api_key("users:write", "on_behalf_of")
    me = await client.get(ME, headers=key.headers(on_behalf_of=recruiter.id))
    assert me.status_code == 200, me.text
    assert me.json()["id"] == str(recruiter.id)
    assert me.json()["email"] == recruiter.user.email

    # Bound by the user's role: the key may write users, the recruiter may not.
    refused = await client.post(
        USERS,
        json={"email": "obo@example.com", "full_name": "Obo", "role": "interviewer"},
        headers=key.headers(on_behalf_of=recruiter.id),
    )
    assert refused.status_code == 403, refused.text

    # And by the user's object visibility: an interviewer sees only themselves.
    interviewer = actors[Role.INTERVIEWER]
    hidden = await client.get(
        f"{USERS}/{recruiter.id}", headers=key.headers(on_behalf_of=interviewer.id)
    )
    assert hidden.status_code == 404


async def test_on_behalf_of_is_also_bound_by_the_keys_scopes(client, admin, make_api_key):
    key = await make_api_key("users:read", "on_behalf_of")
    response = await client.post(
        USERS,
        json={"email": "obo@example.com", "full_name": "Obo", "role": "interviewer"},
        headers=key.headers(on_behalf_of=admin.id),
    )
    assert response.status_code == 403, response.text


async def test_a_write_on_behalf_of_an_admin_is_audited_as_such(
    client, actors, admin, make_api_key
):
    key = await make_api_key("users:write", "on_behalf_of")
    target = actors[Role.INTERVIEWER]
    current = await client.get(f"{USERS}/{target.id}", headers=admin.headers)
    response = await client.patch(
        f"{USERS}/{target.id}",
        json={"full_name": "Renamed By Integration"},
        headers={**key.headers(on_behalf_of=admin.id), "If-Match": current.headers["etag"]},
    )
    assert response.status_code == 200, response.text

    audit = await client.get(
        "/api/v1/audit-events",
        params={"action": "user.updated", "object_id": str(target.id)},
        headers=admin.headers,
    )
    assert audit.status_code == 200, audit.text
    [entry] = audit.json()["data"]
    assert entry["api_client_id"] == str(key.id)
    assert entry["actor_user_id"] == str(admin.id)
    assert entry["on_behalf_of"] is True
    assert entry["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize("who", ["missing", "inactive"])
async def test_on_behalf_of_needs_an_active_user(client, make_user, make_api_key, who):
    key = await make_api_key("users:read", "on_behalf_of")
    inactive = await make_user(Role.ADMIN, active=False)
    value = {"missing": str(uuid.uuid4()), "inactive": str(inactive.id)}[who]
    response = await client.get(ME, headers=key.headers(on_behalf_of=value))
    assert response.status_code == 403, response.text


@pytest.mark.parametrize(
    "value", ["admin@example.com", "", " ", "debeb8a657774fd8b3b65fa87d3491de"]
)
async def test_a_malformed_on_behalf_of_is_a_validation_problem(client, make_api_key, value):
    key = await make_api_key("users:read", "on_behalf_of")
    response = await client.get(ME, headers=key.headers(on_behalf_of=value))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["location"] == "header.On-Behalf-Of"


async def test_on_behalf_of_stops_when_the_user_is_deactivated(client, admin, actors, make_api_key):
    key = await make_api_key("users:read", "on_behalf_of")
    recruiter = actors[Role.RECRUITER]
    assert (await client.get(ME, headers=key.headers(on_behalf_of=recruiter.id))).status_code == 200
    deactivated = await client.post(f"{USERS}/{recruiter.id}/deactivate", headers=admin.headers)
    assert deactivated.status_code == 200
    assert (await client.get(ME, headers=key.headers(on_behalf_of=recruiter.id))).status_code == 403


async def test_on_behalf_of_without_the_scope_is_forbidden(client, admin, make_api_key):
    key = await make_api_key("users:write")
    response = await client.get(USERS, headers=key.headers(on_behalf_of=admin.id))
    assert response.status_code == 403, response.text
    assert "on_behalf_of" in response.json()["detail"]


async def test_people_cannot_use_on_behalf_of(client, actors, admin):
    recruiter = actors[Role.RECRUITER]
    response = await client.get(ME, headers={**recruiter.headers, "On-Behalf-Of": str(admin.id)})
    assert response.status_code == 403, response.text
