"""Every action an intake's status does not allow is a 409 naming the status and where the
action is allowed from, and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.roles import Role
from tests.support.harness import Actor, MakeUser
from tests.support.intakes import BASE, act, agreed_intake, events_of, intake_body

EDITABLE = ["agreed", "draft", "in_review", "on_hold", "open"]
# action -> the statuses it is allowed from (as the API must report them, sorted)
ALLOWED_FROM: dict[str, list[str]] = {
    "submit-for-review": ["draft"],
    "sign-off": ["agreed", "in_review", "on_hold", "open"],
    "open": ["agreed", "on_hold"],
    "put-on-hold": ["open"],
    "mark-filled": ["on_hold", "open"],
    "cancel": EDITABLE,
    "PATCH": EDITABLE,
}
# how to reach each status from an agreed intake
PATHS = {
    "agreed": [],
    "open": ["open"],
    "on_hold": ["open", "put-on-hold"],
    "filled": ["open", "mark-filled"],
    "cancelled": ["cancel"],
}


async def intake_in(client, recruiter: Actor, manager: Actor, status: str) -> str:
    if status == "draft":
        created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
        return f"{BASE}/{created.json()['id']}"
    if status == "in_review":
        created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
        url = f"{BASE}/{created.json()['id']}"
        await act(client, recruiter, "POST", f"{url}/submit-for-review")
        return url
    url = await agreed_intake(client, recruiter, manager)
    for action in PATHS[status]:
        response = await act(client, recruiter, "POST", f"{url}/{action}")
        assert response.status_code == 200, (action, response.text)
    return url


async def attempt(client, actor: Actor, url: str, action: str, etag: str) -> Any:
    if action == "PATCH":
        return await act(
            client, actor, "PATCH", url, headers={"If-Match": etag}, json={"level": "Staff"}
        )
    if action == "sign-off":
        return await act(client, actor, "POST", f"{url}/sign-off", json={"revision": 1})
    return await act(client, actor, "POST", f"{url}/{action}")


@pytest.mark.parametrize(
    "status", ["draft", "in_review", "agreed", "open", "on_hold", "filled", "cancelled"]
)
async def test_actions_not_allowed_from_a_status_are_409(
    client, make_user: MakeUser, runtime, status
):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    url = await intake_in(client, recruiter, manager, status)
    before = await act(client, recruiter, "GET", url)
    assert before.json()["status"] == status
    events = await events_of(runtime, url.rsplit("/", 1)[1])

    refused = [a for a, allowed in ALLOWED_FROM.items() if status not in allowed]
    assert refused
    for action in refused:
        response = await attempt(client, recruiter, url, action, before.headers["etag"])
        assert response.status_code == 409, (status, action, response.text)
        problem = response.json()
        assert problem["type"] == "/problems/invalid-state", action
        assert problem["current_status"] == status, action
        assert problem["allowed_from"] == ALLOWED_FROM[action], action
        assert status in problem["detail"]

    after = await act(client, recruiter, "GET", url)
    assert after.headers["etag"] == before.headers["etag"]
    assert after.json() == before.json()
    assert await events_of(runtime, url.rsplit("/", 1)[1]) == events


async def test_the_hiring_manager_cannot_move_the_status(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    url = await agreed_intake(client, recruiter, manager)
    for action in ("open", "cancel", "submit-for-review"):
        response = await act(client, manager, "POST", f"{url}/{action}")
        assert response.status_code == 403, (action, response.text)
    assert (await act(client, manager, "GET", url)).json()["status"] == "agreed"


async def test_cancelling_keeps_the_reason_and_time(client, make_user: MakeUser, manual_clock):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    url = await intake_in(client, recruiter, manager, "open")
    cancelled = await act(client, recruiter, "POST", f"{url}/cancel", json={"reason": "Budget"})
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert (body["status"], body["cancel_reason"]) == ("cancelled", "Budget")
    assert body["cancelled_at"] == body["status_changed_at"]
    assert body["cancelled_at"].startswith(manual_clock.now.date().isoformat())
    too_long = await act(client, recruiter, "POST", f"{url}/cancel", json={"reason": "x" * 501})
    assert too_long.status_code == 422


async def test_revisions_that_do_not_exist(client, make_user: MakeUser):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    draft = await intake_in(client, recruiter, manager, "draft")
    # A draft has no revisions yet.
    listed = await act(client, recruiter, "GET", f"{draft}/revisions")
    assert listed.json()["data"] == []
    assert (await act(client, recruiter, "GET", f"{draft}/revisions/1")).status_code == 404
    url = await intake_in(client, recruiter, manager, "in_review")
    diff = await act(client, recruiter, "GET", f"{url}/diff", params={"from": 1, "to": 2})
    assert diff.status_code == 422, diff.text
    assert [e["location"] for e in diff.json()["errors"]] == ["query.to"]
    same = await act(client, recruiter, "GET", f"{url}/diff", params={"from": 1, "to": 1})
    assert same.status_code == 200
    assert (same.json()["changes"], same.json()["material"]) == ([], False)
    zero = await act(client, recruiter, "GET", f"{url}/revisions/0")
    assert zero.status_code == 422
