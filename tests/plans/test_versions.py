"""Plan versions: in-place edits before agreement, a lock at agreement, a new version (and
new sign-offs) for every later content change, and old versions that stay readable."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.core.roles import Role
from app.models.base import table_of
from app.models.platform import Event
from app.platform.runtime import Runtime
from tests.support.harness import MakeUser
from tests.support.intakes import act, events_of
from tests.support.plans import (
    INTAKES,
    PLANS,
    agree,
    competency,
    get_json,
    new_intake,
    new_plan,
    patch_intake,
    patch_plan,
    stage,
    stage_inputs,
)


async def plan_events(runtime: Runtime, plan_id: str) -> list[tuple[str, dict[str, Any]]]:
    events = table_of(Event).c
    async with runtime.db.unit_of_work(write=False) as session:
        rows = await session.execute(
            select(events.type, events.payload)
            .where(events.subject_type == "interview_plan", events.subject_id == plan_id)
            .order_by(events.id)
        )
        return [(row.type, row.payload) for row in rows]


async def test_templates_and_plans_of_draft_intakes_change_in_place(
    client, make_user: MakeUser, runtime: Runtime
):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    design = await competency(client, recruiter, "System design")
    template = await new_plan(client, recruiter, [stage("Design", design, [])], is_template=True)
    intake = await new_intake(client, recruiter, manager)
    plan = await new_plan(
        client, recruiter, [stage("Design", design, [])], intake_id=intake["id"], name="Intake"
    )
    for current in (template, plan):
        stages = stage_inputs(current)
        stages[0]["duration_minutes"] = 75
        stages[0]["questions"][0]["text"] = "Design a rate limiter."
        edited = await patch_plan(
            client, recruiter, current["id"], {"stages": stages, "name": "Renamed"}
        )
        assert edited.status_code == 200, edited.text
        assert (edited.json()["plan_version"], edited.json()["locked_version"]) == (1, None)
        current_version = await get_json(client, recruiter, f"{PLANS}/{current['id']}/versions/1")
        assert current_version["locked_at"] is None
        assert current_version["name"] == "Renamed"
        assert current_version["stages"][0]["duration_minutes"] == 75
        assert current_version["stages"][0]["questions"][0]["text"] == "Design a rate limiter."
        missing = await act(client, recruiter, "GET", f"{PLANS}/{current['id']}/versions/2")
        assert missing.status_code == 404
        assert [t for t, _ in await plan_events(runtime, current["id"])] == [
            "interview_plan.created"
        ]
    after = await get_json(client, recruiter, f"{INTAKES}/{intake['id']}")
    assert (after["status"], after["interview_plan_version"]) == ("draft", 1)


async def test_agreement_locks_the_plan_and_an_edit_makes_a_new_version(
    client, make_user: MakeUser, runtime: Runtime
):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    design = await competency(client, recruiter, "System design")
    coding = await competency(client, recruiter, "Coding")
    intake = await new_intake(client, recruiter, manager)
    intake_url = f"{INTAKES}/{intake['id']}"
    plan = await new_plan(
        client,
        recruiter,
        [stage("Design", design, []), stage("Coding", coding, [])],
        intake_id=intake["id"],
    )
    plan_url = f"{PLANS}/{plan['id']}"
    agreed = await agree(client, recruiter, manager, intake["id"])
    locked = await get_json(client, recruiter, plan_url)
    assert (locked["plan_version"], locked["locked_version"]) == (1, 1)
    first = await get_json(client, recruiter, f"{plan_url}/versions/1")
    assert first["locked_at"] is not None
    assert first["stages"] == plan["stages"]

    # An edit of the content makes version 2 and sends the intake back to review.
    stages = stage_inputs(locked)
    stages[0]["duration_minutes"] = 90
    stages[0]["questions"][0]["text"] = "Design a payment ledger."
    edited = await patch_plan(client, manager, plan["id"], {"stages": stages})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["plan_version"], edited.json()["locked_version"]) == (2, 1)
    assert [s["id"] for s in edited.json()["stages"]] == [s["id"] for s in plan["stages"]]
    events = await plan_events(runtime, plan["id"])
    assert [t for t, _ in events] == ["interview_plan.created", "interview_plan.version_created"]
    assert (events[1][1]["plan_version"], events[1][1]["previous_version"]) == (2, 1)

    after = await get_json(client, recruiter, intake_url)
    assert (after["status"], after["interview_plan_version"]) == ("in_review", 2)
    assert (after["revision"], after["sign_offs"]) == (agreed["revision"] + 1, [])
    revisions = (await get_json(client, recruiter, f"{intake_url}/revisions"))["data"]
    assert (revisions[-1]["material"], revisions[-1]["changed_fields"]) == (
        True,
        ["interview_plan_version"],
    )
    assert (await events_of(runtime, intake["id"]))[-2:] == [
        "intake.updated",
        "intake.status_changed",
    ]

    # Both versions are readable; unknown ones are not.
    old = await get_json(client, recruiter, f"{plan_url}/versions/1")
    assert old["stages"][0]["duration_minutes"] == 60
    assert old["stages"][0]["questions"][0]["text"] == "Tell me about design you led."
    assert old["locked_at"] is not None
    current = await get_json(client, recruiter, f"{plan_url}/versions/2")
    assert current["stages"] == edited.json()["stages"]
    assert current["locked_at"] is None
    assert (await act(client, recruiter, "GET", f"{plan_url}/versions/9")).status_code == 404
    assert (await act(client, recruiter, "GET", f"{plan_url}/versions/0")).status_code == 422

    # Agreeing again locks version 2; version 1 stays as it was.
    await agree(client, recruiter, manager, intake["id"])
    relocked = await get_json(client, recruiter, plan_url)
    assert (relocked["plan_version"], relocked["locked_version"]) == (2, 2)
    frozen = await get_json(client, recruiter, f"{plan_url}/versions/2")
    assert frozen["locked_at"] is not None
    assert frozen["stages"] == edited.json()["stages"]
    assert (await get_json(client, recruiter, f"{plan_url}/versions/1")) == old

    # Training settings are no content: no new version, and the intake stays agreed.
    agreed_again = await get_json(client, recruiter, intake_url)
    settings = await patch_plan(client, recruiter, plan["id"], {"shadows_required": 4})
    assert settings.status_code == 200, settings.text
    assert (settings.json()["plan_version"], settings.json()["shadows_required"]) == (2, 4)
    assert len(await plan_events(runtime, plan["id"])) == 2
    still = await get_json(client, recruiter, intake_url)
    assert (still["status"], still["revision"], still["interview_plan_version"]) == (
        "agreed",
        agreed_again["revision"],
        2,
    )

    # A rename is content: version 3.
    renamed = await patch_plan(client, recruiter, plan["id"], {"name": "Payments loop v3"})
    assert renamed.json()["plan_version"] == 3
    assert (await get_json(client, recruiter, f"{plan_url}/versions/2"))["name"] == "Backend loop"
    back = await get_json(client, recruiter, intake_url)
    assert (back["status"], back["interview_plan_version"]) == ("in_review", 3)


async def test_an_unchanged_patch_makes_no_version(client, make_user: MakeUser, runtime):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    design = await competency(client, recruiter, "System design")
    intake = await new_intake(client, recruiter, manager)
    plan = await new_plan(client, recruiter, [stage("Design", design, [])], intake_id=intake["id"])
    agreed = await agree(client, recruiter, manager, intake["id"])
    locked = await get_json(client, recruiter, f"{PLANS}/{plan['id']}")
    same = await patch_plan(
        client, recruiter, plan["id"], {"stages": stage_inputs(locked), "name": locked["name"]}
    )
    assert same.status_code == 200, same.text
    assert (same.json()["plan_version"], same.json()["locked_version"]) == (1, 1)
    after = await get_json(client, recruiter, f"{INTAKES}/{intake['id']}")
    assert (after["status"], after["revision"]) == ("agreed", agreed["revision"])
    assert len(await plan_events(runtime, plan["id"])) == 1


async def test_editing_the_plan_of_a_closed_intake_leaves_the_intake_alone(
    client, make_user: MakeUser, runtime: Runtime
):
    """A filled intake cannot be changed (PATCH is a 409); nor may its plan change it."""
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    design = await competency(client, recruiter, "System design")
    intake = await new_intake(client, recruiter, manager)
    url = f"{INTAKES}/{intake['id']}"
    plan = await new_plan(client, recruiter, [stage("Design", design, [])], intake_id=intake["id"])
    await agree(client, recruiter, manager, intake["id"])
    assert (await act(client, recruiter, "POST", f"{url}/open")).status_code == 200
    assert (await act(client, recruiter, "POST", f"{url}/mark-filled")).status_code == 200
    filled = await get_json(client, recruiter, url)
    events_before = await events_of(runtime, intake["id"])
    closed = await patch_intake(client, recruiter, intake["id"], {"department": "Core"})
    assert closed.status_code == 409, closed.text

    await patch_plan(client, recruiter, plan["id"], {"name": "Renamed after filling"})
    after = await get_json(client, recruiter, url)
    assert (after["status"], after["revision"], after["interview_plan_version"]) == (
        "filled",
        filled["revision"],
        1,
    )
    assert after["updated_at"] == filled["updated_at"]
    assert await events_of(runtime, intake["id"]) == events_before
