"""Evaluations (scorecards): opened by scheduling, saved as drafts under If-Match, submitted
once when complete (turnaround and on-time stored), immutable afterwards except by amendments
that keep the original.

`loop()` at the top builds an agreed intake whose plan has a two-competency stage with a pool
of three interviewers and a trainee; the independence and reminder modules use it too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from app.models.identity import Role
from tests.conftest import Actor, MakeUser, ManualClock
from tests.test_applications_pipeline import INTAKES, apply, competency
from tests.test_candidates_api import new_candidate
from tests.test_intakes_lifecycle import act, intake_body
from tests.test_plans_editing import agree, new_plan

EVALUATIONS = "/api/v1/evaluations"
MINE = "/api/v1/me/evaluations"
INTERVIEWS = "/api/v1/interviews"
HOUR = 3600


@dataclass
class Loop:
    """An agreed intake, its people, its plan and one application in its pipeline."""

    recruiter: Actor
    manager: Actor
    coordinator: Actor
    interviewers: list[Actor]
    trainee: Actor
    intake_id: str
    stage_id: str
    quiet_stage_id: str  # a stage that asks for no evaluation
    competency_ids: list[str]
    application_id: str
    sla_hours: int
    extra: dict[str, Any] = field(default_factory=dict)


async def loop(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    *,
    sla_hours: int = 24,
    shadows_evaluate: bool = False,
    recruiter: Actor | None = None,
    manager: Actor | None = None,
) -> Loop:
    """An agreed intake (feedback SLA `sla_hours`) with a coordinator, three interviewers and a
    trainee on its team, a plan whose technical stage assesses two competencies, and one
    candidate in the pipeline."""
    recruiter = recruiter or await make_user(Role.RECRUITER)
    manager = manager or await make_user(Role.HIRING_MANAGER)
    coordinator = await make_user(Role.RECRUITER)
    interviewers = [await make_user(Role.INTERVIEWER) for _ in range(3)]
    trainee = await make_user(Role.INTERVIEWER)
    team = [{"user_id": str(coordinator.id), "team_role": "coordinator"}] + [
        {"user_id": str(p.id), "team_role": "interviewer"} for p in (*interviewers, trainee)
    ]
    body = intake_body(None, manager, team=team, feedback_sla_hours=sla_hours)
    created = await act(client, recruiter, "POST", INTAKES, json=body)
    assert created.status_code == 201, created.text
    intake_id = created.json()["id"]
    suffix = created.json()["id"][-6:]
    design = await competency(client, recruiter, f"Design {suffix}", "Breaking problems down")
    craft = await competency(client, recruiter, f"Craft {suffix}", "Code that others can own")
    pool = [str(p.id) for p in (*interviewers, trainee, manager)]
    stages = [
        {
            "name": "Technical interview",
            "kind": "technical",
            "duration_minutes": 60,
            "competency_ids": [design, craft],
            "questions": [{"text": "Design a ledger.", "competency_id": design}],
            "interviewer_pool": pool,
        },
        {
            "name": "Coffee chat",
            "kind": "hiring_manager",
            "duration_minutes": 30,
            "competency_ids": [craft],
            "questions": [],
            "interviewer_pool": pool,
            "evaluation_required": False,
        },
    ]
    plan = await new_plan(
        client,
        recruiter,
        stages,
        name="Evaluation loop",
        intake_id=intake_id,
        shadows_evaluate=shadows_evaluate,
    )
    await agree(client, recruiter, manager, intake_id)
    person = await new_candidate(client, recruiter, "Ada Lovelace")
    application = await apply(client, recruiter, person["id"], intake_id)
    return Loop(
        recruiter=recruiter,
        manager=manager,
        coordinator=coordinator,
        interviewers=interviewers,
        trainee=trainee,
        intake_id=intake_id,
        stage_id=plan["stages"][0]["id"],
        quiet_stage_id=plan["stages"][1]["id"],
        competency_ids=[design, craft],
        application_id=application["id"],
        sla_hours=sla_hours,
    )


async def another_application(client: httpx.AsyncClient, setting: Loop, name: str) -> str:
    person = await new_candidate(client, setting.recruiter, name)
    return str((await apply(client, setting.recruiter, person["id"], setting.intake_id))["id"])


async def schedule(
    client: httpx.AsyncClient,
    setting: Loop,
    panel: list[tuple[Actor, str]],
    *,
    starts_at: datetime,
    minutes: int = 60,
    application_id: str | None = None,
    stage_id: str | None = None,
) -> dict[str, Any]:
    """Schedule an interview (201 expected) with the given (person, role) panel. Every panel
    has one lead: without one, the first person leads (under an override, as these tests
    are about evaluations, not qualifications)."""
    if not any(role == "lead" for _, role in panel):
        panel = [(panel[0][0], "lead"), *panel[1:]]
    response = await act(
        client,
        setting.recruiter,
        "POST",
        INTERVIEWS,
        json={
            "application_id": application_id or setting.application_id,
            "stage_id": stage_id or setting.stage_id,
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(minutes=minutes)).isoformat(),
            "interviewers": [{"user_id": str(p.id), "role": role} for p, role in panel],
            "override_reason": "Scheduled for a test of evaluations.",
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def listed(
    client: httpx.AsyncClient, actor: Actor, path: str = EVALUATIONS, **params: Any
) -> list[dict[str, Any]]:
    response = await act(client, actor, "GET", path, params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


async def own_evaluation(
    client: httpx.AsyncClient, actor: Actor, interview_id: str
) -> dict[str, Any]:
    """The actor's evaluation of an interview, found through their own list."""
    rows = [r for r in await listed(client, actor, MINE) if r["interview_id"] == interview_id]
    assert len(rows) == 1, rows
    return rows[0]


async def read(client: httpx.AsyncClient, actor: Actor, evaluation_id: str) -> httpx.Response:
    return await act(client, actor, "GET", f"{EVALUATIONS}/{evaluation_id}")


async def save(
    client: httpx.AsyncClient,
    actor: Actor,
    evaluation_id: str,
    body: dict[str, Any],
    *,
    etag: str | None = None,
) -> httpx.Response:
    """PATCH a draft with the current ETag (read first) unless one is given."""
    if etag is None:
        etag = (await read(client, actor, evaluation_id)).headers["etag"]
    return await act(
        client,
        actor,
        "PATCH",
        f"{EVALUATIONS}/{evaluation_id}",
        headers={"If-Match": etag},
        json=body,
    )


async def submit(client: httpx.AsyncClient, actor: Actor, evaluation_id: str) -> httpx.Response:
    return await act(client, actor, "POST", f"{EVALUATIONS}/{evaluation_id}/submit")


def complete(setting: Loop, recommendation: str = "yes", rating: int = 3) -> dict[str, Any]:
    """A full scorecard: the first competency rated, the second not assessed."""
    first, second = setting.competency_ids
    return {
        "ratings": [
            {"competency_id": first, "rating": rating, "notes": "Clear trade-offs"},
            {"competency_id": second, "not_assessed": True},
        ],
        "recommendation": recommendation,
        "summary": "Would work well with the team.",
    }


async def submitted(
    client: httpx.AsyncClient, setting: Loop, actor: Actor, evaluation_id: str, **kwargs: Any
) -> dict[str, Any]:
    """Save a complete draft and submit it (200s expected)."""
    saved = await save(client, actor, evaluation_id, complete(setting, **kwargs))
    assert saved.status_code == 200, saved.text
    response = await submit(client, actor, evaluation_id)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


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
