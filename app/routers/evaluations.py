"""/api/v1/evaluations and /api/v1/me/evaluations: scorecards, drafts, submission, amendments."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import Query, Request, Response
from pydantic import AwareDatetime

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response, page_response
from app.deps import IdempotencyDep, IfMatch, PageDep, SessionDep, require, runtime_of
from app.routers.base import api_router
from app.schemas.evaluations import (
    EvaluationAmend,
    EvaluationList,
    EvaluationRead,
    EvaluationUpdate,
)
from app.services.interviews import evaluation_queries, evaluations

router = api_router("/evaluations", "Evaluations")
me_router = api_router("/me", "Evaluations")

_CHANGE_ERRORS = problem_openapi_responses(404, 409)
StatusFilter = Literal["pending", "draft", "submitted", "cancelled", "overdue"]
MyStatusFilter = Literal["pending", "draft", "submitted", "overdue"]
_STATUS_HELP = "`overdue`: not submitted (nor cancelled) and past `due_at`."


def evaluation_response(values: dict[str, Any]) -> Response:
    """An evaluation as JSON with its ETag."""
    return json_response(EvaluationRead.model_validate(values), version=values["version"])


@router.get("", response_model=EvaluationList)
async def evaluations_list(
    request: Request,
    principal: Annotated[Principal, require("evaluations", "read")],
    page: PageDep,
    application_id: uuid.UUID | None = None,
    interview_id: uuid.UUID | None = None,
    interviewer_id: uuid.UUID | None = None,
    intake_id: uuid.UUID | None = None,
    status: Annotated[StatusFilter | None, Query(description=_STATUS_HELP)] = None,
    updated_since: AwareDatetime | None = None,
) -> Response:
    """List the evaluations you may see (colleagues' only after submitting your own).

    Independence: an interviewer sees colleagues' evaluations of an application only once
    their own is submitted, and draft content only of their own. Filters combine;
    `updated_since` orders by change time.
    """
    runtime = runtime_of(request)
    result = await evaluation_queries.list_evaluations(
        runtime.db,
        runtime.cursors,
        page,
        principal,
        status=status,
        updated_since=updated_since,
        application_id=application_id,
        interview_id=interview_id,
        interviewer_id=interviewer_id,
        intake_id=intake_id,
    )
    return page_response(request, EvaluationRead, result)


@router.get(
    "/{evaluation_id}", response_model=EvaluationRead, responses=problem_openapi_responses(404)
)
async def evaluations_get(
    evaluation_id: uuid.UUID,
    principal: Annotated[Principal, require("evaluations", "read")],
    session: SessionDep,
) -> Response:
    """Get an evaluation with its amendments (content only once submitted, or your own)."""
    return evaluation_response(
        await evaluation_queries.get_evaluation(session, principal, evaluation_id)
    )


@router.patch(
    "/{evaluation_id}",
    response_model=EvaluationRead,
    responses=problem_openapi_responses(404, 409, 412, 428),
)
async def evaluations_update(
    evaluation_id: uuid.UUID,
    body: EvaluationUpdate,
    if_match: IfMatch,
    principal: Annotated[Principal, require("evaluations", "write")],
    session: SessionDep,
) -> Response:
    """Save your draft (If-Match): ratings, recommendation, summary.

    Only the author saves, and only while it is open (409 once submitted: amend it instead).
    Ratings are 1-4 or `not_assessed`; a partial draft is fine until submission.
    """
    return evaluation_response(
        await evaluations.save_draft(session, principal, evaluation_id, if_match, body)
    )


@router.post("/{evaluation_id}/submit", response_model=EvaluationRead, responses=_CHANGE_ERRORS)
async def evaluations_submit(
    evaluation_id: uuid.UUID,
    principal: Annotated[Principal, require("evaluations", "write")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Submit your complete evaluation; from then on it changes only by amendment.

    Every competency must be rated or marked not assessed, with a recommendation (422 lists
    what is missing). The turnaround and whether it was on time are stored; from now on only
    an amendment changes it.
    """
    return evaluation_response(await evaluations.submit(session, principal, evaluation_id))


@router.post("/{evaluation_id}/amend", response_model=EvaluationRead, responses=_CHANGE_ERRORS)
async def evaluations_amend(
    evaluation_id: uuid.UUID,
    body: EvaluationAmend,
    principal: Annotated[Principal, require("evaluations", "write")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Amend your submitted evaluation, saying why; the previous content is kept."""
    return evaluation_response(await evaluations.amend(session, principal, evaluation_id, body))


@me_router.get("/evaluations", response_model=EvaluationList)
async def me_list_evaluations(
    request: Request,
    principal: Annotated[Principal, require("evaluations", "mine")],
    page: PageDep,
    status: Annotated[MyStatusFilter | None, Query(description=_STATUS_HELP)] = None,
) -> Response:
    """Your evaluations (not cancelled ones), soonest due first, overdue ones flagged."""
    runtime = runtime_of(request)
    result = await evaluation_queries.my_evaluations(
        runtime.db, runtime.cursors, page, principal, status
    )
    return page_response(request, EvaluationRead, result)
