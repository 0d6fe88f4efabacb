"""Notifications reach people: intents become an in-app inbox and e-mails to a real SMTP
server; preferences mute kinds; nobody reads another person's notifications."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from app.core.roles import Role
from app.models import Notification, NotificationIntent
from app.services.notifications.delivery import MAX_EMAIL_ATTEMPTS, notify_job
from app.services.notifications.messages import KINDS
from tests.support.harness import asgi_client
from tests.support.receiver import closed_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd API
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


@contextlib.contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = closed_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


async def add_intent(runtime, recipient: uuid.UUID, kind: str, **payload: str) -> None:
    async with runtime.db.unit_of_work(write=True) as session:
        session.add(
            NotificationIntent(
                kind=kind,
                recipient_id=recipient,
                subject_type="evaluation",
                subject_id=uuid.uuid4(),
                payload={"evaluation_id": str(uuid.uuid4()), "due_at": "2026-12-01T10:00:00Z"}
                | payload,
            )
        )


async def test_intents_become_an_inbox(client, runtime, actors):
    me, other = actors[Role.INTERVIEWER], actors[Role.RECRUITER]
    await add_intent(runtime, me.id, "evaluation.overdue")
    await add_intent(runtime, me.id, "evaluation.reminder")
    await add_intent(runtime, other.id, "evaluation.escalated")
    await notify_job(runtime.db, {})
    await notify_job(runtime.db, {})  # each intent once

    page = (await client.get("/api/v1/me/notifications", headers=me.headers)).json()
    assert page["unread_count"] == 2
    assert [n["title"] for n in page["data"]] == [
        "Your scorecard is overdue",
        "Your scorecard is due",
    ]
    assert page["data"][0]["link"].startswith("/api/v1/evaluations/")
    assert "2026-12-01" in page["data"][0]["body"]

    first = page["data"][0]["id"]
    read = await client.post(f"/api/v1/me/notifications/{first}/read", headers=me.headers)
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    unread = (await client.get("/api/v1/me/notifications?unread=true", headers=me.headers)).json()
    assert unread["unread_count"] == 1
    assert len(unread["data"]) == 1
    everything = await client.post("/api/v1/me/notifications/read-all", headers=me.headers)
    assert everything.json() == {"marked": 1}

    theirs = (await client.get("/api/v1/me/notifications", headers=other.headers)).json()
    assert [n["kind"] for n in theirs["data"]] == ["evaluation.escalated"]
    hidden = await client.post(
        f"/api/v1/me/notifications/{theirs['data'][0]['id']}/read", headers=me.headers
    )
    assert hidden.status_code == 404
    async with runtime.db.unit_of_work(write=False) as session:
        intents = list((await session.execute(select(NotificationIntent))).scalars())
    assert all(i.delivered_at is not None for i in intents)


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_every_kind_reads_well(client, runtime, actors, kind):
    me = actors[Role.HIRING_MANAGER]
    await add_intent(
        runtime,
        me.id,
        kind,
        url="https://x.example/h",
        reason="gone",
        title="Backend engineer",
        due_date="2026-12-01",
        revision="2",
        **dict.fromkeys(
            (
                "days",
                "new_candidates",
                "stage_moves",
                "pending_reviews",
                "overdue_reviews",
                "pending_evaluations",
                "overdue_evaluations",
                "days_open",
                "target_fill_date",
            ),
            "1",
        ),
    )
    await notify_job(runtime.db, {})
    item = (await client.get("/api/v1/me/notifications", headers=me.headers)).json()["data"][0]
    assert item["title"] == KINDS[kind].title
    assert "{" not in item["body"]
    assert "?" not in item["body"]


async def test_muted_kinds_are_not_sent(client, runtime, actors):
    me = actors[Role.INTERVIEWER]
    path = "/api/v1/me/notification-preferences"
    current = await client.get(path, headers=me.headers)
    assert current.json() == {"muted_kinds": [], "email_enabled": True}
    assert current.headers["etag"] == '"0"'
    missing = await client.patch(path, headers=me.headers, json={"email_enabled": False})
    assert missing.status_code == 428
    unknown = await client.patch(
        path, headers={**me.headers, "If-Match": '"0"'}, json={"muted_kinds": ["bogus"]}
    )
    assert unknown.status_code == 422
    muted = await client.patch(
        path,
        headers={**me.headers, "If-Match": '"0"'},
        json={"muted_kinds": ["evaluation.daily_reminder"]},
    )
    assert muted.status_code == 200, muted.text
    assert muted.headers["etag"] == '"1"'
    await add_intent(runtime, me.id, "evaluation.daily_reminder")
    await add_intent(runtime, me.id, "evaluation.overdue")
    await notify_job(runtime.db, {})
    page = (await client.get("/api/v1/me/notifications", headers=me.headers)).json()
    assert [n["kind"] for n in page["data"]] == ["evaluation.overdue"]


async def test_integrations_need_a_person(client, make_api_key, actors):
    key = await make_api_key("on_behalf_of")
    alone = await client.get("/api/v1/me/notifications", headers=key.headers())
    assert alone.status_code == 403
    me = actors[Role.RECRUITER]
    acting = await client.get("/api/v1/me/notifications", headers=key.headers(on_behalf_of=me.id))
    assert acting.status_code == 200


async def test_emails_arrive_at_the_smtp_server(make_app, runtime, make_user):
    with smtp_server() as (inbox, port):
        app = await make_app(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
        wants = await make_user(Role.INTERVIEWER, email="ivy@example.com", full_name="Ivy Mail")
        quiet = await make_user(Role.INTERVIEWER, email="quiet@example.com")
        async with asgi_client(app) as http:
            turned_off = await http.patch(
                "/api/v1/me/notification-preferences",
                headers={**quiet.headers, "If-Match": '"0"'},
                json={"email_enabled": False},
            )
            assert turned_off.status_code == 200
        await add_intent(runtime, wants.id, "evaluation.overdue")
        await add_intent(runtime, quiet.id, "evaluation.overdue")
        await notify_job(app.state.runtime.db, {})
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["ivy@example.com"]
    assert message["Subject"] == "Your scorecard is overdue"
    assert message["To"] == "ivy@example.com"
    parts = {part.get_content_type(): part for part in message.walk()}
    text = _decoded(parts["text/plain"])
    html = _decoded(parts["text/html"])
    assert "Hello Ivy Mail" in text
    assert "/api/v1/evaluations/" in text
    assert "<h2" in html
    assert "Your scorecard is overdue" in html
    async with runtime.db.unit_of_work(write=False) as session:
        statuses = {
            n.user_id: n.email_status
            for n in (await session.execute(select(Notification))).scalars()
        }
    assert statuses == {wants.id: "sent", quiet.id: "none"}


async def test_smtp_failures_are_retried_quietly_then_given_up(make_app, runtime, make_user):
    app = await make_app(smtp_host="127.0.0.1", smtp_port=closed_port(), smtp_starttls=False)
    me = await make_user(Role.INTERVIEWER)
    await add_intent(runtime, me.id, "evaluation.overdue")
    for _ in range(MAX_EMAIL_ATTEMPTS):
        await notify_job(app.state.runtime.db, {})  # never raises
    async with runtime.db.unit_of_work(write=False) as session:
        notification = (await session.execute(select(Notification))).scalar_one()
    assert notification.email_attempts == MAX_EMAIL_ATTEMPTS
    assert notification.email_status == "failed"
