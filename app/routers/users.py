"""/api/v1/users and /api/v1/me."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response
from pydantic import AwareDatetime

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response, page_response, row_response
from app.core.roles import Role
from app.deps import IdempotencyDep, IfMatch, PageDep, RuntimeDep, SessionDep, require, runtime_of
from app.routers.base import api_router
from app.schemas.users import PasswordChange, UserCreate, UserList, UserRead, UserUpdate
from app.services.identity import users

router = api_router("/users", "Users")
me_router = api_router("/me", "Users")


@router.post(
    "",
    status_code=201,
    response_model=UserRead,
    responses=problem_openapi_responses(409),
)
async def users_create(
    body: UserCreate,
    _principal: Annotated[Principal, require("users", "create")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Create a user (admins).

    With `password` the user signs in with it (at least 12 characters, not a common one);
    without, only through the identity provider. The e-mail is unique (409). Retry safely
    with `Idempotency-Key`.
    """
    user = await users.create_user(session, body)
    return json_response(
        UserRead.model_validate(user),
        status_code=201,
        version=user.version,
        headers={"Location": f"/api/v1/users/{user.id}"},
    )


@router.get("", response_model=UserList)
async def users_list(
    request: Request,
    _principal: Annotated[Principal, require("users", "list")],
    page: PageDep,
    role: Annotated[Role | None, Query(description="Only users with this role.")] = None,
    is_active: Annotated[bool | None, Query(description="Only active or inactive users.")] = None,
    updated_since: Annotated[
        AwareDatetime | None,
        Query(description="Only users changed at or after this time, ordered by change."),
    ] = None,
) -> Response:
    """List users (admins and recruiters).

    Ordered by id (creation order); with `updated_since` by change time, so an integration
    can sync by remembering the last `updated_at` it saw. `is_active` keeps only active or
    only deactivated users.
    """
    runtime = runtime_of(request)
    result = await users.list_users(
        runtime.db,
        runtime.cursors,
        page,
        role=role,
        is_active=is_active,
        updated_since=updated_since,
    )
    return page_response(request, UserRead, result)


@router.get("/{user_id}", response_model=UserRead, responses=problem_openapi_responses(404))
async def users_get(
    request: Request,
    user_id: uuid.UUID,
    principal: Annotated[Principal, require("users", "get")],
) -> Response:
    """Get a user (staff see everyone, others only themselves)."""
    row = await users.get_user(runtime_of(request).db, principal, user_id)
    return row_response(UserRead, row)


@router.patch(
    "/{user_id}",
    response_model=UserRead,
    responses=problem_openapi_responses(404, 412, 428),
)
async def users_update(
    user_id: uuid.UUID,
    body: UserUpdate,
    if_match: IfMatch,
    _principal: Annotated[Principal, require("users", "update")],
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    """Update a user's name, role or time zone (admins; needs If-Match).

    A partial update: only the fields sent change. A role change ends the user's cached
    sign-ins on this replica at once (others follow within seconds).
    """
    user = await users.update_user(session, runtime, user_id, if_match, body)
    return json_response(UserRead.model_validate(user), version=user.version)


@router.post(
    "/{user_id}/deactivate",
    response_model=UserRead,
    responses=problem_openapi_responses(404, 409),
)
async def users_deactivate(
    user_id: uuid.UUID,
    principal: Annotated[Principal, require("users", "deactivate")],
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    """Deactivate a user: they can no longer sign in and their sessions end at once."""
    user = await users.set_active(session, runtime, principal, user_id, active=False)
    return json_response(UserRead.model_validate(user), version=user.version)


@router.post(
    "/{user_id}/reactivate",
    response_model=UserRead,
    responses=problem_openapi_responses(404),
)
async def users_reactivate(
    user_id: uuid.UUID,
    principal: Annotated[Principal, require("users", "deactivate")],
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    """Reactivate a deactivated user."""
    user = await users.set_active(session, runtime, principal, user_id, active=True)
    return json_response(UserRead.model_validate(user), version=user.version)


@me_router.get("", response_model=UserRead)
async def me_get(
    request: Request,
    principal: Annotated[Principal, require("me", "get")],
) -> Response:
    """The signed-in user (or the user an integration acts for)."""
    return row_response(UserRead, await users.get_me(runtime_of(request).db, principal))


@me_router.post("/password", status_code=204, response_class=Response)
async def me_change_password(
    body: PasswordChange,
    principal: Annotated[Principal, require("me", "change_password")],
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    """Change your password; your other sessions end."""
    await users.change_password(session, runtime, principal, body)
    return Response(status_code=204)
