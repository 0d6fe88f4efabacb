"""Webhook subscriptions: create, read, change, delete, rotate the secret.

Who sees a subscription: an integration sees the ones it created (others are 404); admins
see every subscription. Creating one needs a URL that passes `targets.check_target`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.config import Settings
from app.core.db import Database
from app.core.errors import FieldProblem, NotFound, ValidationFailed
from app.core.etag import require_match
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.models.base import table_of
from app.models.webhooks import WebhookSubscription
from app.platform.audit import record_audit
from app.schemas.webhooks import WebhookCreate, WebhookRead, WebhookUpdate
from app.services.events import signing, targets
from app.services.events.feed import check_patterns

_subscription = table_of(WebhookSubscription).c

WEBHOOKS = ListQuery(
    "webhooks",
    select(*(getattr(_subscription, name) for name in WebhookRead.model_fields)),
    filters={"owner_api_client_id": lambda p: _subscription.owner_api_client_id == p},
    orders={"id": Keyset(columns=(_subscription.id,), kinds=("uuid",))},
)


def service_secrets(settings: Settings) -> list[str]:
    """The service secret and the previous ones (webhook secrets are sealed with them)."""
    return [settings.resolved_secret_key] + [
        s.get_secret_value() for s in settings.previous_secret_keys
    ]


def owned_by(principal: Principal) -> uuid.UUID | None:
    """The integration whose subscriptions the caller sees (None: an admin sees all)."""
    return principal.api_client_id


async def _checked_url(url: str, settings: Settings) -> str:
    try:
        await targets.check_target(url, settings)
    except targets.TargetRefused as exc:
        raise ValidationFailed(
            f"The webhook URL is refused: {exc}.",
            errors=[FieldProblem("body.url", str(exc), "url_refused")],
        ) from None
    return url


async def create(
    session: AsyncSession, settings: Settings, principal: Principal, data: WebhookCreate
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret (returned this once)."""
    patterns = check_patterns(data.event_types, "body.event_types")
    url = await _checked_url(data.url, settings)
    secret = signing.new_secret()
    subscription = WebhookSubscription(
        url=url,
        event_types=patterns,
        description=data.description,
        is_active=data.is_active,
        secret_encrypted=signing.encrypt(secret, settings.resolved_secret_key),
        owner_user_id=principal.user_id,
        owner_api_client_id=principal.api_client_id,
    )
    session.add(subscription)
    await session.flush()
    record_audit(session, "webhook.created", object_type="webhook", object_id=subscription.id)
    return subscription, secret


async def get(
    session: AsyncSession, principal: Principal, webhook_id: uuid.UUID, *, lock: bool = False
) -> WebhookSubscription:
    """One subscription the caller may see (404 otherwise)."""
    statement = select(WebhookSubscription).where(_subscription.id == webhook_id)
    if lock:
        statement = statement.with_for_update()
    subscription = (await session.execute(statement)).scalar_one_or_none()
    owner = owned_by(principal)
    if subscription is None or (owner is not None and subscription.owner_api_client_id != owner):
        raise NotFound(f"No webhook with id {webhook_id}.")
    return subscription


async def list_page(
    db: Database, cursors: CursorCodec, principal: Principal, page: PageRequest
) -> PageResult:
    """A page of the subscriptions the caller sees, oldest first."""
    return await WEBHOOKS.page(
        db, cursors, page, order="id", owner_api_client_id=owned_by(principal)
    )


async def update(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    webhook_id: uuid.UUID,
    if_match: list[str] | None,
    data: WebhookUpdate,
) -> WebhookSubscription:
    """Change URL, types, description or the active flag (If-Match required)."""
    subscription = await get(session, principal, webhook_id, lock=True)
    require_match(if_match, subscription.version)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "event_types" in changes:
        changes["event_types"] = check_patterns(changes["event_types"], "body.event_types")
    if "url" in changes:
        changes["url"] = await _checked_url(changes["url"], settings)
    if changes.get("is_active"):
        changes.update(disabled_reason=None, failing_since=None)
    for field, value in changes.items():
        setattr(subscription, field, value)
    await session.flush()
    record_audit(
        session,
        "webhook.updated",
        object_type="webhook",
        object_id=subscription.id,
        details={k: v for k, v in changes.items() if k in WebhookUpdate.model_fields},
    )
    return subscription


async def delete(session: AsyncSession, principal: Principal, webhook_id: uuid.UUID) -> None:
    """Delete a subscription and its delivery log."""
    subscription = await get(session, principal, webhook_id, lock=True)
    await session.delete(subscription)
    await session.flush()
    record_audit(session, "webhook.deleted", object_type="webhook", object_id=webhook_id)


async def rotate_secret(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    webhook_id: uuid.UUID,
    grace_hours: int,
) -> tuple[WebhookSubscription, str]:
    """A new secret; the current one keeps signing beside it for `grace_hours`."""
    subscription = await get(session, principal, webhook_id, lock=True)
    secret = signing.new_secret()
    if grace_hours > 0:
        subscription.previous_secret_encrypted = subscription.secret_encrypted
        subscription.previous_secret_expires_at = utcnow() + timedelta(hours=grace_hours)
    else:
        subscription.previous_secret_encrypted = None
        subscription.previous_secret_expires_at = None
    subscription.secret_encrypted = signing.encrypt(secret, settings.resolved_secret_key)
    await session.flush()
    record_audit(
        session,
        "webhook.secret_rotated",
        object_type="webhook",
        object_id=subscription.id,
        details={"grace_hours": grace_hours},
    )
    return subscription, secret


def signing_secrets(subscription: WebhookSubscription | Any, settings: Settings) -> list[str]:
    """The secrets that sign right now: the current one, and the previous one in its grace."""
    keys = service_secrets(settings)
    found = [signing.decrypt(subscription.secret_encrypted, keys)]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret_encrypted and expires and expires > utcnow():
        found.append(signing.decrypt(subscription.previous_secret_encrypted, keys))
    return found
