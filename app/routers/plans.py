"""/api/v1/interview-plans and /api/v1/competencies: standard plans, kits, readiness."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Path, Query, Request, Response

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response, models_response, page_response
from app.deps import IdempotencyDep, IfMatch, PageDep, SessionDep, require, runtime_of
from app.models.plans import InterviewPlan
from app.routers.base import api_router
from app.routers.media import text_response
from app.schemas.common import SequenceNumber
from app.schemas.plans import (
    CompetencyCreate,
    CompetencyList,
    CompetencyRead,
    CompetencyUpdate,
    InterviewPlanCopy,
    InterviewPlanCreate,
    InterviewPlanList,
    InterviewPlanRead,
    InterviewPlanUpdate,
    InterviewPlanVersionRead,
    KitRead,
    PlanReadiness,
)
from app.services.plans import competencies, kits
from app.services.plans import editing as plans
from app.services.plans import practice as training_practice

router = api_router("/interview-plans", "Interview plans")
competency_router = api_router("/competencies", "Interview plans")

_NOT_FOUND = problem_openapi_responses(404)
KIT_MEDIA = {"application/json": "json", "text/markdown": "markdown", "text/html": "html"}


def plan_response(plan: InterviewPlan, *, status_code: int = 200) -> Response:
    headers = {"Location": f"/api/v1/interview-plans/{plan.id}"} if status_code == 201 else None
    return json_response(
        InterviewPlanRead.model_validate(plan),
        status_code=status_code,
        version=plan.version,
        headers=headers,
    )


@router.post(
    "", status_code=201, response_model=InterviewPlanRead, responses=problem_openapi_responses(409)
)
async def interview_plans_create(
    body: InterviewPlanCreate,
    principal: Annotated[Principal, require("interview_plans", "manage")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Create a plan template, or a plan for an intake (attached to it).

    With `is_template` the plan is a template others copy; with `intake_id` it is that
    intake's plan. Stages embed their competencies' rubrics as they are now, so later rubric
    edits do not change the plan.
    """
    return plan_response(await plans.create_plan(session, principal, body), status_code=201)


@router.get("", response_model=InterviewPlanList)
async def interview_plans_list(
    request: Request,
    principal: Annotated[Principal, require("interview_plans", "read")],
    session: SessionDep,
    page: PageDep,
    is_template: Annotated[bool | None, Query(description="Only templates, or only plans.")] = None,
    intake_id: uuid.UUID | None = None,
) -> Response:
    """List the templates and the plans of your intakes."""
    result = await plans.list_plans(
        runtime_of(request).db,
        runtime_of(request).cursors,
        page,
        principal,
        is_template=is_template,
        intake_id=intake_id,
    )
    return models_response(request, InterviewPlanRead, result)


@router.get("/{plan_id}", response_model=InterviewPlanRead, responses=_NOT_FOUND)
async def interview_plans_get(
    plan_id: uuid.UUID,
    principal: Annotated[Principal, require("interview_plans", "read")],
    session: SessionDep,
) -> Response:
    """Get a plan at its current version."""
    return plan_response(await plans.load_plan(session, principal, plan_id))


@router.patch(
    "/{plan_id}",
    response_model=InterviewPlanRead,
    responses=problem_openapi_responses(404, 412, 428),
)
async def interview_plans_update(
    plan_id: uuid.UUID,
    body: InterviewPlanUpdate,
    if_match: IfMatch,
    principal: Annotated[Principal, require("interview_plans", "manage")],
    session: SessionDep,
) -> Response:
    """Change a plan (If-Match); once its intake is in review or agreed, a new plan version."""
    return plan_response(await plans.update_plan(session, principal, plan_id, if_match, body))


@router.post(
    "/{plan_id}/copy", status_code=201, response_model=InterviewPlanRead, responses=_NOT_FOUND
)
async def interview_plans_copy(
    plan_id: uuid.UUID,
    principal: Annotated[Principal, require("interview_plans", "manage")],
    session: SessionDep,
    _claim: IdempotencyDep,
    body: InterviewPlanCopy | None = None,
) -> Response:
    """Copy a plan (usually a template) into an independent plan, optionally for an intake.

    The copy gets new stage and question ids and records `copied_from_id`; later changes to
    either plan do not touch the other. Retry safely with `Idempotency-Key`.
    """
    plan = await plans.copy_plan(session, principal, plan_id, body or InterviewPlanCopy())
    return plan_response(plan, status_code=201)


@router.get(
    "/{plan_id}/versions/{version}", response_model=InterviewPlanVersionRead, responses=_NOT_FOUND
)
async def interview_plans_get_version(
    plan_id: uuid.UUID,
    version: Annotated[SequenceNumber, Path()],
    principal: Annotated[Principal, require("interview_plans", "read")],
    session: SessionDep,
) -> Response:
    """The plan as it stood at one version (interviews keep pointing at theirs)."""
    found = await plans.get_version(session, principal, plan_id, version)
    return json_response(InterviewPlanVersionRead.model_validate(found))


