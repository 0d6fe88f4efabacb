"""/api/v1/intakes: the standard kickoff agreement, its lifecycle and revisions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Path, Query, Request, Response
from pydantic import AwareDatetime

from app.core.pagination import PageResult
from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response, page_response, row_response
from app.deps import (
    IdempotencyDep,
    IfMatch,
    OptionalIfMatch,
    PageDep,
    SessionDep,
    require,
    runtime_of,
)
from app.models.intakes import Intake, IntakeStatus
from app.routers.base import api_router
from app.schemas.common import SequenceNumber, SingleLine
from app.schemas.intakes import (
    CancelRequest,
    IntakeCreate,
    IntakeDiff,
    IntakeList,
    IntakeRead,
    IntakeUpdate,
    IntakeUpsert,
    RevisionList,
    RevisionRead,
    RevisionSummary,
    SignOffCreate,
)
from app.services.intakes import editing as intakes
from app.services.intakes import lifecycle as intake_lifecycle
from app.services.intakes import revisions as intake_revisions

router = api_router("/intakes", "Intakes")

ExternalPart = Annotated[SingleLine, Path(min_length=1, max_length=200)]
_CHANGE_ERRORS = problem_openapi_responses(404, 409)


def intake_response(intake: Intake, *, status_code: int = 200) -> Response:
    headers = {"Location": f"/api/v1/intakes/{intake.id}"} if status_code == 201 else None
    return json_response(
        intakes.read_model(intakes.row_of(intake)),
        status_code=status_code,
        version=intake.version,
        headers=headers,
    )


@router.post(
    "", status_code=201, response_model=IntakeRead, responses=problem_openapi_responses(409)
)
async def intakes_create(
    body: IntakeCreate,
    principal: Annotated[Principal, require("intakes", "create")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Create a draft intake.

    The intake starts as a `draft` at revision 1 and can change freely until it is submitted
    for review. A recruiter owns what they create; admins and integrations must name
    `recruiter_id`. `hiring_manager_id` and the team must be active users.
    """
    intake = await intakes.create_intake(session, principal, body)
    return intake_response(intake, status_code=201)


@router.get("", response_model=IntakeList)
async def intakes_list(
    request: Request,
    principal: Annotated[Principal, require("intakes", "list")],
    page: PageDep,
    status: Annotated[
        IntakeStatus | None, Query(description="Only intakes in this status.")
    ] = None,
    recruiter_id: uuid.UUID | None = None,
    hiring_manager_id: uuid.UUID | None = None,
    updated_since: Annotated[
        AwareDatetime | None, Query(description="Changed at or after this time, by change.")
    ] = None,
    q: Annotated[
        SingleLine | None, Query(min_length=1, max_length=100, description="Title contains.")
    ] = None,
) -> Response:
    """List the intakes you can see (admins and integrations: all; others: their teams').

    Filters combine; `q` matches the title. With `updated_since` the page order is by change
    time, for syncing. Each item carries the team, the current revision's sign-offs and the
    computed deadlines.
    """
    runtime = runtime_of(request)
    result = await intakes.list_intakes(
        runtime.db,
        runtime.cursors,
        page,
        principal,
        status=status,
        recruiter_id=recruiter_id,
        hiring_manager_id=hiring_manager_id,
        updated_since=updated_since,
        q=q,
    )
    return page_response(request, IntakeRead, result)


@router.get("/{intake_id}", response_model=IntakeRead, responses=problem_openapi_responses(404))
async def intakes_get(
    request: Request,
    intake_id: uuid.UUID,
    principal: Annotated[Principal, require("intakes", "get")],
) -> Response:
    """Get an intake with its team, sign-offs and deadlines.

    `sign_offs` are those of the current revision; each deadline's status (`due_soon`,
    `overdue`, ...) is computed at read time. Users outside the intake's team get 404.
    """
    return row_response(
        IntakeRead, await intakes.get_intake(runtime_of(request).db, principal, intake_id)
    )


@router.patch(
    "/{intake_id}",
    response_model=IntakeRead,
    responses=problem_openapi_responses(404, 409, 412, 428),
)
async def intakes_update(
    intake_id: uuid.UUID,
    body: IntakeUpdate,
    if_match: IfMatch,
    principal: Annotated[Principal, require("intakes", "update")],
    session: SessionDep,
) -> Response:
    """Change an intake (If-Match); from review on, each change is a new revision.

    The owning recruiter (and admins and integrations) may change every field; the intake's
    hiring manager only the requirements and answers (403 naming the other fields). Drafts
    change in place; from review on, a change that changes something writes a new revision,
    and a material change (requirements, pay, level, headcount, plan, deadlines, SLAs, the
    recruiter or HM) needs both sign-offs again.
    """
    intake = await intakes.update_intake(session, principal, intake_id, if_match, body)
    return intake_response(intake)


@router.put(
    "/by-external-id/{source}/{external_id}",
    response_model=IntakeRead,
    responses={**problem_openapi_responses(404, 409, 412), 201: {"model": IntakeRead}},
)
async def intakes_upsert_by_external_id(
    source: ExternalPart,
    external_id: ExternalPart,
    body: IntakeUpsert,
    if_match: OptionalIfMatch,
    principal: Annotated[Principal, require("intakes", "upsert")],
    session: SessionDep,
) -> Response:
    """Create or replace the intake an ATS id names (201 created, 200 updated).

    For ATS syncs: the `(source, external_id)` pair names the intake, and sending the same
    body again changes nothing, so a retry after a timeout is safe. Without `If-Match` the
    write is blind; with it, a stale ETag is a 412.
    """
    intake, created = await intakes.upsert_intake(
        session, principal, source, external_id, if_match, body
    )
    return intake_response(intake, status_code=201 if created else 200)


