"""/api/v1/auth: sign in, refresh, sign out."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from app.core.context import client_address_var
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response
from app.deps import CurrentPrincipal, RuntimeDep, SessionDep
from app.routers.base import api_router
from app.schemas.auth import RefreshRequest, TokenPair
from app.services.identity import sessions

router = api_router("/auth", "Authentication", authenticated=False)

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


@router.post("/token", response_model=TokenPair, responses=problem_openapi_responses(401))
async def auth_token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    """Sign in with e-mail (`username`) and password; returns access and refresh tokens.

    OAuth2 password flow (a form body). The access token lasts minutes, the refresh token
    days (`TANDEM_ACCESS_TOKEN_MINUTES`, `TANDEM_REFRESH_TOKEN_DAYS`); failed attempts are
    limited per account and address (429 with `Retry-After`).
    """
    pair = await sessions.login(
        session,
        runtime,
        email=form.username,
        password=form.password,
        client_address=client_address_var.get() or "unknown",
        user_agent=request.headers.get("user-agent"),
    )
    return json_response(pair, headers=_NO_STORE)


@router.post("/refresh", response_model=TokenPair, responses=problem_openapi_responses(401))
async def auth_refresh(body: RefreshRequest, session: SessionDep, runtime: RuntimeDep) -> Response:
    """Trade a refresh token for a new pair; the old one stops working, and reusing it ends the
    session."""
    pair = await sessions.refresh(session, runtime, body.refresh_token)
    return json_response(pair, headers=_NO_STORE)


@router.post(
    "/logout",
    status_code=204,
    response_class=Response,
    responses=problem_openapi_responses(401),
)
async def auth_logout(
    principal: CurrentPrincipal, session: SessionDep, runtime: RuntimeDep
) -> Response:
    """Sign out: the session's refresh and access tokens stop working."""
    await sessions.logout(session, runtime, principal)
    return Response(status_code=204)
