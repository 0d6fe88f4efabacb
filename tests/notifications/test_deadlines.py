"""Intake deadlines reach people: shortlist due in 2 days and overdue, sign-off waiting."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from app.core.clock import utcnow
from app.core.roles import Role
from app.models import Intake, NotificationIntent
from app.services.notifications.deadlines import notify_deadlines
from app.services.notifications.delivery import notify_job
from tests.support.intakes import act, agreed_intake, intake_body


async def _run(runtime) -> dict[str, int]:
    async with runtime.db.unit_of_work(write=True) as session:
        return await notify_deadlines(session)


async def _intents(runtime) -> list[tuple[str, object]]:
    async with runtime.db.unit_of_work(write=False) as session:
        rows = (await session.execute(select(NotificationIntent))).scalars()
        return sorted((i.kind, i.recipient_id) for i in rows)


async def _set(runtime, intake_id: str, **values: object) -> None:
    import uuid

    async with runtime.db.unit_of_work(write=True) as session:
        await session.execute(
            update(Intake).where(Intake.id == uuid.UUID(intake_id)).values(**values)  # type: ignore[arg-type]
        )


async def test_shortlist_due_soon_then_overdue_once_each(client, runtime, make_user):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    url = await agreed_intake(client, recruiter, manager)
    intake_id = url.rsplit("/", 1)[1]
    today = utcnow().date()
    await _set(runtime, intake_id, shortlist_due_date=today + timedelta(days=1))
    assert (await _run(runtime))["shortlist_due"] == 1
    assert (await _run(runtime))["shortlist_due"] == 0  # once
    await _set(runtime, intake_id, shortlist_due_date=today - timedelta(days=1))
    assert (await _run(runtime))["shortlist_overdue"] == 1
    assert await _intents(runtime) == sorted(
        [
            ("intake.shortlist_due", recruiter.id),
            ("intake.shortlist_overdue", recruiter.id),
            ("intake.shortlist_overdue", manager.id),
        ]
    )
    await notify_job(runtime.db, {})
    inbox = (await client.get("/api/v1/me/notifications", headers=manager.headers)).json()
    assert [n["title"] for n in inbox["data"]] == ["A shortlist is overdue"]
    assert inbox["data"][0]["link"] == f"/api/v1/intakes/{intake_id}"


async def test_sign_off_waiting_tells_only_who_has_not_signed(client, runtime, make_user):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    created = await act(
        client, recruiter, "POST", "/api/v1/intakes", json=intake_body(None, manager)
    )
    url = f"/api/v1/intakes/{created.json()['id']}"
    await act(client, recruiter, "POST", f"{url}/submit-for-review")
    await act(client, recruiter, "POST", f"{url}/sign-off", json={"revision": 1})
    assert (await _run(runtime))["sign_off_waiting"] == 0  # not 2 days yet
    await _set(runtime, created.json()["id"], status_changed_at=utcnow() - timedelta(days=3))
    assert (await _run(runtime))["sign_off_waiting"] == 1
    assert (await _run(runtime))["sign_off_waiting"] == 0
    assert await _intents(runtime) == [("intake.sign_off_waiting", manager.id)]
