"""Payloads recorded by a real hiring loop validate against the catalogue's schemas, and
webhook bodies carry a snapshot as of the event, not as of delivery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.models import Event
from app.services.events.catalogue import CATALOGUE
from tests.support.evaluations import loop, own_evaluation, schedule, submitted


async def test_a_hiring_loop_records_payloads_that_match_their_schemas(client, runtime, make_user):
    setting = await loop(client, make_user)
    lead = setting.interviewers[0]
    starts = datetime.now(UTC) - timedelta(hours=2)
    interview = await schedule(client, setting, [(lead, "lead")], starts_at=starts)
    evaluation = await own_evaluation(client, lead, interview["id"])
    await submitted(client, setting, lead, evaluation["id"])
    moved = await client.post(
        f"/api/v1/applications/{setting.application_id}/reject",
        headers=setting.recruiter.headers,
        json={"reason_code": "qualified_not_selected"},
    )
    async with runtime.db.unit_of_work(write=False) as session:
        events = list((await session.execute(select(Event))).scalars())
    seen = set()
    for event in events:
        entry = CATALOGUE[event.type]
        entry.data.model_validate(event.payload)
        seen.add(event.type)
    expected = {
        "intake.created",
        "intake.submitted",
        "intake.signed_off",
        "intake.agreed",
        "interview_plan.created",
        "candidate.created",
        "application.created",
        "interview.scheduled",
        "evaluation.submitted",
    }
    assert expected <= seen, expected - seen
    assert moved.status_code == 200, moved.text
    assert {"application.stage_changed", "application.rejected"} <= seen
