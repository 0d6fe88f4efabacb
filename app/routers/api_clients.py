"""/api/v1/api-clients: integration keys (admins only)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response, page_response
from app.deps import IdempotencyDep, IfMatch, PageDep, RuntimeDep, SessionDep, require, runtime_of
from app.routers.base import api_router
from app.schemas.api_clients import (
    ApiClientCreate,
    ApiClientCreated,
    ApiClientList,
    ApiClientRead,
    ApiClientUpdate,
)
from app.services.identity import api_clients

router = api_router("/api-clients", "API clients")


@router.post("", status_code=201, response_model=ApiClientCreated)
async def api_clients_create(
    body: ApiClientCreate,
    principal: Annotated[Principal, require("api_clients", "create")],
    session: SessionDep,
    _claim: IdempotencyDep,
) -> Response:
    """Create an integration key; the key is in this response only."""
    client, key = await api_clients.create_api_client(session, principal, body)
    created = ApiClientCreated.model_validate(
        {**ApiClientRead.model_validate(client).model_dump(), "key": key}
    )
    return json_response(
        created,
        status_code=201,
        version=client.version,
        headers={"Location": f"/api/v1/api-clients/{client.id}", "Cache-Control": "no-store"},
    )


@router.get("", response_model=ApiClientList)
async def api_clients_list(
    request: Request,
    _principal: Annotated[Principal, require("api_clients", "list")],
    page: PageDep,
    revoked: Annotated[bool | None, Query(description="Only revoked or only live keys.")] = None,
) -> Response:
    """List integration keys."""
    runtime = runtime_of(request)
    result = await api_clients.list_api_clients(runtime.db, runtime.cursors, page, revoked=revoked)
    return page_response(request, ApiClientRead, result)


@router.get(
    "/{api_client_id}", response_model=ApiClientRead, responses=problem_openapi_responses(404)
)
async def api_clients_get(
    api_client_id: uuid.UUID,
    _principal: Annotated[Principal, require("api_clients", "get")],
    session: SessionDep,
) -> Response:
    """Get an integration key's metadata."""
    client = await api_clients.get_api_client(session, api_client_id)
    return json_response(ApiClientRead.model_validate(client), version=client.version)


@router.patch(
    "/{api_client_id}",
    response_model=ApiClientRead,
    responses=problem_openapi_responses(404, 412, 428),
)
async def api_clients_update(
    api_client_id: uuid.UUID,
    body: ApiClientUpdate,
    if_match: IfMatch,
    _principal: Annotated[Principal, require("api_clients", "update")],
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    """Rename a key or change its scopes (needs If-Match)."""
    client = await api_clients.update_api_client(session, runtime, api_client_id, if_match, body)
    return json_response(ApiClientRead.model_validate(client), version=client.version)


@router.post(
    "/{api_client_id}/revoke",
    response_model=ApiClientRead,
    responses=problem_openapi_responses(404),
)
async def api_clients_revoke(
    api_client_id: uuid.UUID,
    _principal: Annotated[Principal, require("api_clients", "revoke")],
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    """Revoke a key; requests with it fail from now on."""
    client = await api_clients.revoke_api_client(session, runtime, api_client_id)
    return json_response(ApiClientRead.model_validate(client), version=client.version)
