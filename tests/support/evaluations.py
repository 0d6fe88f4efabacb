"""Shared test helpers: evaluations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from app.core.roles import Role
from tests.support.candidates import new_candidate
from tests.support.harness import Actor, MakeUser
from tests.support.intakes import act, intake_body
from tests.support.pipeline import INTAKES, apply, competency
from tests.support.plans import agree, new_plan

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
