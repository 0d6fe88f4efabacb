"""/api/v1/applications: the pipeline, HM reviews, briefings and their public links."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response
from pydantic import AwareDatetime

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response, page_response, row_response
from app.deps import (
    IdempotencyDep,
    PageDep,
    SessionDep,
    require,
    runtime_of,
)
from app.models.candidates import Application, ApplicationStatus
from app.routers.base import api_router
from app.schemas.applications import (
    ApplicationCreate,
    ApplicationList,
    ApplicationMove,
    ApplicationRead,
    ApplicationReject,
    ApplicationWithdraw,
    HmReviewDecision,
    StageChangeList,
    StageChangeRead,
)
from app.services.pipeline import application_queries, applications, hm_reviews

router = api_router("/applications", "Applications")
me_router = api_router("/me", "Applications")

_CHANGE_ERRORS = problem_openapi_responses(404, 409)


def application_response(application: Application, *, status_code: int = 200) -> Response:
    headers = {"Location": f"/api/v1/applications/{application.id}"} if status_code == 201 else None
    return json_response(
        ApplicationRead.model_validate(application_queries.row_of(application)),
        status_code=status_code,
        version=application.version,
        headers=headers,
    )


@router.post("", status_code=201, response_model=ApplicationRead, responses=_CHANGE_ERRORS)
async def applications_create(
    body: ApplicationCreate,
    principal: Annotated[Principal, require("applications", "create")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Put a candidate in an intake's pipeline (one active application per intake).

    The application starts in stage `applied` (or the `stage` given). The intake must be
    open for candidates (409 otherwise), and a candidate has one active application per
    intake (409).
    """
    application = await applications.create_application(
        session, principal, body.candidate_id, body.intake_id, stage=body.stage, source=body.source
    )
    return application_response(application, status_code=201)


@router.get("", response_model=ApplicationList)
async def applications_list(
    request: Request,
    principal: Annotated[Principal, require("applications", "read")],
    page: PageDep,
    intake_id: uuid.UUID | None = None,
    candidate_id: uuid.UUID | None = None,
    stage: Annotated[str | None, Query(max_length=64)] = None,
    status: ApplicationStatus | None = None,
    recruiter_id: uuid.UUID | None = None,
    hiring_manager_id: uuid.UUID | None = None,
    overdue: Annotated[bool, Query(description="Only HM reviews past their due time.")] = False,
    updated_since: AwareDatetime | None = None,
) -> Response:
    """List applications on your intakes, filtered.

    Filters combine; `overdue=true` keeps the applications whose hiring-manager review is
    late. With `updated_since` the order is by change time, for syncing.
    """
    runtime = runtime_of(request)
    result = await application_queries.list_applications(
        runtime.db,
        runtime.cursors,
        page,
        principal,
        overdue=overdue,
        intake_id=intake_id,
        candidate_id=candidate_id,
        stage=stage,
        status=status,
        recruiter_id=recruiter_id,
        hiring_manager_id=hiring_manager_id,
        updated_since=updated_since,
    )
    return page_response(request, ApplicationRead, result)


@router.get(
    "/{application_id}", response_model=ApplicationRead, responses=problem_openapi_responses(404)
)
async def applications_get(
    request: Request,
    application_id: uuid.UUID,
    principal: Annotated[Principal, require("applications", "read")],
) -> Response:
    """Get an application with its HM-review flag."""
    values = await application_queries.get_application(
        runtime_of(request).db, principal, application_id
    )
    return row_response(ApplicationRead, values)


@router.get("/{application_id}/history", response_model=StageChangeList)
async def applications_list_history(
    request: Request,
    application_id: uuid.UUID,
    principal: Annotated[Principal, require("applications", "read")],
    page: PageDep,
) -> Response:
    """Every move of the application: from, to, when, by whom, why."""
    runtime = runtime_of(request)
    result = await application_queries.history(
        runtime.db, runtime.cursors, page, principal, application_id
    )
    return page_response(request, StageChangeRead, result)


@router.post("/{application_id}/move", response_model=ApplicationRead, responses=_CHANGE_ERRORS)
async def applications_move(
    application_id: uuid.UUID,
    body: ApplicationMove,
    principal: Annotated[Principal, require("applications", "move")],
    session: SessionDep,
) -> Response:
    """Move to `applied`, `shortlisted` (the HM's queue), `hm_review` or a plan stage.

    Every move is written to the stage history with who and when. Moving to `shortlisted`
    starts the hiring manager's review clock (`hm_review_due_at`). Rejected, hired and
    withdrawn applications cannot move (409).
    """
    application = await applications.move(
        session, principal, application_id, body.stage, body.reason
    )
    return application_response(application)


@router.post("/{application_id}/reject", response_model=ApplicationRead, responses=_CHANGE_ERRORS)
async def applications_reject(
    application_id: uuid.UUID,
    body: ApplicationReject,
    principal: Annotated[Principal, require("applications", "close")],
    session: SessionDep,
) -> Response:
    """Reject, with a reason code and an optional note."""
    application = await applications.close(
        session,
        principal,
        application_id,
        ApplicationStatus.REJECTED,
        reason_code=body.reason_code,
        note=body.note,
    )
    return application_response(application)


@router.post("/{application_id}/withdraw", response_model=ApplicationRead, responses=_CHANGE_ERRORS)
async def applications_withdraw(
    application_id: uuid.UUID,
    principal: Annotated[Principal, require("applications", "close")],
    session: SessionDep,
    body: ApplicationWithdraw | None = None,
) -> Response:
    """The candidate withdrew."""
    application = await applications.close(
        session,
        principal,
        application_id,
        ApplicationStatus.WITHDRAWN,
        note=body.reason if body else None,
    )
    return application_response(application)


@router.post("/{application_id}/hire", response_model=ApplicationRead, responses=_CHANGE_ERRORS)
async def applications_hire(
    application_id: uuid.UUID,
    principal: Annotated[Principal, require("applications", "close")],
    session: SessionDep,
) -> Response:
    """The candidate accepted an offer."""
    application = await applications.close(
        session, principal, application_id, ApplicationStatus.HIRED
    )
    return application_response(application)


@router.post(
    "/{application_id}/hm-review", response_model=ApplicationRead, responses=_CHANGE_ERRORS
)
async def applications_review(
    application_id: uuid.UUID,
    body: HmReviewDecision,
    principal: Annotated[Principal, require("applications", "review")],
    session: SessionDep,
) -> Response:
    """The hiring manager advances a shortlisted candidate to a plan stage, or rejects them."""
    application = await hm_reviews.hm_review(
        session,
        principal,
        application_id,
        decision=body.decision,
        stage=body.stage,
        reason_code=body.reason_code,
        note=body.note,
    )
    return application_response(application)


@me_router.get("/review-queue", response_model=ApplicationList)
async def me_get_review_queue(
    request: Request,
    principal: Annotated[Principal, require("applications", "review_queue")],
    page: PageDep,
) -> Response:
    """Shortlisted candidates waiting for your review, soonest due first (overdue flagged)."""
    runtime = runtime_of(request)
    result = await hm_reviews.review_queue(runtime.db, runtime.cursors, page, principal)
    return page_response(request, ApplicationRead, result)
