"""Submitting an evaluation: complete or a 422 listing what is missing; turnaround and
on-time stored; immutable afterwards except by amendments that keep the original and the
reason."""

from __future__ import annotations

from datetime import timedelta

from pydantic import TypeAdapter
from sqlalchemy import func, select

from app.core.pagination import Page
from app.models.base import table_of
from app.models.interviews import EvaluationAmendment
from app.platform.runtime import Runtime
from app.schemas.evaluations import EvaluationRead
from tests.support.candidates import subject_events
from tests.support.evaluations import (
    EVALUATIONS,
    HOUR,
    MINE,
    at,
    complete,
    loop,
    own_evaluation,
    read,
    save,
    schedule,
    submit,
    submitted,
)
from tests.support.harness import MakeUser, ManualClock
from tests.support.intakes import act


async def count_amendments(runtime: Runtime) -> int:
    async with runtime.db.engine.connect() as conn:
        query = select(func.count()).select_from(table_of(EvaluationAmendment))
        return int((await conn.execute(query)).scalar_one())


# --- Submitting ------------------------------------------------------------------------------


async def test_submitting_needs_every_competency_and_a_recommendation(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    setting = await loop(client, make_user)
    author = setting.interviewers[0]
    interview = await schedule(
        client, setting, [(author, "interviewer")], starts_at=manual_clock.now - timedelta(hours=2)
    )
    evaluation = await own_evaluation(client, author, interview["id"])
    first, second = setting.competency_ids

    empty = await submit(client, author, evaluation["id"])
    assert empty.status_code == 422, empty.text
    assert empty.headers["content-type"].startswith("application/problem+json")
    assert [(e["location"], e["message"]) for e in empty.json()["errors"]] == [
        (f"ratings.{first}", "rate 1-4 or mark not assessed"),
        (f"ratings.{second}", "rate 1-4 or mark not assessed"),
        ("recommendation", "required"),
    ]
    # Half done: only what is still missing is listed.
    await save(
        client,
        author,
        evaluation["id"],
        {"ratings": [{"competency_id": first, "rating": 4}, {"competency_id": second}]},
    )
    partial = await submit(client, author, evaluation["id"])
    assert partial.status_code == 422, partial.text
    assert [e["location"] for e in partial.json()["errors"]] == [
        f"ratings.{second}",
        "recommendation",
    ]
    still = (await read(client, author, evaluation["id"])).json()
    assert (still["status"], still["submitted_at"]) == ("draft", None)
    assert [t for t, _ in await subject_events(runtime, evaluation["id"])] == []

    manual_clock.advance(HOUR)
    done = await submitted(client, setting, author, evaluation["id"], recommendation="strong_yes")
    assert done["status"] == "submitted"
    assert at(done["submitted_at"]) == manual_clock.now
    assert done["recommendation"] == "strong_yes"
    assert done["overdue"] is False
    events = await subject_events(runtime, evaluation["id"])
    assert [t for t, _ in events] == ["evaluation.submitted"]
    payload = events[0][1]
    assert payload["id"] == evaluation["id"]
    assert payload["interviewer_id"] == str(author.id)
    assert payload["application_id"] == setting.application_id
    assert payload["interview_id"] == interview["id"]
    assert payload["recommendation"] == "strong_yes"
    assert payload["on_time"] is True


async def test_turnaround_and_on_time_are_stored_at_submission(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    setting = await loop(client, make_user, sla_hours=24)
    quick, slow, early = setting.interviewers
    start = manual_clock.now + timedelta(hours=1)
    end = start + timedelta(hours=1)
    interview = await schedule(
        client,
        setting,
        [(quick, "interviewer"), (slow, "interviewer"), (early, "interviewer")],
        starts_at=start,
    )
    ids = {
        actor.id: (await own_evaluation(client, actor, interview["id"]))["id"]
        for actor in (quick, slow, early)
    }
    # Written while the interview ran short: no negative turnaround.
    manual_clock.now = end - timedelta(minutes=10)
    body = await submitted(client, setting, early, ids[early.id])
    assert (body["turnaround_seconds"], body["on_time"]) == (0, True)

    manual_clock.now = end + timedelta(hours=24)  # exactly at the due time: still on time
    body = await submitted(client, setting, quick, ids[quick.id])
    assert (body["turnaround_seconds"], body["on_time"]) == (24 * HOUR, True)

    manual_clock.now = end + timedelta(hours=30)
    read_late = (await read(client, slow, ids[slow.id])).json()
    assert read_late["overdue"] is True
    body = await submitted(client, setting, slow, ids[slow.id])
    assert (body["turnaround_seconds"], body["on_time"], body["overdue"]) == (
        30 * HOUR,
        False,
        False,
    )


async def test_a_submitted_evaluation_is_immutable(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    setting = await loop(client, make_user)
    author = setting.interviewers[0]
    interview = await schedule(
        client, setting, [(author, "interviewer")], starts_at=manual_clock.now - timedelta(hours=2)
    )
    evaluation = await own_evaluation(client, author, interview["id"])
    done = await submitted(client, setting, author, evaluation["id"])
    current = await read(client, author, evaluation["id"])

    patched = await save(client, author, evaluation["id"], {"summary": "changed my mind"})
    assert patched.status_code == 409, patched.text
    assert "/amend" in patched.json()["detail"]
    assert patched.json()["current_status"] == "submitted"
    again = await submit(client, author, evaluation["id"])
    assert again.status_code == 409, again.text
    after = await read(client, author, evaluation["id"])
    assert after.json() == current.json()
    assert after.json()["submitted_at"] == done["submitted_at"]


async def test_amendments_keep_the_original_and_the_reason(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    setting = await loop(client, make_user)
    author = setting.interviewers[0]
    interview = await schedule(
        client, setting, [(author, "interviewer")], starts_at=manual_clock.now - timedelta(hours=2)
    )
    evaluation = await own_evaluation(client, author, interview["id"])
    url = f"{EVALUATIONS}/{evaluation['id']}/amend"
    first, second = setting.competency_ids

    # Only submitted evaluations are amended.
    early = await act(client, author, "POST", url, json={"summary": "x", "reason": "typo"})
    assert early.status_code == 409, early.text
    original = await submitted(client, setting, author, evaluation["id"], recommendation="yes")

    manual_clock.advance(3 * HOUR)
    no_reason = await act(client, author, "POST", url, json={"recommendation": "no"})
    assert no_reason.status_code == 422, no_reason.text
    assert [e["location"] for e in no_reason.json()["errors"]] == ["body.reason"]
    incomplete = await act(
        client,
        author,
        "POST",
        url,
        json={"ratings": [{"competency_id": second}], "reason": "unsure now"},
    )
    assert incomplete.status_code == 422, incomplete.text
    assert [e["location"] for e in incomplete.json()["errors"]] == [f"ratings.{second}"]
    unchanged = await act(
        client, author, "POST", url, json={"recommendation": "yes", "reason": "x"}
    )
    assert unchanged.status_code == 422, unchanged.text
    assert await count_amendments(runtime) == 0

    amended = await act(
        client,
        author,
        "POST",
        url,
        json={
            "recommendation": "no",
            "ratings": [{"competency_id": second, "rating": 1, "notes": "Untested code"}],
            "reason": "Reviewed the take-home after the interview",
        },
    )
    assert amended.status_code == 200, amended.text
    body = amended.json()
    assert body["recommendation"] == "no"
    assert [(r["competency_id"], r["rating"]) for r in body["ratings"]] == [(first, 3), (second, 1)]
    assert body["summary"] == original["summary"]
    assert body["amendment_count"] == 1
    # When and how fast it was submitted does not change.
    for key in ("status", "submitted_at", "turnaround_seconds", "on_time"):
        assert body[key] == original[key], key
    (amendment,) = body["amendments"]
    assert amendment["reason"] == "Reviewed the take-home after the interview"
    assert amendment["amended_by_id"] == str(author.id)
    assert at(amendment["amended_at"]) == manual_clock.now
    assert amendment["before"]["recommendation"] == "yes"
    assert amendment["before"]["ratings"][1] == {
        "competency_id": second,
        "rating": None,
        "not_assessed": True,
        "notes": None,
    }
    assert amendment["after"]["recommendation"] == "no"

    manual_clock.advance(HOUR)
    second_amendment = await act(
        client, author, "POST", url, json={"summary": "Not for this team.", "reason": "Wording"}
    )
    assert second_amendment.status_code == 200, second_amendment.text
    reread = (await read(client, setting.recruiter, evaluation["id"])).json()
    assert reread["amendment_count"] == 2
    assert [a["reason"] for a in reread["amendments"]] == [
        "Reviewed the take-home after the interview",
        "Wording",
    ]
    # The original is the first amendment's `before`.
    assert reread["amendments"][0]["before"]["summary"] == original["summary"]
    assert reread["amendments"][0]["before"]["recommendation"] == original["recommendation"]
    assert reread["summary"] == "Not for this team."

    events = await subject_events(runtime, evaluation["id"])
    assert [t for t, _ in events] == [
        "evaluation.submitted",
        "evaluation.amended",
        "evaluation.amended",
    ]
    assert events[1][1]["reason"] == "Reviewed the take-home after the interview"
    assert events[1][1]["recommendation"] == "no"
    assert events[1][1]["previous_recommendation"] == "yes"


async def test_lists_match_the_schema_exactly(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    setting = await loop(client, make_user)
    author, other = setting.interviewers[:2]
    interview = await schedule(
        client,
        setting,
        [(author, "interviewer"), (other, "interviewer")],
        starts_at=manual_clock.now - timedelta(hours=2),
    )
    evaluation = await own_evaluation(client, author, interview["id"])
    await submitted(client, setting, author, evaluation["id"])
    adapter = TypeAdapter(Page[EvaluationRead])
    for actor, path in ((setting.recruiter, EVALUATIONS), (author, MINE), (other, MINE)):
        response = await act(client, actor, "GET", path)
        assert response.status_code == 200, response.text
        assert response.json()["data"], path
        assert adapter.dump_json(adapter.validate_json(response.content)) == response.content
        assert set(response.json()["data"][0]) == set(EvaluationRead.model_fields)
    single = await read(client, setting.recruiter, evaluation["id"])
    assert EvaluationRead.model_validate_json(single.content).model_dump_json().encode() == (
        single.content
    )


async def test_my_evaluations_are_soonest_due_first_with_status_filters(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    setting = await loop(client, make_user, sla_hours=24)
    person = setting.interviewers[0]
    start = manual_clock.now - timedelta(hours=30)
    # Scheduled out of order: the list follows the due time, not creation.
    later = await schedule(
        client, setting, [(person, "interviewer")], starts_at=start + timedelta(hours=10)
    )
    earliest = await schedule(client, setting, [(person, "interviewer")], starts_at=start)
    middle = await schedule(
        client, setting, [(person, "interviewer")], starts_at=start + timedelta(hours=5)
    )
    ids = [(await own_evaluation(client, person, i["id"]))["id"] for i in (earliest, middle, later)]

    async def mine(**params: str) -> list[tuple[str, bool]]:
        response = await act(client, person, "GET", MINE, params=params)
        assert response.status_code == 200, response.text
        return [(r["id"], r["overdue"]) for r in response.json()["data"]]

    # Due at start+25h (overdue), start+30h (exactly now: not yet), start+35h.
    assert await mine() == [(ids[0], True), (ids[1], False), (ids[2], False)]
    assert await mine(status="overdue") == [(ids[0], True)]
    await save(client, person, ids[2], {"summary": "notes"})
    await submitted(client, setting, person, ids[1])
    assert await mine(status="pending") == [(ids[0], True)]
    assert await mine(status="draft") == [(ids[2], False)]
    assert await mine(status="submitted") == [(ids[1], False)]
    # Paging keeps the order.
    first = (await act(client, person, "GET", MINE, params={"limit": 2})).json()
    rest = await act(
        client, person, "GET", MINE, params={"limit": 2, "cursor": first["next_cursor"]}
    )
    assert [r["id"] for r in first["data"] + rest.json()["data"]] == ids
    assert rest.json()["has_more"] is False

    # Bad filters are 422 problems.
    for path, params in (
        (MINE, {"status": "cancelled"}),
        (MINE, {"status": "late"}),
        (EVALUATIONS, {"status": "late"}),
        (EVALUATIONS, {"interviewer_id": "someone"}),
        (EVALUATIONS, {"updated_since": "2026-01-01T00:00:00"}),  # no time zone
        (EVALUATIONS, {"cursor": "forged"}),
        (EVALUATIONS, {"cursor": first["next_cursor"]}),  # a cursor from another list
        (EVALUATIONS, {"limit": "500"}),
    ):
        response = await act(client, person, "GET", path, params=params)
        assert response.status_code == 422, (path, params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"], (path, params)


async def test_submit_and_amend_are_retry_safe_with_an_idempotency_key(
    client, make_user: MakeUser, runtime: Runtime, manual_clock: ManualClock
):
    setting = await loop(client, make_user)
    author = setting.interviewers[0]
    interview = await schedule(
        client, setting, [(author, "interviewer")], starts_at=manual_clock.now - timedelta(hours=2)
    )
    evaluation = await own_evaluation(client, author, interview["id"])
    await save(client, author, evaluation["id"], complete(setting))
    url = f"{EVALUATIONS}/{evaluation['id']}"
    headers = {"Idempotency-Key": "submit-1"}
    first = await act(client, author, "POST", f"{url}/submit", headers=headers)
    again = await act(client, author, "POST", f"{url}/submit", headers=headers)
    assert (first.status_code, again.status_code) == (200, 200), again.text
    assert again.content == first.content
    body = {"recommendation": "strong_yes", "reason": "Checked references"}
    headers = {"Idempotency-Key": "amend-1"}
    amended = await act(client, author, "POST", f"{url}/amend", headers=headers, json=body)
    replay = await act(client, author, "POST", f"{url}/amend", headers=headers, json=body)
    assert (amended.status_code, replay.status_code) == (200, 200), replay.text
    assert replay.content == amended.content
    assert await count_amendments(runtime) == 1
    assert [t for t, _ in await subject_events(runtime, evaluation["id"])] == [
        "evaluation.submitted",
        "evaluation.amended",
    ]
