"""Intake events are written in the request's transaction: they exist only if it commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.core.roles import Role
from app.models.base import table_of
from app.models.intakes import Intake, IntakeRevision, IntakeSignOff, IntakeTeamMember
from app.models.platform import Event, ExternalRef
from app.platform.runtime import Runtime
from tests.support.intakes import BASE, act, agreed_intake, events_of, intake_body

FAIL_ROUTE = "/api/v1/_test/intakes/{id}/change-then-fail"


async def row_counts(runtime: Runtime) -> dict[str, int]:
    counts = {}
    async with runtime.db.engine.connect() as conn:
        for model in (Intake, IntakeTeamMember, IntakeRevision, IntakeSignOff, Event, ExternalRef):
            table = table_of(model)
            counts[table.name] = (
                await conn.execute(select(func.count()).select_from(table))
            ).scalar_one()
    return counts


async def event_payloads(runtime: Runtime, intake_id: str, type_: str) -> list[dict[str, Any]]:
    events = table_of(Event).c
    async with runtime.db.engine.connect() as conn:
        rows = await conn.execute(
            select(events.payload)
            .where(events.subject_id == intake_id, events.type == type_)
            .order_by(events.id)
        )
        return [dict(p) for p in rows.scalars()]


async def test_a_change_that_fails_after_applying_leaves_no_event_and_no_change(
    client, make_user, runtime
):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    url = await agreed_intake(client, recruiter, manager)
    intake_id = url.rsplit("/", 1)[1]
    before_read = await act(client, recruiter, "GET", url)
    before_events = await events_of(runtime, intake_id)
    before_counts = await row_counts(runtime)

    # Material (clears sign-offs, new revision, back to review) and cosmetic, then a failure.
    failed = await act(
        client,
        recruiter,
        "PATCH",
        FAIL_ROUTE.format(id=intake_id),
        json={"headcount": 9, "department": "Elsewhere"},
    )
    assert failed.status_code == 409, failed.text
    assert failed.json()["detail"] == "failing on purpose after changing the intake"
    after_read = await act(client, recruiter, "GET", url)
    assert after_read.headers["etag"] == before_read.headers["etag"]
    assert after_read.json() == before_read.json()
    assert after_read.json()["status"] == "agreed"
    assert await events_of(runtime, intake_id) == before_events
    assert await row_counts(runtime) == before_counts

    # The same change through the real route commits the change and its event together.
    done = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": before_read.headers["etag"]},
        json={"headcount": 9, "department": "Elsewhere"},
    )
    assert done.status_code == 200, done.text
    events = await events_of(runtime, intake_id)
    assert events[len(before_events) :] == ["intake.updated", "intake.status_changed"]
    [updated] = await event_payloads(runtime, intake_id, "intake.updated")
    assert updated["material"] is True
    assert updated["changes"] == {
        "headcount": {"from": 2, "to": 9},
        "department": {"from": "Payments", "to": "Elsewhere"},
    }
    assert updated["revision"] == 2


async def test_an_upsert_that_fails_on_its_external_ids_keeps_nothing(
    client, make_user, make_api_key, runtime
):
    """The update is applied (and its event recorded) before the body's external ids are linked;
    an id that belongs to another intake fails the request, which must undo the update too."""
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    key = await make_api_key("intakes:write")
    body = intake_body(recruiter, manager)
    other = await client.put(f"{BASE}/by-external-id/lever/1", headers=key.headers(), json=body)
    assert other.status_code == 201, other.text
    mine = await client.put(f"{BASE}/by-external-id/lever/2", headers=key.headers(), json=body)
    assert mine.status_code == 201, mine.text
    intake_id = mine.json()["id"]
    before_events = await events_of(runtime, intake_id)
    before_counts = await row_counts(runtime)

    clash = await client.put(
        f"{BASE}/by-external-id/lever/2",
        headers=key.headers(),
        json={
            **body,
            "title": "Renamed",
            "external_ids": [{"source": "lever", "external_id": "1"}],
        },
    )
    assert clash.status_code == 409, clash.text
    assert clash.json()["existing_id"] == other.json()["id"]
    stored = await client.get(f"{BASE}/{intake_id}", headers=key.headers())
    assert stored.json()["title"] == "Senior Backend Engineer"
    assert stored.headers["etag"] == mine.headers["etag"]
    assert await events_of(runtime, intake_id) == before_events
    assert await row_counts(runtime) == before_counts


async def test_a_create_that_fails_on_its_external_ids_keeps_nothing(
    client, make_user, make_api_key, runtime
):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    key = await make_api_key("intakes:write")
    body = intake_body(recruiter, manager, external_ids=[{"source": "ashby", "external_id": "7"}])
    first = await client.post(BASE, headers=key.headers(), json=body)
    assert first.status_code == 201, first.text
    assert first.json()["external_ids"] == [{"source": "ashby", "external_id": "7"}]
    before = await row_counts(runtime)
    second = await client.post(BASE, headers=key.headers(), json=body)
    assert second.status_code == 409, second.text
    assert await row_counts(runtime) == before


async def test_each_lifecycle_step_writes_its_events_once(client, make_user, runtime):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
    intake_id = created.json()["id"]
    url = f"{BASE}/{intake_id}"
    # A PATCH that changes nothing writes nothing.
    same = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": created.headers["etag"]},
        json={"title": "Senior Backend Engineer", "currency": "eur"},
    )
    assert same.status_code == 200, same.text
    assert same.headers["etag"] == created.headers["etag"]
    # A refused transition writes nothing.
    assert (await act(client, recruiter, "POST", f"{url}/open")).status_code == 409
    # Signing twice writes one event.
    await act(client, recruiter, "POST", f"{url}/submit-for-review")
    for _ in range(2):
        signed = await act(client, recruiter, "POST", f"{url}/sign-off", json={"revision": 1})
        assert signed.status_code == 200, signed.text
    assert await events_of(runtime, intake_id) == [
        "intake.created",
        "intake.submitted",
        "intake.status_changed",
        "intake.signed_off",
    ]
    [created_event] = await event_payloads(runtime, intake_id, "intake.created")
    assert created_event["recruiter_id"] == str(recruiter.id)
    assert created_event["hiring_manager_id"] == str(manager.id)
    [status] = await event_payloads(runtime, intake_id, "intake.status_changed")
    assert (status["from"], status["to"]) == ("draft", "in_review")
