"""/api/v1/insights/interviewers/{user_id}/coaching: one interviewer's coaching over time."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Response
from pydantic import AwareDatetime

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response
from app.deps import SessionDep, require
from app.routers.base import api_router
from app.schemas.transcripts import InterviewerCoachingRead
from app.services.transcripts import coaching_history

router = api_router("/insights/interviewers", "Insights")


@router.get(
    "/{user_id}/coaching",
    response_model=InterviewerCoachingRead,
    responses=problem_openapi_responses(404),
)
async def insights_get_interviewer_coaching(
    user_id: uuid.UUID,
    principal: Annotated[Principal, require("coaching", "read")],
    session: SessionDep,
    since: Annotated[AwareDatetime | None, Query(description="Interviews from then on.")] = None,
    until: Annotated[AwareDatetime | None, Query(description="Interviews before then.")] = None,
) -> Response:
    """An interviewer's coaching report over time.

    Talk share, plan coverage, flagged topics and evaluation timeliness per interview, with
    trends and training stages: yours, or those of your intakes' interviews (admins: all)."""
    report = await coaching_history.interviewer_coaching(
        session, principal, user_id, since=since, until=until
    )
    return json_response(InterviewerCoachingRead.model_validate(report))
