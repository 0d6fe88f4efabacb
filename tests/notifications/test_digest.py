"""The pipeline digest: on the intake's cadence day, once per period, with known numbers."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from app.core.roles import Role
from app.models import Intake, NotificationIntent
from app.services.notifications.delivery import notify_job
from app.services.notifications.digest import WEEKDAYS, send_digests
from tests.support.candidates import new_candidate
from tests.support.intakes import agreed_intake
from tests.support.pipeline import apply


async def _digests(runtime) -> int:
    async with runtime.db.unit_of_work(write=True) as session:
        return await send_digests(session)


async def test_weekly_digest_on_the_cadence_day(client, runtime, make_user, manual_clock):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    url = await agreed_intake(client, recruiter, manager)
    intake_id = uuid.UUID(url.rsplit("/", 1)[1])
    for name in ("Ada One", "Bo Two"):
        person = await new_candidate(client, recruiter, name)
        await apply(client, recruiter, person["id"], str(intake_id))
    tomorrow = WEEKDAYS[(manual_clock.now.weekday() + 1) % 7]
    async with runtime.db.unit_of_work(write=True) as session:
        await session.execute(
            update(Intake)
            .where(Intake.id == intake_id)  # type: ignore[arg-type]
            .values(sync_cadence={"frequency": "weekly", "weekday": tomorrow})
        )
    assert await _digests(runtime) == 0  # not its day
    manual_clock.advance(24 * 3600)
    assert await _digests(runtime) == 1
    assert await _digests(runtime) == 0  # once a week
    async with runtime.db.unit_of_work(write=False) as session:
        intents = list((await session.execute(select(NotificationIntent))).scalars())
    assert sorted(i.recipient_id for i in intents) == sorted([recruiter.id, manager.id])
    payload = intents[0].payload
    assert payload["new_candidates"] == 2
    assert payload["days"] == 7
    assert payload["pending_reviews"] == 0
    await notify_job(runtime.db, {})
    inbox = (await client.get("/api/v1/me/notifications", headers=manager.headers)).json()
    assert inbox["data"][0]["title"].startswith("Pipeline digest: ")
    assert "2 new candidates" in inbox["data"][0]["body"]
    manual_clock.advance(7 * 24 * 3600)
    assert await _digests(runtime) == 1  # next week's
