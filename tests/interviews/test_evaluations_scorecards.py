"""Evaluations (scorecards): opened by scheduling, saved as drafts under If-Match, submitted
once when complete (turnaround and on-time stored), immutable afterwards except by amendments
that keep the original.

`loop()` at the top builds an agreed intake whose plan has a two-competency stage with a pool
of three interviewers and a trainee; the independence and reminder modules use it too.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.support.evaluations import (
    EVALUATIONS,
    MINE,
    at,
    listed,
    loop,
    own_evaluation,
    read,
    save,
    schedule,
)
from tests.support.harness import MakeUser, ManualClock
from tests.support.intakes import act

# --- Opened by scheduling ------------------------------------------------------------------


async def test_scheduling_opens_one_scorecard_per_interviewer(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    setting = await loop(client, make_user, sla_hours=24)
    lead, second, _third = setting.interviewers
    start = manual_clock.now + timedelta(days=1)
    interview = await schedule(
        client,
        setting,
        [(second, "interviewer"), (setting.trainee, "shadow"), (lead, "lead")],
        starts_at=start,
    )
    end = start + timedelta(hours=1)
    rows = await listed(client, setting.recruiter, interview_id=interview["id"])
    # The trainee owes nothing: the plan does not ask shadows to evaluate.
    assert sorted(r["interviewer_id"] for r in rows) == sorted([str(lead.id), str(second.id)])
    roles = {row["interviewer_id"]: row["panel_role"] for row in rows}
    assert roles == {str(lead.id): "lead", str(second.id): "interviewer"}
    for row in rows:
        assert row["status"] == "pending"
        assert (row["application_id"], row["intake_id"]) == (
            setting.application_id,
            setting.intake_id,
        )
        assert row["stage_id"] == setting.stage_id
        assert [c["id"] for c in row["competencies"]] == setting.competency_ids
        assert row["competencies"][0]["name"].startswith("Design")
        assert row["feedback_sla_hours"] == 24
        assert at(row["due_at"]) == end + timedelta(hours=24)
        assert (row["overdue"], row["submitted_at"], row["ratings"]) == (False, None, [])
    mine = await own_evaluation(client, second, interview["id"])
    assert mine["interviewer_id"] == str(second.id)
    assert await listed(client, setting.trainee, MINE) == []

    # A stage that asks for no evaluation opens none.
    quiet = await schedule(
        client,
        setting,
        [(lead, "interviewer")],
        starts_at=start + timedelta(days=1),
        stage_id=setting.quiet_stage_id,
    )
    assert await listed(client, setting.recruiter, interview_id=quiet["id"]) == []


async def test_trainees_evaluate_when_the_plan_says_so(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    setting = await loop(client, make_user, shadows_evaluate=True)
    interview = await schedule(
        client,
        setting,
        [(setting.interviewers[0], "lead"), (setting.trainee, "reverse_shadow")],
        starts_at=manual_clock.now + timedelta(hours=3),
    )
    rows = await listed(client, setting.recruiter, interview_id=interview["id"])
    assert sorted((r["interviewer_id"], r["panel_role"]) for r in rows) == sorted(
        [
            (str(setting.interviewers[0].id), "lead"),
            (str(setting.trainee.id), "reverse_shadow"),
        ]
    )


# --- Drafts ----------------------------------------------------------------------------------


async def test_a_draft_is_saved_under_if_match(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    setting = await loop(client, make_user)
    author = setting.interviewers[0]
    interview = await schedule(
        client, setting, [(author, "interviewer")], starts_at=manual_clock.now - timedelta(hours=2)
    )
    evaluation = await own_evaluation(client, author, interview["id"])
    url = f"{EVALUATIONS}/{evaluation['id']}"
    first, second = setting.competency_ids
    first_read = await read(client, author, evaluation["id"])
    etag = first_read.headers["etag"]

    missing = await act(client, author, "PATCH", url, json={"summary": "x"})
    assert missing.status_code == 428, missing.text
    assert missing.headers["content-type"].startswith("application/problem+json")
    stale = await act(client, author, "PATCH", url, headers={"If-Match": '"999"'}, json={})
    assert stale.status_code == 412, stale.text

    saved = await save(
        client,
        author,
        evaluation["id"],
        {"ratings": [{"competency_id": first, "rating": 2, "notes": "Hesitant"}]},
        etag=etag,
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["status"] == "draft"
    assert saved.headers["etag"] != etag
    assert body["ratings"] == [
        {
            "competency_id": first,
            "competency_name": body["competencies"][0]["name"],
            "rating": 2,
            "not_assessed": False,
            "notes": "Hesitant",
        }
    ]
    # The old ETag is stale now.
    again = await save(client, author, evaluation["id"], {"summary": "late"}, etag=etag)
    assert again.status_code == 412, again.text

    # Ratings sent replace those of the same competency; others are kept; order is the
    # scorecard's.
    saved = await save(
        client,
        author,
        evaluation["id"],
        {
            "ratings": [
                {"competency_id": second, "not_assessed": True},
                {"competency_id": first, "rating": 3},
            ],
            "recommendation": "no",
        },
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert [(r["competency_id"], r["rating"], r["not_assessed"]) for r in body["ratings"]] == [
        (first, 3, False),
        (second, None, True),
    ]
    assert (body["recommendation"], body["summary"]) == ("no", None)
    saved = await save(client, author, evaluation["id"], {"summary": "Clear thinker."})
    assert saved.json()["recommendation"] == "no"
    assert saved.json()["summary"] == "Clear thinker."
    assert len(saved.json()["ratings"]) == 2

    # A rating of a competency the scorecard does not ask about names the field.
    unknown = await save(
        client,
        author,
        evaluation["id"],
        {
            "ratings": [
                {"competency_id": first, "rating": 4},
                {"competency_id": "0190c8a4-7d7e-7000-8000-000000000000", "rating": 4},
            ]
        },
    )
    assert unknown.status_code == 422, unknown.text
    assert [e["location"] for e in unknown.json()["errors"]] == ["body.ratings.1.competency_id"]
    after = (await read(client, author, evaluation["id"])).json()
    assert after["ratings"][0]["rating"] == 3  # nothing written


async def test_bad_drafts_are_4xx_problems_and_write_nothing(
    client, make_user: MakeUser, manual_clock: ManualClock
):
    setting = await loop(client, make_user)
    author = setting.interviewers[0]
    interview = await schedule(
        client, setting, [(author, "interviewer")], starts_at=manual_clock.now - timedelta(hours=2)
    )
    evaluation = await own_evaluation(client, author, interview["id"])
    first = setting.competency_ids[0]
    before = await read(client, author, evaluation["id"])
    bodies: list[Any] = [
        {"ratings": [{"competency_id": first, "rating": 5}]},
        {"ratings": [{"competency_id": first, "rating": 0}]},
        {"ratings": [{"competency_id": first, "rating": 2, "not_assessed": True}]},
        {"ratings": [{"competency_id": first, "rating": 2}, {"competency_id": first, "rating": 3}]},
        {"ratings": [{"competency_id": "not-a-uuid", "rating": 2}]},
        {"ratings": [{"rating": 2}]},
        {"recommendation": "maybe"},
        {"summary": "x" * 10001},
        {"summary": "nul\x00byte"},
        {"verdict": "yes"},
        {"ratings": "all good"},
        [1, 2],
    ]
    for body in bodies:
        response = await save(client, author, evaluation["id"], body, etag=before.headers["etag"])
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"], body
    raw = await act(
        client,
        author,
        "PATCH",
        f"{EVALUATIONS}/{evaluation['id']}",
        headers={"If-Match": before.headers["etag"], "Content-Type": "application/json"},
        content=b"{not json",
    )
    assert 400 <= raw.status_code < 500, raw.text
    for path in (f"{EVALUATIONS}/nope", f"{EVALUATIONS}/nope/submit"):
        method = "GET" if path.endswith("nope") else "POST"
        response = await act(client, author, method, path)
        assert response.status_code == 422, response.text
    after = await read(client, author, evaluation["id"])
    assert after.headers["etag"] == before.headers["etag"]
    assert after.json() == before.json()
