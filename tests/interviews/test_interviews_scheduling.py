"""Scheduling interviews: the panel comes from the stage's pool, the lead is qualified (or an
override is recorded), nobody is double-booked, times make sense; pending evaluations open."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.models.base import table_of
from app.models.interviews import Evaluation, Interview
from app.platform.runtime import Runtime
from tests.support.candidates import subject_events
from tests.support.harness import MakeUser
from tests.support.intakes import act
from tests.support.interviews import (
    EVALUATIONS,
    INTERVIEWS,
    another_application,
    hours_from_now,
    panel_setting,
    schedule,
    scheduled,
)


async def count_rows(runtime: Runtime, model: type) -> int:
    async with runtime.db.engine.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(table_of(model)))).scalar_one()
        )


async def test_scheduling_records_the_plan_stage_and_opens_one_evaluation_per_interviewer(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await panel_setting(client, make_user, runtime, feedback_sla_hours=24)
    starts = hours_from_now(48).replace(microsecond=0)
    interview = await scheduled(
        client,
        setting,
        starts,
        [(setting.lead, "lead"), (setting.second, "interviewer"), (setting.trainee, "shadow")],
        timezone="Europe/Berlin",
        video_url="https://meet.example.com/abc",
    )
    assert interview["status"] == "scheduled"
    assert interview["stage_id"] == setting.technical
    assert interview["stage_name"] == "Technical interview"
    assert interview["plan_id"] == setting.plan["id"]
    assert interview["plan_version"] == setting.plan["plan_version"]
    assert interview["timezone"] == "Europe/Berlin"
    assert interview["sequence"] == 0
    assert datetime.fromisoformat(interview["starts_at"]) == starts
    assert [(p["user_id"], p["role"]) for p in interview["interviewers"]] == [
        (str(setting.lead.id), "lead"),
        (str(setting.second.id), "interviewer"),
        (str(setting.trainee.id), "shadow"),
    ]
    assert interview["override_reason"] is None

    listed = await act(
        client, setting.recruiter, "GET", EVALUATIONS, params={"interview_id": interview["id"]}
    )
    assert listed.status_code == 200, listed.text
    evaluations = listed.json()["data"]
    # Shadows do not owe an evaluation unless the plan asks.
    assert sorted(e["interviewer_id"] for e in evaluations) == sorted(
        [str(setting.lead.id), str(setting.second.id)]
    )
    ends = datetime.fromisoformat(interview["ends_at"])
    for evaluation in evaluations:
        assert evaluation["status"] == "pending"
        assert datetime.fromisoformat(evaluation["due_at"]) == ends + timedelta(hours=24)
        assert [c["id"] for c in evaluation["competencies"]] == setting.competency_ids[:2]

    events = await subject_events(runtime, interview["id"])
    assert [t for t, _ in events] == ["interview.scheduled"]
    assert events[0][1]["application_id"] == setting.application_id


async def test_shadows_evaluate_when_the_plan_asks(client, make_user: MakeUser, runtime: Runtime):
    setting = await panel_setting(client, make_user, runtime, shadows_evaluate=True)
    interview = await scheduled(
        client,
        setting,
        hours_from_now(30),
        [(setting.lead, "lead"), (setting.trainee, "shadow")],
    )
    listed = await act(
        client, setting.recruiter, "GET", EVALUATIONS, params={"interview_id": interview["id"]}
    )
    roles = {e["interviewer_id"]: e["panel_role"] for e in listed.json()["data"]}
    assert roles == {str(setting.lead.id): "lead", str(setting.trainee.id): "shadow"}


async def test_the_panel_must_come_from_the_stage_pool(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await panel_setting(client, make_user, runtime)
    outsider = await make_user()
    before = await count_rows(runtime, Interview)
    response = await schedule(
        client,
        setting.recruiter,
        setting.application_id,
        setting.technical,
        hours_from_now(30),
        [(setting.lead, "lead"), (outsider, "interviewer")],
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"][0]["location"] == "body.interviewers[1].user_id"
    assert problem["errors"][0]["code"] == "not_in_pool"
    # The manager is in the other stage's pool, not this one's.
    response = await schedule(
        client,
        setting.recruiter,
        setting.application_id,
        setting.technical,
        hours_from_now(30),
        [(setting.manager, "lead")],
    )
    assert response.status_code == 422, response.text
    assert await count_rows(runtime, Interview) == before
    assert await count_rows(runtime, Evaluation) == 0


async def test_an_unqualified_lead_needs_an_override_which_is_recorded(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await panel_setting(client, make_user, runtime)
    refused = await schedule(
        client,
        setting.recruiter,
        setting.application_id,
        setting.technical,
        hours_from_now(30),
        [(setting.second, "lead")],
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0] == {
        "location": "body.interviewers[0].role",
        "message": "not qualified to lead this stage",
        "code": "not_qualified",
    }
    interview = await scheduled(
        client,
        setting,
        hours_from_now(30),
        [(setting.second, "lead")],
        override_reason="Only person free this week; shadowed twice on another plan.",
    )
    assert interview["override_reason"].startswith("Only person free")
    assert interview["interviewers"] == [
        {"user_id": str(setting.second.id), "role": "lead", "unqualified_lead": True}
    ]
    (_, payload), *_ = await subject_events(runtime, interview["id"])
    assert payload["override_reason"].startswith("Only person free")
    # A qualified lead does not record the (unneeded) override.
    other = await another_application(client, setting)
    qualified = await scheduled(
        client,
        setting,
        hours_from_now(60),
        [(setting.lead, "lead")],
        application_id=other,
        override_reason="not needed",
    )
    assert qualified["override_reason"] is None
    assert qualified["interviewers"][0]["unqualified_lead"] is False


async def test_an_expired_qualification_does_not_count(
    client, make_user: MakeUser, runtime: Runtime, manual_clock
):
    setting = await panel_setting(client, make_user, runtime)
    manual_clock.advance(366 * 24 * 3600)  # the lead's qualification ran out
    response = await schedule(
        client,
        setting.recruiter,
        setting.application_id,
        setting.technical,
        manual_clock.now + timedelta(days=1),
        [(setting.lead, "lead")],
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["code"] == "not_qualified"


async def test_nobody_is_double_booked(client, make_user: MakeUser, runtime: Runtime):
    setting = await panel_setting(client, make_user, runtime)
    other = await another_application(client, setting)
    starts = hours_from_now(72).replace(minute=0, second=0, microsecond=0)
    first = await scheduled(client, setting, starts, [(setting.lead, "lead")])

    # The lead is busy 30 minutes into the first interview.
    clash = await schedule(
        client,
        setting.recruiter,
        other,
        setting.technical,
        starts + timedelta(minutes=30),
        [(setting.second, "interviewer"), (setting.lead, "lead")],
    )
    assert clash.status_code == 409, clash.text
    problem = clash.json()
    assert problem["type"] == "/problems/double-booked"
    assert problem["conflicts"] == [
        {
            "user_id": str(setting.lead.id),
            "interview_id": first["id"],
            "starts_at": first["starts_at"].replace("+00:00", "Z"),
            "ends_at": first["ends_at"].replace("+00:00", "Z"),
        }
    ]
    # The candidate cannot be in two interviews at once either.
    candidate_clash = await schedule(
        client,
        setting.recruiter,
        setting.application_id,
        setting.technical,
        starts + timedelta(minutes=15),
        [(setting.second, "lead")],
        override_reason="The usual lead is busy.",
    )
    assert candidate_clash.status_code == 409, candidate_clash.text
    assert candidate_clash.json()["conflicts"][0]["candidate_id"] == setting.candidate_id

    # Back to back is fine, and a cancelled interview frees the time.
    await scheduled(
        client,
        setting,
        starts + timedelta(minutes=60),
        [(setting.lead, "lead")],
        application_id=other,
    )
    cancelled = await act(
        client,
        setting.recruiter,
        "POST",
        f"{INTERVIEWS}/{first['id']}/cancel",
        json={"reason": "Candidate asked to move"},
    )
    assert cancelled.status_code == 200, cancelled.text
    await scheduled(client, setting, starts, [(setting.lead, "lead")])


async def test_times_and_inputs_are_validated_without_writing(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await panel_setting(client, make_user, runtime)
    starts = hours_from_now(30)
    base = {
        "application_id": setting.application_id,
        "stage_id": setting.technical,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "interviewers": [{"user_id": str(setting.lead.id), "role": "lead"}],
    }
    lead = {"user_id": str(setting.lead.id), "role": "lead"}
    second = {"user_id": str(setting.second.id), "role": "lead"}
    bad_bodies = [
        {**base, "ends_at": starts.isoformat()},  # ends when it starts
        {**base, "ends_at": (starts - timedelta(hours=1)).isoformat()},
        {**base, "ends_at": (starts + timedelta(hours=13)).isoformat()},  # too long
        {**base, "starts_at": "2026-12-01T10:00:00"},  # no time zone
        {**base, "timezone": "Mars/Olympus"},
        {**base, "interviewers": []},
        {**base, "interviewers": [lead, lead]},
        {**base, "interviewers": [lead, second]},  # two leads
        {**base, "interviewers": [{"user_id": str(setting.trainee.id), "role": "shadow"}]},
        {**base, "interviewers": [{"user_id": str(setting.lead.id), "role": "boss"}]},
        {**base, "stage_id": "not-a-uuid"},
        {**base, "stage_id": "0190c8a4-7d7e-7000-8000-000000000000"},  # not in the plan
        {**base, "application_id": "0190c8a4-7d7e-7000-8000-000000000000"},
        {**base, "video_url": "javascript:alert(1)"},
        {**base, "video_url": "https://meet.example.com/" + "x" * 2000},  # longer than stored
        {**base, "override_reason": ""},
        {**base, "surprise": True},
    ]
    for body in bad_bodies:
        response = await act(client, setting.recruiter, "POST", INTERVIEWS, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert await count_rows(runtime, Interview) == 0


async def test_a_closed_application_cannot_be_scheduled(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await panel_setting(client, make_user, runtime)
    rejected = await act(
        client,
        setting.recruiter,
        "POST",
        f"/api/v1/applications/{setting.application_id}/reject",
        json={"reason_code": "not_qualified"},
    )
    assert rejected.status_code == 200, rejected.text
    response = await schedule(
        client,
        setting.recruiter,
        setting.application_id,
        setting.technical,
        hours_from_now(30),
        [(setting.lead, "lead")],
    )
    assert response.status_code == 409, response.text
    assert response.json()["current_status"] == "rejected"


async def test_a_past_interview_can_be_recorded_for_a_back_fill(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await panel_setting(client, make_user, runtime)
    past = datetime.now(UTC) - timedelta(days=3)
    interview = await scheduled(client, setting, past, [(setting.lead, "lead")])
    completed = await act(
        client, setting.recruiter, "POST", f"{INTERVIEWS}/{interview['id']}/complete"
    )
    assert completed.status_code == 200, completed.text
    assert completed.json()["status"] == "completed"


async def test_two_bookings_of_one_person_at_once_cannot_both_succeed(
    client, make_user: MakeUser, runtime: Runtime
):
    """The panel's rows are locked before the busy check, so racing requests are checked one
    after the other: one books the lead, the other is told the lead is busy."""
    setting = await panel_setting(client, make_user, runtime)
    others = [await another_application(client, setting, f"Racer {i}") for i in range(4)]
    starts = hours_from_now(96).replace(minute=0, second=0, microsecond=0)
    responses = await asyncio.gather(
        *(
            schedule(
                client,
                setting.recruiter,
                application_id,
                setting.technical,
                starts + timedelta(minutes=10 * i),
                [(setting.lead, "lead")],
            )
            for i, application_id in enumerate(others)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409], [r.text for r in responses]
    assert await count_rows(runtime, Interview) == 1
