"""Interviewer training: assigning, every transition (valid and not), per-plan shadow counts,
events, and qualifications that expire. Shared helpers for the other training modules."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from app.core.roles import Role
from app.models.base import table_of
from app.models.platform import Event
from app.platform.runtime import Runtime
from app.services.plans.training import expire_due
from app.worker import Worker
from tests.support.harness import Actor, AppFactory, MakeUser, ManualClock, asgi_client
from tests.support.intakes import act
from tests.support.plans import PLANS, get_json, new_plan, patch_plan, stage
from tests.support.training import TRAINING, advance, assign, assigned, setting, step

# With the default plan settings: two shadows, one reverse shadow.
TO_QUALIFIED = ("record-shadow", "record-shadow", "record-reverse-shadow", "qualify")


async def qualified(
    client: httpx.AsyncClient, coach: Actor, trainee: Actor, plan_id: str, stage_id: str
) -> dict[str, Any]:
    """Assign, study and qualify `trainee` on a plan with the default settings."""
    record = await assigned(client, coach, trainee, plan_id, stage_id)
    await advance(client, trainee, record["id"], "mark-studied")
    return await advance(client, coach, record["id"], *TO_QUALIFIED)


async def training_events(runtime: Runtime, record_id: str) -> list[tuple[str, Any, Any]]:
    """(type, from, to) of a record's events, oldest first."""
    events = table_of(Event).c
    async with runtime.db.unit_of_work(write=False) as session:
        rows = await session.execute(
            select(events.type, events.payload)
            .where(events.subject_type == "training", events.subject_id == record_id)
            .order_by(events.id)
        )
        return [(r.type, r.payload.get("from"), r.payload.get("to")) for r in rows]


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- Assigning ------------------------------------------------------------------------------


async def test_assigning_training(client, make_user: MakeUser):
    s = await setting(client, make_user)
    first, second = s.stage_ids
    record = await assigned(client, s.recruiter, s.trainee, s.plan["id"], first)
    assert (record["user_id"], record["plan_id"], record["stage_id"]) == (
        str(s.trainee.id),
        s.plan["id"],
        first,
    )
    assert (record["state"], record["shadow_count"], record["reverse_shadow_count"]) == (
        "assigned",
        0,
        0,
    )
    assert (record["assigned_by_id"], record["approved_by_id"]) == (str(s.recruiter.id), None)
    assert (record["studied_at"], record["qualified_at"], record["expires_at"]) == (None,) * 3
    assert record["calibrations"] == []

    # The intake's hiring manager assigns too; an interviewer may not.
    by_manager = await assigned(client, s.manager, s.colleague, s.plan["id"], first)
    assert by_manager["assigned_by_id"] == str(s.manager.id)
    refused = await assign(client, s.colleague, s.colleague, s.plan["id"], second)
    assert refused.status_code == 403

    # One record per person and stage.
    twice = await assign(client, s.manager, s.trainee, s.plan["id"], first)
    assert twice.status_code == 409, twice.text
    assert (twice.json()["existing_id"], twice.json()["state"]) == (record["id"], "assigned")
    # The same person on the other stage is another record.
    other_stage = await assigned(client, s.recruiter, s.trainee, s.plan["id"], second)
    assert other_stage["id"] != record["id"]

    # Unknown stage, plan or person.
    unknown_stage = await assign(client, s.recruiter, s.trainee, s.plan["id"], str(uuid.uuid4()))
    assert unknown_stage.status_code == 404, unknown_stage.text
    unknown_plan = await assign(client, s.recruiter, s.trainee, str(uuid.uuid4()), first)
    assert unknown_plan.status_code == 404
    unknown_user = await assign(client, s.recruiter, str(uuid.uuid4()), s.plan["id"], second)
    assert unknown_user.status_code == 422, unknown_user.text
    assert [e["location"] for e in unknown_user.json()["errors"]] == ["body.user_id"]
    retired = await make_user(Role.INTERVIEWER, active=False)
    inactive = await assign(client, s.recruiter, retired, s.plan["id"], second)
    assert inactive.status_code == 422

    # Another intake's hiring manager does not see the plan; templates have no coach but staff.
    stranger = await make_user(Role.HIRING_MANAGER)
    hidden = await assign(client, stranger, s.trainee, s.plan["id"], second)
    assert hidden.status_code == 404
    design = s.plan["stages"][0]["competencies"][0]["id"]
    template = await new_plan(client, s.recruiter, [stage("T", design, [])], is_template=True)
    on_template = await assign(
        client, s.manager, s.trainee, template["id"], template["stages"][0]["id"]
    )
    assert on_template.status_code == 403
    by_recruiter = await assign(
        client, s.recruiter, s.trainee, template["id"], template["stages"][0]["id"]
    )
    assert by_recruiter.status_code == 201

    listed = await act(client, s.recruiter, "GET", TRAINING, params={"plan_id": s.plan["id"]})
    assert {r["id"] for r in listed.json()["data"]} == {
        record["id"],
        by_manager["id"],
        other_stage["id"],
    }


