"""The practical facts of a briefing: who the company is, when and where the interview is
(in the time zone of the invitation), who to contact, who is on the panel, and where the
candidate is in the process."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.models.base import table_of
from app.models.identity import User
from app.models.interviews import Interview, InterviewStatus, PanelRole
from app.services.organisation.profile import load_profile

_interview = table_of(Interview).c
EN_DASH = "\u2013"  # a time range, as in 14:00-15:00 set properly
OBSERVING = {PanelRole.SHADOW.value, PanelRole.REVERSE_SHADOW.value}


async def organisation(session: AsyncSession) -> dict[str, Any]:
    """The company as candidates see it (every field null until an admin sets the profile)."""
    profile = await load_profile(session)
    fields = ("name", "logo_url", "website_url", "careers_contact_name", "careers_email")
    return {field: getattr(profile, field) if profile else None for field in fields}


async def contact(session: AsyncSession, recruiter_id: uuid.UUID) -> dict[str, Any] | None:
    """The intake's recruiter: the person the candidate writes to with questions."""
    recruiter = await session.get(User, recruiter_id)
    if recruiter is None or not recruiter.is_active:
        return None
    return {"name": recruiter.full_name, "email": recruiter.email}


async def scheduled_interview(
    session: AsyncSession, application_id: uuid.UUID, stage_id: str
) -> Interview | None:
    """The stage's next scheduled interview, else its latest one (already held)."""
    rows = (
        (
            await session.execute(
                select(Interview)
                .where(
                    _interview.application_id == application_id,
                    _interview.stage_id == stage_id,
                    _interview.status == InterviewStatus.SCHEDULED,
                )
                .order_by(_interview.starts_at)
            )
        )
        .scalars()
        .all()
    )
    now = utcnow()
    upcoming = [row for row in rows if row.ends_at >= now]
    return upcoming[0] if upcoming else (rows[-1] if rows else None)


def _day(moment: datetime) -> str:
    # Spelled out, so nobody reads 03/04 as the wrong month.
    return f"{moment:%A} {moment.day} {moment:%B %Y}"


def when(interview: Interview) -> dict[str, Any]:
    """The interview's date and time in its invitation's time zone, spelled out."""
    zone = ZoneInfo(interview.timezone)
    start, end = interview.starts_at.astimezone(zone), interview.ends_at.astimezone(zone)
    abbreviation = start.tzname() or ""
    label = (
        interview.timezone
        if abbreviation in ("", interview.timezone)
        else (f"{interview.timezone}, {abbreviation}")
    )
    time_text = f"{start:%H:%M}{EN_DASH}{end:%H:%M}"
    if end.date() != start.date():
        time_text = f"{start:%H:%M} {EN_DASH} {_day(end)} {end:%H:%M}"
    return {
        "starts_at": interview.starts_at,
        "ends_at": interview.ends_at,
        "timezone": interview.timezone,
        "date_text": _day(start),
        "time_text": time_text,
        "timezone_label": label,
        "duration_minutes": int((interview.ends_at - interview.starts_at).total_seconds() // 60),
        "location": interview.location,
        "video_url": interview.video_url,
    }


def panel_ids(interview: Interview) -> list[tuple[uuid.UUID, bool]]:
    """The panel's people in the interview's order, each with whether they only observe."""
    return [
        (uuid.UUID(str(member["user_id"])), str(member.get("role")) in OBSERVING)
        for member in interview.panel
    ]


def process(stages: list[dict[str, Any]], current_id: str | None) -> list[dict[str, Any]]:
    """The plan's steps, each `done`, `current` or `upcoming` relative to `current_id`."""
    ids = [s["id"] for s in stages]
    position = ids.index(current_id) if current_id in ids else -1
    steps = []
    for index, stage in enumerate(stages):
        if position < 0 or index > position:
            state = "upcoming"
        else:
            state = "current" if index == position else "done"
        steps.append(
            {
                "name": stage["name"],
                "kind": stage["kind"],
                "duration_minutes": stage["duration_minutes"],
                "state": state,
            }
        )
    return steps
