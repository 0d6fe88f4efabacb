"""/api/v1/intake-questions: the standard intake's questions (admins maintain them)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response, page_response
from app.deps import IdempotencyDep, IfMatch, PageDep, SessionDep, require, runtime_of
from app.routers.base import api_router
from app.schemas.intake_questions import (
    IntakeQuestionCreate,
    IntakeQuestionList,
    IntakeQuestionRead,
    IntakeQuestionUpdate,
)
from app.services.intakes import questions as intake_questions

router = api_router("/intake-questions", "Intakes")


@router.get("", response_model=IntakeQuestionList)
async def intake_questions_list(
    request: Request,
    _principal: Annotated[Principal, require("intake_questions", "list")],
    page: PageDep,
    active: Annotated[bool | None, Query(description="Only active or retired questions.")] = None,
) -> Response:
    """The standard intake's questions, in order."""
    runtime = runtime_of(request)
    result = await intake_questions.list_questions(runtime.db, runtime.cursors, page, active=active)
    return page_response(request, IntakeQuestionRead, result)


@router.post("", status_code=201, response_model=IntakeQuestionRead)
async def intake_questions_create(
    body: IntakeQuestionCreate,
    _principal: Annotated[Principal, require("intake_questions", "manage")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Add a question to the standard intake (admins)."""
    question = await intake_questions.create_question(session, body)
    return json_response(
        IntakeQuestionRead.model_validate(question),
        status_code=201,
        version=question.version,
        headers={"Location": f"/api/v1/intake-questions/{question.id}"},
    )


@router.patch(
    "/{question_id}",
    response_model=IntakeQuestionRead,
    responses=problem_openapi_responses(404, 412, 428),
)
async def intake_questions_update(
    question_id: uuid.UUID,
    body: IntakeQuestionUpdate,
    if_match: IfMatch,
    _principal: Annotated[Principal, require("intake_questions", "manage")],
    session: SessionDep,
) -> Response:
    """Change or retire a question (admins; If-Match)."""
    question = await intake_questions.update_question(session, question_id, if_match, body)
    return json_response(IntakeQuestionRead.model_validate(question), version=question.version)
