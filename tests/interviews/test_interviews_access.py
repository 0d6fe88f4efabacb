"""Who sees and changes which interviews: the intake's team sees its interviews, people whose
role is interviewer see only those they sit on (and, through them, the application and a
summary of the candidate), other teams get 404, and integrations act by scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.core.roles import Role
from app.platform.runtime import Runtime
from tests.support.harness import MakeApiKey, MakeUser
from tests.support.intakes import act
from tests.support.interviews import (
    APPLICATIONS,
    INTERVIEWS,
    another_application,
    hours_from_now,
    panel_setting,
    schedule,
    scheduled,
)


async def listed_ids(client, actor_or_headers: Any, **params: Any) -> set[str]:
    headers = getattr(actor_or_headers, "headers", actor_or_headers)
    response = await client.get(INTERVIEWS, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return {row["id"] for row in response.json()["data"]}


async def test_each_role_sees_what_it_should(client, make_user: MakeUser, runtime: Runtime):
    setting = await panel_setting(client, make_user, runtime)
    other_application = await another_application(client, setting)
    # The second interviewer sits on the first interview only; the lead on both.
    mine = await scheduled(client, setting, hours_from_now(30))
    theirs = await scheduled(
        client,
        setting,
        hours_from_now(60),
        [(setting.lead, "lead")],
        application_id=other_application,
    )
    admin = await make_user(Role.ADMIN)
    other_recruiter = await make_user(Role.RECRUITER)
    other_manager = await make_user(Role.HIRING_MANAGER)
    bystander = await make_user(Role.INTERVIEWER)
    both = {mine["id"], theirs["id"]}

    assert await listed_ids(client, admin) >= both
    assert await listed_ids(client, setting.recruiter) == both
    assert await listed_ids(client, setting.manager) == both
    assert await listed_ids(client, setting.lead) == both
    assert await listed_ids(client, setting.second) == {mine["id"]}
    # The trainee is on the team but on no panel: interviewers see only their own interviews.
    assert await listed_ids(client, setting.trainee) == set()
    for outsider in (other_recruiter, other_manager, bystander):
        assert await listed_ids(client, outsider) == set()

    for actor, visible in (
        (setting.second, {mine["id"]}),
        (setting.trainee, set()),
        (other_recruiter, set()),
        (other_manager, set()),
        (setting.manager, both),
    ):
        for interview_id in both:
            for suffix in ("", "/calendar.ics"):
                response = await act(client, actor, "GET", f"{INTERVIEWS}/{interview_id}{suffix}")
                expected = 200 if interview_id in visible else 404
                assert response.status_code == expected, (actor.user.role, suffix, response.text)


async def test_a_panel_member_from_outside_the_team_sees_the_application_and_a_summary(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await panel_setting(client, make_user, runtime)
    application = f"{APPLICATIONS}/{setting.application_id}"
    before = await act(client, setting.second, "GET", application)
    assert before.status_code == 404  # not on the team, not on a panel yet
    await scheduled(client, setting, hours_from_now(30))
    after = await act(client, setting.second, "GET", application)
    assert after.status_code == 200, after.text
    candidate = await act(
        client, setting.second, "GET", f"/api/v1/candidates/{setting.candidate_id}"
    )
    assert candidate.status_code == 200, candidate.text
    assert candidate.json()["full_name"] == "Ada Lovelace"
    assert "pay_expectation_amount" not in candidate.json()
    assert "email" not in candidate.json()
    briefing = await act(client, setting.second, "GET", f"{application}/briefing")
    assert briefing.status_code == 200, briefing.text
    listed = await act(
        client, setting.second, "GET", APPLICATIONS, params={"intake_id": setting.intake_id}
    )
    assert [row["id"] for row in listed.json()["data"]] == [setting.application_id]


async def test_who_may_schedule_and_complete(
    client, make_user: MakeUser, runtime: Runtime, manual_clock
):
    setting = await panel_setting(client, make_user, runtime)
    other_recruiter = await make_user(Role.RECRUITER)
    starts = manual_clock.now + timedelta(hours=2)
    panel = [(setting.lead, "lead")]
    # The hiring manager and interviewers may not schedule; another team's recruiter cannot
    # even name the application.
    for actor, status in (
        (setting.manager, 403),
        (setting.lead, 403),
        (other_recruiter, 422),
    ):
        response = await schedule(
            client, actor, setting.application_id, setting.technical, starts, panel
        )
        assert response.status_code == status, (actor.user.role, response.text)
    interview = await scheduled(client, setting, starts, panel)
    url = f"{INTERVIEWS}/{interview['id']}"
    times = {"starts_at": interview["starts_at"], "ends_at": interview["ends_at"]}
    assert (
        await act(client, setting.manager, "POST", f"{url}/reschedule", json=times)
    ).status_code == 403
    assert (
        await act(client, other_recruiter, "POST", f"{url}/reschedule", json=times)
    ).status_code == 404
    assert (
        await act(client, setting.lead, "POST", f"{url}/cancel", json={"reason": "x"})
    ).status_code == 403
    manual_clock.advance(4 * 3600)
    assert (await act(client, other_recruiter, "POST", f"{url}/complete")).status_code == 404
    # On the team but neither running the pipeline nor on the panel.
    assert (await act(client, setting.trainee, "POST", f"{url}/complete")).status_code == 404
    done = await act(client, setting.manager, "POST", f"{url}/complete")
    assert done.status_code == 200, done.text


async def test_integrations_act_by_scope(
    client, make_user: MakeUser, runtime: Runtime, make_api_key: MakeApiKey
):
    setting = await panel_setting(client, make_user, runtime)
    reader = await make_api_key("interviews:read")
    writer = await make_api_key("interviews:write")
    starts = hours_from_now(30)
    body = {
        "application_id": setting.application_id,
        "stage_id": setting.technical,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=1)).isoformat(),
        "interviewers": [{"user_id": str(setting.lead.id), "role": "lead"}],
    }
    refused = await client.post(INTERVIEWS, json=body, headers=reader.headers())
    assert refused.status_code == 403
    created = await client.post(INTERVIEWS, json=body, headers=writer.headers())
    assert created.status_code == 201, created.text
    assert created.json()["scheduled_by_id"] is None
    assert await listed_ids(client, reader.headers()) == {created.json()["id"]}
    filtered = await listed_ids(client, reader.headers(), interviewer_id=str(setting.second.id))
    assert filtered == set()


async def test_list_filters_and_pagination(client, make_user: MakeUser, runtime: Runtime):
    setting = await panel_setting(client, make_user, runtime)
    other = await another_application(client, setting)
    first = await scheduled(client, setting, hours_from_now(30))
    second = await scheduled(
        client, setting, hours_from_now(50), [(setting.lead, "lead")], application_id=other
    )
    third = await scheduled(client, setting, hours_from_now(80), [(setting.lead, "lead")])
    await act(
        client,
        setting.recruiter,
        "POST",
        f"{INTERVIEWS}/{third['id']}/cancel",
        json={"reason": "r"},
    )
    recruiter = setting.recruiter
    assert await listed_ids(client, recruiter, application_id=other) == {second["id"]}
    assert await listed_ids(client, recruiter, interviewer_id=str(setting.second.id)) == {
        first["id"]
    }
    assert await listed_ids(client, recruiter, status="cancelled") == {third["id"]}
    assert await listed_ids(client, recruiter, starts_after=hours_from_now(40).isoformat()) == {
        second["id"],
        third["id"],
    }
    page = await act(client, recruiter, "GET", INTERVIEWS, params={"limit": 2})
    body = page.json()
    assert [row["id"] for row in body["data"]] == [first["id"], second["id"]]  # soonest first
    assert body["has_more"] is True
    rest = await act(
        client, recruiter, "GET", INTERVIEWS, params={"limit": 2, "cursor": body["next_cursor"]}
    )
    assert [row["id"] for row in rest.json()["data"]] == [third["id"]]
    for bad in ({"status": "done"}, {"starts_after": "yesterday"}, {"limit": 0}, {"cursor": "x"}):
        response = await act(client, recruiter, "GET", INTERVIEWS, params=bad)
        assert response.status_code == 422, (bad, response.text)
