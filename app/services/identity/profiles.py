"""Hiring-manager profiles: read by everyone signed in, edited by the owner and staff."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import CompiledQuery, Database
from app.core.errors import Forbidden, NotFound
from app.core.etag import require_match
from app.core.principal import Principal
from app.models.base import table_of
from app.models.identity import User
from app.models.intakes import HmProfile
from app.platform.events import record_event
from app.schemas.profiles import HmProfileRead, HmProfileUpdate
from app.services.identity.access import is_staff

_profile = table_of(HmProfile).c
_user = table_of(User).c

_PROFILE = CompiledQuery(
    select(_user.id.label("owner_id"), *table_of(HmProfile).c)
    .select_from(table_of(User).outerjoin(table_of(HmProfile), _profile.user_id == _user.id))
    .where(_user.id == bindparam("user_id"))
)


def _may_see_notes(principal: Principal, user_id: uuid.UUID) -> bool:
    return principal.user_id == user_id or is_staff(principal)


def _may_edit(principal: Principal, user_id: uuid.UUID) -> bool:
    return _may_see_notes(principal, user_id)


async def get_profile(
    db: Database, principal: Principal, user_id: uuid.UUID
) -> tuple[HmProfileRead, int]:
    """A user's profile (empty, at version 0, until someone writes it) and its version."""
    row = await db.fetch_one(_PROFILE, {"user_id": user_id})
    if row is None:
        raise NotFound(f"No user with id {user_id}.")
    values: dict[str, Any] = dict(row)
    version = int(values["version"] or 0)
    values["user_id"] = values["owner_id"]
    values["links"] = values["links"] or []
    if not _may_see_notes(principal, user_id):
        values["internal_notes"] = None
    return HmProfileRead.model_validate(values), version


async def put_profile(
    session: AsyncSession,
    principal: Principal,
    user_id: uuid.UUID,
    if_match: list[str] | None,
    data: HmProfileUpdate,
) -> tuple[HmProfileRead, int]:
    """Replace a profile (If-Match with the version read, `"0"` before the first write)."""
    if await session.get(User, user_id) is None:
        raise NotFound(f"No user with id {user_id}.")
    if not _may_edit(principal, user_id):
        raise Forbidden("You may edit only your own profile.")
    profile = (
        await session.execute(
            select(HmProfile).where(_profile.user_id == user_id).with_for_update()
        )
    ).scalar_one_or_none()
    require_match(if_match, profile.version if profile else 0)
    values = data.model_dump(mode="json")
    if profile is None:
        profile = HmProfile(user_id=user_id, **values)
        session.add(profile)
    else:
        for field, value in values.items():
            setattr(profile, field, value)
    await session.flush()
    record_event(session, "hm_profile.updated", ("user", user_id), {"user_id": str(user_id)})
    read = HmProfileRead.model_validate(profile)
    return read, profile.version
