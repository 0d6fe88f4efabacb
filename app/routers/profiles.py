"""/api/v1/users/{user_id}/hm-profile: the candidate-facing background of a person."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Request, Response

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response
from app.deps import IfMatch, SessionDep, require, runtime_of
from app.routers.base import api_router
from app.schemas.profiles import HmProfileRead, HmProfileUpdate
from app.services.identity import profiles

router = api_router("/users", "Users")


@router.get(
    "/{user_id}/hm-profile", response_model=HmProfileRead, responses=problem_openapi_responses(404)
)
async def hm_profiles_get(
    request: Request,
    user_id: uuid.UUID,
    principal: Annotated[Principal, require("hm_profiles", "get")],
) -> Response:
    """A person's profile as candidates will see it (internal notes only for owner and staff)."""
    profile, version = await profiles.get_profile(runtime_of(request).db, principal, user_id)
    return json_response(profile, version=version)


@router.put(
    "/{user_id}/hm-profile",
    response_model=HmProfileRead,
    responses=problem_openapi_responses(404, 412, 428),
)
async def hm_profiles_update(
    user_id: uuid.UUID,
    body: HmProfileUpdate,
    if_match: IfMatch,
    principal: Annotated[Principal, require("hm_profiles", "update")],
    session: SessionDep,
) -> Response:
    """Replace a profile (the owner, recruiters, admins; If-Match, `"0"` before the first write)."""
    profile, version = await profiles.put_profile(session, principal, user_id, if_match, body)
    return json_response(profile, version=version)
