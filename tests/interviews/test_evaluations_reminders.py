"""Evaluations still owed are reminded an hour after the interview and daily after that,
flagged overdue at the due time and escalated to the hiring manager and the recruiter at
twice the feedback SLA; reschedules move the clock, panel changes and cancellations follow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.models.base import table_of
from app.models.interviews import NotificationIntent
from app.platform.jobs import enqueue
from app.platform.runtime import Runtime
from app.services.interviews.reminders import process_due
from app.worker import Worker
from tests.support.candidates import subject_events
from tests.support.evaluations import (
    INTERVIEWS,
    at,
    listed,
    loop,
    own_evaluation,
    read,
    save,
    schedule,
    submitted,
)
from tests.support.harness import MakeUser, ManualClock
from tests.support.intakes import act

HOUR = 3600
NOTHING = {"reminders": 0, "overdue": 0, "escalated": 0}


async def run(runtime: Runtime) -> dict[str, int]:
    async with runtime.db.unit_of_work(write=True) as session:
        return await process_due(session)


async def intents(runtime: Runtime) -> list[tuple[str, str, str]]:
    """(kind, recipient id, evaluation id) of every notification intent, oldest first."""
    table = table_of(NotificationIntent).c
    async with runtime.db.engine.connect() as conn:
        rows = await conn.execute(
            select(table.kind, table.recipient_id, table.subject_id, table.payload).order_by(
                table.created_at, table.id
            )
        )
        out = []
        for row in rows:
            assert row.payload["evaluation_id"] == str(row.subject_id)
            assert {"interview_id", "application_id", "due_at"} <= set(row.payload)
            out.append((row.kind, str(row.recipient_id), str(row.subject_id)))
        return out


def kinds_for(found: list[tuple[str, str, str]], evaluation_id: str) -> list[str]:
    return [kind for kind, _, subject in found if subject == evaluation_id]


async def test_reminders_overdue_and_escalation_walk_with_the_clock(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    setting = await loop(client, make_user, sla_hours=24)
    slow, quick, _ = setting.interviewers
    start = manual_clock.now + timedelta(hours=2)
    end = start + timedelta(hours=1)
    interview = await schedule(
        client, setting, [(slow, "interviewer"), (quick, "interviewer")], starts_at=start
    )
    owed = (await own_evaluation(client, slow, interview["id"]))["id"]
    done = (await own_evaluation(client, quick, interview["id"]))["id"]
    etag = (await read(client, slow, owed)).headers["etag"]

    # Nothing before an hour after the interview ends.
    manual_clock.now = end + timedelta(minutes=59)
    assert await run(runtime) == NOTHING
    manual_clock.now = end + timedelta(hours=1)
    assert await run(runtime) == {"reminders": 2, "overdue": 0, "escalated": 0}
    assert await run(runtime) == NOTHING  # once
    found = await intents(runtime)
    assert sorted(found) == sorted(
        [
            ("evaluation.reminder", str(slow.id), owed),
            ("evaluation.reminder", str(quick.id), done),
        ]
    )
    # Bookkeeping is not a change of the evaluation: the author's ETag still holds.
    assert (await read(client, slow, owed)).headers["etag"] == etag

    # One of them submits: nothing more for that one.
    manual_clock.now = end + timedelta(hours=2)
    await submitted(client, setting, quick, done)

    manual_clock.now = end + timedelta(hours=24) - timedelta(seconds=1)
    assert await run(runtime) == NOTHING
    manual_clock.now = end + timedelta(hours=24)
    assert await run(runtime) == {"reminders": 0, "overdue": 1, "escalated": 0}
    events = await subject_events(runtime, owed)
    assert [t for t, _ in events] == ["evaluation.overdue"]
    assert events[0][1]["interviewer_id"] == str(slow.id)
    assert at(events[0][1]["due_at"]) == end + timedelta(hours=24)
    # Submitting at the due time is still on time, so the flag shows from just after it.
    assert (await read(client, setting.recruiter, owed)).json()["overdue"] is False
    manual_clock.advance(1)
    assert (await read(client, setting.recruiter, owed)).json()["overdue"] is True
    manual_clock.now = end + timedelta(hours=25)
    assert await run(runtime) == {"reminders": 1, "overdue": 0, "escalated": 0}
    assert kinds_for(await intents(runtime), owed) == [
        "evaluation.reminder",
        "evaluation.overdue",
        "evaluation.daily_reminder",
    ]

    # Escalation at twice the SLA, to the hiring manager and the recruiter.
    manual_clock.now = end + timedelta(hours=48) - timedelta(seconds=1)
    assert await run(runtime) == NOTHING
    manual_clock.now = end + timedelta(hours=48)
    assert await run(runtime) == {"reminders": 0, "overdue": 0, "escalated": 1}
    found = await intents(runtime)
    escalated = sorted(r for k, r, s in found if k == "evaluation.escalated" and s == owed)
    assert escalated == sorted([str(setting.manager.id), str(setting.recruiter.id)])
    assert [t for t, _ in await subject_events(runtime, owed)] == [
        "evaluation.overdue",
        "evaluation.escalated",
    ]
    assert await run(runtime) == NOTHING

    # A worker that was down for days (the 49 h reminder and three more missed) sends one
    # reminder, not the backlog, and the next one keeps the daily rhythm.
    manual_clock.now = end + timedelta(hours=49 + 24 * 3 + 5)
    assert await run(runtime) == {"reminders": 1, "overdue": 0, "escalated": 0}
    assert await run(runtime) == NOTHING
    manual_clock.now = end + timedelta(hours=49 + 24 * 4) - timedelta(seconds=1)
    assert await run(runtime) == NOTHING
    manual_clock.now = end + timedelta(hours=49 + 24 * 4)
    assert await run(runtime) == {"reminders": 1, "overdue": 0, "escalated": 0}
    found = await intents(runtime)
    assert kinds_for(found, done) == ["evaluation.reminder"]
    assert kinds_for(found, owed).count("evaluation.daily_reminder") == 3
    assert {r for _, r, s in found if s == owed and "reminder" in _} == {str(slow.id)}

    # Submitting, late, ends it.
    await submitted(client, setting, slow, owed)
    manual_clock.advance(10 * 24 * HOUR)
    assert await run(runtime) == NOTHING
    assert [t for t, _ in await subject_events(runtime, owed)][-1] == "evaluation.submitted"


async def test_rescheduling_moves_the_clock_and_resets_the_markers(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    setting = await loop(client, make_user, sla_hours=8)
    person = setting.interviewers[0]
    start = manual_clock.now + timedelta(hours=1)
    interview = await schedule(client, setting, [(person, "interviewer")], starts_at=start)
    evaluation_id = (await own_evaluation(client, person, interview["id"]))["id"]
    old_end = start + timedelta(hours=1)

    # Moved two days later before it happens: the old times pass without a word.
    new_start = start + timedelta(days=2)
    new_end = new_start + timedelta(hours=1)
    moved = await act(
        client,
        setting.recruiter,
        "POST",
        f"{INTERVIEWS}/{interview['id']}/reschedule",
        json={"starts_at": new_start.isoformat(), "ends_at": new_end.isoformat()},
    )
    assert moved.status_code == 200, moved.text
    body = (await read(client, person, evaluation_id)).json()
    assert at(body["due_at"]) == new_end + timedelta(hours=8)
    assert body["status"] == "pending"
    manual_clock.now = old_end + timedelta(hours=20)  # old due, old escalation passed
    assert await run(runtime) == NOTHING
    manual_clock.now = new_end + timedelta(hours=1)
    assert await run(runtime) == {"reminders": 1, "overdue": 0, "escalated": 0}
    manual_clock.now = new_end + timedelta(hours=8)
    assert await run(runtime) == {"reminders": 0, "overdue": 1, "escalated": 0}


async def test_panel_changes_open_and_cancel_evaluations_but_never_touch_submitted_ones(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    setting = await loop(client, make_user, sla_hours=24)
    a, b, c = setting.interviewers
    start = manual_clock.now + timedelta(hours=1)
    interview = await schedule(
        client, setting, [(a, "interviewer"), (b, "interviewer")], starts_at=start
    )
    a_id = (await own_evaluation(client, a, interview["id"]))["id"]
    b_id = (await own_evaluation(client, b, interview["id"]))["id"]
    # A writes theirs early (it ran short in their head); B has a draft.
    manual_clock.now = start + timedelta(minutes=30)
    a_done = await submitted(client, setting, a, a_id)
    await save(client, b, b_id, {"summary": "half-way"})

    new_start = start + timedelta(days=1)
    swapped = await act(
        client,
        setting.recruiter,
        "POST",
        f"{INTERVIEWS}/{interview['id']}/reschedule",
        json={
            "starts_at": new_start.isoformat(),
            "ends_at": (new_start + timedelta(hours=1)).isoformat(),
            "interviewers": [
                {"user_id": str(a.id), "role": "lead"},
                {"user_id": str(c.id), "role": "interviewer"},
            ],
            "override_reason": "Scheduled for a test of evaluations.",
        },
    )
    assert swapped.status_code == 200, swapped.text
    rows = {r["interviewer_id"]: r for r in await listed(client, setting.recruiter)}
    # The submitted one is untouched (same due time, same submission).
    a_now = (await read(client, a, a_id)).json()
    for key in ("status", "due_at", "submitted_at", "turnaround_seconds", "on_time", "updated_at"):
        assert a_now[key] == a_done[key], key
    assert rows[str(b.id)]["status"] == "cancelled"
    assert rows[str(c.id)]["status"] == "pending"
    assert at(rows[str(c.id)]["due_at"]) == new_start + timedelta(hours=25)
    assert await listed(client, b, "/api/v1/me/evaluations") == []
    assert (await save(client, b, b_id, {"summary": "more"})).status_code == 409

    # B back on the panel: the draft comes back with the new deadline.
    back = await act(
        client,
        setting.recruiter,
        "POST",
        f"{INTERVIEWS}/{interview['id']}/reschedule",
        json={
            "starts_at": new_start.isoformat(),
            "ends_at": (new_start + timedelta(hours=2)).isoformat(),
            "interviewers": [
                {"user_id": str(a.id), "role": "lead"},
                {"user_id": str(b.id), "role": "interviewer"},
                {"user_id": str(c.id), "role": "interviewer"},
            ],
            "override_reason": "Scheduled for a test of evaluations.",
        },
    )
    assert back.status_code == 200, back.text
    b_now = (await read(client, b, b_id)).json()
    assert (b_now["status"], b_now["summary"]) == ("draft", "half-way")
    assert at(b_now["due_at"]) == new_start + timedelta(hours=26)
    c_now = await own_evaluation(client, c, interview["id"])
    assert at(c_now["due_at"]) == new_start + timedelta(hours=26)

    # Only the open ones are reminded.
    manual_clock.now = new_start + timedelta(hours=3)
    assert await run(runtime) == {"reminders": 2, "overdue": 0, "escalated": 0}
    assert {s for _, _, s in await intents(runtime)} == {b_id, c_now["id"]}


async def test_cancelled_and_no_show_interviews_stop_the_reminders(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    setting = await loop(client, make_user, sla_hours=24)
    a, b, _ = setting.interviewers
    start = manual_clock.now + timedelta(hours=1)
    cancelled = await schedule(client, setting, [(a, "interviewer")], starts_at=start)
    no_show = await schedule(
        client, setting, [(b, "interviewer")], starts_at=start + timedelta(hours=2)
    )
    cancelled_id = (await own_evaluation(client, a, cancelled["id"]))["id"]
    no_show_id = (await own_evaluation(client, b, no_show["id"]))["id"]
    response = await act(
        client,
        setting.recruiter,
        "POST",
        f"{INTERVIEWS}/{cancelled['id']}/cancel",
        json={"reason": "The candidate asked to move it"},
    )
    assert response.status_code == 200, response.text
    manual_clock.now = start + timedelta(hours=2, minutes=5)
    response = await act(client, setting.recruiter, "POST", f"{INTERVIEWS}/{no_show['id']}/no-show")
    assert response.status_code == 200, response.text

    for person, evaluation_id in ((a, cancelled_id), (b, no_show_id)):
        body = (await read(client, setting.recruiter, evaluation_id)).json()
        assert (body["status"], body["overdue"]) == ("cancelled", False)
        assert await listed(client, person, "/api/v1/me/evaluations") == []
        ids = {r["id"] for r in await listed(client, setting.recruiter, status="cancelled")}
        assert evaluation_id in ids
        submit = await act(client, person, "POST", f"/api/v1/evaluations/{evaluation_id}/submit")
        assert submit.status_code == 409, submit.text
    manual_clock.advance(5 * 24 * HOUR)
    assert await run(runtime) == NOTHING
    assert await intents(runtime) == []
    assert await listed(client, setting.recruiter, status="overdue") == []


async def test_the_worker_runs_the_reminder_job(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    setting = await loop(client, make_user, sla_hours=4)
    person = setting.interviewers[0]
    start = manual_clock.now - timedelta(hours=3)
    interview = await schedule(client, setting, [(person, "interviewer")], starts_at=start)
    evaluation_id = (await own_evaluation(client, person, interview["id"]))["id"]
    # An hour and a half after the end: the first reminder only.
    manual_clock.now = start + timedelta(hours=2, minutes=30)
    async with runtime.db.unit_of_work(write=True) as session:
        enqueue(session, "evaluations.remind")
    await Worker(runtime).run_until_idle()
    found: list[Any] = await intents(runtime)
    assert found == [("evaluation.reminder", str(person.id), evaluation_id)]
    assert await run(runtime) == NOTHING
