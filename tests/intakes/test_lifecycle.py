"""An intake from draft to filled, through the API, as the recruiter and the hiring manager."""

from __future__ import annotations

from app.core.roles import Role
from tests.support.harness import MakeUser
from tests.support.intakes import BASE, act, agreed_intake, events_of, intake_body


async def test_an_intake_goes_from_draft_to_filled(client, make_user: MakeUser, runtime):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
    assert created.status_code == 201, created.text
    intake = created.json()
    url = f"{BASE}/{intake['id']}"
    assert intake["status"] == "draft"
    assert intake["recruiter_id"] == str(recruiter.id)  # the creator owns it
    assert intake["currency"] == "EUR"
    assert intake["sign_off_status"] == "not_submitted"
    assert {(m["user_id"], m["team_role"]) for m in intake["team"]} == {
        (str(recruiter.id), "recruiter"),
        (str(manager.id), "hiring_manager"),
    }

    # The hiring manager sees it (on the team), edits the requirements but not the pay.
    etag = (await act(client, manager, "GET", url)).headers["etag"]
    edit = await act(
        client,
        manager,
        "PATCH",
        url,
        headers={"If-Match": etag},
        json={"deal_breakers": ["No on-call experience"]},
    )
    assert edit.status_code == 200, edit.text
    pay = await act(
        client,
        manager,
        "PATCH",
        url,
        headers={"If-Match": edit.headers["etag"]},
        json={"salary_max": 120000},
    )
    assert pay.status_code == 403
    assert pay.json()["fields"] == ["salary_max"]

    submitted = await act(client, recruiter, "POST", f"{url}/submit-for-review")
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "in_review"
    assert submitted.json()["revision"] == 1
    assert submitted.json()["sign_off_status"] == "pending"

    # One side is not an agreement.
    signed = await act(client, recruiter, "POST", f"{url}/sign-off", json={"revision": 1})
    assert signed.json()["status"] == "in_review"
    assert [s["party"] for s in signed.json()["sign_offs"]] == ["recruiter"]
    agreed = await act(client, manager, "POST", f"{url}/sign-off", json={"revision": 1})
    assert agreed.status_code == 200, agreed.text
    assert agreed.json()["status"] == "agreed"
    assert agreed.json()["agreed_revision"] == 1
    assert agreed.json()["sign_off_status"] == "signed"

    opened = await act(client, recruiter, "POST", f"{url}/open")
    assert opened.json()["status"] == "open"
    assert opened.json()["deadlines"]["days_open"] == 0
    on_hold = await act(client, recruiter, "POST", f"{url}/put-on-hold")
    assert on_hold.json()["status"] == "on_hold"
    reopened = await act(client, recruiter, "POST", f"{url}/open")
    assert reopened.json()["status"] == "open"
    filled = await act(client, recruiter, "POST", f"{url}/mark-filled")
    assert filled.json()["status"] == "filled"
    assert filled.json()["deadlines"]["target_fill_date"]["status"] == "met"

    assert await events_of(runtime, intake["id"]) == [
        "intake.created",
        "intake.updated",
        "intake.submitted",
        "intake.status_changed",
        "intake.signed_off",
        "intake.signed_off",
        "intake.agreed",
        "intake.status_changed",
        "intake.status_changed",
        "intake.status_changed",
        "intake.status_changed",
        "intake.status_changed",
    ]


