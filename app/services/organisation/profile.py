"""The organisation's profile: one row, read by everyone signed in, replaced by admins."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import PreconditionFailed
from app.core.etag import etag_for, require_match
from app.models.organisation import OrganisationProfile
from app.platform.audit import record_audit
from app.platform.events import record_event
from app.schemas.organisation import OrganisationRead, OrganisationUpdate

EMPTY = OrganisationRead(
    name=None,
    logo_url=None,
    website_url=None,
    careers_contact_name=None,
    careers_email=None,
    created_at=None,
    updated_at=None,
)


async def load_profile(session: AsyncSession) -> OrganisationProfile | None:
    """The stored profile, if an admin has set one."""
    result = await session.execute(select(OrganisationProfile).limit(1))
    return result.scalar_one_or_none()


async def get_profile(session: AsyncSession) -> tuple[OrganisationRead, int]:
    """The profile (empty, at version 0, until first set) and its version."""
    profile = await load_profile(session)
    if profile is None:
        return EMPTY, 0
    return OrganisationRead.model_validate(profile), profile.version


async def put_profile(
    session: AsyncSession, if_match: list[str] | None, data: OrganisationUpdate
) -> tuple[OrganisationRead, int]:
    """Replace the profile (If-Match with the version read, `"0"` before the first write)."""
    profile = (
        await session.execute(select(OrganisationProfile).limit(1).with_for_update())
    ).scalar_one_or_none()
    require_match(if_match, profile.version if profile else 0)
    values = data.model_dump(mode="json")
    if profile is None:
        profile = OrganisationProfile(**values)
        session.add(profile)
        try:
            await session.flush()
        except IntegrityError:  # another first write won the race: this one read version 0
            raise PreconditionFailed(
                "The organisation profile was just created; fetch it again and retry.",
                extensions={"current_etag": etag_for(1)},
            ) from None
    else:
        for field, value in values.items():
            setattr(profile, field, value)
        await session.flush()
    record_event(session, "organisation.updated", ("organisation", profile.id), {})
    record_audit(session, "organisation.updated", object_type="organisation", object_id=profile.id)
    return OrganisationRead.model_validate(profile), profile.version
