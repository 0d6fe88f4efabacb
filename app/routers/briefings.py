"""/api/v1/applications/{application_id}/briefing: the candidate's prep pack in JSON, Markdown
or HTML, and the public, expiring links that share it."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Query, Request, Response

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response
from app.deps import RuntimeDep, SealedIdempotencyDep, SessionDep, public_base_url, require
from app.routers.base import api_router
from app.routers.media import text_response
from app.schemas.briefings import (
    BriefingLinkCreate,
    BriefingLinkCreated,
    BriefingLinkRead,
    BriefingRead,
)
from app.services.pipeline import briefings

router = api_router("/applications", "Applications")

BRIEFING_MEDIA = {"application/json": "json", "text/markdown": "markdown", "text/html": "html"}
BRIEFING_TEXT = {"markdown": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}
StageQuery = Annotated[str | None, Query(max_length=64, description="A plan stage id.")]


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
    stage: StageQuery = None,
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
    return Response(briefings.render(briefing, chosen), media_type=BRIEFING_TEXT[chosen])


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