@router.post("/{intake_id}/submit-for-review", response_model=IntakeRead, responses=_CHANGE_ERRORS)
async def intakes_submit_for_review(
    intake_id: uuid.UUID,
    principal: Annotated[Principal, require("intakes", "submit_for_review")],
    session: SessionDep,
) -> Response:
    """Send a draft for sign-off (the required intake questions must be answered).

    Moves `draft` to `in_review` and records revision 1's snapshot; from then on changes
    make new revisions. A 409 names the current status when the intake is not a draft; a 422
    lists the unanswered required questions.
    """
    return intake_response(await intake_lifecycle.submit_for_review(session, principal, intake_id))


@router.post("/{intake_id}/sign-off", response_model=IntakeRead, responses=_CHANGE_ERRORS)
async def intakes_sign_off(
    intake_id: uuid.UUID,
    body: SignOffCreate,
    principal: Annotated[Principal, require("intakes", "sign_off")],
    session: SessionDep,
) -> Response:
    """Sign the current revision as its recruiter or hiring manager; both signed: agreed.

    The body names the revision being signed, so nobody signs a version they have not seen:
    another revision is a 409 naming `current_revision`. When recruiter and hiring manager
    have both signed the current revision, the intake is `agreed` and its interview plan is
    locked.
    """
    intake = await intake_lifecycle.sign_off(session, principal, intake_id, body.revision)
    return intake_response(intake)


def _status_route(action: str, summary: str) -> None:
    async def change_status(
        intake_id: uuid.UUID,
        principal: Annotated[Principal, require("intakes", "change_status")],
        session: SessionDep,
    ) -> Response:
        intake = await intake_lifecycle.transition(session, principal, intake_id, action)
        return intake_response(intake)

    change_status.__name__ = f"intakes_{action}"
    change_status.__doc__ = summary
    router.add_api_route(
        f"/{{intake_id}}/{action.replace('_', '-')}",
        change_status,
        methods=["POST"],
        response_model=IntakeRead,
        responses=_CHANGE_ERRORS,
        name=f"intakes_{action}",
    )


_status_route(
    "open",
    """Open an agreed intake for candidates (or reopen one on hold).

    From `agreed` or `on_hold` to `open`: applications can be added. Any other status is a
    409 that names it and the statuses allowed from.""",
)
_status_route("put_on_hold", "Pause an open intake.")
_status_route("mark_filled", "Mark the opening filled.")


@router.post("/{intake_id}/cancel", response_model=IntakeRead, responses=_CHANGE_ERRORS)
async def intakes_cancel(
    intake_id: uuid.UUID,
    principal: Annotated[Principal, require("intakes", "change_status")],
    session: SessionDep,
    body: CancelRequest | None = None,
) -> Response:
    """Cancel the opening, with a reason."""
    intake = await intake_lifecycle.transition(
        session, principal, intake_id, "cancel", reason=body.reason if body else None
    )
    return intake_response(intake)


@router.get("/{intake_id}/revisions", response_model=RevisionList)
async def intakes_list_revisions(
    request: Request,
    intake_id: uuid.UUID,
    principal: Annotated[Principal, require("intakes", "read_revisions")],
    page: PageDep,
) -> Response:
    """The intake's revisions, oldest first, with who changed which fields."""
    runtime = runtime_of(request)
    result = await intake_revisions.list_revisions(
        runtime.db, runtime.cursors, page, principal, intake_id
    )
    summaries = PageResult(
        [intake_revisions.summary(dict(r)) for r in result.rows], result.next_cursor
    )
    return page_response(request, RevisionSummary, summaries)


@router.get(
    "/{intake_id}/revisions/{revision}",
    response_model=RevisionRead,
    responses=problem_openapi_responses(404),
)
async def intakes_get_revision(
    request: Request,
    intake_id: uuid.UUID,
    revision: Annotated[SequenceNumber, Path()],
    principal: Annotated[Principal, require("intakes", "read_revisions")],
) -> Response:
    """One revision: the whole intake as it stood, and what changed."""
    read = await intake_revisions.get_revision(
        runtime_of(request).db, principal, intake_id, revision
    )
    return json_response(read)


@router.get(
    "/{intake_id}/diff", response_model=IntakeDiff, responses=problem_openapi_responses(404)
)
async def intakes_diff(
    request: Request,
    intake_id: uuid.UUID,
    principal: Annotated[Principal, require("intakes", "read_revisions")],
    from_revision: Annotated[SequenceNumber, Query(alias="from")],
    to_revision: Annotated[SequenceNumber, Query(alias="to")],
) -> Response:
    """Field-by-field differences between two revisions.

    Compares the snapshots of any two revisions; each change names the field with its value
    before and after.
    """
    diff = await intake_revisions.diff_revisions(
        runtime_of(request).db, principal, intake_id, from_revision, to_revision
    )
    return json_response(diff)
