"""The delivery log and recovery: read deliveries, send one again, replay a time range, ping."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import FieldProblem, NotFound, ValidationFailed
from app.core.ids import new_id
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.models.base import table_of
from app.models.platform import Event
from app.models.webhooks import DeliveryStatus, WebhookDelivery
from app.schemas.webhooks import DeliveryRead
from app.services.events import subscriptions
from app.services.events.catalogue import PING
from app.services.events.deliveries import queue, subscriber_scopes
from app.services.events.feed import check_patterns, type_condition
from app.services.events.payloads import envelope

REPLAY_LIMIT = 10_000

_delivery = table_of(WebhookDelivery).c
_events = table_of(Event)

DELIVERIES = ListQuery(
    "webhook_deliveries",
    select(*(getattr(_delivery, name) for name in DeliveryRead.model_fields)),
    filters={
        "subscription_id": lambda p: _delivery.subscription_id == p,
        "status": lambda p: _delivery.status == p,
    },
    orders={"id": Keyset(columns=(_delivery.id,), kinds=("uuid",))},
)


async def list_deliveries(
    session: AsyncSession,
    db: Database,
    cursors: CursorCodec,
    principal: Principal,
    webhook_id: uuid.UUID,
    page: PageRequest,
    status: DeliveryStatus | None,
) -> PageResult:
    """A page of one subscription's deliveries, oldest first."""
    await subscriptions.get(session, principal, webhook_id)
    return await DELIVERIES.page(
        db, cursors, page, order="id", subscription_id=webhook_id, status=status
    )


def _restart(session: AsyncSession, delivery: WebhookDelivery) -> None:
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.delivered_at = None
    queue(session, delivery)


async def redeliver(
    session: AsyncSession, principal: Principal, webhook_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Send one delivery again now, with the same `webhook-id` and body."""
    await subscriptions.get(session, principal, webhook_id)
    delivery = (
        await session.execute(
            select(WebhookDelivery)
            .where(_delivery.id == delivery_id, _delivery.subscription_id == webhook_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if delivery is None:
        raise NotFound(f"No delivery with id {delivery_id} for this webhook.")
    _restart(session, delivery)
    await session.flush()
    return delivery


async def replay(
    session: AsyncSession,
    principal: Principal,
    webhook_id: uuid.UUID,
    since: datetime,
    until: datetime | None,
    event_types: Sequence[str] | None,
) -> int:
    """Queue every event of the range that the subscription (or `event_types`) matches."""
    subscription = await subscriptions.get(session, principal, webhook_id, lock=True)
    until = until or utcnow()
    if until <= since:
        raise ValidationFailed(
            "`until` must be after `since`.",
            errors=[FieldProblem("body.until", "must be after since", "invalid_range")],
        )
    patterns = check_patterns(event_types or subscription.event_types, "body.event_types")
    statement = select(_events).where(
        _events.c.seq.is_not(None), _events.c.occurred_at >= since, _events.c.occurred_at < until
    )
    condition = type_condition(patterns)
    if condition is not None:
        statement = statement.where(condition)
    rows = (
        (await session.execute(statement.order_by(_events.c.seq).limit(REPLAY_LIMIT + 1)))
        .mappings()
        .all()
    )
    if len(rows) > REPLAY_LIMIT:
        raise ValidationFailed(
            f"More than {REPLAY_LIMIT} events in that range; replay a shorter one.",
            errors=[FieldProblem("body.since", "range too large", "too_many_events")],
        )
    existing = {
        d.event_id: d
        for d in (
            await session.execute(
                select(WebhookDelivery).where(
                    _delivery.subscription_id == webhook_id,
                    _delivery.event_id.in_([r["id"] for r in rows]),
                )
            )
        ).scalars()
    }
    scopes = (await subscriber_scopes(session, [subscription]))[subscription.id]
    for row in rows:
        delivery = existing.get(row["id"])
        if delivery is None:
            delivery = WebhookDelivery(
                subscription_id=webhook_id,
                event_id=row["id"],
                event_type=row["type"],
                body=envelope(dict(row), scopes),
            )
            session.add(delivery)
        _restart(session, delivery)
    await session.flush()
    return len(rows)


async def ping(
    session: AsyncSession, principal: Principal, webhook_id: uuid.UUID
) -> WebhookDelivery:
    """Queue a `ping` to the subscription (recorded as failed while it is disabled)."""
    subscription = await subscriptions.get(session, principal, webhook_id)
    event_id = new_id()
    delivery = WebhookDelivery(
        subscription_id=subscription.id,
        event_id=event_id,
        event_type=PING,
        body={
            "id": str(event_id),
            "type": PING,
            "version": 1,
            "occurred_at": utcnow().isoformat(),
            "actor": {
                "user_id": str(principal.user_id) if principal.user_id else None,
                "api_client_id": str(principal.api_client_id) if principal.api_client_id else None,
            },
            "subject": {"type": "webhook", "id": str(subscription.id)},
            "data": {"webhook_id": str(subscription.id), "message": "Hello from Tandem."},
        },
    )
    session.add(delivery)
    queue(session, delivery)
    await session.flush()
    return delivery
