"""/api/v1/intakes/{intake_id}/comments: the recruiter and hiring manager's running thread."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Request, Response

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response, page_response
from app.deps import IdempotencyDep, IfMatch, PageDep, SessionDep, require, runtime_of
from app.routers.base import api_router
from app.schemas.intake_comments import (
    IntakeCommentCreate,
    IntakeCommentList,
    IntakeCommentRead,
    IntakeCommentUpdate,
)
from app.services.intakes import comments as intake_comments

router = api_router("/intakes", "Intakes")


@router.get(
    "/{intake_id}/comments",
    response_model=IntakeCommentList,
    responses=problem_openapi_responses(404),
)
async def intake_comments_list(
    request: Request,
    intake_id: uuid.UUID,
    principal: Annotated[Principal, require("intake_comments", "list")],
    page: PageDep,
) -> Response:
    """The intake's discussion, oldest first."""
    runtime = runtime_of(request)
    result = await intake_comments.list_comments(
        runtime.db, runtime.cursors, page, principal, intake_id
    )
    return page_response(request, IntakeCommentRead, result)


@router.post(
    "/{intake_id}/comments",
    status_code=201,
    response_model=IntakeCommentRead,
    responses=problem_openapi_responses(404),
)
async def intake_comments_create(
    intake_id: uuid.UUID,
    body: IntakeCommentCreate,
    principal: Annotated[Principal, require("intake_comments", "create")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Post a comment, mentioning team members to notify them."""
    comment = await intake_comments.add_comment(session, principal, intake_id, body)
    return json_response(
        IntakeCommentRead.model_validate(comment),
        status_code=201,
        version=comment.version,
        headers={"Location": f"/api/v1/intakes/{intake_id}/comments/{comment.id}"},
    )


@router.patch(
    "/{intake_id}/comments/{comment_id}",
    response_model=IntakeCommentRead,
    responses=problem_openapi_responses(404, 409, 412, 428),
)
async def intake_comments_update(
    intake_id: uuid.UUID,
    comment_id: uuid.UUID,
    body: IntakeCommentUpdate,
    if_match: IfMatch,
    principal: Annotated[Principal, require("intake_comments", "update")],
    session: SessionDep,
) -> Response:
    """Edit your comment within 15 minutes of posting it (If-Match)."""
    comment = await intake_comments.edit_comment(
        session, principal, intake_id, comment_id, if_match, body
    )
    return json_response(IntakeCommentRead.model_validate(comment), version=comment.version)


@router.delete(
    "/{intake_id}/comments/{comment_id}",
    status_code=204,
    response_class=Response,
    responses=problem_openapi_responses(404),
)
async def intake_comments_delete(
    intake_id: uuid.UUID,
    comment_id: uuid.UUID,
    principal: Annotated[Principal, require("intake_comments", "delete")],
    session: SessionDep,
) -> Response:
    """Delete a comment (the author, the intake's recruiter, or an admin); it stays as a stub."""
    await intake_comments.delete_comment(session, principal, intake_id, comment_id)
    return Response(status_code=204)