async def test_assigning_writes_a_status_event(client, make_user: MakeUser, runtime: Runtime):
    """Every state change is an event: a new record goes from nothing to `assigned`."""
    s = await setting(client, make_user)
    record = await assigned(client, s.recruiter, s.trainee, s.plan["id"], s.stage_ids[0])
    assert await training_events(runtime, record["id"]) == [
        ("training.status_changed", None, "assigned")
    ]


# --- Transitions ----------------------------------------------------------------------------


async def test_the_way_to_qualified_and_its_events(client, make_user: MakeUser, runtime: Runtime):
    s = await setting(client, make_user)
    record = await assigned(client, s.manager, s.trainee, s.plan["id"], s.stage_ids[0])
    record_id = record["id"]
    studied = await advance(client, s.trainee, record_id, "mark-studied")
    assert studied["state"] == "studied"
    assert studied["studied_at"] is not None
    expected = [
        ("record-shadow", "studied", 1, 0),
        ("record-shadow", "shadowed", 2, 0),
        ("record-reverse-shadow", "reverse_shadowed", 2, 1),
    ]
    for action, state, shadows, reverse in expected:
        body = await advance(client, s.manager, record_id, action)
        assert (body["state"], body["shadow_count"], body["reverse_shadow_count"]) == (
            state,
            shadows,
            reverse,
        )
    # More shadows than required are counted, and keep the state.
    extra = await advance(client, s.manager, record_id, "record-reverse-shadow")
    assert (extra["state"], extra["reverse_shadow_count"]) == ("reverse_shadowed", 2)
    done = await advance(client, s.manager, record_id, "qualify")
    assert (done["state"], done["approved_by_id"]) == ("qualified", str(s.manager.id))
    assert when(done["expires_at"]) - when(done["qualified_at"]) == timedelta(days=365)

    events = await training_events(runtime, record_id)
    assert events == [
        ("training.status_changed", None, "assigned"),
        ("training.status_changed", "assigned", "studied"),
        ("training.status_changed", "studied", "shadowed"),
        ("training.status_changed", "shadowed", "reverse_shadowed"),
        ("training.status_changed", "reverse_shadowed", "qualified"),
        ("training.qualified", None, None),
    ]


async def test_every_invalid_transition_is_a_conflict(client, make_user: MakeUser):
    s = await setting(client, make_user)
    record = await assigned(client, s.recruiter, s.trainee, s.plan["id"], s.stage_ids[0])
    url = f"{TRAINING}/{record['id']}"
    allowed_from = {
        "mark-studied": ["assigned"],
        "record-shadow": ["shadowed", "studied"],
        "record-reverse-shadow": ["reverse_shadowed", "shadowed"],
        "qualify": ["reverse_shadowed"],
    }
    # The state the record is in, then the steps that must be refused there.
    path = [
        ("assigned", "mark-studied", ["record-shadow", "record-reverse-shadow", "qualify"]),
        ("studied", "record-shadow", ["mark-studied", "record-reverse-shadow", "qualify"]),
        ("studied", "record-shadow", []),
        ("shadowed", "record-reverse-shadow", ["mark-studied", "qualify"]),
        ("reverse_shadowed", "qualify", ["mark-studied", "record-shadow"]),
        (
            "qualified",
            None,
            ["mark-studied", "record-shadow", "record-reverse-shadow", "qualify"],
        ),
    ]
    for state, next_action, refused in path:
        before = await act(client, s.recruiter, "GET", url)
        assert before.json()["state"] == state
        for action in refused:
            response = await step(client, s.recruiter, record["id"], action)
            assert response.status_code == 409, (state, action, response.text)
            problem = response.json()
            assert problem["type"] == "/problems/invalid-state"
            assert (problem["current_status"], problem["allowed_from"]) == (
                state,
                allowed_from[action],
            ), (state, action)
        after = await act(client, s.recruiter, "GET", url)
        assert after.headers["etag"] == before.headers["etag"]  # nothing changed
        if next_action is not None:
            await advance(client, s.recruiter, record["id"], next_action)


