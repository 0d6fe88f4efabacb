"""Applications: a candidate in one intake's pipeline. Creating, the one-active rule, moves
with history, rejection, withdrawal, hire, list filters and who may do what.

`pipeline()` at the top builds an agreed intake with a two-stage plan and a hiring team; the
HM-review, briefing, import and candidate-access modules use it too.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from app.core.roles import Role
from app.platform.runtime import Runtime
from tests.support.candidates import new_candidate, subject_events
from tests.support.harness import MakeUser, ManualClock
from tests.support.intakes import act
from tests.support.pipeline import (
    APPLICATIONS,
    INTAKES,
    application_ids,
    applied,
    apply,
    at,
    history,
    move,
    pipeline,
)

# --- Creating -----------------------------------------------------------------------------


async def test_a_recruiter_on_the_team_puts_a_candidate_in_the_pipeline(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await pipeline(client, make_user)
    person = await new_candidate(client, setting.recruiter, email="sam@example.com")
    response = await act(
        client,
        setting.recruiter,
        "POST",
        APPLICATIONS,
        json={"candidate_id": person["id"], "intake_id": setting.intake_id, "source": "referral"},
    )
    assert response.status_code == 201, response.text
    application = response.json()
    assert response.headers["location"] == f"{APPLICATIONS}/{application['id']}"
    assert (application["stage"], application["status"], application["source"]) == (
        "applied",
        "active",
        "referral",
    )
    assert (application["candidate_id"], application["intake_id"]) == (
        person["id"],
        setting.intake_id,
    )
    assert (application["recruiter_id"], application["hiring_manager_id"]) == (
        str(setting.recruiter.id),
        str(setting.manager.id),
    )
    assert application["closed_at"] is None
    assert application["hm_review_overdue"] is False
    read = await act(client, setting.recruiter, "GET", f"{APPLICATIONS}/{application['id']}")
    assert read.status_code == 200
    assert read.json() == application
    assert read.headers["etag"] == response.headers["etag"]
    rows = await history(client, setting.recruiter, application["id"])
    assert [(r["from_stage"], r["to_stage"]) for r in rows] == [(None, "applied")]
    assert [t for t, _ in await subject_events(runtime, application["id"])] == [
        "application.created"
    ]

    # It may start further along the pipeline; the history shows the way.
    other = await new_candidate(client, setting.recruiter, "Ada Lovelace")
    shortlisted = await apply(
        client, setting.recruiter, other["id"], setting.intake_id, stage="shortlisted"
    )
    assert shortlisted["stage"] == "shortlisted"
    assert shortlisted["hm_review_due_at"] is not None
    rows = await history(client, setting.recruiter, shortlisted["id"])
    assert [(r["from_stage"], r["to_stage"]) for r in rows] == [
        (None, "applied"),
        ("applied", "shortlisted"),
    ]


async def test_the_first_history_row_names_who_created_the_application(client, make_user: MakeUser):
    """Stage history is 'with timestamps and actor': the creation row is a move too."""
    setting = await pipeline(client, make_user, with_plan=False)
    application = await applied(client, setting)
    rows = await history(client, setting.recruiter, application["id"])
    assert rows[0]["to_stage"] == "applied"
    assert rows[0]["by_user_id"] == str(setting.recruiter.id)


async def test_creating_needs_a_visible_open_intake_and_a_known_candidate(
    client, make_user: MakeUser
):
    setting = await pipeline(client, make_user, with_plan=False)
    person = await new_candidate(client, setting.recruiter)
    body = {"candidate_id": person["id"], "intake_id": setting.intake_id}

    outsider = await make_user(Role.RECRUITER)
    for intake_id in (setting.intake_id, str(uuid.uuid4())):
        response = await act(
            client, outsider, "POST", APPLICATIONS, json={**body, "intake_id": intake_id}
        )
        assert response.status_code == 422, response.text
        assert [(e["location"], e["message"]) for e in response.json()["errors"]] == [
            ("body.intake_id", "no such intake")
        ]

    unknown_candidate = await act(
        client,
        setting.recruiter,
        "POST",
        APPLICATIONS,
        json={**body, "candidate_id": str(uuid.uuid4())},
    )
    assert unknown_candidate.status_code == 422
    assert [e["location"] for e in unknown_candidate.json()["errors"]] == ["body.candidate_id"]
    unknown_stage = await act(
        client, setting.recruiter, "POST", APPLICATIONS, json={**body, "stage": "onsite"}
    )
    assert unknown_stage.status_code == 422
    assert [e["location"] for e in unknown_stage.json()["errors"]] == ["body.stage"]
    closed_stage = await act(
        client, setting.recruiter, "POST", APPLICATIONS, json={**body, "stage": "hired"}
    )
    assert closed_stage.status_code == 422

    # People who do not run the pipeline: 403, even on the team.
    for actor in (setting.manager, setting.interviewer):
        refused = await act(client, actor, "POST", APPLICATIONS, json=body)
        assert refused.status_code == 403, refused.text

    draft = await pipeline(
        client, make_user, with_plan=False, agreed=False, recruiter=setting.recruiter
    )
    response = await act(
        client, setting.recruiter, "POST", APPLICATIONS, json={**body, "intake_id": draft.intake_id}
    )
    assert response.status_code == 409, response.text
    assert response.json()["current_status"] == "draft"
    assert response.json()["allowed_from"] == ["agreed", "on_hold", "open"]

    listed = await application_ids(client, setting.recruiter)
    assert listed == []


async def test_one_active_application_per_candidate_and_intake(client, make_user: MakeUser):
    setting = await pipeline(client, make_user, with_plan=False)
    person = await new_candidate(client, setting.recruiter)
    first = await apply(client, setting.recruiter, person["id"], setting.intake_id)
    duplicate = await act(
        client,
        setting.recruiter,
        "POST",
        APPLICATIONS,
        json={"candidate_id": person["id"], "intake_id": setting.intake_id},
    )
    assert duplicate.status_code == 409, duplicate.text
    assert duplicate.json()["existing_id"] == first["id"]

    # Another intake is another pipeline.
    other = await pipeline(client, make_user, with_plan=False, recruiter=setting.recruiter)
    await apply(client, setting.recruiter, person["id"], other.intake_id)

    # Once the first is closed, the candidate may apply again, and again after withdrawing.
    rejected = await act(
        client,
        setting.recruiter,
        "POST",
        f"{APPLICATIONS}/{first['id']}/reject",
        json={"reason_code": "not_qualified"},
    )
    assert rejected.status_code == 200, rejected.text
    second = await apply(client, setting.recruiter, person["id"], setting.intake_id)
    assert second["id"] != first["id"]
    withdrawn = await act(
        client, setting.recruiter, "POST", f"{APPLICATIONS}/{second['id']}/withdraw"
    )
    assert withdrawn.status_code == 200, withdrawn.text
    third = await apply(client, setting.recruiter, person["id"], setting.intake_id)
    again = await act(
        client,
        setting.recruiter,
        "POST",
        APPLICATIONS,
        json={"candidate_id": person["id"], "intake_id": setting.intake_id},
    )
    assert again.status_code == 409
    assert again.json()["existing_id"] == third["id"]
    ids = await application_ids(
        client, setting.recruiter, intake_id=setting.intake_id, candidate_id=person["id"]
    )
    assert sorted(ids) == sorted([first["id"], second["id"], third["id"]])


# --- Moving -------------------------------------------------------------------------------


async def test_moves_through_fixed_and_plan_stages_keep_a_history(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    setting = await pipeline(client, make_user)
    application = await applied(client, setting)
    app_id = application["id"]
    first, second = setting.stage_ids
    previous = "applied"
    for stage, reason in (
        ("shortlisted", "Strong payments background"),
        ("hm_review", None),
        (first, "HM wants to meet"),
        (second, None),
        ("applied", "Back to the start for a re-screen"),
    ):
        manual_clock.advance(60)
        response = await move(
            client, setting.recruiter, app_id, stage, **({"reason": reason} if reason else {})
        )
        assert response.status_code == 200, (stage, response.text)
        assert response.json()["stage"] == stage
        assert response.json()["status"] == "active"
        rows = await history(client, setting.recruiter, app_id)
        last = rows[-1]
        assert (last["from_stage"], last["to_stage"], last["reason"]) == (previous, stage, reason)
        assert last["by_user_id"] == str(setting.recruiter.id)
        assert last["by_api_client_id"] is None
        assert at(last["at"]) == at(response.json()["stage_changed_at"]) == manual_clock.now
        previous = stage
    rows = await history(client, setting.recruiter, app_id)
    assert [r["to_stage"] for r in rows] == [
        "applied",
        "shortlisted",
        "hm_review",
        first,
        second,
        "applied",
    ]
    assert [at(r["at"]) for r in rows[1:]] == [
        manual_clock.now - timedelta(minutes=n) for n in (4, 3, 2, 1, 0)
    ]

    # Moving to where it is changes nothing.
    same = await move(client, setting.recruiter, app_id, "applied")
    assert same.status_code == 200
    assert len(await history(client, setting.recruiter, app_id)) == len(rows)

    events = await subject_events(runtime, app_id)
    changes = [(p["from"], p["to"]) for t, p in events if t == "application.stage_changed"]
    assert changes == [(r["from_stage"], r["to_stage"]) for r in rows[1:]]


async def test_unknown_stages_are_a_422_at_body_stage(client, make_user: MakeUser):
    setting = await pipeline(client, make_user)
    other = await pipeline(client, make_user, recruiter=setting.recruiter)
    application = await applied(client, setting)
    for stage in ("onsite", "rejected", "hired", other.stage_ids[0], str(uuid.uuid4())):
        response = await move(client, setting.recruiter, application["id"], stage)
        assert response.status_code == 422, (stage, response.text)
        assert [e["location"] for e in response.json()["errors"]] == ["body.stage"], stage
    empty = await move(client, setting.recruiter, application["id"], "")
    assert empty.status_code == 422
    assert len(await history(client, setting.recruiter, application["id"])) == 1

    # Without a plan only the fixed stages exist.
    no_plan = await pipeline(client, make_user, with_plan=False, recruiter=setting.recruiter)
    bare = await applied(client, no_plan, "Ada Lovelace")
    refused = await move(client, setting.recruiter, bare["id"], setting.stage_ids[0])
    assert refused.status_code == 422


async def test_reject_withdraw_and_hire_close_the_application(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    setting = await pipeline(client, make_user)
    rejected_app = await applied(client, setting, "Rita Reject")
    withdrawn_app = await applied(client, setting, "Walt Withdraw")
    hired_app = await applied(client, setting, "Hana Hire")
    manual_clock.advance(3600)

    missing_reason = await act(
        client, setting.recruiter, "POST", f"{APPLICATIONS}/{rejected_app['id']}/reject", json={}
    )
    assert missing_reason.status_code == 422
    bad_reason = await act(
        client,
        setting.recruiter,
        "POST",
        f"{APPLICATIONS}/{rejected_app['id']}/reject",
        json={"reason_code": "too_tall"},
    )
    assert bad_reason.status_code == 422
    assert [e["location"] for e in bad_reason.json()["errors"]] == ["body.reason_code"]

    rejected = await act(
        client,
        setting.recruiter,
        "POST",
        f"{APPLICATIONS}/{rejected_app['id']}/reject",
        json={"reason_code": "pay_mismatch", "note": "Wants 30% above the range"},
    )
    assert rejected.status_code == 200, rejected.text
    body = rejected.json()
    assert (body["status"], body["stage"], body["reason_code"], body["reason_note"]) == (
        "rejected",
        "rejected",
        "pay_mismatch",
        "Wants 30% above the range",
    )
    assert at(body["closed_at"]) == manual_clock.now
    rows = await history(client, setting.recruiter, rejected_app["id"])
    assert (rows[-1]["from_stage"], rows[-1]["to_stage"], rows[-1]["reason"]) == (
        "applied",
        "rejected",
        "Wants 30% above the range",
    )
    assert rows[-1]["by_user_id"] == str(setting.recruiter.id)
    events = await subject_events(runtime, rejected_app["id"])
    assert [t for t, _ in events] == [
        "application.created",
        "application.stage_changed",
        "application.rejected",
    ]
    assert events[2][1]["reason_code"] == "pay_mismatch"
    assert (events[1][1]["from"], events[1][1]["to"]) == ("applied", "rejected")

    await move(client, setting.recruiter, withdrawn_app["id"], "shortlisted")
    withdrawn = await act(
        client,
        setting.recruiter,
        "POST",
        f"{APPLICATIONS}/{withdrawn_app['id']}/withdraw",
        json={"reason": "Accepted another offer"},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["status"], withdrawn.json()["stage"]) == ("withdrawn", "withdrawn")
    assert withdrawn.json()["closed_at"] is not None
    assert withdrawn.json()["hm_review_overdue"] is False
    rows = await history(client, setting.recruiter, withdrawn_app["id"])
    assert (rows[-1]["from_stage"], rows[-1]["to_stage"], rows[-1]["reason"]) == (
        "shortlisted",
        "withdrawn",
        "Accepted another offer",
    )
    assert [t for t, _ in await subject_events(runtime, withdrawn_app["id"])][-1] == (
        "application.stage_changed"
    )

    await move(client, setting.recruiter, hired_app["id"], setting.stage_ids[1])
    hired = await act(client, setting.recruiter, "POST", f"{APPLICATIONS}/{hired_app['id']}/hire")
    assert hired.status_code == 200, hired.text
    assert (hired.json()["status"], hired.json()["stage"]) == ("hired", "hired")
    assert at(hired.json()["closed_at"]) == manual_clock.now
    events = await subject_events(runtime, hired_app["id"])
    assert [t for t, _ in events][-2:] == ["application.stage_changed", "application.hired"]
    assert (events[-1][1]["from"], events[-1][1]["to"]) == (setting.stage_ids[1], "hired")

    # Closed is closed: no moves, no second close, no review.
    for application in (rejected, withdrawn, hired):
        app_id = application.json()["id"]
        status = application.json()["status"]
        before = len(await history(client, setting.recruiter, app_id))
        for path, payload in (
            ("move", {"stage": "shortlisted"}),
            ("reject", {"reason_code": "other"}),
            ("withdraw", {}),
            ("hire", None),
        ):
            response = await act(
                client, setting.recruiter, "POST", f"{APPLICATIONS}/{app_id}/{path}", json=payload
            )
            assert response.status_code == 409, (status, path, response.text)
            assert response.json()["current_status"] == status
            assert response.json()["allowed_from"] == ["active"]
        assert len(await history(client, setting.recruiter, app_id)) == before


# --- Lists --------------------------------------------------------------------------------


async def test_lists_filter_by_intake_stage_status_people_and_time(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    setting = await pipeline(client, make_user)
    other = await pipeline(client, make_user, with_plan=False)
    a = await applied(client, setting, "Ada")
    b = await applied(client, setting, "Bob")
    c = await applied(client, setting, "Cleo")
    d = await applied(client, other, "Dan")
    await move(client, setting.recruiter, b["id"], "shortlisted")
    await act(
        client,
        setting.recruiter,
        "POST",
        f"{APPLICATIONS}/{c['id']}/reject",
        json={"reason_code": "not_qualified"},
    )
    admin = await make_user(Role.ADMIN)

    def same(ids: list[str], *expected: dict[str, Any]) -> bool:
        return sorted(ids) == sorted(e["id"] for e in expected)

    assert same(await application_ids(client, admin), a, b, c, d)
    assert same(await application_ids(client, admin, intake_id=setting.intake_id), a, b, c)
    assert same(await application_ids(client, admin, stage="shortlisted"), b)
    assert same(await application_ids(client, admin, stage="applied"), a, d)
    assert same(await application_ids(client, admin, status="rejected"), c)
    assert same(await application_ids(client, admin, status="active"), a, b, d)
    assert same(await application_ids(client, admin, recruiter_id=str(other.recruiter.id)), d)
    assert same(
        await application_ids(client, admin, hiring_manager_id=str(setting.manager.id)), a, b, c
    )
    assert same(await application_ids(client, admin, candidate_id=a["candidate_id"]), a)
    assert same(
        await application_ids(
            client, admin, intake_id=setting.intake_id, status="active", stage="applied"
        ),
        a,
    )
    bad = await act(client, admin, "GET", APPLICATIONS, params={"status": "sleeping"})
    assert bad.status_code == 422

    # updated_since: only what changed since, oldest change first.
    manual_clock.advance(60)
    since = manual_clock.now
    await move(client, setting.recruiter, a["id"], "shortlisted")
    manual_clock.advance(60)
    await move(client, other.recruiter, d["id"], "shortlisted")
    assert await application_ids(client, admin, updated_since=since.isoformat()) == [
        a["id"],
        d["id"],
    ]
    later = (since + timedelta(seconds=30)).isoformat()
    assert await application_ids(client, admin, updated_since=later) == [d["id"]]

    # overdue: shortlisted ones past their HM-review due time.
    assert await application_ids(client, admin, overdue="true") == []
    manual_clock.advance(49 * 3600)
    assert same(await application_ids(client, admin, overdue="true"), a, b, d)
    assert same(
        await application_ids(client, admin, overdue="true", intake_id=setting.intake_id), a, b
    )

    # Each person lists the applications of their intakes' teams only.
    assert same(await application_ids(client, setting.manager), a, b, c)
    assert same(await application_ids(client, setting.interviewer), a, b, c)
    assert same(await application_ids(client, other.recruiter), d)
    assert await application_ids(client, await make_user(Role.HIRING_MANAGER)) == []


async def test_pages_list_every_application_once(client, make_user: MakeUser):
    setting = await pipeline(client, make_user, with_plan=False)
    created = [(await applied(client, setting, f"Person {n}"))["id"] for n in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await act(client, setting.recruiter, "GET", APPLICATIONS, params=params)
        assert response.status_code == 200, response.text
        seen += [a["id"] for a in response.json()["data"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(created)
    assert len(seen) == len(set(seen))


# --- Who may do what ----------------------------------------------------------------------


async def test_the_team_reads_recruiters_and_coordinators_move_others_do_not(
    client, make_user: MakeUser
):
    coordinator = await make_user(Role.RECRUITER)
    hm_as_interviewer = await make_user(Role.HIRING_MANAGER)
    setting = await pipeline(client, make_user, with_plan=False)
    etag = (await act(client, setting.recruiter, "GET", f"{INTAKES}/{setting.intake_id}")).headers[
        "etag"
    ]
    team = [
        {"user_id": str(setting.interviewer.id), "team_role": "interviewer"},
        {"user_id": str(coordinator.id), "team_role": "coordinator"},
        {"user_id": str(hm_as_interviewer.id), "team_role": "interviewer"},
    ]
    patched = await act(
        client,
        setting.recruiter,
        "PATCH",
        f"{INTAKES}/{setting.intake_id}",
        headers={"If-Match": etag},
        json={"team": team},
    )
    assert patched.status_code == 200, patched.text
    application = await applied(client, setting)
    url = f"{APPLICATIONS}/{application['id']}"

    # Everyone on the team reads it, its history and its briefing.
    for actor in (setting.recruiter, setting.manager, setting.interviewer, coordinator):
        for path in ("", "/history", "/briefing"):
            response = await act(client, actor, "GET", f"{url}{path}")
            assert response.status_code == 200, (actor.user.role, path, response.text)
        assert await application_ids(client, actor) == [application["id"]]

    # Interviewers and the hiring manager do not run the pipeline.
    for actor in (setting.interviewer, setting.manager):
        for path, payload in (
            ("move", {"stage": "shortlisted"}),
            ("reject", {"reason_code": "other"}),
            ("withdraw", {}),
            ("hire", None),
            ("briefing/share", {}),
        ):
            response = await act(client, actor, "POST", f"{url}/{path}", json=payload)
            assert response.status_code == 403, (actor.user.role, path, response.text)
    # A hiring manager who is only an interviewer on this team does not move it either.
    as_member = await move(client, hm_as_interviewer, application["id"], "shortlisted")
    assert as_member.status_code == 403, as_member.text

    # The coordinator does.
    moved = await move(client, coordinator, application["id"], "shortlisted")
    assert moved.status_code == 200, moved.text
    rows = await history(client, setting.recruiter, application["id"])
    assert rows[-1]["by_user_id"] == str(coordinator.id)

    # People off the team: 404, as if it did not exist.
    for role in (Role.RECRUITER, Role.HIRING_MANAGER, Role.INTERVIEWER):
        outsider = await make_user(role)
        for path in ("", "/history", "/briefing"):
            response = await act(client, outsider, "GET", f"{url}{path}")
            assert response.status_code == 404, (role, path, response.text)
        if role is Role.RECRUITER:
            refused = await move(client, outsider, application["id"], "applied")
            assert refused.status_code == 404
            closed = await act(
                client, outsider, "POST", f"{url}/reject", json={"reason_code": "other"}
            )
            assert closed.status_code == 404
    unknown = await act(client, setting.recruiter, "GET", f"{APPLICATIONS}/{uuid.uuid4()}")
    assert unknown.status_code == 404


async def test_api_keys_need_application_scopes(client, make_user: MakeUser, make_api_key):
    setting = await pipeline(client, make_user, with_plan=False)
    application = await applied(client, setting)
    reader = await make_api_key("applications:read")
    writer = await make_api_key("applications:write")
    nothing = await make_api_key("intakes:read")
    url = f"{APPLICATIONS}/{application['id']}"
    assert (await client.get(url, headers=reader.headers())).status_code == 200
    assert (await client.get(url, headers=nothing.headers())).status_code == 403
    refused = await client.post(
        f"{url}/move", headers=reader.headers(), json={"stage": "hm_review"}
    )
    assert refused.status_code == 403
    moved = await client.post(f"{url}/move", headers=writer.headers(), json={"stage": "hm_review"})
    assert moved.status_code == 200, moved.text
    rows = await history(client, setting.recruiter, application["id"])
    assert (rows[-1]["by_user_id"], rows[-1]["by_api_client_id"]) == (None, str(writer.id))
