"""Object-level access to plans (tests/test_auth_matrix.py walks the role/scope matrix):
the plan team reads an intake's plan, its recruiter and hiring manager change it,
interviewers read only the kits of stages whose pool lists them, others get 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from app.core.roles import Role
from tests.support.harness import Actor, MakeApiKey, MakeUser
from tests.support.intakes import act
from tests.support.plans import (
    PLANS,
    competency,
    new_intake,
    new_plan,
    patch_plan,
    stage,
    stage_inputs,
)


@dataclass
class Setting:
    recruiter: Actor
    manager: Actor
    coordinator: Actor
    first_interviewer: Actor
    second_interviewer: Actor
    other_recruiter: Actor
    other_manager: Actor
    outside_interviewer: Actor
    intake: dict[str, Any]
    template: dict[str, Any]
    plan: dict[str, Any]

    @property
    def plan_url(self) -> str:
        return f"{PLANS}/{self.plan['id']}"

    def kit_url(self, index: int, plan: dict[str, Any] | None = None) -> str:
        plan = plan or self.plan
        return f"{PLANS}/{plan['id']}/stages/{plan['stages'][index]['id']}/kit"


async def setting(client: httpx.AsyncClient, make_user: MakeUser) -> Setting:
    """An intake with a coordinator and two interviewers on its team, and a plan whose
    first stage's pool lists the first interviewer and the second stage's the second."""
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    coordinator = await make_user(Role.RECRUITER)
    first, second = await make_user(Role.INTERVIEWER), await make_user(Role.INTERVIEWER)
    design = await competency(client, recruiter, "System design")
    coding = await competency(client, recruiter, "Coding")
    template = await new_plan(
        client, recruiter, [stage("Template design", design, [str(first.id)])], is_template=True
    )
    intake = await new_intake(
        client,
        recruiter,
        manager,
        team=[
            {"user_id": str(coordinator.id), "team_role": "coordinator"},
            {"user_id": str(first.id), "team_role": "interviewer"},
            {"user_id": str(second.id), "team_role": "interviewer"},
        ],
    )
    plan = await new_plan(
        client,
        recruiter,
        [stage("Design", design, [str(first.id)]), stage("Coding", coding, [str(second.id)])],
        intake_id=intake["id"],
        name="Payments loop",
    )
    return Setting(
        recruiter=recruiter,
        manager=manager,
        coordinator=coordinator,
        first_interviewer=first,
        second_interviewer=second,
        other_recruiter=await make_user(Role.RECRUITER),
        other_manager=await make_user(Role.HIRING_MANAGER),
        outside_interviewer=await make_user(Role.INTERVIEWER),
        intake=intake,
        template=template,
        plan=plan,
    )


async def status(client: httpx.AsyncClient, actor: Actor, method: str, url: str, **kw: Any) -> int:
    return (await act(client, actor, method, url, **kw)).status_code


async def listed(client: httpx.AsyncClient, actor: Actor) -> set[str]:
    response = await act(client, actor, "GET", PLANS)
    assert response.status_code == 200, response.text
    return {p["id"] for p in response.json()["data"]}


async def test_interviewers_read_only_the_kits_of_their_stages(client, make_user: MakeUser):
    s = await setting(client, make_user)
    first, second = s.first_interviewer, s.second_interviewer
    # The role may not read plans at all.
    for url in (
        PLANS,
        s.plan_url,
        f"{s.plan_url}/readiness",
        f"{s.plan_url}/versions/1",
        f"{PLANS}/{s.template['id']}",
    ):
        assert await status(client, first, "GET", url) == 403, url
    assert await status(client, first, "POST", f"{s.plan_url}/copy", json={}) == 403
    patched = await act(
        client, first, "PATCH", s.plan_url, headers={"If-Match": '"1"'}, json={"name": "Mine"}
    )
    assert patched.status_code == 403

    # The kit of a stage whose pool lists them, in every format; not the other stage's.
    kit = await act(client, first, "GET", s.kit_url(0))
    assert kit.status_code == 200, kit.text
    assert kit.json()["stage"]["name"] == "Design"
    markdown = await act(client, first, "GET", s.kit_url(0), params={"format": "markdown"})
    assert "Tell me about design you led." in markdown.text
    assert await status(client, first, "GET", s.kit_url(0), params={"format": "html"}) == 200
    assert await status(client, first, "GET", s.kit_url(1)) == 404
    assert await status(client, first, "GET", s.kit_url(1), params={"format": "html"}) == 404
    assert await status(client, second, "GET", s.kit_url(1)) == 200
    assert await status(client, second, "GET", s.kit_url(0)) == 404
    # A template's stage pool works the same way.
    assert await status(client, first, "GET", s.kit_url(0, s.template)) == 200
    assert await status(client, second, "GET", s.kit_url(0, s.template)) == 404
    # Someone in no pool sees no kit.
    for index in (0, 1):
        assert await status(client, s.outside_interviewer, "GET", s.kit_url(index)) == 404

    # Taken out of the pool, the interviewer loses the kit.
    stages = stage_inputs(s.plan)
    stages[0]["interviewer_pool"] = [str(second.id)]
    edited = await patch_plan(client, s.recruiter, s.plan["id"], {"stages": stages})
    assert edited.status_code == 200, edited.text
    assert await status(client, first, "GET", s.kit_url(0)) == 404
    assert await status(client, second, "GET", s.kit_url(0)) == 200


async def test_recruiters_off_the_team_read_templates_but_not_the_intakes_plan(
    client, make_user: MakeUser
):
    s = await setting(client, make_user)
    outsider = s.other_recruiter
    for url in (
        s.plan_url,
        f"{s.plan_url}/readiness",
        f"{s.plan_url}/versions/1",
        s.kit_url(0),
    ):
        response = await act(client, outsider, "GET", url)
        assert response.status_code == 404, url
        assert s.plan["name"] not in response.text
    assert await status(client, outsider, "POST", f"{s.plan_url}/copy", json={}) == 404
    patched = await act(
        client, outsider, "PATCH", s.plan_url, headers={"If-Match": '"1"'}, json={"name": "X"}
    )
    assert patched.status_code == 404
    assert await listed(client, outsider) == {s.template["id"]}
    assert await listed(client, s.recruiter) == {s.template["id"], s.plan["id"]}

    # Templates: readable, and recruiters maintain them.
    assert await status(client, outsider, "GET", f"{PLANS}/{s.template['id']}") == 200
    assert await status(client, outsider, "GET", s.kit_url(0, s.template)) == 200
    renamed = await patch_plan(client, outsider, s.template["id"], {"name": "Shared loop"})
    assert renamed.status_code == 200, renamed.text

    # Copying for an intake they are not on is refused as if it did not exist.
    copy = await act(
        client,
        outsider,
        "POST",
        f"{PLANS}/{s.template['id']}/copy",
        json={"intake_id": s.intake["id"]},
    )
    assert copy.status_code == 422, copy.text
    assert [e["location"] for e in copy.json()["errors"]] == ["body.intake_id"]
    created = await act(
        client,
        outsider,
        "POST",
        PLANS,
        json={"name": "Sneaky", "intake_id": s.intake["id"]},
    )
    assert created.status_code == 422
    assert await listed(client, s.recruiter) == {s.template["id"], s.plan["id"]}


async def test_a_coordinator_reads_the_plan_but_does_not_change_it(client, make_user: MakeUser):
    s = await setting(client, make_user)
    coordinator = s.coordinator
    read = await act(client, coordinator, "GET", s.plan_url)
    assert read.status_code == 200, read.text
    for url in (f"{s.plan_url}/readiness", f"{s.plan_url}/versions/1", s.kit_url(1)):
        assert await status(client, coordinator, "GET", url) == 200, url
    assert s.plan["id"] in await listed(client, coordinator)
    patched = await act(
        client,
        coordinator,
        "PATCH",
        s.plan_url,
        headers={"If-Match": read.headers["etag"]},
        json={"name": "Coordinated"},
    )
    assert patched.status_code == 403, patched.text
    copy = await act(
        client,
        coordinator,
        "POST",
        f"{PLANS}/{s.template['id']}/copy",
        json={"intake_id": s.intake["id"]},
    )
    assert copy.status_code == 403
    assert (await act(client, s.recruiter, "GET", s.plan_url)).json()["name"] == "Payments loop"


async def test_the_hiring_manager_changes_their_intakes_plan_but_not_templates(
    client, make_user: MakeUser
):
    s = await setting(client, make_user)
    manager = s.manager
    renamed = await patch_plan(client, manager, s.plan["id"], {"name": "Payments loop (HM)"})
    assert renamed.status_code == 200, renamed.text
    assert await status(client, manager, "GET", f"{s.plan_url}/readiness") == 200
    template_url = f"{PLANS}/{s.template['id']}"
    template = await act(client, manager, "GET", template_url)
    assert template.status_code == 200
    refused = await act(
        client,
        manager,
        "PATCH",
        template_url,
        headers={"If-Match": template.headers["etag"]},
        json={"name": "Mine now"},
    )
    assert refused.status_code == 403, refused.text
    assert await listed(client, manager) == {s.template["id"], s.plan["id"]}
    copy = await act(
        client,
        manager,
        "POST",
        f"{PLANS}/{s.template['id']}/copy",
        json={"intake_id": s.intake["id"]},
    )
    assert copy.status_code == 201, copy.text

    # Another hiring manager: the template yes (read only), this intake's plans no.
    other = s.other_manager
    for url in (s.plan_url, f"{s.plan_url}/readiness", f"{s.plan_url}/versions/1", s.kit_url(0)):
        assert await status(client, other, "GET", url) == 404, url
    patched = await act(
        client, other, "PATCH", s.plan_url, headers={"If-Match": '"2"'}, json={"name": "Other"}
    )
    assert patched.status_code == 404
    assert await status(client, other, "GET", template_url) == 200
    other_patch = await act(
        client, other, "PATCH", template_url, headers={"If-Match": '"1"'}, json={"name": "O"}
    )
    assert other_patch.status_code == 403
    assert await listed(client, other) == {s.template["id"]}
    assert (await act(client, s.recruiter, "GET", template_url)).json()["name"] == "Backend loop"


async def test_an_integration_sees_what_its_user_sees(
    client, make_user: MakeUser, make_api_key: MakeApiKey
):
    s = await setting(client, make_user)
    key = await make_api_key("interview_plans:read", "on_behalf_of")
    own = await client.get(s.plan_url, headers=key.headers())
    assert own.status_code == 200, own.text
    for_outsider = await client.get(s.plan_url, headers=key.headers(s.other_recruiter.id))
    assert for_outsider.status_code == 404
    for_manager = await client.get(s.plan_url, headers=key.headers(s.manager.id))
    assert for_manager.status_code == 200
    kit = await client.get(s.kit_url(1), headers=key.headers(s.second_interviewer.id))
    assert kit.status_code == 200
    other_kit = await client.get(s.kit_url(0), headers=key.headers(s.second_interviewer.id))
    assert other_kit.status_code == 404
