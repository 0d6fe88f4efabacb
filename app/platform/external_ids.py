"""ATS ids for our resources: (resource type, source, external id) points at one object."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict
from app.models.base import table_of
from app.models.platform import ExternalRef

_ref = table_of(ExternalRef).c


async def lock(session: AsyncSession, resource_type: str, source: str, external_id: str) -> None:
    """Serialise work on one ATS id until the transaction ends, so two first upserts of the
    same id cannot both create an object (SQLite's write lock already does this)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"{resource_type}\x00{source}\x00{external_id}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    await session.execute(select(func.pg_advisory_xact_lock(key)))


async def find(
    session: AsyncSession, resource_type: str, source: str, external_id: str
) -> uuid.UUID | None:
    """The id of the object an ATS id points at, if any."""
    return (
        await session.execute(
            select(_ref.resource_id).where(
                _ref.resource_type == resource_type,
                _ref.source == source,
                _ref.external_id == external_id,
            )
        )
    ).scalar_one_or_none()


async def link(
    session: AsyncSession,
    resource_type: str,
    resource_id: uuid.UUID,
    source: str,
    external_id: str,
) -> bool:
    """Point an ATS id at an object; False if it already did, 409 if it names another one."""
    owner = await find(session, resource_type, source, external_id)
    if owner == resource_id:
        return False
    if owner is not None:
        raise Conflict(
            f"The external id {source}:{external_id} belongs to another {resource_type}.",
            extensions={"existing_id": str(owner)},
        )
    add(session, resource_type, resource_id, source, external_id)
    return True


def add(
    session: AsyncSession,
    resource_type: str,
    resource_id: uuid.UUID,
    source: str,
    external_id: str,
) -> None:
    """Stage a new ATS id known to be free (checked in bulk; the unique key guards the rest)."""
    session.add(
        ExternalRef(
            resource_type=resource_type,
            resource_id=resource_id,
            source=source,
            external_id=external_id,
        )
    )
