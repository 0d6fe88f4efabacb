"""Deliveries: one row per (subscription, event), sent by worker jobs with retries.

The relay creates the rows in the same transaction that numbers the events, so each event is
fanned out exactly once. A delivery job sends one attempt outside any database transaction
(an HTTP call must not hold SQLite's write lock), then records the outcome and, on failure,
queues the next attempt on the schedule of the Standard Webhooks guidance. A worker that dies
mid-attempt leaves its job to be taken again when the lease runs out: at least once.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.core.clock import utcnow
from app.core.db import CompiledQuery, Database
from app.models.base import table_of
from app.models.identity import ApiClient
from app.models.interviews import NotificationIntent
from app.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookSubscription
from app.platform.jobs import enqueue
from app.services.events import sender
from app.services.events.catalogue import matches
from app.services.events.payloads import Scopes, envelope
from app.services.events.subscriptions import signing_secrets

DELIVER_JOB = "webhooks.deliver"
# After attempt n fails, wait RETRY_DELAYS[n - 1] (the first attempt is immediate).
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
DISABLE_AFTER = timedelta(days=3)

_delivery = table_of(WebhookDelivery).c
_subscription = table_of(WebhookSubscription).c


async def subscriber_scopes(
    session: AsyncSession, subscriptions: Sequence[WebhookSubscription]
) -> dict[uuid.UUID, Scopes]:
    """Whose personal fields each subscription may receive: an integration's current scopes
    (none once revoked); everything for subscriptions made by people (admins)."""
    client_ids = {s.owner_api_client_id for s in subscriptions if s.owner_api_client_id}
    clients = {}
    if client_ids:
        rows = await session.execute(select(ApiClient).where(ApiClient.id.in_(client_ids)))  # type: ignore[attr-defined]
        clients = {c.id: c for c in rows.scalars()}
    scopes: dict[uuid.UUID, Scopes] = {}
    for s in subscriptions:
        client = clients.get(s.owner_api_client_id) if s.owner_api_client_id else None
        if s.owner_api_client_id is None:
            scopes[s.id] = None
        elif client is None or client.revoked_at is not None:
            scopes[s.id] = frozenset()
        else:
            scopes[s.id] = frozenset(client.scopes)
    return scopes


def queue(
    session: AsyncSession, delivery: WebhookDelivery, *, delay: timedelta | None = None
) -> None:
    """Queue the next attempt of a delivery."""
    run_at = utcnow() + delay if delay else utcnow()
    delivery.next_attempt_at = run_at
    enqueue(session, DELIVER_JOB, {"delivery_id": str(delivery.id)}, run_at=run_at)


async def fan_out(session: AsyncSession, events: Sequence[Mapping[str, Any]]) -> int:
    """A delivery per (active subscription, matching event); how many."""
    if not events:
        return 0
    subscriptions = list(
        (
            await session.execute(
                select(WebhookSubscription).where(_subscription.is_active.is_(True))
            )
        ).scalars()
    )
    if not subscriptions:
        return 0
    scopes = await subscriber_scopes(session, subscriptions)
    count = 0
    for event in events:
        for subscription in subscriptions:
            if not matches(subscription.event_types, event["type"]):
                continue
            delivery = WebhookDelivery(
                subscription_id=subscription.id,
                event_id=event["id"],
                event_type=event["type"],
                body=envelope(event, scopes[subscription.id]),
            )
            session.add(delivery)
            queue(session, delivery)
            count += 1
    return count


def _retry_delay(attempts: int) -> timedelta | None:
    if attempts >= MAX_ATTEMPTS:
        return None
    base = RETRY_DELAYS[attempts - 1]
    return base * random.uniform(0.9, 1.1)  # jitter, so retries of many do not stampede


_TARGET = CompiledQuery(
    select(
        _delivery.id,
        _delivery.event_id,
        _delivery.body,
        _delivery.status,
        _subscription.url,
        _subscription.is_active,
        _subscription.secret_encrypted,
        _subscription.previous_secret_encrypted,
        _subscription.previous_secret_expires_at,
    )
    .join_from(table_of(WebhookDelivery), table_of(WebhookSubscription))
    .where(_delivery.id == bindparam("delivery_id"))
)


async def deliver_job(db: Database, payload: dict[str, Any]) -> None:
    """Send one attempt of one delivery and record the outcome."""
    delivery_id = uuid.UUID(payload["delivery_id"])
    row = await db.fetch_one(_TARGET, {"delivery_id": delivery_id})
    if row is None or row["status"] != DeliveryStatus.PENDING:
        return  # deleted, or already delivered by an earlier run of this job
    if not row["is_active"]:
        outcome = sender.Outcome(error="the subscription is disabled")
    else:
        outcome = await sender.send(
            row["url"],
            str(row["event_id"]),
            row["body"],
            signing_secrets(SimpleNamespace(**row), db.settings),
            db.settings,
        )
    async with db.unit_of_work(write=True) as session:
        if outcome.delivered:
            await _delivered(session, delivery_id, outcome)
        else:
            await record_outcome(session, delivery_id, outcome)


async def _delivered(session: AsyncSession, delivery_id: uuid.UUID, outcome: Any) -> None:
    """The common case in one statement; the rare bookkeeping only when needed."""
    now = utcnow()
    result = await session.execute(
        update(table_of(WebhookDelivery))
        .where(_delivery.id == delivery_id, _delivery.status == DeliveryStatus.PENDING)
        .values(
            status=DeliveryStatus.DELIVERED,
            attempts=_delivery.attempts + 1,
            last_attempt_at=now,
            delivered_at=now,
            next_attempt_at=None,
            response_status=outcome.status,
            response_ms=outcome.elapsed_ms,
            response_body=outcome.body,
            last_error=None,
            updated_at=now,
        )
        .returning(_delivery.subscription_id)
    )
    subscription_id = result.scalar_one_or_none()
    if subscription_id is not None:
        await session.execute(
            update(table_of(WebhookSubscription))
            .where(_subscription.id == subscription_id, _subscription.failing_since.is_not(None))
            .values(failing_since=None)
        )


async def record_outcome(
    session: AsyncSession, delivery_id: uuid.UUID, outcome: sender.Outcome
) -> None:
    """Store an attempt's result; queue a retry, or give up and maybe disable."""
    delivery = (
        await session.execute(
            select(WebhookDelivery).where(_delivery.id == delivery_id).with_for_update()
        )
    ).scalar_one_or_none()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return
    subscription = await session.get(WebhookSubscription, delivery.subscription_id)
    assert subscription is not None  # noqa: S101 - cascade deletes deliveries with it
    now = utcnow()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_status = outcome.status
    delivery.response_ms = outcome.elapsed_ms
    delivery.response_body = outcome.body
    delivery.last_error = outcome.error
    if outcome.delivered:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            DeliveryStatus.DELIVERED,
            now,
            None,
        )
        if subscription.failing_since is not None:
            await _set(session, subscription, failing_since=None)
        return
    if outcome.status == 410:
        await _disable(session, subscription, "gone")
    elif subscription.is_active:
        if subscription.failing_since is None:
            await _set(session, subscription, failing_since=now)
        elif now - subscription.failing_since >= DISABLE_AFTER:
            await _disable(session, subscription, "failing")
    delay = _retry_delay(delivery.attempts) if subscription.is_active else None
    if delay is None:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        queue(session, delivery, delay=delay)


async def _set(session: AsyncSession, subscription: WebhookSubscription, **values: Any) -> None:
    """Delivery bookkeeping on the subscription, without a new version: an owner's PATCH
    with the ETag they just read must not fail because a delivery ran."""
    await session.execute(
        update(WebhookSubscription)
        .where(_subscription.id == subscription.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    for field, value in values.items():
        set_committed_value(subscription, field, value)


async def _disable(session: AsyncSession, subscription: WebhookSubscription, reason: str) -> None:
    await _set(session, subscription, is_active=False, disabled_reason=reason)
    if subscription.owner_user_id is not None:
        # Its owner is told (the notifications feature delivers intents).
        session.add(
            NotificationIntent(
                kind="webhook.disabled",
                recipient_id=subscription.owner_user_id,
                subject_type="webhook",
                subject_id=subscription.id,
                payload={"url": subscription.url, "reason": reason},
            )
        )