async def test_a_material_change_after_agreement_needs_new_sign_offs(client, make_user):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    url = await agreed_intake(client, recruiter, manager)
    etag = (await act(client, recruiter, "GET", url)).headers["etag"]

    # Cosmetic: a new revision, sign-offs carried over, still agreed.
    cosmetic = await act(
        client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={"department": "Core"}
    )
    body = cosmetic.json()
    assert (body["status"], body["revision"], body["sign_off_status"]) == ("agreed", 2, "signed")
    assert all(s["carried_over"] for s in body["sign_offs"])

    # Material: back to review, sign-offs cleared.
    material = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": cosmetic.headers["etag"]},
        json={"headcount": 3},
    )
    body = material.json()
    assert (body["status"], body["revision"], body["sign_off_status"]) == (
        "in_review",
        3,
        "pending",
    )
    assert body["sign_offs"] == []
    assert body["agreed_revision"] == 2

    # Signing an old revision is refused; both signing the current one agrees again.
    stale = await act(client, manager, "POST", f"{url}/sign-off", json={"revision": 2})
    assert stale.status_code == 409
    assert stale.json()["current_revision"] == 3
    await act(client, recruiter, "POST", f"{url}/sign-off", json={"revision": 3})
    again = await act(client, manager, "POST", f"{url}/sign-off", json={"revision": 3})
    assert again.json()["status"] == "agreed"

    revisions = await act(client, manager, "GET", f"{url}/revisions")
    assert [(r["number"], r["material"]) for r in revisions.json()["data"]] == [
        (1, True),
        (2, False),
        (3, True),
    ]
    assert revisions.json()["data"][2]["changed_fields"] == ["headcount"]
    diff = await act(client, manager, "GET", f"{url}/diff?from=1&to=3")
    assert diff.status_code == 200, diff.text
    assert diff.json()["material"] is True
    assert {c["field"]: (c["before"], c["after"]) for c in diff.json()["changes"]} == {
        "department": ("Payments", "Core"),
        "headcount": (2, 3),
    }
    one = await act(client, manager, "GET", f"{url}/revisions/2")
    assert one.json()["snapshot"]["department"] == "Core"
    assert one.json()["changes"] == {"department": {"from": "Payments", "to": "Core"}}


async def test_sign_offs_on_different_revisions_do_not_agree(client, make_user):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
    url = f"{BASE}/{created.json()['id']}"
    await act(client, recruiter, "POST", f"{url}/submit-for-review")
    await act(client, recruiter, "POST", f"{url}/sign-off", json={"revision": 1})
    etag = (await act(client, recruiter, "GET", url)).headers["etag"]
    await act(client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={"level": "Staff"})
    response = await act(client, manager, "POST", f"{url}/sign-off", json={"revision": 2})
    assert response.json()["status"] == "in_review"
    assert response.json()["sign_off_status"] == "pending"


async def test_material_change_on_an_open_intake_keeps_it_open_but_pending(client, make_user):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    url = await agreed_intake(client, recruiter, manager)
    opened = await act(client, recruiter, "POST", f"{url}/open")
    changed = await act(
        client,
        recruiter,
        "PATCH",
        url,
        headers={"If-Match": opened.headers["etag"]},
        json={"salary_max": 110000},
    )
    assert (changed.json()["status"], changed.json()["sign_off_status"]) == ("open", "pending")


async def test_every_invalid_transition_is_a_409_naming_the_states(client, make_user):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    created = await act(client, recruiter, "POST", BASE, json=intake_body(None, manager))
    url = f"{BASE}/{created.json()['id']}"
    for action in ("open", "put-on-hold", "mark-filled"):
        response = await act(client, recruiter, "POST", f"{url}/{action}")
        assert response.status_code == 409, action
        problem = response.json()
        assert problem["type"] == "/problems/invalid-state"
        assert problem["current_status"] == "draft"
        assert problem["allowed_from"]
    sign = await act(client, recruiter, "POST", f"{url}/sign-off", json={"revision": 1})
    assert sign.status_code == 409
    cancelled = await act(client, recruiter, "POST", f"{url}/cancel", json={"reason": "Budget"})
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "Budget"
    again = await act(client, recruiter, "POST", f"{url}/submit-for-review")
    assert again.status_code == 409
    assert again.json()["allowed_from"] == ["draft"]
    etag = (await act(client, recruiter, "GET", url)).headers["etag"]
    edit = await act(
        client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={"level": "X"}
    )
    assert edit.status_code == 409


async def test_re_agreement_keeps_the_first_agreement_time(client, make_user):
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    url = await agreed_intake(client, recruiter, manager)
    first = (await act(client, recruiter, "GET", url)).json()["agreed_at"]
    etag = (await act(client, recruiter, "GET", url)).headers["etag"]
    await act(client, recruiter, "PATCH", url, headers={"If-Match": etag}, json={"headcount": 4})
    await act(client, recruiter, "POST", f"{url}/sign-off", json={"revision": 2})
    again = await act(client, manager, "POST", f"{url}/sign-off", json={"revision": 2})
    assert again.json()["status"] == "agreed"
    assert again.json()["agreed_revision"] == 2
    # Time to fill counts from the first agreement.
    assert again.json()["agreed_at"] == first
