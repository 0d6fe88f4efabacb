"""Creating, validating, editing, copying and attaching interview plans.

The helpers at the top are shared by the other plan and training test modules.
"""

from __future__ import annotations

import uuid
from typing import Any

from app.core.roles import Role
from app.platform.runtime import Runtime
from tests.support.harness import MakeUser
from tests.support.intakes import act, events_of
from tests.support.plans import (
    INTAKES,
    PLANS,
    competency,
    get_json,
    new_intake,
    new_plan,
    patch_intake,
    patch_plan,
    stage,
    stage_inputs,
)


def question_texts(plan: dict[str, Any]) -> list[list[str]]:
    return [[q["text"] for q in s["questions"]] for s in plan["stages"]]


# --- Creating ---------------------------------------------------------------------------


async def test_recruiters_create_templates_and_hiring_managers_plans_of_their_intakes(
    client, make_user: MakeUser
):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    interviewer = await make_user(Role.INTERVIEWER)
    design = await competency(client, recruiter, "System design")
    coding = await competency(client, recruiter, "Coding")
    stages = [
        stage("Design interview", design, [str(interviewer.id)]),
        stage("Pairing", coding, [], kind="panel", duration_minutes=90, format="onsite"),
    ]
    created = await act(
        client,
        recruiter,
        "POST",
        PLANS,
        json={"name": "Backend loop", "is_template": True, "stages": stages},
    )
    assert created.status_code == 201, created.text
    template = created.json()
    assert created.headers["location"] == f"{PLANS}/{template['id']}"
    assert (template["is_template"], template["intake_id"], template["owner_id"]) == (
        True,
        None,
        str(recruiter.id),
    )
    assert (template["plan_version"], template["locked_version"]) == (1, None)
    assert (template["shadows_required"], template["reverse_shadows_required"]) == (2, 1)
    first, second = template["stages"]
    assert [c["id"] for c in first["competencies"]] == [design]
    assert first["competencies"][0]["rubric"]["3"] == "Solid evidence"
    assert first["interviewer_pool"] == [str(interviewer.id)]
    assert (second["kind"], second["duration_minutes"], second["format"]) == (
        "panel",
        90,
        "onsite",
    )
    assert uuid.UUID(first["questions"][0]["id"]) != uuid.UUID(second["questions"][0]["id"])
    assert first["questions"][0]["follow_ups"] == ["What would you change?"]

    # A hiring manager may not make templates, nor an interviewer any plan.
    as_manager = await act(
        client, manager, "POST", PLANS, json={"name": "Mine", "is_template": True, "stages": []}
    )
    assert as_manager.status_code == 403, as_manager.text
    as_interviewer = await act(client, interviewer, "POST", PLANS, json={"name": "Mine"})
    assert as_interviewer.status_code == 403
    listed = await act(client, recruiter, "GET", PLANS)
    assert [p["id"] for p in listed.json()["data"]] == [template["id"]]

    # A template belongs to no intake.
    intake = await new_intake(client, recruiter, manager)
    both = await act(
        client,
        recruiter,
        "POST",
        PLANS,
        json={"name": "Both", "is_template": True, "intake_id": intake["id"]},
    )
    assert both.status_code == 422
    assert [e["location"] for e in both.json()["errors"]] == ["body.intake_id"]

    # The hiring manager creates the plan of their own intake; it is attached to it.
    own = await new_plan(client, manager, stages, name="Payments loop", intake_id=intake["id"])
    assert (own["intake_id"], own["is_template"]) == (intake["id"], False)
    intake = await get_json(client, manager, f"{INTAKES}/{intake['id']}")
    assert (intake["interview_plan_id"], intake["interview_plan_version"]) == (own["id"], 1)
    assert intake["status"] == "draft"


