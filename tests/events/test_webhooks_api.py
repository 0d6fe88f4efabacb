"""Webhook subscriptions: the secret once, URL and address checks, who sees what."""

from __future__ import annotations

import pytest

from app.core.roles import Role
from app.services.events import targets
from tests.support.events import subscribe

REFUSED = [
    ("http://127.0.0.1:9/x", "loopback"),
    ("http://10.1.2.3/x", "private"),
    ("http://172.16.0.1/x", "private"),
    ("http://192.168.1.1/x", "private"),
    ("http://169.254.169.254/latest/meta-data", "cloud metadata"),
    ("http://169.254.10.1/x", "link-local"),
    ("http://100.64.0.1/x", "carrier-grade NAT"),
    ("http://[::1]/x", "loopback"),
    ("http://[fe80::1]/x", "link-local"),
    ("http://[::ffff:127.0.0.1]/x", "IPv4-mapped IPv6"),
    ("http://[::ffff:8.8.8.8]/x", "IPv4-mapped IPv6"),
    ("http://[fd00:ec2::254]/x", "cloud metadata"),
    ("http://[fc00::1]/x", "private"),
    ("http://0.0.0.0/x", "private"),
    ("http://224.0.0.1/x", "reserved"),
]


async def test_create_shows_the_secret_once(hooks, admin):
    created = await subscribe(hooks, admin.headers, "http://127.0.0.1:18499/h", "evaluation.*")
    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == ["evaluation.*"]
    assert created["owner_user_id"] == str(admin.id)
    read = await hooks.get(f"/api/v1/webhooks/{created['id']}", headers=admin.headers)
    assert read.status_code == 200
    assert "secret" not in read.json()
    assert created["secret"] not in read.text
    listed = await hooks.get("/api/v1/webhooks", headers=admin.headers)
    assert [w["id"] for w in listed.json()["data"]] == [created["id"]]


@pytest.mark.parametrize(("url", "why"), REFUSED)
async def test_internal_addresses_are_refused(client, admin, url, why):
    response = await client.post(
        "/api/v1/webhooks", headers=admin.headers, json={"url": url, "event_types": ["*"]}
    )
    assert response.status_code == 422, response.text
    assert why in response.json()["errors"][0]["message"]


async def test_names_resolving_to_internal_addresses_are_refused(client, admin):
    async def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]  # one bad answer is enough

    targets.set_resolver(resolver)
    try:
        response = await client.post(
            "/api/v1/webhooks",
            headers=admin.headers,
            json={"url": "https://sneaky.example.com/h", "event_types": ["*"]},
        )
    finally:
        targets.set_resolver(None)
    assert response.status_code == 422
    assert "10.0.0.7" in response.json()["detail"]


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "https://user:pw@example.com/x", "not a url", "https:///nohost"],
)
async def test_malformed_urls_are_422(client, admin, url):
    response = await client.post(
        "/api/v1/webhooks", headers=admin.headers, json={"url": url, "event_types": ["*"]}
    )
    assert response.status_code == 422, response.text


async def test_production_takes_https_only(make_app, admin):
    from tests.support.harness import asgi_client

    production = await make_app(env="production", webhook_allowed_hosts=["127.0.0.1"])
    async with asgi_client(production) as http:
        plain = await http.post(
            "/api/v1/webhooks",
            headers=admin.headers,
            json={"url": "http://127.0.0.1:18499/h", "event_types": ["*"]},
        )
        assert plain.status_code == 422
        assert "https" in plain.json()["detail"]
        secure = await http.post(
            "/api/v1/webhooks",
            headers=admin.headers,
            json={"url": "https://127.0.0.1:18499/h", "event_types": ["*"]},
        )
        assert secure.status_code == 201, secure.text


@pytest.mark.parametrize("types", [[], ["nope.*"], ["user.exploded"], ["*", "evaluation"]])
async def test_event_types_must_match_the_catalogue(hooks, admin, types):
    response = await hooks.post(
        "/api/v1/webhooks",
        headers=admin.headers,
        json={"url": "http://127.0.0.1:18499/h", "event_types": types},
    )
    assert response.status_code == 422, response.text


