"""/api/v1/organisation: the company's name, logo and careers contact shown to candidates."""

from __future__ import annotations

from typing import Annotated

from fastapi import Response

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response
from app.deps import IfMatch, SessionDep, require
from app.routers.base import api_router
from app.schemas.organisation import OrganisationRead, OrganisationUpdate
from app.services.organisation import profile

router = api_router("/organisation", "Organisation")


@router.get("", response_model=OrganisationRead)
async def organisation_get(
    _principal: Annotated[Principal, require("organisation", "get")], session: SessionDep
) -> Response:
    """The organisation's profile, as candidate briefings show it (empty until first set)."""
    read, version = await profile.get_profile(session)
    return json_response(read, version=version)


@router.put(
    "",
    response_model=OrganisationRead,
    responses=problem_openapi_responses(412, 428),
)
async def organisation_update(
    body: OrganisationUpdate,
    if_match: IfMatch,
    _principal: Annotated[Principal, require("organisation", "update")],
    session: SessionDep,
) -> Response:
    """Replace the organisation's profile (admins; If-Match, `"0"` before the first write)."""
    read, version = await profile.put_profile(session, if_match, body)
    return json_response(read, version=version)
