"""Shared test helpers: training."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from app.core.roles import Role
from tests.support.harness import Actor, MakeUser
from tests.support.intakes import act
from tests.support.plans import competency, new_intake, new_plan, stage

TRAINING = "/api/v1/training"


@dataclass
class Setting:
    recruiter: Actor
    manager: Actor
    trainee: Actor
    colleague: Actor
    intake: dict[str, Any]
    plan: dict[str, Any]

    @property
    def stage_ids(self) -> list[str]:
        return [s["id"] for s in self.plan["stages"]]


async def setting(client: httpx.AsyncClient, make_user: MakeUser, **plan_extra: Any) -> Setting:
    """An intake's plan with two stages; both pools list the trainee and a colleague."""
    recruiter = await make_user(Role.RECRUITER)
    manager = await make_user(Role.HIRING_MANAGER)
    trainee = await make_user(Role.INTERVIEWER, full_name="Trainee")
    colleague = await make_user(Role.INTERVIEWER, full_name="Colleague")
    design = await competency(client, recruiter, "System design")
    pool = [str(trainee.id), str(colleague.id)]
    intake = await new_intake(client, recruiter, manager)
    plan = await new_plan(
        client,
        recruiter,
        [stage("Design", design, pool), stage("Deep dive", design, pool)],
        intake_id=intake["id"],
        **plan_extra,
    )
    return Setting(recruiter, manager, trainee, colleague, intake, plan)


async def assign(
    client: httpx.AsyncClient, actor: Actor, user: Actor | str, plan_id: str, stage_id: str
) -> httpx.Response:
    user_id = user if isinstance(user, str) else str(user.id)
    return await act(
        client,
        actor,
        "POST",
        TRAINING,
        json={"user_id": user_id, "plan_id": plan_id, "stage_id": stage_id},
    )


async def assigned(
    client: httpx.AsyncClient, actor: Actor, user: Actor, plan_id: str, stage_id: str
) -> dict[str, Any]:
    response = await assign(client, actor, user, plan_id, stage_id)
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()
    return record


async def step(
    client: httpx.AsyncClient, actor: Actor, record_id: str, action: str
) -> httpx.Response:
    return await act(client, actor, "POST", f"{TRAINING}/{record_id}/{action}")


async def advance(
    client: httpx.AsyncClient, actor: Actor, record_id: str, *actions: str
) -> dict[str, Any]:
    """Take each step (200 expected); the record after the last."""
    body: dict[str, Any] = {}
    for action in actions:
        response = await step(client, actor, record_id, action)
        assert response.status_code == 200, (action, response.text)
        body = response.json()
    return body
