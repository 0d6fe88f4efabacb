"""The hiring manager's review of shortlisted candidates: its SLA, the review queue, the
overdue flag and reminder, and the decision (advance or reject)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.core.roles import Role
from app.models.base import table_of
from app.models.interviews import NotificationIntent
from app.platform.jobs import enqueue
from app.platform.runtime import Runtime
from app.services.pipeline.hm_reviews import notify_due_reviews
from app.worker import Worker
from tests.support.candidates import subject_events
from tests.support.harness import MakeUser, ManualClock
from tests.support.intakes import act
from tests.support.pipeline import (
    APPLICATIONS,
    INTAKES,
    application_ids,
    applied,
    at,
    history,
    move,
    pipeline,
)

QUEUE = "/api/v1/me/review-queue"
HOUR = 3600


async def queue(client, actor) -> list[dict[str, Any]]:
    response = await act(client, actor, "GET", QUEUE)
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


async def review(client, actor, application_id: str, **body: Any):
    return await act(client, actor, "POST", f"{APPLICATIONS}/{application_id}/hm-review", json=body)


async def due_events(runtime: Runtime, application_id: str) -> list[dict[str, Any]]:
    return [p for t, p in await subject_events(runtime, application_id) if t == "hm_review.due"]


async def intents_for(runtime: Runtime, application_id: str) -> list[tuple[str, uuid.UUID]]:
    """(kind, recipient) of the notification intents about one application."""
    intents = table_of(NotificationIntent).c
    async with runtime.db.unit_of_work(write=False) as session:
        rows = await session.execute(
            select(intents.kind, intents.recipient_id).where(
                intents.subject_id == uuid.UUID(application_id)
            )
        )
        return [(row.kind, row.recipient_id) for row in rows]


async def notify(runtime: Runtime) -> int:
    async with runtime.db.unit_of_work(write=True) as session:
        return await notify_due_reviews(session)


async def test_shortlisting_starts_the_review_clock_and_fills_the_managers_queue(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    setting = await pipeline(client, make_user, sla_hours=24)
    other = await pipeline(client, make_user, sla_hours=24, recruiter=setting.recruiter)
    first = await applied(client, setting, "Ada")
    second = await applied(client, setting, "Bob")
    waiting = await applied(client, setting, "Cleo")  # applied, not shortlisted
    elsewhere = await applied(client, other, "Dan")

    # Shortlist the later-created one first: the queue is by due time, not by id.
    start = manual_clock.now
    shortlisted = await move(client, setting.recruiter, second["id"], "shortlisted")
    assert shortlisted.status_code == 200, shortlisted.text
    body = shortlisted.json()
    assert at(body["shortlisted_at"]) == start
    assert at(body["hm_review_due_at"]) == start + timedelta(hours=24)
    assert (body["hm_reviewed_at"], body["hm_review_overdue"]) == (None, False)
    manual_clock.advance(HOUR)
    await move(client, setting.recruiter, first["id"], "shortlisted")
    await move(client, other.recruiter, elsewhere["id"], "shortlisted")

    rows = await queue(client, setting.manager)
    assert [r["id"] for r in rows] == [second["id"], first["id"]]
    assert all(r["hm_review_overdue"] is False for r in rows)
    assert waiting["id"] not in [r["id"] for r in rows]
    assert [r["id"] for r in await queue(client, other.manager)] == [elsewhere["id"]]
    assert await queue(client, setting.recruiter) == []
    assert await queue(client, setting.interviewer) == []

    # hm_review is part of the review too; the due time is kept.
    in_review = await move(client, setting.recruiter, first["id"], "hm_review")
    assert at(in_review.json()["hm_review_due_at"]) == start + timedelta(hours=25)
    assert [r["id"] for r in await queue(client, setting.manager)] == [second["id"], first["id"]]

    # Past the due time: flagged on the application, in the queue and in lists.
    manual_clock.advance(23 * HOUR + 30 * 60)  # start + 24.5 h
    read = await act(client, setting.manager, "GET", f"{APPLICATIONS}/{second['id']}")
    assert read.json()["hm_review_overdue"] is True
    read = await act(client, setting.manager, "GET", f"{APPLICATIONS}/{first['id']}")
    assert read.json()["hm_review_overdue"] is False
    rows = await queue(client, setting.manager)
    assert [(r["id"], r["hm_review_overdue"]) for r in rows] == [
        (second["id"], True),
        (first["id"], False),
    ]
    assert await application_ids(client, setting.recruiter, overdue="true") == [second["id"]]
    manual_clock.advance(HOUR)
    assert sorted(await application_ids(client, setting.recruiter, overdue="true")) == sorted(
        [first["id"], second["id"], elsewhere["id"]]
    )
    assert sorted(
        await application_ids(client, setting.manager, overdue="true", intake_id=setting.intake_id)
    ) == sorted([first["id"], second["id"]])


async def test_the_periodic_job_records_hm_review_due_once(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    setting = await pipeline(client, make_user, sla_hours=8)
    early = await applied(client, setting, "Ada")
    late = await applied(client, setting, "Bob")
    await move(client, setting.recruiter, early["id"], "shortlisted")
    manual_clock.advance(2 * HOUR)
    await move(client, setting.recruiter, late["id"], "shortlisted")

    assert await notify(runtime) == 0
    manual_clock.advance(7 * HOUR)  # early is 1 h overdue, late is due in 1 h
    assert await notify(runtime) == 1
    assert await notify(runtime) == 0
    events = await due_events(runtime, early["id"])
    assert len(events) == 1
    assert events[0]["hiring_manager_id"] == str(setting.manager.id)
    assert at(events[0]["due_at"]) == manual_clock.now - timedelta(hours=1)
    assert await due_events(runtime, late["id"]) == []
    assert await intents_for(runtime, early["id"]) == [("hm_review.due", setting.manager.id)]
    assert await intents_for(runtime, late["id"]) == []

    # The worker runs the same job; it reminds about `late` once, and `early` not again.
    manual_clock.advance(2 * HOUR)
    async with runtime.db.unit_of_work(write=True) as session:
        enqueue(session, "applications.notify_due_reviews")
    await Worker(runtime).run_until_idle()
    assert len(await due_events(runtime, late["id"])) == 1
    assert len(await due_events(runtime, early["id"])) == 1
    assert await notify(runtime) == 0

    # A reviewed, rejected or re-shortlisted application is handled accordingly.
    advanced = await review(client, setting.manager, early["id"], decision="advance")
    assert advanced.status_code == 200, advanced.text
    await move(client, setting.recruiter, early["id"], "applied")
    await move(client, setting.recruiter, early["id"], "shortlisted")  # a new review, a new SLA
    manual_clock.advance(9 * HOUR)
    assert await notify(runtime) == 1
    assert len(await due_events(runtime, early["id"])) == 2


async def test_the_hiring_manager_advances_or_rejects(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    setting = await pipeline(client, make_user, sla_hours=24)
    first_stage, second_stage = setting.stage_ids
    by_default = await applied(client, setting, "Ada")
    to_stage = await applied(client, setting, "Bob")
    rejected = await applied(client, setting, "Cleo")
    for application in (by_default, to_stage, rejected):
        await move(client, setting.recruiter, application["id"], "shortlisted")
    manual_clock.advance(30 * HOUR)  # all overdue

    # Advance: to the plan's first stage unless told otherwise.
    advanced = await review(client, setting.manager, by_default["id"], decision="advance")
    assert advanced.status_code == 200, advanced.text
    body = advanced.json()
    assert (body["stage"], body["status"]) == (first_stage, "active")
    assert at(body["hm_reviewed_at"]) == manual_clock.now
    assert body["hm_review_overdue"] is False
    rows = await history(client, setting.recruiter, by_default["id"])
    assert (rows[-1]["from_stage"], rows[-1]["to_stage"], rows[-1]["by_user_id"]) == (
        "shortlisted",
        first_stage,
        str(setting.manager.id),
    )
    chosen = await review(
        client,
        setting.manager,
        to_stage["id"],
        decision="advance",
        stage=second_stage,
        note="Skip the technical round: known to the team",
    )
    assert chosen.status_code == 200, chosen.text
    assert chosen.json()["stage"] == second_stage
    rows = await history(client, setting.recruiter, to_stage["id"])
    assert rows[-1]["reason"] == "Skip the technical round: known to the team"
    for stage in ("applied", "shortlisted", "hm_review", "nowhere"):
        wrong = await review(
            client, setting.manager, rejected["id"], decision="advance", stage=stage
        )
        assert wrong.status_code == 422, (stage, wrong.text)
        assert [e["location"] for e in wrong.json()["errors"]] == ["body.stage"]

    # Reject: a reason code is required.
    no_reason = await review(client, setting.manager, rejected["id"], decision="reject")
    assert no_reason.status_code == 422, no_reason.text
    assert [e["location"] for e in no_reason.json()["errors"]] == ["body.reason_code"]
    still = await act(client, setting.manager, "GET", f"{APPLICATIONS}/{rejected['id']}")
    assert (still.json()["status"], still.json()["hm_reviewed_at"]) == ("active", None)
    refused = await review(
        client,
        setting.manager,
        rejected["id"],
        decision="reject",
        reason_code="qualified_not_selected",
        note="Strong, but less payments depth than Ada",
    )
    assert refused.status_code == 200, refused.text
    body = refused.json()
    assert (body["status"], body["stage"], body["reason_code"]) == (
        "rejected",
        "rejected",
        "qualified_not_selected",
    )
    assert at(body["closed_at"]) == manual_clock.now
    assert body["hm_reviewed_at"] is not None
    assert [t for t, _ in await subject_events(runtime, rejected["id"])][-2:] == [
        "application.stage_changed",
        "application.rejected",
    ]

    # Reviewed ones leave the queue and are no longer overdue.
    assert await queue(client, setting.manager) == []
    assert await application_ids(client, setting.manager, overdue="true") == []

    # Only a shortlisted application can be reviewed.
    for application_id in (by_default["id"], rejected["id"]):
        again = await review(
            client, setting.manager, application_id, decision="reject", reason_code="other"
        )
        assert again.status_code == 409, again.text
    not_yet = await applied(client, setting, "Dan")
    early = await review(client, setting.manager, not_yet["id"], decision="advance")
    assert early.status_code == 409, early.text
    assert early.json()["allowed_from"] == ["hm_review", "shortlisted"]


async def test_only_the_intakes_hiring_manager_reviews(
    client, make_user: MakeUser, runtime: Runtime
):
    setting = await pipeline(client, make_user)
    application = await applied(client, setting)
    await move(client, setting.recruiter, application["id"], "shortlisted")

    # A hiring manager who is on the team, but as an interviewer: visible, not theirs: 403.
    colleague = await make_user(Role.HIRING_MANAGER)
    url = f"{INTAKES}/{setting.intake_id}"
    etag = (await act(client, setting.recruiter, "GET", url)).headers["etag"]
    patched = await act(
        client,
        setting.recruiter,
        "PATCH",
        url,
        headers={"If-Match": etag},
        json={
            "team": [
                {"user_id": str(setting.interviewer.id), "team_role": "interviewer"},
                {"user_id": str(colleague.id), "team_role": "interviewer"},
            ]
        },
    )
    assert patched.status_code == 200, patched.text
    for actor in (colleague, setting.recruiter, setting.interviewer):
        response = await review(client, actor, application["id"], decision="advance")
        assert response.status_code == 403, (actor.user.role, response.text)
    assert await queue(client, colleague) == []
    # A hiring manager off the team does not see it at all.
    stranger = await make_user(Role.HIRING_MANAGER)
    response = await review(client, stranger, application["id"], decision="advance")
    assert response.status_code == 404, response.text
    after = await act(client, setting.recruiter, "GET", f"{APPLICATIONS}/{application['id']}")
    assert (after.json()["stage"], after.json()["hm_reviewed_at"]) == ("shortlisted", None)
    # The intake's own hiring manager does.
    done = await review(client, setting.manager, application["id"], decision="advance")
    assert done.status_code == 200, done.text


async def test_advancing_without_a_plan_needs_a_stage(client, make_user: MakeUser):
    setting = await pipeline(client, make_user, with_plan=False)
    application = await applied(client, setting)
    await move(client, setting.recruiter, application["id"], "shortlisted")
    response = await review(client, setting.manager, application["id"], decision="advance")
    assert response.status_code == 422, response.text
    assert [e["location"] for e in response.json()["errors"]] == ["body.stage"]
    invalid = await review(client, setting.manager, application["id"], decision="maybe")
    assert invalid.status_code == 422


async def test_the_queue_pages_through_every_waiting_review(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    """Applications moved straight to `hm_review` (not through `shortlisted`) wait for the
    hiring manager too; paging the queue must return each waiting application once."""
    setting = await pipeline(client, make_user, with_plan=False)
    waiting = []
    for n, stage in enumerate(("hm_review", "shortlisted", "hm_review", "shortlisted")):
        application = await applied(client, setting, f"Person {n}")
        moved = await move(client, setting.recruiter, application["id"], stage)
        assert moved.status_code == 200, moved.text
        waiting.append(application["id"])
        manual_clock.advance(60)
    assert sorted(r["id"] for r in await queue(client, setting.manager)) == sorted(waiting)

    seen: list[str] = []
    cursor = None
    for _ in range(len(waiting) + 1):
        params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
        response = await act(client, setting.manager, "GET", QUEUE, params=params)
        assert response.status_code == 200, response.text
        seen += [r["id"] for r in response.json()["data"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(waiting)
