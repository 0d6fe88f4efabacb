"""iCalendar (RFC 5545) invitations for interviews: one stable UID per interview and a
SEQUENCE bumped by every reschedule, so calendar clients update the same event."""

from __future__ import annotations

import uuid
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import Database
from app.core.principal import Principal
from app.core.text import plain_line
from app.models.base import table_of
from app.models.candidates import Application, Candidate
from app.models.identity import User
from app.models.intakes import Intake
from app.models.interviews import InterviewStatus, PanelRole
from app.services.interviews.queries import get_interview

_user = table_of(User).c
PRODUCT_ID = "-//Tandem//Interviews//EN"
# RFC 5545 participation roles: trainees are optional attendees.
ATTENDEE_ROLES = {
    PanelRole.LEAD: "CHAIR",
    PanelRole.INTERVIEWER: "REQ-PARTICIPANT",
    PanelRole.SHADOW: "OPT-PARTICIPANT",
    PanelRole.REVERSE_SHADOW: "REQ-PARTICIPANT",
}


def _address(user: User, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{user.email}")
    address.params["CN"] = vText(plain_line(user.full_name))
    for name, value in params.items():
        address.params[name] = vText(value)
    return address


async def interview_calendar(
    db: Database, session: AsyncSession, principal: Principal, interview_id: uuid.UUID, base: str
) -> bytes:
    """The interview as an iCalendar file (METHOD:CANCEL once it is cancelled)."""
    interview = await get_interview(db, principal, interview_id)
    application = await session.get(Application, interview["application_id"])
    assert application is not None  # noqa: S101 - foreign key
    candidate = await session.get(Candidate, application.candidate_id)
    intake = await session.get(Intake, interview["intake_id"])
    assert candidate is not None  # noqa: S101 - foreign key
    assert intake is not None  # noqa: S101 - foreign key
    wanted = [uuid.UUID(p["user_id"]) for p in interview["interviewers"]] + [intake.recruiter_id]
    users = await session.execute(select(User).where(_user.id.in_(wanted)))
    people = {str(user.id): user for user in users.scalars()}
    cancelled = interview["status"] == InterviewStatus.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = _event(interview, candidate, intake, base, cancelled=cancelled)
    _add_people(event, interview["interviewers"], people, intake.recruiter_id)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())


def _event(
    interview: dict[str, Any], candidate: Candidate, intake: Intake, base: str, *, cancelled: bool
) -> Event:
    """The event's identity, times in the interview's zone, description and place."""
    zone = ZoneInfo(interview["timezone"])
    event = Event()
    event.add("uid", f"interview-{interview['id']}@tandem")
    event.add("sequence", interview["sequence"])
    event.add("dtstamp", interview["updated_at"])
    event.add("dtstart", interview["starts_at"].astimezone(zone))
    event.add("dtend", interview["ends_at"].astimezone(zone))
    # Plain text: some calendars render descriptions as HTML, so stored values lose their
    # angle brackets and line breaks (a value cannot add lines that look like ours).
    name, stage, title = (
        plain_line(v) for v in (candidate.full_name, interview["stage_name"], intake.title)
    )
    event.add("summary", f"Interview: {name} - {stage}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    kit = f"{base}/api/v1/interview-plans/{interview['plan_id']}/stages/{interview['stage_id']}/kit"
    lines = [
        f"{stage} with {name} for {title}.",
        f"Interview kit: {kit}",
    ]
    if interview["video_url"]:
        lines.append(f"Join: {interview['video_url']}")
        event.add("url", interview["video_url"])
    event.add("description", "\n".join(lines))
    location = interview["location"] or interview["video_url"]
    if location:
        event.add("location", plain_line(location))
    return event


def _add_people(
    event: Event, panel: list[dict[str, Any]], people: dict[str, User], recruiter_id: uuid.UUID
) -> None:
    """The intake's recruiter as organizer, the panel as attendees with their roles."""
    recruiter = people.get(str(recruiter_id))
    if recruiter is not None:
        event.add("organizer", _address(recruiter))
    for member in panel:
        user = people.get(member["user_id"])
        if user is not None:
            event.add(
                "attendee",
                _address(
                    user,
                    ROLE=ATTENDEE_ROLES[PanelRole(member["role"])],
                    PARTSTAT="NEEDS-ACTION",
                    RSVP="TRUE",
                ),
            )