@router.get(
    "/{plan_id}/stages/{stage_id}/kit",
    response_model=KitRead,
    responses={
        **_NOT_FOUND,
        200: text_response(
            "The kit as JSON, Markdown or printable HTML (`Accept` or `format`).",
            "text/markdown",
            "text/html",
        ),
    },
)
async def interview_plans_get_kit(
    request: Request,
    plan_id: uuid.UUID,
    stage_id: uuid.UUID,
    principal: Annotated[Principal, require("interview_plans", "get_kit")],
    session: SessionDep,
    format: Annotated[
        Literal["json", "markdown", "html"] | None,
        Query(description="Overrides `Accept` (application/json, text/markdown, text/html)."),
    ] = None,
) -> Response:
    """A stage's interviewer kit: questions, rubrics, what to listen for, time plan, do's and
    don'ts.

    For the interviewer preparing a stage. JSON by default; `format=markdown` or
    `format=html` (or the matching `Accept`) gives a printable document.
    """
    kit = await kits.get_kit(session, principal, plan_id, stage_id)
    chosen: str = format or next(
        (fmt for media, fmt in KIT_MEDIA.items() if media in request.headers.get("accept", "")),
        "json",
    )
    if chosen == "json":
        return json_response(KitRead.model_validate(kit))
    media = "text/markdown; charset=utf-8" if chosen == "markdown" else "text/html; charset=utf-8"
    return Response(kits.render(kit, chosen), media_type=media)


TEXT_MEDIA = {"markdown": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}


async def _kit_text(
    session: SessionDep, principal: Principal, plan_id: uuid.UUID, stage_id: uuid.UUID, fmt: str
) -> Response:
    kit = await kits.get_kit(session, principal, plan_id, stage_id)
    return Response(kits.render(kit, fmt), media_type=TEXT_MEDIA[fmt])


@router.get(
    "/{plan_id}/stages/{stage_id}/kit.md",
    response_class=Response,
    responses={**_NOT_FOUND, 200: text_response("The kit as Markdown.", "text/markdown")},
)
async def interview_plans_get_kit_markdown(
    plan_id: uuid.UUID,
    stage_id: uuid.UUID,
    principal: Annotated[Principal, require("interview_plans", "get_kit")],
    session: SessionDep,
) -> Response:
    """A stage's interviewer kit as Markdown.

    The same kit as `interview_plans_get_kit` with `format=markdown`, as an operation of its
    own so that generated clients read it as text."""
    return await _kit_text(session, principal, plan_id, stage_id, "markdown")


@router.get(
    "/{plan_id}/stages/{stage_id}/kit.html",
    response_class=Response,
    responses={**_NOT_FOUND, 200: text_response("The kit as printable HTML.", "text/html")},
)
async def interview_plans_get_kit_html(
    plan_id: uuid.UUID,
    stage_id: uuid.UUID,
    principal: Annotated[Principal, require("interview_plans", "get_kit")],
    session: SessionDep,
) -> Response:
    """A stage's interviewer kit as printable HTML.

    The same kit as `interview_plans_get_kit` with `format=html`, as an operation of its own
    so that generated clients read it as text."""
    return await _kit_text(session, principal, plan_id, stage_id, "html")


@router.get("/{plan_id}/readiness", response_model=PlanReadiness, responses=_NOT_FOUND)
async def interview_plans_get_readiness(
    plan_id: uuid.UUID,
    principal: Annotated[Principal, require("interview_plans", "read")],
    session: SessionDep,
) -> Response:
    """For each stage: who in its pool is qualified, in training or untrained, and whether it
    can be staffed.

    Computed from the current plan version's interviewer pools and the training records; an
    expired qualification counts as not qualified even before the hourly expiry job runs.
    """
    result = await training_practice.readiness(session, principal, plan_id)
    return json_response(PlanReadiness.model_validate(result))


@competency_router.get("", response_model=CompetencyList)
async def competencies_list(
    request: Request,
    _principal: Annotated[Principal, require("competencies", "read")],
    page: PageDep,
    category: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """The competency library, by name."""
    runtime = runtime_of(request)
    result = await competencies.list_competencies(
        runtime.db, runtime.cursors, page, category=category
    )
    return page_response(request, CompetencyRead, result)


@competency_router.post(
    "", status_code=201, response_model=CompetencyRead, responses=problem_openapi_responses(409)
)
async def competencies_create(
    body: CompetencyCreate,
    _principal: Annotated[Principal, require("competencies", "manage")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Add a competency with its 1-4 rubric."""
    competency = await competencies.create_competency(session, body)
    return json_response(
        CompetencyRead.model_validate(competency),
        status_code=201,
        version=competency.version,
        headers={"Location": f"/api/v1/competencies/{competency.id}"},
    )


@competency_router.get("/{competency_id}", response_model=CompetencyRead, responses=_NOT_FOUND)
async def competencies_get(
    competency_id: uuid.UUID,
    _principal: Annotated[Principal, require("competencies", "read")],
    session: SessionDep,
) -> Response:
    """One competency."""
    competency = await competencies.get_competency(session, competency_id)
    return json_response(CompetencyRead.model_validate(competency), version=competency.version)


@competency_router.patch(
    "/{competency_id}",
    response_model=CompetencyRead,
    responses=problem_openapi_responses(404, 409, 412, 428),
)
async def competencies_update(
    competency_id: uuid.UUID,
    body: CompetencyUpdate,
    if_match: IfMatch,
    _principal: Annotated[Principal, require("competencies", "manage")],
    session: SessionDep,
) -> Response:
    """Change a competency (If-Match)."""
    competency = await competencies.update_competency(session, competency_id, if_match, body)
    return json_response(CompetencyRead.model_validate(competency), version=competency.version)
