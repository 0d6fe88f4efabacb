"""Shared test helpers: pipeline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from app.core.roles import Role
from tests.support.candidates import new_candidate
from tests.support.harness import Actor, MakeUser
from tests.support.intakes import act, intake_body
from tests.support.plans import RUBRIC, agree, new_plan

APPLICATIONS = "/api/v1/applications"


INTAKES = "/api/v1/intakes"


@dataclass
class Pipeline:
    """An agreed intake, its people and its plan."""

    recruiter: Actor
    manager: Actor
    interviewer: Actor
    intake_id: str
    stage_ids: list[str] = field(default_factory=list)
    plan: dict[str, Any] = field(default_factory=dict)
    competency_ids: list[str] = field(default_factory=list)


async def competency(client: httpx.AsyncClient, actor: Actor, name: str, description: str) -> str:
    response = await act(
        client,
        actor,
        "POST",
        "/api/v1/competencies",
        json={"name": name, "description": description, "rubric": RUBRIC},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def pipeline(
    client: httpx.AsyncClient,
    make_user: MakeUser,
    *,
    with_plan: bool = True,
    sla_hours: int = 48,
    agreed: bool = True,
    recruiter: Actor | None = None,
    manager: Actor | None = None,
    interviewer: Actor | None = None,
    **intake: Any,
) -> Pipeline:
    """An intake (agreed unless told otherwise) with an interviewer on its team and a plan of
    two stages: a technical interview (the interviewer) and an onsite HM conversation."""
    recruiter = recruiter or await make_user(Role.RECRUITER)
    manager = manager or await make_user(Role.HIRING_MANAGER)
    interviewer = interviewer or await make_user(Role.INTERVIEWER)
    body = intake_body(
        None,
        manager,
        team=[{"user_id": str(interviewer.id), "team_role": "interviewer"}],
        hm_review_sla_hours=sla_hours,
        **intake,
    )
    created = await act(client, recruiter, "POST", INTAKES, json=body)
    assert created.status_code == 201, created.text
    setting = Pipeline(recruiter, manager, interviewer, created.json()["id"])
    if with_plan:
        suffix = uuid.uuid4().hex[:6]
        design = await competency(
            client,
            recruiter,
            f"System design {suffix}",
            "How you break a large problem into parts that fit together",
        )
        ownership = await competency(
            client, recruiter, f"Ownership {suffix}", "Seeing things through to the end"
        )
        stages = [
            {
                "name": "Technical interview",
                "kind": "technical",
                "duration_minutes": 60,
                "format": "video",
                "competency_ids": [design],
                "questions": [
                    {
                        "text": "INTERNAL QUESTION: design a ledger for us.",
                        "competency_id": design,
                        "follow_ups": ["INTERNAL FOLLOW-UP: and at scale?"],
                        "what_good_looks_like": "INTERNAL GOOD ANSWER: double entry",
                    }
                ],
                "interviewer_pool": [str(interviewer.id)],
            },
            {
                "name": "Meet the hiring manager",
                "kind": "hiring_manager",
                "duration_minutes": 45,
                "format": "onsite",
                "competency_ids": [ownership],
                "questions": [],
                "interviewer_pool": [str(manager.id)],
            },
        ]
        plan = await new_plan(
            client, recruiter, stages, name="Backend loop", intake_id=setting.intake_id
        )
        setting.plan = plan
        setting.stage_ids = [s["id"] for s in plan["stages"]]
        setting.competency_ids = [design, ownership]
    if agreed:
        await agree(client, recruiter, manager, setting.intake_id)
    return setting


async def apply(
    client: httpx.AsyncClient,
    actor: Actor,
    candidate_id: str,
    intake_id: str,
    **extra: Any,
) -> dict[str, Any]:
    """Create an application (201 expected) and return it."""
    response = await act(
        client,
        actor,
        "POST",
        APPLICATIONS,
        json={"candidate_id": candidate_id, "intake_id": intake_id, **extra},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def applied(
    client: httpx.AsyncClient, setting: Pipeline, name: str = "Sam Okafor", **candidate: Any
) -> dict[str, Any]:
    """A new candidate with an application to the setting's intake."""
    person = await new_candidate(client, setting.recruiter, name, **candidate)
    return await apply(client, setting.recruiter, person["id"], setting.intake_id)


async def move(
    client: httpx.AsyncClient, actor: Actor, application_id: str, stage: str, **extra: Any
) -> httpx.Response:
    return await act(
        client,
        actor,
        "POST",
        f"{APPLICATIONS}/{application_id}/move",
        json={"stage": stage, **extra},
    )


async def history(
    client: httpx.AsyncClient, actor: Actor, application_id: str
) -> list[dict[str, Any]]:
    response = await act(client, actor, "GET", f"{APPLICATIONS}/{application_id}/history")
    assert response.status_code == 200, response.text
    rows: list[dict[str, Any]] = response.json()["data"]
    return rows


async def application_ids(client: httpx.AsyncClient, actor: Actor, **params: Any) -> list[str]:
    response = await act(client, actor, "GET", APPLICATIONS, params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()["data"]]


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)
