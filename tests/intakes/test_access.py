"""Object-level access to intakes: the hiring team sees an intake, its owner changes it, the
hiring manager edits the requirements, and only the two parties sign it.

The role x action matrix itself is walked by tests/test_auth_matrix.py; these are the
qualifiers ("team", "owner", "requirements", "its recruiter / its HM") on real intakes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from app.core.roles import Role
from tests.support.harness import Actor, MakeUser
from tests.support.intakes import BASE, act, events_of, intake_body


@dataclass
class Team:
    recruiter: Actor
    manager: Actor
    coordinator: Actor  # a second recruiter, on the team as coordinator
    interviewer: Actor  # on the team as interviewer
    outsider: Actor  # a recruiter on no team
    other_manager: Actor  # a hiring manager on no team
    url: str
    intake_id: str


@pytest.fixture
async def team(client, make_user: MakeUser) -> Team:
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    coordinator = await make_user(Role.RECRUITER)
    interviewer = await make_user(Role.INTERVIEWER)
    members = [
        {"user_id": str(coordinator.id), "team_role": "coordinator"},
        {"user_id": str(interviewer.id), "team_role": "interviewer"},
    ]
    created = await act(
        client, recruiter, "POST", BASE, json=intake_body(None, manager, team=members)
    )
    assert created.status_code == 201, created.text
    intake_id = created.json()["id"]
    return Team(
        recruiter=recruiter,
        manager=manager,
        coordinator=coordinator,
        interviewer=interviewer,
        outsider=await make_user(Role.RECRUITER),
        other_manager=await make_user(Role.HIRING_MANAGER),
        url=f"{BASE}/{intake_id}",
        intake_id=intake_id,
    )


async def etag_of(client, team: Team) -> str:
    return (await act(client, team.recruiter, "GET", team.url)).headers["etag"]


async def listed_ids(client, actor: Actor, **params: str) -> list[str]:
    response = await act(client, actor, "GET", BASE, params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["data"]]


async def test_the_team_is_recorded_with_its_roles(client, team: Team):
    read = await act(client, team.recruiter, "GET", team.url)
    assert [(m["user_id"], m["team_role"]) for m in read.json()["team"]] == [
        (str(team.recruiter.id), "recruiter"),
        (str(team.manager.id), "hiring_manager"),
        (str(team.coordinator.id), "coordinator"),
        (str(team.interviewer.id), "interviewer"),
    ]


async def test_someone_not_on_the_team_gets_404_everywhere(client, team: Team, runtime):
    etag = await etag_of(client, team)
    for outsider in (team.outsider, team.other_manager):
        for method, path, kwargs in (
            ("GET", team.url, {}),
            ("PATCH", team.url, {"headers": {"If-Match": etag}, "json": {"level": "X"}}),
            ("PATCH", team.url, {"json": {"level": "X"}}),  # 404 before the missing If-Match
            ("GET", f"{team.url}/revisions", {}),
            ("GET", f"{team.url}/revisions/1", {}),
            ("GET", f"{team.url}/diff?from=1&to=1", {}),
            ("GET", f"{team.url}/comments", {}),
            ("POST", f"{team.url}/comments", {"json": {"body": "Hello?"}}),
            ("POST", f"{team.url}/sign-off", {"json": {"revision": 1}}),
        ):
            response = await act(client, outsider, method, path, **kwargs)
            assert response.status_code == 404, (outsider.user.role, method, path, response.text)
            assert response.json()["type"] == "/problems/not-found"
        assert team.intake_id not in await listed_ids(client, outsider)
    # A recruiter outside the team cannot change its status either (it does not exist to them).
    for action in ("submit-for-review", "cancel"):
        response = await act(client, team.outsider, "POST", f"{team.url}/{action}")
        assert response.status_code == 404, (action, response.text)
    assert await etag_of(client, team) == etag
    assert await events_of(runtime, team.intake_id) == ["intake.created"]


async def test_an_intake_nobody_may_see_is_like_one_that_does_not_exist(client, team: Team):
    missing = f"{BASE}/0190c8a4-7d7e-7000-8000-000000000000"
    hidden = await act(client, team.outsider, "GET", team.url)
    absent = await act(client, team.outsider, "GET", missing)
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json()["title"] == absent.json()["title"]


async def test_an_interviewer_on_the_team_reads_but_does_not_change(client, team: Team):
    who = team.interviewer
    read = await act(client, who, "GET", team.url)
    assert read.status_code == 200, read.text
    assert team.intake_id in await listed_ids(client, who)
    assert (await act(client, who, "GET", f"{team.url}/comments")).status_code == 200
    assert (await act(client, who, "GET", f"{team.url}/revisions")).status_code == 200
    etag = read.headers["etag"]
    patched = await act(
        client, who, "PATCH", team.url, headers={"If-Match": etag}, json={"must_haves": []}
    )
    assert patched.status_code == 403, patched.text
    await act(client, team.recruiter, "POST", f"{team.url}/submit-for-review")
    signed = await act(client, who, "POST", f"{team.url}/sign-off", json={"revision": 1})
    assert signed.status_code == 403, signed.text
    for action in ("open", "cancel"):
        assert (await act(client, who, "POST", f"{team.url}/{action}")).status_code == 403
    after = await act(client, team.recruiter, "GET", team.url)
    assert after.json()["sign_offs"] == []
    assert after.json()["must_haves"] != []


async def test_a_coordinator_reads_but_only_the_owner_changes(client, team: Team, runtime):
    who = team.coordinator
    assert (await act(client, who, "GET", team.url)).status_code == 200
    assert team.intake_id in await listed_ids(client, who)
    etag = await etag_of(client, team)
    changes: list[dict[str, Any]] = [{"level": "Staff"}, {"must_haves": []}, {"title": "Renamed"}]
    for change in changes:
        patched = await act(client, who, "PATCH", team.url, headers={"If-Match": etag}, json=change)
        assert patched.status_code == 403, (change, patched.text)
    for action in ("submit-for-review", "open", "put-on-hold", "mark-filled", "cancel"):
        response = await act(client, who, "POST", f"{team.url}/{action}")
        assert response.status_code == 403, (action, response.text)
    await act(client, team.recruiter, "POST", f"{team.url}/submit-for-review")
    signed = await act(client, who, "POST", f"{team.url}/sign-off", json={"revision": 1})
    assert signed.status_code == 403, signed.text
    read = await act(client, team.recruiter, "GET", team.url)
    assert (read.json()["level"], read.json()["title"], read.json()["sign_offs"]) == (
        "Senior",
        "Senior Backend Engineer",
        [],
    )
    assert (await events_of(runtime, team.intake_id)).count("intake.updated") == 0


async def test_the_owner_and_an_admin_change_the_intake(client, team: Team, admin):
    etag = await etag_of(client, team)
    owner = await act(
        client, team.recruiter, "PATCH", team.url, headers={"If-Match": etag}, json={"level": "L5"}
    )
    assert owner.status_code == 200, owner.text
    by_admin = await act(
        client,
        admin,
        "PATCH",
        team.url,
        headers={"If-Match": owner.headers["etag"]},
        json={"salary_max": 110000},
    )
    assert by_admin.status_code == 200, by_admin.text
    assert (by_admin.json()["level"], by_admin.json()["salary_max"]) == ("L5", 110000)


async def test_the_hiring_manager_edits_only_the_requirements(client, team: Team, runtime):
    etag = await etag_of(client, team)
    refused = await act(
        client,
        team.manager,
        "PATCH",
        team.url,
        headers={"If-Match": etag},
        json={
            "salary_min": 90000,
            "salary_max": 130000,
            "currency": "USD",
            "headcount": 3,
            "must_haves": [{"item": "Go", "why": "New services"}],
        },
    )
    assert refused.status_code == 403, refused.text
    problem = refused.json()
    assert problem["fields"] == ["currency", "headcount", "salary_max", "salary_min"]
    for field in problem["fields"]:
        assert field in problem["detail"]
    assert "must_haves" not in problem["detail"]
    assert await etag_of(client, team) == etag  # nothing of it was applied

    allowed = {
        "must_haves": [{"item": "Go", "why": "New services"}],
        "nice_to_haves": [],
        "deal_breakers": ["No remote"],
        "ideal_candidate": "Someone who has run a ledger",
        "selling_points": ["Equity"],
        "target_companies": ["Adyen"],
        "talent_pools": ["Fintech"],
    }
    accepted = await act(
        client, team.manager, "PATCH", team.url, headers={"If-Match": etag}, json=allowed
    )
    assert accepted.status_code == 200, accepted.text
    for field, value in allowed.items():
        assert accepted.json()[field] == value
    # Sending an unchanged pay field along with a change is not a pay change.
    same_pay = await act(
        client,
        team.manager,
        "PATCH",
        team.url,
        headers={"If-Match": accepted.headers["etag"]},
        json={"salary_min": 80000, "deal_breakers": []},
    )
    assert same_pay.status_code == 200, same_pay.text
    assert (await events_of(runtime, team.intake_id)).count("intake.updated") == 2


async def test_only_the_intakes_recruiter_and_hiring_manager_sign(client, team: Team, admin):
    submitted = await act(client, team.recruiter, "POST", f"{team.url}/submit-for-review")
    assert submitted.status_code == 200, submitted.text
    # Another hiring manager is not on the team: the intake does not exist for them.
    other = await act(
        client, team.other_manager, "POST", f"{team.url}/sign-off", json={"revision": 1}
    )
    assert other.status_code == 404, other.text
    # Admins see every intake, but signing is for the two parties (refused by role).
    by_admin = await act(client, admin, "POST", f"{team.url}/sign-off", json={"revision": 1})
    assert by_admin.status_code == 403, by_admin.text
    read = await act(client, admin, "GET", team.url)
    assert read.json()["sign_offs"] == []

    for party, actor in (("recruiter", team.recruiter), ("hiring_manager", team.manager)):
        signed = await act(client, actor, "POST", f"{team.url}/sign-off", json={"revision": 1})
        assert signed.status_code == 200, signed.text
        assert party in [s["party"] for s in signed.json()["sign_offs"]]
    assert signed.json()["status"] == "agreed"
    assert {s["user_id"] for s in signed.json()["sign_offs"]} == {
        str(team.recruiter.id),
        str(team.manager.id),
    }


async def test_a_key_signs_only_on_behalf_of_a_party(client, team: Team, make_api_key):
    await act(client, team.recruiter, "POST", f"{team.url}/submit-for-review")
    key = await make_api_key("intakes:write", "on_behalf_of")
    alone = await client.post(f"{team.url}/sign-off", headers=key.headers(), json={"revision": 1})
    assert alone.status_code == 403, alone.text
    for_coordinator = await client.post(
        f"{team.url}/sign-off", headers=key.headers(team.coordinator.id), json={"revision": 1}
    )
    assert for_coordinator.status_code == 403, for_coordinator.text
    for_outsider = await client.post(
        f"{team.url}/sign-off", headers=key.headers(team.outsider.id), json={"revision": 1}
    )
    assert for_outsider.status_code == 404, for_outsider.text
    for_manager = await client.post(
        f"{team.url}/sign-off", headers=key.headers(team.manager.id), json={"revision": 1}
    )
    assert for_manager.status_code == 200, for_manager.text
    assert [(s["party"], s["user_id"]) for s in for_manager.json()["sign_offs"]] == [
        ("hiring_manager", str(team.manager.id))
    ]


async def test_admins_and_reading_keys_list_every_intake(
    client, team: Team, admin, make_user, make_api_key
):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    second = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
    assert second.status_code == 201
    both = {team.intake_id, second.json()["id"]}
    assert set(await listed_ids(client, admin)) == both
    key = await make_api_key("intakes:read")
    listed = await client.get(BASE, headers=key.headers())
    assert listed.status_code == 200, listed.text
    assert {i["id"] for i in listed.json()["data"]} == both
    one = await client.get(team.url, headers=key.headers())
    assert one.status_code == 200
    assert (await client.get(f"{team.url}/comments", headers=key.headers())).status_code == 200
    # A reading key cannot write.
    write = await client.patch(
        team.url, headers={**key.headers(), "If-Match": one.headers["etag"]}, json={"level": "X"}
    )
    assert write.status_code == 403
    # Each team member lists only their own team's intakes.
    assert await listed_ids(client, team.interviewer) == [team.intake_id]
    assert await listed_ids(client, manager) == [second.json()["id"]]


async def test_a_key_on_behalf_of_someone_sees_what_they_see(client, team: Team, make_api_key):
    key = await make_api_key("intakes:read", "on_behalf_of")
    member = await client.get(team.url, headers=key.headers(team.interviewer.id))
    assert member.status_code == 200, member.text
    outsider = await client.get(team.url, headers=key.headers(team.outsider.id))
    assert outsider.status_code == 404, outsider.text
    listed = await client.get(BASE, headers=key.headers(team.outsider.id))
    assert listed.json()["data"] == []


async def test_removing_someone_from_the_team_hides_the_intake_from_them(client, team: Team):
    etag = await etag_of(client, team)
    changed = await act(
        client,
        team.recruiter,
        "PATCH",
        team.url,
        headers={"If-Match": etag},
        json={"team": [{"user_id": str(team.coordinator.id), "team_role": "coordinator"}]},
    )
    assert changed.status_code == 200, changed.text
    assert (await act(client, team.interviewer, "GET", team.url)).status_code == 404
    assert await listed_ids(client, team.interviewer) == []
    assert (await act(client, team.coordinator, "GET", team.url)).status_code == 200
    # Handing the intake to another recruiter: the old one is off the team.
    moved = await act(
        client,
        team.recruiter,
        "PATCH",
        team.url,
        headers={"If-Match": changed.headers["etag"]},
        json={"recruiter_id": str(team.outsider.id)},
    )
    assert moved.status_code == 200, moved.text
    assert (await act(client, team.recruiter, "GET", team.url)).status_code == 404
    assert (await act(client, team.outsider, "GET", team.url)).status_code == 200
    assert (await act(client, team.coordinator, "GET", team.url)).status_code == 200
