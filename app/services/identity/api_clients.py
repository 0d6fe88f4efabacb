"""API clients: integration keys. The key is shown once; only a prefix and a hash are kept."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.db import Database
from app.core.errors import NotFound
from app.core.etag import require_match
from app.core.pagination import CursorCodec, Keyset, ListQuery, PageRequest, PageResult
from app.core.principal import Principal
from app.core.security import new_api_key
from app.models.base import table_of
from app.models.identity import ApiClient
from app.platform.audit import record_audit
from app.platform.runtime import Runtime
from app.schemas.api_clients import ApiClientCreate, ApiClientUpdate
from app.services.identity.auth import forget_api_client

_api_client = table_of(ApiClient).c

_clients = table_of(ApiClient).c
_PUBLIC = [c for c in _clients if c.key != "key_hash"]

API_CLIENTS = ListQuery(
    "api_clients",
    select(*_PUBLIC),
    filters={"revoked": lambda p: (_clients.revoked_at.is_not(None)) == p},
    orders={"id": Keyset((_clients.id,), ("uuid",))},
)


async def create_api_client(
    session: AsyncSession, principal: Principal, data: ApiClientCreate
) -> tuple[ApiClient, str]:
    """A new client and its key (returned this once, never stored)."""
    key, prefix, key_hash = new_api_key()
    client = ApiClient(
        name=data.name,
        key_prefix=prefix,
        key_hash=key_hash,
        scopes=data.scopes,
        created_by_id=principal.user_id,
    )
    session.add(client)
    await session.flush()
    record_audit(
        session,
        "api_client.created",
        object_type="api_client",
        object_id=client.id,
        details={"name": client.name, "scopes": client.scopes},
    )
    return client, key


async def get_api_client(session: AsyncSession, api_client_id: uuid.UUID) -> ApiClient:
    """One client by id."""
    client = await session.get(ApiClient, api_client_id)
    if client is None:
        raise NotFound(f"No API client with id {api_client_id}.")
    return client


async def list_api_clients(
    db: Database, cursors: CursorCodec, page: PageRequest, *, revoked: bool | None
) -> PageResult:
    """A page of clients, oldest first."""
    return await API_CLIENTS.page(db, cursors, page, order="id", revoked=revoked)


async def update_api_client(
    session: AsyncSession,
    runtime: Runtime,
    api_client_id: uuid.UUID,
    if_match: list[str] | None,
    data: ApiClientUpdate,
) -> ApiClient:
    """Rename a client or change its scopes (If-Match required)."""
    client = await _load_for_update(session, api_client_id)
    require_match(if_match, client.version)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    for field, value in changes.items():
        setattr(client, field, value)
    await session.flush()
    forget_api_client(runtime, client.id, session)
    record_audit(
        session,
        "api_client.updated",
        object_type="api_client",
        object_id=client.id,
        details=changes,
    )
    return client


async def revoke_api_client(
    session: AsyncSession, runtime: Runtime, api_client_id: uuid.UUID
) -> ApiClient:
    """Revoke a key at once; revoking twice changes nothing."""
    client = await _load_for_update(session, api_client_id)
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        await session.flush()
        record_audit(session, "api_client.revoked", object_type="api_client", object_id=client.id)
    forget_api_client(runtime, client.id, session)
    return client


async def _load_for_update(session: AsyncSession, api_client_id: uuid.UUID) -> ApiClient:
    client = (
        await session.execute(
            select(ApiClient).where(_api_client.id == api_client_id).with_for_update()
        )
    ).scalar_one_or_none()
    if client is None:
        raise NotFound(f"No API client with id {api_client_id}.")
    return client
