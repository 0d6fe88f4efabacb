"""/api/v1/webhooks: subscriptions, their secrets, the delivery log and recovery."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query, Request, Response

from app.core.principal import Principal
from app.core.problems import problem_openapi_responses
from app.core.responses import json_response, page_response
from app.deps import IdempotencyDep, IfMatch, PageDep, RuntimeDep, SessionDep, require, runtime_of
from app.models.webhooks import DeliveryStatus, WebhookSubscription
from app.routers.base import api_router
from app.schemas.webhooks import (
    DeliveryList,
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookList,
    WebhookRead,
    WebhookReplay,
    WebhookReplayed,
    WebhookRotate,
    WebhookSecret,
    WebhookUpdate,
)
from app.services.events import recovery, subscriptions

router = api_router("/webhooks", "Webhooks")
Manager = Annotated[Principal, require("webhooks", "manage")]
NO_STORE = {"Cache-Control": "no-store"}


def _read(subscription: WebhookSubscription) -> Response:
    return json_response(WebhookRead.model_validate(subscription), version=subscription.version)


@router.post("", status_code=201, response_model=WebhookCreated)
async def webhooks_create(
    body: WebhookCreate,
    principal: Manager,
    session: SessionDep,
    runtime: RuntimeDep,
    _claim: IdempotencyDep,
) -> Response:
    """Subscribe a URL to event types; the signing secret is in this response only."""
    subscription, secret = await subscriptions.create(session, runtime.settings, principal, body)
    created = WebhookCreated.model_validate(
        {**WebhookRead.model_validate(subscription).model_dump(), "secret": secret}
    )
    return json_response(
        created,
        status_code=201,
        version=subscription.version,
        headers={"Location": f"/api/v1/webhooks/{subscription.id}", **NO_STORE},
    )


@router.get("", response_model=WebhookList)
async def webhooks_list(request: Request, principal: Manager, page: PageDep) -> Response:
    """List the subscriptions you manage."""
    runtime = runtime_of(request)
    result = await subscriptions.list_page(runtime.db, runtime.cursors, principal, page)
    return page_response(request, WebhookRead, result)


@router.get("/{webhook_id}", response_model=WebhookRead, responses=problem_openapi_responses(404))
async def webhooks_get(webhook_id: uuid.UUID, principal: Manager, session: SessionDep) -> Response:
    """Get a subscription."""
    return _read(await subscriptions.get(session, principal, webhook_id))


@router.patch(
    "/{webhook_id}", response_model=WebhookRead, responses=problem_openapi_responses(404, 412, 428)
)
async def webhooks_update(
    webhook_id: uuid.UUID,
    body: WebhookUpdate,
    if_match: IfMatch,
    principal: Manager,
    session: SessionDep,
    runtime: RuntimeDep,
) -> Response:
    """Change a subscription (needs If-Match); `is_active: true` re-enables a disabled one."""
    subscription = await subscriptions.update(
        session, runtime.settings, principal, webhook_id, if_match, body
    )
    return _read(subscription)


@router.delete("/{webhook_id}", status_code=204, responses=problem_openapi_responses(404))
async def webhooks_delete(
    webhook_id: uuid.UUID, principal: Manager, session: SessionDep
) -> Response:
    """Delete a subscription and its delivery log."""
    await subscriptions.delete(session, principal, webhook_id)
    return Response(status_code=204)


@router.post(
    "/{webhook_id}/rotate-secret",
    response_model=WebhookSecret,
    responses=problem_openapi_responses(404),
)
async def webhooks_rotate_secret(
    webhook_id: uuid.UUID,
    principal: Manager,
    session: SessionDep,
    runtime: RuntimeDep,
    body: WebhookRotate | None = None,
) -> Response:
    """A new secret (shown once); the old one keeps signing beside it for `grace_hours`."""
    grace = (body or WebhookRotate()).grace_hours
    subscription, secret = await subscriptions.rotate_secret(
        session, runtime.settings, principal, webhook_id, grace
    )
    result = WebhookSecret(
        secret=secret, previous_secret_expires_at=subscription.previous_secret_expires_at
    )
    return json_response(result, version=subscription.version, headers=NO_STORE)


@router.post(
    "/{webhook_id}/test",
    status_code=202,
    response_model=DeliveryRead,
    responses=problem_openapi_responses(404),
)
async def webhooks_test(webhook_id: uuid.UUID, principal: Manager, session: SessionDep) -> Response:
    """Queue a `ping` delivery; follow it in the delivery log."""
    delivery = await recovery.ping(session, principal, webhook_id)
    return json_response(DeliveryRead.model_validate(delivery), status_code=202)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=DeliveryList,
    responses=problem_openapi_responses(404),
)
async def webhooks_list_deliveries(
    request: Request,
    webhook_id: uuid.UUID,
    principal: Manager,
    session: SessionDep,
    page: PageDep,
    status: Annotated[DeliveryStatus | None, Query()] = None,
) -> Response:
    """The delivery log: status, attempts, last response and the next attempt."""
    runtime = runtime_of(request)
    result = await recovery.list_deliveries(
        session, runtime.db, runtime.cursors, principal, webhook_id, page, status
    )
    return page_response(request, DeliveryRead, result)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryRead,
    responses=problem_openapi_responses(404),
)
async def webhooks_redeliver(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, principal: Manager, session: SessionDep
) -> Response:
    """Send one delivery again now (same `webhook-id`, same body)."""
    delivery = await recovery.redeliver(session, principal, webhook_id, delivery_id)
    return json_response(DeliveryRead.model_validate(delivery), status_code=202)


@router.post(
    "/{webhook_id}/replay",
    status_code=202,
    response_model=WebhookReplayed,
    responses=problem_openapi_responses(404),
)
async def webhooks_replay(
    webhook_id: uuid.UUID, body: WebhookReplay, principal: Manager, session: SessionDep
) -> Response:
    """Send again every matching event that happened between `since` and `until`."""
    queued = await recovery.replay(
        session, principal, webhook_id, body.since, body.until, body.event_types
    )
    return json_response(WebhookReplayed(queued=queued), status_code=202)