async def test_shadows_required_is_set_per_plan(client, make_user: MakeUser):
    s = await setting(client, make_user)
    changed = await patch_plan(
        client, s.recruiter, s.plan["id"], {"shadows_required": 3, "reverse_shadows_required": 2}
    )
    assert changed.status_code == 200, changed.text
    record = await assigned(client, s.recruiter, s.trainee, s.plan["id"], s.stage_ids[0])
    await advance(client, s.trainee, record["id"], "mark-studied")
    states = []
    for _ in range(3):
        body = await advance(client, s.manager, record["id"], "record-shadow")
        states.append((body["state"], body["shadow_count"]))
    assert states == [("studied", 1), ("studied", 2), ("shadowed", 3)]
    first = await advance(client, s.manager, record["id"], "record-reverse-shadow")
    assert (first["state"], first["reverse_shadow_count"]) == ("shadowed", 1)
    early = await step(client, s.manager, record["id"], "qualify")
    assert early.status_code == 409
    second = await advance(client, s.manager, record["id"], "record-reverse-shadow")
    assert second["state"] == "reverse_shadowed"
    assert (await advance(client, s.manager, record["id"], "qualify"))["state"] == "qualified"


async def test_without_reverse_shadows_qualify_follows_shadowed(client, make_user: MakeUser):
    s = await setting(client, make_user, shadows_required=1, reverse_shadows_required=0)
    record = await assigned(client, s.recruiter, s.trainee, s.plan["id"], s.stage_ids[0])
    await advance(client, s.trainee, record["id"], "mark-studied")
    assert (await advance(client, s.manager, record["id"], "record-shadow"))["state"] == "shadowed"
    done = await advance(client, s.manager, record["id"], "qualify")
    assert (done["state"], done["reverse_shadow_count"]) == ("qualified", 0)

    # With the default (one reverse shadow) qualifying straight after shadowing is refused.
    design = s.plan["stages"][0]["competencies"][0]["id"]
    other = await new_plan(
        client, s.recruiter, [stage("Design", design, [])], name="Other", shadows_required=1
    )
    record = await assigned(client, s.recruiter, s.trainee, other["id"], other["stages"][0]["id"])
    await advance(client, s.trainee, record["id"], "mark-studied")
    await advance(client, s.recruiter, record["id"], "record-shadow")
    refused = await step(client, s.recruiter, record["id"], "qualify")
    assert refused.status_code == 409
    assert refused.json()["allowed_from"] == ["reverse_shadowed"]


async def test_without_shadows_the_reverse_shadow_follows_studying(client, make_user: MakeUser):
    """`shadows_required: 0` (allowed) must not demand a shadow interview anyway."""
    s = await setting(client, make_user, shadows_required=0)
    record = await assigned(client, s.recruiter, s.trainee, s.plan["id"], s.stage_ids[0])
    await advance(client, s.trainee, record["id"], "mark-studied")
    reverse = await step(client, s.manager, record["id"], "record-reverse-shadow")
    assert reverse.status_code == 200, reverse.text
    assert reverse.json()["shadow_count"] == 0
    assert (await advance(client, s.manager, record["id"], "qualify"))["state"] == "qualified"


# --- Expiry ---------------------------------------------------------------------------------


async def readiness_of(
    client: httpx.AsyncClient, actor: Actor, plan_id: str, stage_index: int, user: Actor
) -> dict[str, Any]:
    body = await get_json(client, actor, f"{PLANS}/{plan_id}/readiness")
    stage_readiness: dict[str, Any] = body["stages"][stage_index]
    member = next(p for p in stage_readiness["pool"] if p["user_id"] == str(user.id))
    return {**stage_readiness, "member": member}