async def test_update_needs_if_match_and_rechecks(hooks, admin):
    created = await subscribe(hooks, admin.headers, "http://127.0.0.1:18499/h")
    path = f"/api/v1/webhooks/{created['id']}"
    missing = await hooks.patch(path, headers=admin.headers, json={"description": "x"})
    assert missing.status_code == 428
    etag = (await hooks.get(path, headers=admin.headers)).headers["etag"]
    bad = await hooks.patch(
        path, headers={**admin.headers, "If-Match": etag}, json={"url": "http://10.0.0.1/"}
    )
    assert bad.status_code == 422
    ok = await hooks.patch(
        path,
        headers={**admin.headers, "If-Match": etag},
        json={"event_types": ["application.*", "evaluation.submitted"], "is_active": False},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["is_active"] is False
    stale = await hooks.patch(
        path, headers={**admin.headers, "If-Match": etag}, json={"description": "y"}
    )
    assert stale.status_code == 412
    deleted = await hooks.delete(path, headers=admin.headers)
    assert deleted.status_code == 204
    assert (await hooks.get(path, headers=admin.headers)).status_code == 404


async def test_rotation_returns_a_new_secret_and_keeps_the_old_in_grace(hooks, admin):
    created = await subscribe(hooks, admin.headers, "http://127.0.0.1:18499/h")
    path = f"/api/v1/webhooks/{created['id']}/rotate-secret"
    rotated = await hooks.post(path, headers=admin.headers, json={"grace_hours": 2})
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None
    bad = await hooks.post(path, headers=admin.headers, json={"grace_hours": 1000})
    assert bad.status_code == 422


@pytest.mark.parametrize("role", [Role.RECRUITER, Role.HIRING_MANAGER, Role.INTERVIEWER])
async def test_only_admins_manage_webhooks(hooks, actors, role):
    headers = actors[role].headers
    assert (await hooks.get("/api/v1/webhooks", headers=headers)).status_code == 403
    response = await hooks.post(
        "/api/v1/webhooks",
        headers=headers,
        json={"url": "http://127.0.0.1:18499/h", "event_types": ["*"]},
    )
    assert response.status_code == 403


async def test_an_integration_sees_only_its_own_subscriptions(hooks, admin, make_api_key):
    mine_key = await make_api_key("webhooks:manage")
    other_key = await make_api_key("webhooks:manage")
    no_scope = await make_api_key("events:read")
    mine = await subscribe(hooks, mine_key.headers(), "http://127.0.0.1:18499/a")
    theirs = await subscribe(hooks, other_key.headers(), "http://127.0.0.1:18499/b")
    assert mine["owner_api_client_id"] == str(mine_key.id)

    listed = await hooks.get("/api/v1/webhooks", headers=mine_key.headers())
    assert [w["id"] for w in listed.json()["data"]] == [mine["id"]]
    for path in (
        f"/api/v1/webhooks/{theirs['id']}",
        f"/api/v1/webhooks/{theirs['id']}/deliveries",
    ):
        assert (await hooks.get(path, headers=mine_key.headers())).status_code == 404
    for suffix in ("test", "rotate-secret"):
        response = await hooks.post(
            f"/api/v1/webhooks/{theirs['id']}/{suffix}", headers=mine_key.headers()
        )
        assert response.status_code == 404
    assert (
        await hooks.delete(f"/api/v1/webhooks/{theirs['id']}", headers=mine_key.headers())
    ).status_code == 404
    # Admins see every subscription.
    everything = await hooks.get("/api/v1/webhooks", headers=admin.headers)
    assert {w["id"] for w in everything.json()["data"]} == {mine["id"], theirs["id"]}
    assert (await hooks.get("/api/v1/webhooks", headers=no_scope.headers())).status_code == 403
