"""Signed deliveries to a real local HTTP receiver: signatures, retries, 410, rebinding,
rotation, redelivery, replay and ping."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from sqlalchemy import select
from standardwebhooks import Webhook

from app.models import NotificationIntent
from app.services.events import targets
from app.worker import Worker
from tests.support.events import relay_and_fan_out, subscribe
from tests.support.receiver import Received, receiver


def verify_from_spec(secret: str, request: Received) -> None:
    """An independent check of the Standard Webhooks signature (no timestamp window)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = (
        f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.".encode()
        + request.body
    )
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert f"v1,{expected}" in request.headers["webhook-signature"].split(" ")


async def make_user_event(http, admin, email: str = "hooked@example.com") -> str:
    response = await http.post(
        "/api/v1/users",
        headers=admin.headers,
        json={"email": email, "full_name": "Hooked Person", "role": "interviewer"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def deliver(runtime) -> None:
    await relay_and_fan_out(runtime)
    await Worker(runtime).run_until_idle()


async def deliveries(http, admin, webhook_id: str) -> list[dict[str, Any]]:
    response = await http.get(f"/api/v1/webhooks/{webhook_id}/deliveries", headers=admin.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


async def test_a_delivery_is_signed_per_standard_webhooks(hooks, hooks_app, admin):
    runtime = hooks_app.state.runtime
    with receiver() as rx:
        hook = await subscribe(hooks, admin.headers, rx.url, "user.*")
        user_id = await make_user_event(hooks, admin)
        await deliver(runtime)
    assert len(rx.requests) == 1
    request = rx.requests[0]
    body = Webhook(hook["secret"]).verify(request.body, request.headers)
    assert body["type"] == "user.created"
    assert body["id"] == request.headers["webhook-id"]
    assert body["subject"] == {"type": "user", "id": user_id}
    assert body["data"]["email"] == "hooked@example.com"  # an admin's subscription
    assert set(body) == {"id", "type", "version", "occurred_at", "actor", "subject", "data"}
    log = await deliveries(hooks, admin, hook["id"])
    assert [(d["status"], d["attempts"], d["response_status"]) for d in log] == [
        ("delivered", 1, 200)
    ]
    assert log[0]["response_ms"] is not None


async def test_failures_are_retried_on_schedule_with_the_same_id(
    hooks, hooks_app, admin, manual_clock
):
    runtime = hooks_app.state.runtime
    with receiver(500, 503, 200) as rx:
        hook = await subscribe(hooks, admin.headers, rx.url, "user.created")
        await make_user_event(hooks, admin)
        await deliver(runtime)
        assert len(rx.requests) == 1
        log = await deliveries(hooks, admin, hook["id"])
        assert log[0]["status"] == "pending"
        assert log[0]["response_status"] == 500
        assert log[0]["response_body"].startswith("nope")
        assert len(log[0]["response_body"]) <= 2000
        manual_clock.advance(3)  # not yet: the first retry is after about 5 s
        await Worker(runtime).run_until_idle()
        assert len(rx.requests) == 1
        manual_clock.advance(3)
        await Worker(runtime).run_until_idle()
        assert len(rx.requests) == 2
        manual_clock.advance(4 * 60)  # the next one waits about 5 min
        await Worker(runtime).run_until_idle()
        assert len(rx.requests) == 2
        manual_clock.advance(2 * 60)
        await Worker(runtime).run_until_idle()
        assert len(rx.requests) == 3
    ids = {r.headers["webhook-id"] for r in rx.requests}
    assert len(ids) == 1
    for request in rx.requests:
        verify_from_spec(hook["secret"], request)
    log = await deliveries(hooks, admin, hook["id"])
    assert [(d["status"], d["attempts"]) for d in log] == [("delivered", 3)]


async def test_gone_disables_the_subscription_and_tells_its_owner(hooks, hooks_app, admin, runtime):
    with receiver(410) as rx:
        hook = await subscribe(hooks, admin.headers, rx.url, "user.*")
        await make_user_event(hooks, admin)
        await deliver(hooks_app.state.runtime)
    read = (await hooks.get(f"/api/v1/webhooks/{hook['id']}", headers=admin.headers)).json()
    assert read["is_active"] is False
    assert read["disabled_reason"] == "gone"
    assert [d["status"] for d in await deliveries(hooks, admin, hook["id"])] == ["failed"]
    async with runtime.db.unit_of_work(write=False) as session:
        intents = list((await session.execute(select(NotificationIntent))).scalars())
    assert [(i.kind, i.recipient_id) for i in intents] == [("webhook.disabled", admin.id)]


async def test_failing_for_three_days_disables(hooks, hooks_app, admin, manual_clock):
    runtime = hooks_app.state.runtime
    with receiver(default=500) as rx:
        hook = await subscribe(hooks, admin.headers, rx.url, "user.*")
        await make_user_event(hooks, admin, "first@example.com")
        await deliver(runtime)
        manual_clock.advance(3 * 24 * 3600 + 60)
        await make_user_event(hooks, admin, "second@example.com")
        await deliver(runtime)
    read = (await hooks.get(f"/api/v1/webhooks/{hook['id']}", headers=admin.headers)).json()
    assert read["is_active"] is False
    assert read["disabled_reason"] == "failing"


async def test_rotation_signs_with_both_secrets_during_grace(hooks, hooks_app, admin):
    with receiver() as rx:
        hook = await subscribe(hooks, admin.headers, rx.url, "user.*")
        rotated = await hooks.post(
            f"/api/v1/webhooks/{hook['id']}/rotate-secret",
            headers=admin.headers,
            json={"grace_hours": 1},
        )
        await make_user_event(hooks, admin)
        await deliver(hooks_app.state.runtime)
    request = rx.requests[0]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    Webhook(hook["secret"]).verify(request.body, request.headers)
    Webhook(rotated.json()["secret"]).verify(request.body, request.headers)


async def test_delivery_connects_to_the_address_it_checked(hooks, hooks_app, admin):
    """The name is resolved at delivery; the request goes to that address with the name as
    Host, and an answer that moved to a refused address is not followed."""
    answers = {"receiver.test": ["127.0.0.1"], "rebind.example.com": ["93.184.216.34"]}

    async def resolver(host: str, port: int) -> list[str]:
        return answers[host]

    targets.set_resolver(resolver)
    try:
        with receiver() as rx:
            allowed = await subscribe(
                hooks, admin.headers, f"http://receiver.test:{rx.port}/in", "user.*"
            )
            moved = await subscribe(
                hooks, admin.headers, f"http://rebind.example.com:{rx.port}/in", "user.*"
            )
            answers["rebind.example.com"] = ["10.11.12.13"]  # DNS rebinding after the check
            await make_user_event(hooks, admin)
            await deliver(hooks_app.state.runtime)
    finally:
        targets.set_resolver(None)
    assert [(r.path, r.headers["host"]) for r in rx.requests] == [
        ("/in", f"receiver.test:{rx.port}")
    ]
    Webhook(allowed["secret"]).verify(rx.requests[0].body, rx.requests[0].headers)
    log = await deliveries(hooks, admin, moved["id"])
    assert log[0]["status"] == "pending"
    assert "10.11.12.13, a private address" in log[0]["last_error"]


async def test_redeliver_replay_and_ping(hooks, hooks_app, admin):
    hooks_runtime = hooks_app.state.runtime
    with receiver() as rx:
        hook = await subscribe(hooks, admin.headers, rx.url, "user.*")
        await make_user_event(hooks, admin, "a@example.com")
        await make_user_event(hooks, admin, "b@example.com")
        await deliver(hooks_runtime)
        assert len(rx.requests) == 2
        log = await deliveries(hooks, admin, hook["id"])
        again = await hooks.post(
            f"/api/v1/webhooks/{hook['id']}/deliveries/{log[0]['id']}/redeliver",
            headers=admin.headers,
        )
        assert again.status_code == 202, again.text
        await Worker(hooks_runtime).run_until_idle()
        assert len(rx.requests) == 3
        assert rx.requests[2].headers["webhook-id"] == log[0]["event_id"]

        replayed = await hooks.post(
            f"/api/v1/webhooks/{hook['id']}/replay",
            headers=admin.headers,
            json={"since": "2000-01-01T00:00:00Z", "event_types": ["user.created"]},
        )
        assert replayed.json() == {"queued": 2}
        await Worker(hooks_runtime).run_until_idle()
        assert len(rx.requests) == 5

        ping = await hooks.post(f"/api/v1/webhooks/{hook['id']}/test", headers=admin.headers)
        assert ping.status_code == 202
        await Worker(hooks_runtime).run_until_idle()
    assert json.loads(rx.requests[5].body)["type"] == "ping"
    Webhook(hook["secret"]).verify(rx.requests[5].body, rx.requests[5].headers)
    missing = await hooks.post(
        f"/api/v1/webhooks/{hook['id']}/deliveries/{hook['id']}/redeliver", headers=admin.headers
    )
    assert missing.status_code == 404
    bad_range = await hooks.post(
        f"/api/v1/webhooks/{hook['id']}/replay",
        headers=admin.headers,
        json={"since": "2030-01-01T00:00:00Z", "until": "2020-01-01T00:00:00Z"},
    )
    assert bad_range.status_code == 422


async def test_an_integrations_deliveries_leave_out_what_its_scopes_do_not_allow(
    hooks, hooks_app, admin, make_api_key
):
    key = await make_api_key("webhooks:manage")
    with receiver() as rx:
        hook = await subscribe(hooks, key.headers(), rx.url, "user.*")
        await make_user_event(hooks, admin)
        await deliver(hooks_app.state.runtime)
    body = Webhook(hook["secret"]).verify(rx.requests[0].body, rx.requests[0].headers)
    assert "email" not in body["data"]
    assert "full_name" not in body["data"]
    assert body["data"]["role"] == "interviewer"


async def test_a_dead_receiver_is_recorded_as_a_failed_attempt(hooks, hooks_app, admin):
    from tests.support.receiver import closed_port

    hook = await subscribe(hooks, admin.headers, f"http://127.0.0.1:{closed_port()}/x", "user.*")
    await make_user_event(hooks, admin)
    await deliver(hooks_app.state.runtime)
    log = await deliveries(hooks, admin, hook["id"])
    assert log[0]["status"] == "pending"
    assert log[0]["attempts"] == 1
    assert "Connect" in log[0]["last_error"]
    assert log[0]["next_attempt_at"] is not None