async def test_a_qualification_expires(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    s = await setting(client, make_user)
    stage_id = s.stage_ids[0]
    start = manual_clock.now
    record = await qualified(client, s.recruiter, s.trainee, s.plan["id"], stage_id)
    assert when(record["qualified_at"]) == start
    assert when(record["expires_at"]) == start + timedelta(days=365)
    ready = await readiness_of(client, s.manager, s.plan["id"], 0, s.trainee)
    assert (ready["member"]["status"], ready["can_be_staffed"]) == ("qualified", True)

    # A day before the end nothing changes.
    manual_clock.advance(timedelta(days=364).total_seconds())
    async with runtime.db.unit_of_work(write=True) as session:
        assert await expire_due(session) == 0
    ready = await readiness_of(client, s.manager, s.plan["id"], 0, s.trainee)
    assert ready["member"]["status"] == "qualified"

    # Past the end, readiness no longer counts the trainee, even before the job runs ...
    manual_clock.advance(timedelta(days=1, seconds=1).total_seconds())
    ready = await readiness_of(client, s.manager, s.plan["id"], 0, s.trainee)
    assert (ready["member"]["status"], ready["member"]["training_state"]) == (
        "untrained",
        "qualified",
    )
    assert (ready["qualified"], ready["can_be_staffed"]) == (0, False)

    # ... and the job marks the record expired, with an event.
    async with runtime.db.unit_of_work(write=True) as session:
        assert await expire_due(session) == 1
    expired = await get_json(client, s.trainee, f"{TRAINING}/{record['id']}")
    assert expired["state"] == "expired"
    events = await training_events(runtime, record["id"])
    assert events[-1] == ("training.status_changed", "qualified", "expired")
    ready = await readiness_of(client, s.manager, s.plan["id"], 0, s.trainee)
    assert (ready["member"]["status"], ready["member"]["training_state"]) == (
        "untrained",
        "expired",
    )
    async with runtime.db.unit_of_work(write=True) as session:
        assert await expire_due(session) == 0  # once only

    # An expired record can be assigned again: it starts over.
    again = await assign(client, s.manager, s.trainee, s.plan["id"], stage_id)
    assert again.status_code == 201, again.text
    body = again.json()
    assert body["id"] == record["id"]
    assert (body["state"], body["shadow_count"], body["reverse_shadow_count"]) == (
        "assigned",
        0,
        0,
    )
    assert (body["studied_at"], body["qualified_at"], body["expires_at"]) == (None,) * 3
    assert (body["approved_by_id"], body["assigned_by_id"]) == (None, str(s.manager.id))
    assert (await training_events(runtime, record["id"]))[-1] == (
        "training.status_changed",
        "expired",
        "assigned",
    )
    ready = await readiness_of(client, s.manager, s.plan["id"], 0, s.trainee)
    assert ready["member"]["status"] == "in_training"


async def test_the_worker_expires_qualifications(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    s = await setting(client, make_user)
    record = await qualified(client, s.recruiter, s.trainee, s.plan["id"], s.stage_ids[0])
    other = await qualified(client, s.recruiter, s.colleague, s.plan["id"], s.stage_ids[1])
    manual_clock.advance(timedelta(days=366).total_seconds())
    await Worker(runtime).run_until_idle()
    for qualification in (record, other):
        after = await get_json(client, s.recruiter, f"{TRAINING}/{qualification['id']}")
        assert after["state"] == "expired"
    body = await get_json(client, s.recruiter, f"{PLANS}/{s.plan['id']}/readiness")
    assert body["ready"] is False


async def test_the_validity_period_is_a_setting(
    client, make_user: MakeUser, make_auth_app: AppFactory, manual_clock: ManualClock
):
    s = await setting(client, make_user)
    record = await assigned(client, s.recruiter, s.trainee, s.plan["id"], s.stage_ids[0])
    await advance(client, s.trainee, record["id"], "mark-studied")
    await advance(client, s.recruiter, record["id"], *TO_QUALIFIED[:-1])
    short = await make_auth_app(training_valid_days=30)
    async with asgi_client(short) as other_client:
        done = await step(other_client, s.recruiter, record["id"], "qualify")
    assert done.status_code == 200, done.text
    assert when(done.json()["expires_at"]) == manual_clock.now + timedelta(days=30)


async def test_a_lapsed_qualification_can_be_reassigned_before_the_job_runs(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    s = await setting(client, make_user)
    stage_id = s.stage_ids[0]
    record = await qualified(client, s.recruiter, s.trainee, s.plan["id"], stage_id)
    early = await assign(client, s.manager, s.trainee, s.plan["id"], stage_id)
    assert early.status_code == 409  # still qualified
    manual_clock.advance(timedelta(days=366).total_seconds())
    again = await assign(client, s.manager, s.trainee, s.plan["id"], stage_id)
    assert again.status_code == 201, again.text
    assert (again.json()["id"], again.json()["state"]) == (record["id"], "assigned")
