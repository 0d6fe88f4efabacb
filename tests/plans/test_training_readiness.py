"""Panel readiness: per stage, who in its pool is qualified, in training or untrained."""

from __future__ import annotations

import uuid
from typing import Any

from app.core.roles import Role
from tests.support.harness import MakeUser
from tests.support.intakes import act
from tests.support.plans import (
    PLANS,
    competency,
    get_json,
    new_intake,
    new_plan,
    patch_plan,
    stage,
    stage_inputs,
)
from tests.support.training import advance, assigned


def summary(stage_readiness: dict[str, Any]) -> tuple[int, int, int, bool]:
    return (
        stage_readiness["qualified"],
        stage_readiness["in_training"],
        stage_readiness["untrained"],
        stage_readiness["can_be_staffed"],
    )


async def test_readiness_counts_each_stage_pool(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    people = {name: await make_user(Role.INTERVIEWER, full_name=name) for name in "ABCDEFG"}
    ids = {name: str(actor.id) for name, actor in people.items()}
    design = await competency(client, recruiter, "System design")
    intake = await new_intake(client, recruiter, manager)
    # Quick training on this plan: one shadow, no reverse shadow.
    plan = await new_plan(
        client,
        recruiter,
        [
            stage("Design", design, [ids["A"], ids["B"], ids["C"], ids["D"]]),
            stage("Coding", design, [ids["A"], ids["E"], ids["F"]]),
        ],
        intake_id=intake["id"],
        shadows_required=1,
        reverse_shadows_required=0,
    )
    design_stage, coding_stage = (s["id"] for s in plan["stages"])
    url = f"{PLANS}/{plan['id']}/readiness"

    empty = await get_json(client, manager, url)
    assert (empty["plan_id"], empty["plan_version"], empty["ready"]) == (plan["id"], 1, False)
    assert [summary(s) for s in empty["stages"]] == [(0, 0, 4, False), (0, 0, 3, False)]

    async def qualify(name: str, stage_id: str) -> dict[str, Any]:
        record = await assigned(client, recruiter, people[name], plan["id"], stage_id)
        await advance(client, people[name], record["id"], "mark-studied")
        return await advance(client, manager, record["id"], "record-shadow", "qualify")

    # Design: A qualified, B studied, C assigned, D nothing.
    a_design = await qualify("A", design_stage)
    b_design = await assigned(client, recruiter, people["B"], plan["id"], design_stage)
    await advance(client, people["B"], b_design["id"], "mark-studied")
    c_design = await assigned(client, manager, people["C"], plan["id"], design_stage)
    # Coding: A (qualified for design only) untrained, E shadowed, F nothing;
    # G is in training for coding but in no pool, so does not count.
    e_coding = await assigned(client, recruiter, people["E"], plan["id"], coding_stage)
    await advance(client, people["E"], e_coding["id"], "mark-studied")
    await advance(client, manager, e_coding["id"], "record-shadow")
    await assigned(client, recruiter, people["G"], plan["id"], coding_stage)

    body = await get_json(client, recruiter, url)
    assert body["ready"] is False
    design_ready, coding_ready = body["stages"]
    assert (design_ready["stage_id"], design_ready["name"]) == (design_stage, "Design")
    assert (coding_ready["stage_id"], coding_ready["name"]) == (coding_stage, "Coding")
    assert summary(design_ready) == (1, 2, 1, True)
    assert summary(coding_ready) == (0, 1, 2, False)
    assert [
        (p["user_id"], p["status"], p["training_state"], p["training_id"])
        for p in design_ready["pool"]
    ] == [
        (ids["A"], "qualified", "qualified", a_design["id"]),
        (ids["B"], "in_training", "studied", b_design["id"]),
        (ids["C"], "in_training", "assigned", c_design["id"]),
        (ids["D"], "untrained", None, None),
    ]
    assert [(p["user_id"], p["status"], p["training_state"]) for p in coding_ready["pool"]] == [
        (ids["A"], "untrained", None),
        (ids["E"], "in_training", "shadowed"),
        (ids["F"], "untrained", None),
    ]

    # One qualified person for coding makes the panel ready.
    await advance(client, manager, e_coding["id"], "qualify")
    body = await get_json(client, manager, url)
    assert [summary(s) for s in body["stages"]] == [(1, 2, 1, True), (1, 0, 2, True)]
    assert body["ready"] is True

    # A new stage with nobody qualified makes it not ready again (and a new version's
    # readiness is reported against that version).
    stages = [*stage_inputs(plan), stage("Values", design, [ids["D"]])]
    stages[1]["interviewer_pool"] = [ids["A"], ids["E"], ids["F"]]
    edited = await patch_plan(client, recruiter, plan["id"], {"stages": stages})
    assert edited.status_code == 200, edited.text
    body = await get_json(client, manager, url)
    assert [summary(s) for s in body["stages"]] == [
        (1, 2, 1, True),
        (1, 0, 2, True),
        (0, 0, 1, False),
    ]
    assert body["ready"] is False


async def test_a_plan_without_stages_is_not_ready(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    plan = await new_plan(client, recruiter, [], is_template=True)
    body = await get_json(client, recruiter, f"{PLANS}/{plan['id']}/readiness")
    assert (body["ready"], body["stages"]) == (False, [])
    missing = await act(client, recruiter, "GET", f"{PLANS}/{uuid.uuid4()}/readiness")
    assert missing.status_code == 404
