"""Shared test helpers: plans."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.harness import Actor
from tests.support.intakes import act, intake_body

PLANS = "/api/v1/interview-plans"


INTAKES = "/api/v1/intakes"


async def new_plan(
    client: httpx.AsyncClient,
    actor: Actor,
    stages: list[dict[str, Any]],
    *,
    name: str = "Backend loop",
    **extra: Any,
) -> dict[str, Any]:
    """Create a plan (201 expected) and return it as read."""
    response = await act(
        client, actor, "POST", PLANS, json={"name": name, "stages": stages, **extra}
    )
    assert response.status_code == 201, response.text
    plan: dict[str, Any] = response.json()
    return plan


async def new_intake(
    client: httpx.AsyncClient, recruiter: Actor, manager: Actor, **extra: Any
) -> dict[str, Any]:
    """A draft intake owned by `recruiter` with `manager` as its hiring manager."""
    response = await act(
        client, recruiter, "POST", INTAKES, json=intake_body(None, manager, **extra)
    )
    assert response.status_code == 201, response.text
    intake: dict[str, Any] = response.json()
    return intake


async def get_json(client: httpx.AsyncClient, actor: Actor, url: str) -> dict[str, Any]:
    response = await act(client, actor, "GET", url)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def patch_plan(
    client: httpx.AsyncClient,
    actor: Actor,
    plan_id: str,
    body: dict[str, Any],
    *,
    etag: str | None = None,
) -> httpx.Response:
    """PATCH a plan with the ETag from a fresh read (by `actor`) unless one is given."""
    url = f"{PLANS}/{plan_id}"
    if etag is None:
        current = await act(client, actor, "GET", url)
        assert current.status_code == 200, current.text
        etag = current.headers["etag"]
    return await act(client, actor, "PATCH", url, headers={"If-Match": etag}, json=body)


async def patch_intake(
    client: httpx.AsyncClient, actor: Actor, intake_id: str, body: dict[str, Any]
) -> httpx.Response:
    url = f"{INTAKES}/{intake_id}"
    etag = (await act(client, actor, "GET", url)).headers["etag"]
    return await act(client, actor, "PATCH", url, headers={"If-Match": etag}, json=body)


async def agree(client: httpx.AsyncClient, recruiter: Actor, manager: Actor, intake_id: str) -> Any:
    """Both parties sign the intake's current revision (submitting it first if a draft)."""
    url = f"{INTAKES}/{intake_id}"
    intake = await get_json(client, recruiter, url)
    if intake["status"] == "draft":
        submitted = await act(client, recruiter, "POST", f"{url}/submit-for-review")
        assert submitted.status_code == 200, submitted.text
        intake = submitted.json()
    revision = {"revision": intake["revision"]}
    signed = await act(client, recruiter, "POST", f"{url}/sign-off", json=revision)
    assert signed.status_code == 200, signed.text
    agreed = await act(client, manager, "POST", f"{url}/sign-off", json=revision)
    assert agreed.json()["status"] == "agreed", agreed.text
    return agreed.json()


def stage_inputs(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """A plan's stages as read, turned back into the input shape (ids kept)."""
    return [as_input(s) for s in plan["stages"]]


RUBRIC = {"1": "No evidence", "2": "Weak evidence", "3": "Solid evidence", "4": "Exceptional"}


async def competency(client, actor: Actor, name: str) -> str:
    response = await act(
        client,
        actor,
        "POST",
        "/api/v1/competencies",
        json={"name": name, "description": f"{name} in practice", "rubric": RUBRIC},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def stage(name: str, competency_id: str, pool: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "technical",
        "duration_minutes": 60,
        "competency_ids": [competency_id],
        "questions": [
            {
                "text": f"Tell me about {name.lower()} you led.",
                "competency_id": competency_id,
                "follow_ups": ["What would you change?"],
                "what_good_looks_like": "Specific trade-offs and their outcome",
            }
        ],
        "interviewer_pool": pool,
        **extra,
    }


def as_input(stage_read: dict[str, Any]) -> dict[str, Any]:
    """A stage as read, turned back into the input shape."""
    return {
        "id": stage_read["id"],
        "name": stage_read["name"],
        "kind": stage_read["kind"],
        "duration_minutes": stage_read["duration_minutes"],
        "format": stage_read["format"],
        "competency_ids": [c["id"] for c in stage_read["competencies"]],
        "questions": [
            {
                "id": q["id"],
                "text": q["text"],
                "competency_id": q["competency_id"],
                "follow_ups": q["follow_ups"],
                "what_good_looks_like": q["what_good_looks_like"],
            }
            for q in stage_read["questions"]
        ],
        "interviewer_pool": stage_read["interviewer_pool"],
        "evaluation_required": stage_read["evaluation_required"],
    }
