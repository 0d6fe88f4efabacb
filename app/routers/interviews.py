"""/api/v1/interviews: scheduling, the panel, completion and calendar invitations."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Request, Response
from pydantic import AwareDatetime

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response, page_response, row_response
from app.deps import IdempotencyDep, PageDep, SessionDep, public_base_url, require, runtime_of
from app.models.interviews import Interview, InterviewStatus
from app.routers.base import api_router
from app.routers.media import text_response
from app.schemas.interviews import (
    InterviewCancel,
    InterviewCreate,
    InterviewList,
    InterviewRead,
    InterviewReschedule,
)
from app.services.interviews import calendars
from app.services.interviews import queries as interview_queries
from app.services.interviews import scheduling as interviews

router = api_router("/interviews", "Interviews")

_CHANGE_ERRORS = problem_openapi_responses(404, 409)


def interview_response(interview: Interview, *, status_code: int = 200) -> Response:
    headers = {"Location": f"/api/v1/interviews/{interview.id}"} if status_code == 201 else None
    return json_response(
        InterviewRead.model_validate(interview_queries.row_of(interview)),
        status_code=status_code,
        version=interview.version,
        headers=headers,
    )


@router.post(
    "", status_code=201, response_model=InterviewRead, responses=problem_openapi_responses(409)
)
async def interviews_create(
    body: InterviewCreate,
    principal: Annotated[Principal, require("interviews", "schedule")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Schedule an interview for a plan stage (or record a past one); opens the evaluations.

    Checks that no one on the panel, nor the candidate, is booked at that time (409), and
    that the lead is qualified for the stage (422 unless `override_reason` is given). Opens
    one evaluation per lead and interviewer, due at the end plus the intake's feedback SLA.
    """
    interview = await interviews.schedule(session, principal, body)
    return interview_response(interview, status_code=201)


@router.get("", response_model=InterviewList)
async def interviews_list(
    request: Request,
    principal: Annotated[Principal, require("interviews", "read")],
    page: PageDep,
    application_id: uuid.UUID | None = None,
    intake_id: uuid.UUID | None = None,
    interviewer_id: uuid.UUID | None = None,
    status: InterviewStatus | None = None,
    starts_after: AwareDatetime | None = None,
    starts_before: AwareDatetime | None = None,
    updated_since: AwareDatetime | None = None,
) -> Response:
    """List the interviews you may see, soonest first, filtered."""
    runtime = runtime_of(request)
    result = await interview_queries.list_interviews(
        runtime.db,
        runtime.cursors,
        page,
        principal,
        application_id=application_id,
        intake_id=intake_id,
        interviewer_id=interviewer_id,
        status=status,
        starts_after=starts_after,
        starts_before=starts_before,
        updated_since=updated_since,
    )
    return page_response(request, InterviewRead, result)


@router.get(
    "/{interview_id}", response_model=InterviewRead, responses=problem_openapi_responses(404)
)
async def interviews_get(
    request: Request,
    interview_id: uuid.UUID,
    principal: Annotated[Principal, require("interviews", "read")],
) -> Response:
    """Get an interview with its panel."""
    values = await interview_queries.get_interview(runtime_of(request).db, principal, interview_id)
    return row_response(InterviewRead, values)


@router.post("/{interview_id}/reschedule", response_model=InterviewRead, responses=_CHANGE_ERRORS)
async def interviews_reschedule(
    interview_id: uuid.UUID,
    body: InterviewReschedule,
    principal: Annotated[Principal, require("interviews", "schedule")],
    session: SessionDep,
) -> Response:
    """Move an interview (and optionally change its place, link or panel)."""
    interview = await interviews.reschedule(session, principal, interview_id, body)
    return interview_response(interview)


@router.post("/{interview_id}/cancel", response_model=InterviewRead, responses=_CHANGE_ERRORS)
async def interviews_cancel(
    interview_id: uuid.UUID,
    body: InterviewCancel,
    principal: Annotated[Principal, require("interviews", "schedule")],
    session: SessionDep,
) -> Response:
    """Cancel an interview, with the reason; its evaluations are no longer due."""
    interview = await interviews.cancel(session, principal, interview_id, body.reason)
    return interview_response(interview)


@router.post("/{interview_id}/complete", response_model=InterviewRead, responses=_CHANGE_ERRORS)
async def interviews_complete(
    interview_id: uuid.UUID,
    principal: Annotated[Principal, require("interviews", "complete")],
    session: SessionDep,
) -> Response:
    """Mark an interview held; trainees' shadowing is counted on their training records.

    Only a scheduled interview that has started can be completed (409 otherwise). Shadow and
    reverse-shadow trainees on the panel get the session counted on their training records.
    """
    interview, _updates = await interviews.complete(session, principal, interview_id)
    return interview_response(interview)


@router.post("/{interview_id}/no-show", response_model=InterviewRead, responses=_CHANGE_ERRORS)
async def interviews_mark_no_show(
    interview_id: uuid.UUID,
    principal: Annotated[Principal, require("interviews", "complete")],
    session: SessionDep,
) -> Response:
    """The candidate did not come; the evaluations are no longer due."""
    interview = await interviews.mark_no_show(session, principal, interview_id)
    return interview_response(interview)


@router.get(
    "/{interview_id}/calendar.ics",
    responses={
        **problem_openapi_responses(404),
        200: text_response("An iCalendar file (RFC 5545).", "text/calendar"),
    },
    response_class=Response,
)
async def interviews_get_calendar(
    request: Request,
    interview_id: uuid.UUID,
    principal: Annotated[Principal, require("interviews", "read")],
    session: SessionDep,
) -> Response:
    """The interview as an iCalendar invitation (same UID across reschedules).

    `text/calendar`: times in the interview's time zone with its VTIMEZONE, the recruiter as
    organizer, the panel as attendees. `SEQUENCE` grows with each reschedule; a cancelled
    interview gives `METHOD:CANCEL`.
    """
    body = await calendars.interview_calendar(
        runtime_of(request).db,
        session,
        principal,
        interview_id,
        public_base_url(request),
    )
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="interview-{interview_id}.ics"'},
    )
