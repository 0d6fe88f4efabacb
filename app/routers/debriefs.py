"""/api/v1/applications/{application_id}/debrief and /decide: the panel's evidence together, and
the decision that follows it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Response

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response
from app.deps import IdempotencyDep, IfMatch, SessionDep, require
from app.routers.base import api_router
from app.schemas.evaluations import DebriefRead, DecisionCreate, DecisionRead
from app.services.interviews import debriefs, decisions

router = api_router("/applications", "Debriefs")


@router.get(
    "/{application_id}/debrief",
    response_model=DebriefRead,
    responses=problem_openapi_responses(404),
)
async def applications_get_debrief(
    application_id: uuid.UUID,
    principal: Annotated[Principal, require("applications", "debrief")],
    session: SessionDep,
) -> Response:
    """The debrief: ratings per competency, recommendations, disagreements, missing and late
    evaluations, decisions.

    The intake's hiring manager, recruiter and coordinators see it at any time; an
    interviewer on the panel only after submitting their own evaluation (403 before).
    Only leads' and interviewers' submitted evaluations count; cancelled interviews are left
    out. `missing` lists unsubmitted evaluations of interviews that have ended.
    """
    debrief = await debriefs.get_debrief(session, principal, application_id)
    return json_response(DebriefRead.model_validate(debrief))


@router.post(
    "/{application_id}/decide",
    status_code=201,
    response_model=DecisionRead,
    responses=problem_openapi_responses(404, 409, 412, 428),
)
async def applications_decide(
    application_id: uuid.UUID,
    body: DecisionCreate,
    if_match: IfMatch,
    principal: Annotated[Principal, require("applications", "decide")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Decide after the debrief: advance, reject or hire, with the rationale.

    The application moves to match: `advance` to `stage` or the plan's next stage, `reject`
    with `reason_code` (default `not_qualified`), `hire`. Decided by the intake's hiring
    manager, recruiter or coordinators. The decision names the stage it is about
    (`from_stage`) or sends `If-Match` with the application's ETag: once the application has
    moved on, a second decision on that stage is a 409 (412 with a stale ETag).
    """
    decision = await decisions.decide(session, principal, application_id, body, if_match)
    return json_response(DecisionRead.model_validate(decision), status_code=201)
