"""A plan from template to locked intake plan, its kit, and one interviewer's training."""

from __future__ import annotations

from app.core.roles import Role
from tests.support.harness import MakeUser
from tests.support.intakes import act, intake_body
from tests.support.plans import RUBRIC, as_input, competency, stage


async def test_template_copy_lock_version_kit_and_training(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    interviewer = await make_user(Role.INTERVIEWER)
    design = await competency(client, recruiter, "System design")
    template = await act(
        client,
        recruiter,
        "POST",
        "/api/v1/interview-plans",
        json={
            "name": "Backend loop",
            "is_template": True,
            "stages": [stage("Design interview", design, [str(interviewer.id)])],
        },
    )
    assert template.status_code == 201, template.text
    template_stage = template.json()["stages"][0]
    assert template_stage["competencies"][0]["name"] == "System design"
    assert template_stage["questions"][0]["competency_id"] == design

    created = await act(
        client, recruiter, "POST", "/api/v1/intakes", json=intake_body(None, manager)
    )
    intake_url = f"/api/v1/intakes/{created.json()['id']}"
    copy = await act(
        client,
        recruiter,
        "POST",
        f"/api/v1/interview-plans/{template.json()['id']}/copy",
        json={"intake_id": created.json()["id"], "name": "Backend loop (Payments)"},
    )
    assert copy.status_code == 201, copy.text
    plan = copy.json()
    plan_url = f"/api/v1/interview-plans/{plan['id']}"
    # The copy is independent: new ids, attached to the intake.
    assert plan["stages"][0]["id"] != template_stage["id"]
    assert plan["copied_from_id"] == template.json()["id"]
    intake = (await act(client, recruiter, "GET", intake_url)).json()
    assert (intake["interview_plan_id"], intake["interview_plan_version"]) == (plan["id"], 1)

    # Agreeing the intake locks the plan's version.
    await act(client, recruiter, "POST", f"{intake_url}/submit-for-review")
    await act(client, recruiter, "POST", f"{intake_url}/sign-off", json={"revision": 1})
    agreed = await act(client, manager, "POST", f"{intake_url}/sign-off", json={"revision": 1})
    assert agreed.json()["status"] == "agreed"
    locked = await act(client, manager, "GET", plan_url)
    assert locked.json()["locked_version"] == 1

    # An edit makes version 2; the intake must be agreed again; version 1 stays readable.
    stages = locked.json()["stages"]
    stages[0]["duration_minutes"] = 90
    edited = await act(
        client,
        manager,
        "PATCH",
        plan_url,
        headers={"If-Match": locked.headers["etag"]},
        json={"stages": [as_input(stages[0])]},
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["plan_version"], edited.json()["locked_version"]) == (2, 1)
    assert edited.json()["stages"][0]["id"] == stages[0]["id"]  # stable across versions
    intake = (await act(client, recruiter, "GET", intake_url)).json()
    assert (intake["status"], intake["interview_plan_version"]) == ("in_review", 2)
    old = await act(client, manager, "GET", f"{plan_url}/versions/1")
    assert old.json()["stages"][0]["duration_minutes"] == 60

    # The interviewer in the pool reads the kit in every format, but not the plan itself.
    kit_url = f"{plan_url}/stages/{stages[0]['id']}/kit"
    kit = await act(client, interviewer, "GET", kit_url)
    assert kit.status_code == 200, kit.text
    assert kit.json()["questions"][0]["text"] == "Tell me about design interview you led."
    assert kit.json()["competencies"][0]["rubric"] == RUBRIC
    markdown = await act(client, interviewer, "GET", kit_url, headers={"Accept": "text/markdown"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    html = await act(client, interviewer, "GET", f"{kit_url}?format=html")
    assert html.headers["content-type"].startswith("text/html")
    for body in (markdown.text, html.text):
        assert "Tell me about design interview you led." in body
        assert all(text in body for text in RUBRIC.values())
    assert (await act(client, interviewer, "GET", plan_url)).status_code == 403

    # Training: assigned -> studied -> shadowed (x2) -> reverse shadowed -> qualified.
    assigned = await act(
        client,
        manager,
        "POST",
        "/api/v1/training",
        json={"user_id": str(interviewer.id), "plan_id": plan["id"], "stage_id": stages[0]["id"]},
    )
    assert assigned.status_code == 201, assigned.text
    training_url = f"/api/v1/training/{assigned.json()['id']}"
    readiness = await act(client, manager, "GET", f"{plan_url}/readiness")
    assert readiness.json()["stages"][0]["in_training"] == 1
    assert readiness.json()["ready"] is False
    steps = [
        (interviewer, "mark-studied", "studied"),
        (manager, "record-shadow", "studied"),
        (manager, "record-shadow", "shadowed"),
        (manager, "record-reverse-shadow", "reverse_shadowed"),
    ]
    for actor, step, state in steps:
        response = await act(client, actor, "POST", f"{training_url}/{step}")
        assert response.json()["state"] == state, response.text
    assert (await act(client, interviewer, "POST", f"{training_url}/qualify")).status_code == 403
    qualified = await act(client, manager, "POST", f"{training_url}/qualify")
    assert qualified.json()["state"] == "qualified"
    assert qualified.json()["approved_by_id"] == str(manager.id)
    readiness = await act(client, manager, "GET", f"{plan_url}/readiness")
    assert readiness.json()["ready"] is True
    assert readiness.json()["stages"][0]["pool"][0]["status"] == "qualified"