async def test_stage_validation_names_every_bad_reference(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    interviewer = await make_user(Role.INTERVIEWER)
    retired = await make_user(Role.INTERVIEWER, active=False)
    design = await competency(client, recruiter, "System design")
    coding = await competency(client, recruiter, "Coding")
    unknown_competency, unknown_user = str(uuid.uuid4()), str(uuid.uuid4())
    first = stage("Design", design, [str(interviewer.id)])
    first["competency_ids"] = [design, unknown_competency]
    first["questions"].append({"text": "Walk me through a refactor.", "competency_id": coding})
    second = stage("Coding", coding, [str(interviewer.id), unknown_user, str(retired.id)])
    response = await act(
        client,
        recruiter,
        "POST",
        PLANS,
        json={"name": "Bad", "is_template": True, "stages": [first, second]},
    )
    assert response.status_code == 422, response.text
    assert {(e["location"], e["code"]) for e in response.json()["errors"]} == {
        ("body.stages[0].competency_ids[1]", "unknown"),
        ("body.stages[0].questions[1].competency_id", "not_in_stage"),
        ("body.stages[1].interviewer_pool[1]", "unknown_user"),
        ("body.stages[1].interviewer_pool[2]", "unknown_user"),
    }
    # A new plan cannot name stage ids of its own choosing.
    chosen = await act(
        client,
        recruiter,
        "POST",
        PLANS,
        json={"name": "Chosen", "stages": [{**stage("S", design, []), "id": str(uuid.uuid4())}]},
    )
    assert chosen.status_code == 422
    assert [e["location"] for e in chosen.json()["errors"]] == ["body.stages[0].id"]
    assert (await act(client, recruiter, "GET", PLANS)).json()["data"] == []

    plan = await new_plan(
        client,
        recruiter,
        [stage("Design", design, []), stage("Coding", coding, [])],
        is_template=True,
    )
    etag = (await act(client, recruiter, "GET", f"{PLANS}/{plan['id']}")).headers["etag"]
    design_stage, coding_stage = stage_inputs(plan)

    unknown_stage = {**design_stage, "id": str(uuid.uuid4())}
    response = await patch_plan(
        client, recruiter, plan["id"], {"stages": [coding_stage, unknown_stage]}, etag=etag
    )
    assert response.status_code == 422, response.text
    assert {(e["location"], e["code"]) for e in response.json()["errors"]} == {
        ("body.stages[1].id", "unknown_stage")
    }

    other_question = {**design_stage["questions"][0], "id": str(uuid.uuid4())}
    response = await patch_plan(
        client,
        recruiter,
        plan["id"],
        {"stages": [{**design_stage, "questions": [other_question]}, coding_stage]},
        etag=etag,
    )
    assert response.status_code == 422, response.text
    assert [e["location"] for e in response.json()["errors"]] == ["body.stages[0].questions[0].id"]

    # A question's id from another plan is unknown here too.
    other = await new_plan(client, recruiter, [stage("Other", design, [])], is_template=True)
    foreign_question = {
        **design_stage["questions"][0],
        "id": other["stages"][0]["questions"][0]["id"],
    }
    response = await patch_plan(
        client,
        recruiter,
        plan["id"],
        {"stages": [{**design_stage, "questions": [foreign_question]}, coding_stage]},
        etag=etag,
    )
    assert response.status_code == 422, response.text
    assert [e["location"] for e in response.json()["errors"]] == ["body.stages[0].questions[0].id"]

    response = await patch_plan(
        client,
        recruiter,
        plan["id"],
        {"stages": [design_stage, {**coding_stage, "id": design_stage["id"]}]},
        etag=etag,
    )
    assert response.status_code == 422, response.text
    assert {(e["location"], e["code"]) for e in response.json()["errors"]} == {
        ("body.stages[1].id", "duplicate")
    }

    response = await patch_plan(
        client,
        recruiter,
        plan["id"],
        {"stages": [{**design_stage, "interviewer_pool": [unknown_user]}, coding_stage]},
        etag=etag,
    )
    assert response.status_code == 422
    assert [e["location"] for e in response.json()["errors"]] == [
        "body.stages[0].interviewer_pool[0]"
    ]

    # None of the refused edits changed the plan.
    after = await act(client, recruiter, "GET", f"{PLANS}/{plan['id']}")
    assert after.headers["etag"] == etag
    assert after.json()["stages"] == plan["stages"]


async def test_a_patch_reorders_adds_and_removes_stages_keeping_the_ids_of_kept_ones(
    client, make_user: MakeUser
):
    recruiter = await make_user(Role.RECRUITER)
    design = await competency(client, recruiter, "System design")
    plan = await new_plan(
        client,
        recruiter,
        [stage("Screen", design, []), stage("Design", design, []), stage("Values", design, [])],
        is_template=True,
    )
    screen, design_stage, values = stage_inputs(plan)
    old_stage_ids = {s["id"] for s in plan["stages"]}
    old_question_ids = {q["id"] for s in plan["stages"] for q in s["questions"]}
    values["questions"].append({"text": "What do you value in a team?", "competency_id": design})
    values["name"] = "Values and team"
    new_stage = stage("Architecture", design, [])

    response = await patch_plan(
        client, recruiter, plan["id"], {"stages": [values, new_stage, screen]}
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    edited = response.json()
    assert [s["name"] for s in edited["stages"]] == ["Values and team", "Architecture", "Screen"]
    assert edited["stages"][0]["id"] == values["id"]
    assert edited["stages"][2]["id"] == screen["id"]
    assert edited["stages"][1]["id"] not in old_stage_ids
    assert design_stage["id"] not in {s["id"] for s in edited["stages"]}
    kept_question, added_question = edited["stages"][0]["questions"]
    assert kept_question["id"] == values["questions"][0]["id"]
    assert added_question["id"] not in old_question_ids
    assert added_question["text"] == "What do you value in a team?"
    assert edited["stages"][1]["questions"][0]["id"] not in old_question_ids
    # A template changes in place.
    assert (edited["plan_version"], edited["locked_version"]) == (1, None)
    assert await get_json(client, recruiter, f"{PLANS}/{plan['id']}") == edited

    # Only the fields sent change.
    renamed = await patch_plan(client, recruiter, plan["id"], {"description": "The loop"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["stages"] == edited["stages"]
    assert (renamed.json()["name"], renamed.json()["description"]) == ("Backend loop", "The loop")
    nulled = await patch_plan(client, recruiter, plan["id"], {"stages": None})
    assert nulled.status_code == 422


# --- Copies -------------------------------------------------------------------------------


async def test_a_copy_is_independent_of_its_template(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    interviewer = await make_user(Role.INTERVIEWER)
    design = await competency(client, recruiter, "System design")
    template = await new_plan(
        client,
        recruiter,
        [stage("Design", design, [str(interviewer.id)]), stage("Coding", design, [])],
        is_template=True,
        description="The standard loop",
        shadows_required=3,
        reverse_shadows_required=0,
    )
    response = await act(
        client, recruiter, "POST", f"{PLANS}/{template['id']}/copy", json={"name": "Payments loop"}
    )
    assert response.status_code == 201, response.text
    copy = response.json()
    assert response.headers["location"] == f"{PLANS}/{copy['id']}"
    assert copy["id"] != template["id"]
    assert (copy["copied_from_id"], copy["is_template"], copy["intake_id"]) == (
        template["id"],
        False,
        None,
    )
    assert (copy["name"], copy["description"]) == ("Payments loop", "The standard loop")
    assert (copy["shadows_required"], copy["reverse_shadows_required"]) == (3, 0)
    assert (copy["plan_version"], copy["locked_version"]) == (1, None)
    # New stage and question ids; everything else the same.
    template_ids = {s["id"] for s in template["stages"]} | {
        q["id"] for s in template["stages"] for q in s["questions"]
    }
    copy_ids = {s["id"] for s in copy["stages"]} | {
        q["id"] for s in copy["stages"] for q in s["questions"]
    }
    assert len(copy_ids) == 4
    assert not template_ids & copy_ids

    def without_ids(plan: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                **s,
                "id": None,
                "questions": [{**q, "id": None} for q in s["questions"]],
            }
            for s in plan["stages"]
        ]

    assert without_ids(copy) == without_ids(template)

    # Editing the copy leaves the template alone ...
    copy_stages = stage_inputs(copy)
    copy_stages[0]["name"] = "Design (payments)"
    copy_stages[0]["questions"][0]["text"] = "Design a ledger."
    copy_stages[0]["interviewer_pool"] = []
    edited = await patch_plan(client, recruiter, copy["id"], {"stages": copy_stages[:1]})
    assert edited.status_code == 200, edited.text
    assert await get_json(client, recruiter, f"{PLANS}/{template['id']}") == template

    # ... and editing the template leaves the copy alone.
    template_stages = stage_inputs(template)
    template_stages[1]["duration_minutes"] = 120
    template_stages[1]["questions"][0]["text"] = "Pair on a bug fix."
    changed = await patch_plan(
        client, recruiter, template["id"], {"stages": template_stages, "name": "Loop v2"}
    )
    assert changed.status_code == 200, changed.text
    assert await get_json(client, recruiter, f"{PLANS}/{copy['id']}") == edited.json()

    # Without a name the copy keeps the source's; a hiring manager copies only for an intake.
    unnamed = await act(client, recruiter, "POST", f"{PLANS}/{template['id']}/copy")
    assert unnamed.status_code == 201, unnamed.text
    assert unnamed.json()["name"] == "Loop v2"
    manager = await make_user(Role.HIRING_MANAGER)
    refused = await act(client, manager, "POST", f"{PLANS}/{template['id']}/copy", json={})
    assert refused.status_code == 403
    missing = await act(client, recruiter, "POST", f"{PLANS}/{uuid.uuid4()}/copy", json={})
    assert missing.status_code == 404


async def test_a_copy_for_a_draft_intake_is_attached_to_it(client, make_user: MakeUser, runtime):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    design = await competency(client, recruiter, "System design")
    template = await new_plan(client, recruiter, [stage("Design", design, [])], is_template=True)
    intake = await new_intake(client, recruiter, manager)
    response = await act(
        client,
        manager,
        "POST",
        f"{PLANS}/{template['id']}/copy",
        json={"intake_id": intake["id"]},
    )
    assert response.status_code == 201, response.text
    copy = response.json()
    assert (copy["intake_id"], copy["owner_id"]) == (intake["id"], str(manager.id))
    after = await get_json(client, recruiter, f"{INTAKES}/{intake['id']}")
    assert (after["interview_plan_id"], after["interview_plan_version"]) == (copy["id"], 1)
    assert (after["status"], after["revision"]) == ("draft", intake["revision"])
    events = await events_of(runtime, copy["id"])
    assert events == ["interview_plan.created"]


async def test_attaching_a_plan_to_an_intake_in_review_is_a_material_change(
    client, make_user: MakeUser, runtime: Runtime
):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    design = await competency(client, recruiter, "System design")
    template = await new_plan(client, recruiter, [stage("Design", design, [])], is_template=True)
    intake = await new_intake(client, recruiter, manager)
    url = f"{INTAKES}/{intake['id']}"
    submitted = await act(client, recruiter, "POST", f"{url}/submit-for-review")
    assert submitted.json()["revision"] == 1
    signed = await act(client, recruiter, "POST", f"{url}/sign-off", json={"revision": 1})
    assert [s["party"] for s in signed.json()["sign_offs"]] == ["recruiter"]

    response = await act(
        client,
        recruiter,
        "POST",
        f"{PLANS}/{template['id']}/copy",
        json={"intake_id": intake["id"]},
    )
    assert response.status_code == 201, response.text
    copy = response.json()
    after = await get_json(client, recruiter, url)
    assert (after["interview_plan_id"], after["interview_plan_version"]) == (copy["id"], 1)
    assert (after["status"], after["revision"], after["sign_off_status"]) == (
        "in_review",
        2,
        "pending",
    )
    assert after["sign_offs"] == []
    revisions = (await get_json(client, recruiter, f"{url}/revisions"))["data"]
    assert revisions[-1]["number"] == 2
    assert revisions[-1]["material"] is True
    assert set(revisions[-1]["changed_fields"]) == {"interview_plan_id", "interview_plan_version"}
    assert (await events_of(runtime, intake["id"]))[-1] == "intake.updated"
    # Signing the old revision is refused; the new one is needed.
    stale = await act(client, manager, "POST", f"{url}/sign-off", json={"revision": 1})
    assert stale.status_code == 409

    # Replacing the plan with another one (also at version 1) is material again.
    signed = await act(client, recruiter, "POST", f"{url}/sign-off", json={"revision": 2})
    assert signed.status_code == 200, signed.text
    response = await act(
        client,
        recruiter,
        "POST",
        f"{PLANS}/{template['id']}/copy",
        json={"intake_id": intake["id"], "name": "Second try"},
    )
    assert response.status_code == 201, response.text
    replaced = await get_json(client, recruiter, url)
    assert (replaced["interview_plan_id"], replaced["interview_plan_version"]) == (
        response.json()["id"],
        1,
    )
    assert (replaced["revision"], replaced["sign_offs"]) == (3, [])
    revisions = (await get_json(client, recruiter, f"{url}/revisions"))["data"]
    assert (revisions[-1]["number"], revisions[-1]["changed_fields"]) == (
        3,
        ["interview_plan_id"],
    )
    # The hiring manager's signature alone does not agree the intake.
    one_side = await act(client, manager, "POST", f"{url}/sign-off", json={"revision": 3})
    assert one_side.json()["status"] == "in_review", one_side.text


async def test_templates_and_other_intakes_plans_cannot_be_attached(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    design = await competency(client, recruiter, "System design")
    template = await new_plan(client, recruiter, [stage("Design", design, [])], is_template=True)
    first = await new_intake(client, recruiter, manager)
    second = await new_intake(client, recruiter, manager, title="Staff Engineer")
    taken = await act(
        client,
        recruiter,
        "POST",
        f"{PLANS}/{template['id']}/copy",
        json={"intake_id": first["id"]},
    )
    assert taken.status_code == 201

    for plan_id, message in (
        (template["id"], "template"),
        (taken.json()["id"], "another intake"),
        (str(uuid.uuid4()), "no such"),
    ):
        response = await patch_intake(
            client, recruiter, second["id"], {"interview_plan_id": plan_id}
        )
        assert response.status_code == 422, response.text
        (error,) = response.json()["errors"]
        assert error["location"] == "body.interview_plan_id"
        assert message in error["message"]
    unchanged = await get_json(client, recruiter, f"{INTAKES}/{second['id']}")
    assert (unchanged["interview_plan_id"], unchanged["interview_plan_version"]) == (None, None)
    assert (await get_json(client, recruiter, f"{PLANS}/{template['id']}"))["intake_id"] is None
    assert (await get_json(client, recruiter, f"{PLANS}/{taken.json()['id']}"))["intake_id"] == (
        first["id"]
    )

    # A plan of no intake may be attached: it then belongs to that intake.
    loose = await new_plan(client, recruiter, [stage("Design", design, [])], name="Loose")
    attached = await patch_intake(
        client, recruiter, second["id"], {"interview_plan_id": loose["id"]}
    )
    assert attached.status_code == 200, attached.text
    assert (attached.json()["interview_plan_id"], attached.json()["interview_plan_version"]) == (
        loose["id"],
        1,
    )
    assert (await get_json(client, recruiter, f"{PLANS}/{loose['id']}"))["intake_id"] == (
        second["id"]
    )


async def test_changing_a_plan_needs_a_current_etag(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    design = await competency(client, recruiter, "System design")
    plan = await new_plan(client, recruiter, [stage("Design", design, [])], is_template=True)
    url = f"{PLANS}/{plan['id']}"
    missing = await act(client, recruiter, "PATCH", url, json={"name": "New"})
    assert missing.status_code == 428
    stale = await act(
        client, recruiter, "PATCH", url, headers={"If-Match": '"5"'}, json={"name": "New"}
    )
    assert stale.status_code == 412
    assert (await get_json(client, recruiter, url))["name"] == "Backend loop"
    changed = await act(
        client, recruiter, "PATCH", url, headers={"If-Match": '"1"'}, json={"name": "New"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    again = await act(
        client, recruiter, "PATCH", url, headers={"If-Match": '"1"'}, json={"name": "Newer"}
    )
    assert again.status_code == 412
    unknown = await act(
        client,
        recruiter,
        "PATCH",
        f"{PLANS}/{uuid.uuid4()}",
        headers={"If-Match": '"1"'},
        json={"name": "X"},
    )
    assert unknown.status_code == 404


async def test_plans_are_listed_by_kind_and_intake(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    design = await competency(client, recruiter, "System design")
    templates = [
        (await new_plan(client, recruiter, [stage("S", design, [])], is_template=True, name=n))[
            "id"
        ]
        for n in ("One", "Two", "Three")
    ]
    first = await new_intake(client, recruiter, manager)
    second = await new_intake(client, recruiter, manager, title="Data Engineer")
    first_plan = await new_plan(client, recruiter, [], intake_id=first["id"])
    second_plan = await new_plan(client, recruiter, [], intake_id=second["id"])

    async def ids(**params: Any) -> list[str]:
        response = await act(client, recruiter, "GET", PLANS, params=params)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["data"]]

    assert await ids() == [*templates, first_plan["id"], second_plan["id"]]  # oldest first
    assert await ids(is_template="true") == templates
    assert await ids(is_template="false") == [first_plan["id"], second_plan["id"]]
    assert await ids(intake_id=second["id"]) == [second_plan["id"]]
    page = await act(client, recruiter, "GET", PLANS, params={"is_template": "true", "limit": 2})
    assert [p["id"] for p in page.json()["data"]] == templates[:2]
    assert page.json()["has_more"] is True
    rest = await act(
        client,
        recruiter,
        "GET",
        PLANS,
        params={"is_template": "true", "limit": 2, "cursor": page.json()["next_cursor"]},
    )
    assert [p["id"] for p in rest.json()["data"]] == templates[2:]
    assert rest.json()["has_more"] is False
    # A cursor belongs to its filters.
    mixed = await act(
        client, recruiter, "GET", PLANS, params={"cursor": page.json()["next_cursor"]}
    )
    assert mixed.status_code == 422
