"""Who sees and moves training records: the trainee their own, the hiring manager of the
plan's intake its trainees', staff everyone's; nobody approves their own qualification."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.roles import Role
from tests.support.harness import Actor, MakeApiKey, MakeUser
from tests.support.intakes import act
from tests.support.plans import new_intake, new_plan, stage
from tests.support.training import TRAINING, advance, assigned, setting, step


async def visible(client: httpx.AsyncClient, actor: Actor, **params: Any) -> set[str]:
    response = await act(client, actor, "GET", TRAINING, params=params)
    assert response.status_code == 200, response.text
    return {r["id"] for r in response.json()["data"]}


async def code(client: httpx.AsyncClient, actor: Actor, record: dict[str, Any]) -> int:
    return (await act(client, actor, "GET", f"{TRAINING}/{record['id']}")).status_code


async def test_only_the_trainee_or_a_coach_marks_studied(client, make_user: MakeUser):
    s = await setting(client, make_user)
    stranger = await make_user(Role.HIRING_MANAGER)
    own = await assigned(client, s.recruiter, s.trainee, s.plan["id"], s.stage_ids[0])
    theirs = await assigned(client, s.recruiter, s.colleague, s.plan["id"], s.stage_ids[0])
    for outsider in (s.colleague, stranger):
        refused = await step(client, outsider, own["id"], "mark-studied")
        assert refused.status_code == 404, refused.text
    assert (await advance(client, s.trainee, own["id"], "mark-studied"))["state"] == "studied"
    by_coach = await advance(client, s.manager, theirs["id"], "mark-studied")
    assert by_coach["state"] == "studied"

    # The trainee records no progress of their own; colleagues do not even see it.
    for action in ("record-shadow", "record-reverse-shadow", "qualify"):
        response = await step(client, s.trainee, own["id"], action)
        assert response.status_code == 403, (action, response.text)
        assert (await step(client, s.colleague, own["id"], action)).status_code == 404
    await advance(client, s.manager, own["id"], "record-shadow", "record-shadow")
    await advance(client, s.manager, own["id"], "record-reverse-shadow")
    assert (await step(client, s.trainee, own["id"], "qualify")).status_code == 403
    assert (await step(client, stranger, own["id"], "qualify")).status_code == 404
    record = await act(client, s.trainee, "GET", f"{TRAINING}/{own['id']}")
    assert record.json()["state"] == "reverse_shadowed"


async def test_nobody_qualifies_themselves(client, make_user: MakeUser):
    s = await setting(client, make_user)
    other_recruiter = await make_user(Role.RECRUITER)
    admin = await make_user(Role.ADMIN)
    cases = [
        (s.recruiter, s.stage_ids[0], other_recruiter),  # a recruiter, a coach of every plan
        (s.manager, s.stage_ids[1], s.recruiter),  # the intake's hiring manager, its coach
        (admin, s.stage_ids[0], s.manager),
    ]
    for trainee, stage_id, approver in cases:
        record = await assigned(client, s.recruiter, trainee, s.plan["id"], stage_id)
        await advance(client, trainee, record["id"], "mark-studied")
        # Coaches may record their own shadows, but not approve themselves.
        await advance(client, trainee, record["id"], "record-shadow", "record-shadow")
        await advance(client, trainee, record["id"], "record-reverse-shadow")
        own = await step(client, trainee, record["id"], "qualify")
        assert own.status_code == 403, own.text
        done = await advance(client, approver, record["id"], "qualify")
        assert (done["state"], done["approved_by_id"]) == ("qualified", str(approver.id))


async def test_who_sees_which_training_records(client, make_user: MakeUser):
    s = await setting(client, make_user)
    other_manager = await make_user(Role.HIRING_MANAGER)
    stranger = await make_user(Role.HIRING_MANAGER)
    design = s.plan["stages"][0]["competencies"][0]["id"]
    template = await new_plan(client, s.recruiter, [stage("T", design, [])], is_template=True)
    other_intake = await new_intake(client, s.recruiter, other_manager, title="Data Engineer")
    other_plan = await new_plan(
        client, s.recruiter, [stage("O", design, [])], intake_id=other_intake["id"]
    )
    first = await assigned(client, s.manager, s.trainee, s.plan["id"], s.stage_ids[0])
    second = await assigned(client, s.manager, s.colleague, s.plan["id"], s.stage_ids[0])
    on_template = await assigned(
        client, s.recruiter, s.trainee, template["id"], template["stages"][0]["id"]
    )
    manager_own = await assigned(
        client, s.recruiter, s.manager, other_plan["id"], other_plan["stages"][0]["id"]
    )
    everything = {first["id"], second["id"], on_template["id"], manager_own["id"]}

    expectations = [
        (s.trainee, {first["id"], on_template["id"]}),
        (s.colleague, {second["id"]}),
        (s.manager, {first["id"], second["id"], manager_own["id"]}),
        (other_manager, {manager_own["id"]}),
        (stranger, set()),
        (s.recruiter, everything),
    ]
    records = [first, second, on_template, manager_own]
    for actor, sees in expectations:
        assert await visible(client, actor) == sees, actor.user.role
        for record in records:
            expected = 200 if record["id"] in sees else 404
            assert await code(client, actor, record) == expected, (actor.user.role, record)

    # Filters narrow what the caller may see; they never widen it.
    assert await visible(client, s.recruiter, user_id=str(s.trainee.id)) == {
        first["id"],
        on_template["id"],
    }
    assert await visible(client, s.trainee, user_id=str(s.colleague.id)) == set()
    assert await visible(client, s.manager, plan_id=template["id"]) == set()
    assert await visible(client, s.manager, plan_id=s.plan["id"]) == {first["id"], second["id"]}
    await advance(client, s.trainee, first["id"], "mark-studied")
    assert await visible(client, s.manager, state="studied") == {first["id"]}
    assert await visible(client, s.recruiter, state="assigned") == everything - {first["id"]}

    # A hiring manager coaches only their own intake's plan, not their own training elsewhere.
    own_progress = await step(client, s.manager, manager_own["id"], "mark-studied")
    assert own_progress.status_code == 200
    shadow = await step(client, s.manager, manager_own["id"], "record-shadow")
    assert shadow.status_code == 403
    by_coach = await step(client, other_manager, manager_own["id"], "record-shadow")
    assert by_coach.status_code == 200, by_coach.text


async def test_an_integration_sees_the_records_of_its_user(
    client, make_user: MakeUser, make_api_key: MakeApiKey
):
    s = await setting(client, make_user)
    own = await assigned(client, s.recruiter, s.trainee, s.plan["id"], s.stage_ids[0])
    theirs = await assigned(client, s.recruiter, s.colleague, s.plan["id"], s.stage_ids[0])
    key = await make_api_key("training:write", "on_behalf_of")
    listed = await client.get(TRAINING, headers=key.headers())
    assert {r["id"] for r in listed.json()["data"]} == {own["id"], theirs["id"]}
    as_trainee = await client.get(TRAINING, headers=key.headers(s.trainee.id))
    assert {r["id"] for r in as_trainee.json()["data"]} == {own["id"]}
    hidden = await client.get(f"{TRAINING}/{theirs['id']}", headers=key.headers(s.trainee.id))
    assert hidden.status_code == 404
    studied = await client.post(
        f"{TRAINING}/{own['id']}/mark-studied", headers=key.headers(s.trainee.id)
    )
    assert studied.status_code == 200, studied.text
    shadow = await client.post(
        f"{TRAINING}/{own['id']}/record-shadow", headers=key.headers(s.trainee.id)
    )
    assert shadow.status_code == 403
