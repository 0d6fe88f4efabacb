"""/api/v1/applications: the pipeline, HM reviews, briefings and their public links."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Query, Request, Response
from pydantic import AwareDatetime

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response, page_response, row_response
from app.deps import (
    IdempotencyDep,
    PageDep,
    RuntimeDep,
    SealedIdempotencyDep,
    SessionDep,
    public_base_url,
    require,
    runtime_of,
)
from app.models.candidates import Application, ApplicationStatus
from app.routers.base import api_router
from app.routers.media import text_response
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
from app.schemas.briefings import (
    BriefingLinkCreate,
    BriefingLinkCreated,
    BriefingLinkRead,
    BriefingRead,
)
from app.services.pipeline import application_queries, applications, briefings, hm_reviews

router = api_router("/applications", "Applications")
me_router = api_router("/me", "Applications")

_CHANGE_ERRORS = problem_openapi_responses(404, 409)
BRIEFING_MEDIA = {"application/json": "json", "text/markdown": "markdown", "text/html": "html"}


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


@router.get(
    "/{application_id}/briefing",
    response_model=BriefingRead,
    responses={
        **problem_openapi_responses(404),
        200: text_response(
            "The briefing as JSON, Markdown or HTML (`Accept` or `format`).",
            "text/markdown",
            "text/html",
        ),
    },
)
async def applications_get_briefing(
    request: Request,
    application_id: uuid.UUID,
    principal: Annotated[Principal, require("applications", "read")],
    session: SessionDep,
    stage: Annotated[str | None, Query(max_length=64, description="A plan stage id.")] = None,
    format: Annotated[
        Literal["json", "markdown", "html"] | None,
        Query(description="Overrides `Accept` (application/json, text/markdown, text/html)."),
    ] = None,
) -> Response:
    """The candidate's prep pack for a stage: the hiring manager, the role, the stage, how to
    prepare, logistics.

    Only candidate-facing data: the organisation, the hiring manager's public profile, the
    role's selling points, the stage's format and competencies, the booked interview's time
    and panel, and the steps of the process. JSON by default; Markdown or HTML by `format`
    or `Accept`.
    """
    briefing = await briefings.briefing_for(session, principal, application_id, stage)
    chosen: str = format or next(
        (f for media, f in BRIEFING_MEDIA.items() if media in request.headers.get("accept", "")),
        "json",
    )
    if chosen == "json":
        return json_response(BriefingRead.model_validate(briefing))
    media = "text/markdown; charset=utf-8" if chosen == "markdown" else "text/html; charset=utf-8"
    return Response(briefings.render(briefing, chosen), media_type=media)


BRIEFING_TEXT = {"markdown": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}
StageQuery = Annotated[str | None, Query(max_length=64, description="A plan stage id.")]


@router.get(
    "/{application_id}/briefing.md",
    response_class=Response,
    responses={
        **problem_openapi_responses(404),
        200: text_response("The briefing as Markdown.", "text/markdown"),
    },
)
async def applications_get_briefing_markdown(
    application_id: uuid.UUID,
    principal: Annotated[Principal, require("applications", "read")],
    session: SessionDep,
    stage: StageQuery = None,
) -> Response:
    """The candidate's prep pack for a stage, as Markdown.

    The same briefing as `applications_get_briefing` with `format=markdown`, as an operation
    of its own so that generated clients read it as text."""
    briefing = await briefings.briefing_for(session, principal, application_id, stage)
    return Response(briefings.render(briefing, "markdown"), media_type=BRIEFING_TEXT["markdown"])


@router.get(
    "/{application_id}/briefing.html",
    response_class=Response,
    responses={
        **problem_openapi_responses(404),
        200: text_response("The briefing as HTML.", "text/html"),
    },
)
async def applications_get_briefing_html(
    application_id: uuid.UUID,
    principal: Annotated[Principal, require("applications", "read")],
    session: SessionDep,
    stage: StageQuery = None,
) -> Response:
    """The candidate's prep pack for a stage, as HTML.

    The same briefing as `applications_get_briefing` with `format=html`, as an operation of
    its own so that generated clients read it as text."""
    briefing = await briefings.briefing_for(session, principal, application_id, stage)
    return Response(briefings.render(briefing, "html"), media_type=BRIEFING_TEXT["html"])


@router.post(
    "/{application_id}/briefing/share",
    status_code=201,
    response_model=BriefingLinkCreated,
    responses=problem_openapi_responses(404),
)
async def applications_share_briefing(
    request: Request,
    application_id: uuid.UUID,
    principal: Annotated[Principal, require("applications", "share_briefing")],
    session: SessionDep,
    runtime: RuntimeDep,
    _claim: SealedIdempotencyDep,
    body: BriefingLinkCreate | None = None,
) -> Response:
    """Create a public, expiring link to the briefing for the candidate (shown once).

    The link is shown only in this response (`url`); only a hash of its token is stored. It
    expires after `expires_in_days` and can be revoked; views are counted. With
    `Idempotency-Key`, a retry answers the same link (stored encrypted, since it holds the
    link's token) instead of creating another.
    """
    options = body or BriefingLinkCreate()
    link, token = await briefings.share(
        session,
        principal,
        application_id,
        secret=runtime.settings.resolved_secret_key,
        stage_id=options.stage_id,
        expires_in_days=options.expires_in_days,
    )
    base = public_base_url(request)
    created = BriefingLinkCreated.model_validate(
        {**BriefingLinkRead.model_validate(link).model_dump(), "url": f"{base}/p/{token}"}
    )
    return json_response(created, status_code=201, headers={"Cache-Control": "no-store"})


@router.get("/{application_id}/briefing/links", response_model=list[BriefingLinkRead])
async def applications_list_briefing_links(
    application_id: uuid.UUID,
    principal: Annotated[Principal, require("applications", "share_briefing")],
    session: SessionDep,
) -> Response:
    """The briefing's public links, with their views."""
    links = await briefings.list_links(session, principal, application_id)
    body = (
        b"["
        + b",".join(
            BriefingLinkRead.model_validate(link).model_dump_json().encode() for link in links
        )
        + b"]"
    )
    return Response(body, media_type="application/json")


@router.post(
    "/{application_id}/briefing/links/{link_id}/revoke",
    response_model=BriefingLinkRead,
    responses=problem_openapi_responses(404),
)
async def applications_revoke_briefing_link(
    application_id: uuid.UUID,
    link_id: uuid.UUID,
    principal: Annotated[Principal, require("applications", "share_briefing")],
    session: SessionDep,
) -> Response:
    """Stop a public link working."""
    link = await briefings.revoke(session, principal, application_id, link_id)
    return json_response(BriefingLinkRead.model_validate(link))


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
