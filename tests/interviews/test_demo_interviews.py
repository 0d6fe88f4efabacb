"""The demo's interviews, evaluations and debrief decisions: consistent with the applications'
histories, the plans' pools and training, the SLA, and readable through the API."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.demo.seed import seed_demo
from app.models.base import table_of
from app.models.candidates import Application, StageChange
from app.models.interviews import (
    ApplicationDecision,
    Evaluation,
    Interview,
    InterviewParticipant,
)
from app.models.plans import TrainingRecord, TrainingState
from app.platform.runtime import Runtime
from app.schemas.evaluations import DebriefRead
from tests.support.harness import TEST_SECRET, Actor, ManualClock, empty_all_tables
from tests.support.intakes import act


async def seeded(runtime: Runtime) -> dict[str, list[Any]]:
    """Seed the demo and read back the rows this feature adds."""
    async with runtime.db.unit_of_work(write=True) as session:
        await seed_demo(session, TEST_SECRET)
    out: dict[str, list[Any]] = {}
    async with runtime.db.unit_of_work(write=False) as session:
        for name, model in (
            ("interviews", Interview),
            ("participants", InterviewParticipant),
            ("evaluations", Evaluation),
            ("decisions", ApplicationDecision),
            ("moves", StageChange),
            ("applications", Application),
            ("training", TrainingRecord),
        ):
            out[name] = list((await session.execute(select(table_of(model)))).mappings())
    return out


def shape(rows: dict[str, list[Any]]) -> Counter[Any]:
    """What the demo holds, without ids: the same every time for the same clock."""
    return Counter(
        [("interview", r["status"], r["stage_name"], r["starts_at"]) for r in rows["interviews"]]
        + [
            ("evaluation", r["status"], r["recommendation"], r["on_time"], r["submitted_at"])
            for r in rows["evaluations"]
        ]
        + [("decision", r["decision"], r["decided_at"]) for r in rows["decisions"]]
    )


async def test_the_demo_has_interviews_scorecards_and_decisions(
    client, runtime: Runtime, admin: Actor, manual_clock: ManualClock
):
    rows = await seeded(runtime)
    now = manual_clock.now
    interviews = {r["id"]: r for r in rows["interviews"]}
    assert len(interviews) >= 40
    assert {str(r["status"]) for r in interviews.values()} >= {"completed", "cancelled"}
    assert all(r["starts_at"] < r["ends_at"] for r in interviews.values())

    # Every lead is qualified for the stage, or the override is on record.
    qualified = {
        (r["plan_id"], str(r["stage_id"]), r["user_id"])
        for r in rows["training"]
        if r["state"] == TrainingState.QUALIFIED
    }
    leads = [r for r in rows["participants"] if str(r["role"]) == "lead"]
    assert len(leads) == len(interviews)
    overrides = 0
    for lead in leads:
        held = interviews[lead["interview_id"]]
        is_qualified = (held["plan_id"], held["stage_id"], lead["user_id"]) in qualified
        assert lead["unqualified_lead"] is (not is_qualified)
        assert (held["override_reason"] is not None) is (not is_qualified)
        overrides += not is_qualified
    assert 0 < overrides < len(leads) / 2

    # Scorecards: most on time, some late, a few still open after their due time.
    evaluations = rows["evaluations"]
    statuses = Counter(
        (str(r["status"]), r["on_time"]) for r in evaluations if str(r["status"]) != "cancelled"
    )
    assert statuses[("submitted", True)] > 3 * statuses[("submitted", False)] > 0
    overdue = [
        r for r in evaluations if str(r["status"]) in ("pending", "draft") and r["due_at"] < now
    ]
    assert overdue
    for r in evaluations:
        held = interviews[r["interview_id"]]
        assert r["due_at"] == held["ends_at"] + timedelta(hours=r["feedback_sla_hours"])
        if str(r["status"]) == "submitted":
            assert held["ends_at"] < r["submitted_at"] <= now
            assert r["turnaround_seconds"] == int(
                (r["submitted_at"] - held["ends_at"]).total_seconds()
            )
            assert r["on_time"] is (r["submitted_at"] <= r["due_at"])
            assert r["recommendation"] is not None
            assert len(r["ratings"]) == len(r["competencies"])
        if str(held["status"]) == "cancelled":
            assert str(r["status"]) == "cancelled"

    # Decisions of every kind, each matching a move in the application's history.
    decisions = rows["decisions"]
    assert {str(r["decision"]) for r in decisions} == {"advance", "reject", "hire"}
    moves = {(m["application_id"], m["from_stage"], m["to_stage"], m["at"]) for m in rows["moves"]}
    for r in decisions:
        assert (r["application_id"], r["from_stage"], r["to_stage"], r["decided_at"]) in moves
        assert r["decided_at"] <= now
    hired = [r for r in decisions if str(r["decision"]) == "hire"]
    states = {a["id"]: str(a["status"]) for a in rows["applications"]}
    assert all(states[r["application_id"]] == "hired" for r in hired)

    # The API reads them: debriefs and interviews.
    decided = {r["application_id"] for r in decisions}
    for application_id in decided:
        response = await act(client, admin, "GET", f"/api/v1/applications/{application_id}/debrief")
        assert response.status_code == 200, response.text
        body = DebriefRead.model_validate(response.json())
        assert body.decision is not None
        assert sum(body.recommendations.values()) == len(
            [e for e in body.evaluations if e.counts_toward_decision and e.status == "submitted"]
        )
    for interview_id in list(interviews)[:5]:
        response = await act(client, admin, "GET", f"/api/v1/interviews/{interview_id}")
        assert response.status_code == 200, response.text


async def test_the_demo_is_the_same_every_time(runtime: Runtime, manual_clock: ManualClock):
    first = shape(await seeded(runtime))
    await empty_all_tables(runtime)
    runtime.principals.clear()
    assert shape(await seeded(runtime)) == first
