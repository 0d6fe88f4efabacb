"""Candidate briefings: what a candidate should know before a stage, built only from
candidate-facing fields (never internal notes, questions, rubrics or pay); and the signed,
expiring, revocable public links that show them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import timedelta
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.core.errors import FieldProblem, NotFound, ValidationFailed
from app.core.principal import Principal
from app.core.text import escape_markdown
from app.models.base import table_of
from app.models.candidates import Application, BriefingLink, Candidate
from app.models.identity import User
from app.models.intakes import HmProfile, Intake
from app.models.interviews import Interview
from app.models.plans import InterviewPlan
from app.platform.events import record_event
from app.services.pipeline import briefing_facts as facts
from app.services.pipeline.applications import load_for_change

_link = table_of(BriefingLink).c
_profile = table_of(HmProfile).c
_user = table_of(User).c

PROFILE_FIELDS = (
    "headline",
    "bio",
    "team_description",
    "working_style",
    "values_in_people",
    "interview_style",
    "growth_paths",
    "photo_url",
    "links",
)
PREPARATION = {
    "screen": "A conversation about your experience and what you are looking for. Have a few "
    "examples ready, and your questions about the role.",
    "hiring_manager": "Your future manager wants to hear how you work. Think of two or three "
    "situations where you made a difference, what you did, and what came of it.",
    "technical": "A hands-on conversation about your craft. Be ready to think aloud, explain "
    "trade-offs, and say what you would look up.",
    "panel": "You will meet several people. Each looks at a different area; expect questions "
    "about real situations rather than hypotheticals.",
    "take_home": "A task to do in your own time. Keep it simple, explain your choices, and say "
    "what you would do with more time.",
    "reference": "We will speak with people you worked with; let them know to expect a call.",
    "other": "A conversation with the team.",
}
LOGISTICS = {
    "video": "A video call. You will receive the link with the invitation; test your camera and "
    "sound beforehand.",
    "phone": "A phone call to the number you gave us.",
    "onsite": "At our office{where}. Bring a photo ID for reception.",
    "video_booked": "A video call: join with the link above a few minutes early, and test "
    "your camera and sound beforehand.",
}
DEFAULT_LINK_DAYS = 14
TOKEN_BYTES = 24


# --- Building the briefing ----------------------------------------------------------------------


async def _profiles(session: AsyncSession, user_ids: list[uuid.UUID]) -> dict[str, dict[str, Any]]:
    rows = (
        await session.execute(
            select(_user.id, _user.full_name, *[_profile[f] for f in PROFILE_FIELDS])
            .select_from(
                table_of(User).outerjoin(table_of(HmProfile), _profile.user_id == _user.id)
            )
            .where(_user.id.in_(user_ids))
        )
    ).mappings()
    return {
        str(row["id"]): {
            "name": row["full_name"],
            **{f: row[f] for f in PROFILE_FIELDS},
            "links": row["links"] or [],
        }
        for row in rows
    }


def _stage_of(
    stages: list[dict[str, Any]], application: Application, stage_id: str | None
) -> dict[str, Any] | None:
    if stage_id is not None:
        stage = next((s for s in stages if s["id"] == stage_id), None)
        if stage is None:
            raise ValidationFailed(
                "The intake's plan has no such stage.",
                errors=[FieldProblem("query.stage", "no such stage", "unknown_stage")],
            )
        return stage
    return next((s for s in stages if s["id"] == application.stage), None)


def _logistics(stage_format: str, where: str, interview: Interview | None) -> str:
    if interview is not None and interview.video_url:
        return LOGISTICS["video_booked"]
    return LOGISTICS.get(stage_format, "").format(where=where)


def _people_met(
    people: dict[str, dict[str, Any]], met: list[tuple[uuid.UUID, bool]], manager_id: uuid.UUID
) -> list[dict[str, Any]]:
    """Who the candidate meets; the hiring manager is flagged (their bio is told above)."""
    return [
        {**people[str(user_id)], "is_hiring_manager": user_id == manager_id, "observing": observing}
        for user_id, observing in met
        if str(user_id) in people
    ]


async def build(
    session: AsyncSession, application: Application, stage_id: str | None
) -> dict[str, Any]:
    """The briefing document for an application (and a plan stage, when given)."""
    intake = await session.get(Intake, application.intake_id)
    candidate = await session.get(Candidate, application.candidate_id)
    if intake is None or candidate is None:  # pragma: no cover - foreign keys
        raise NotFound("The application's intake or candidate is gone.")
    plan = (
        await session.get(InterviewPlan, intake.interview_plan_id)
        if intake.interview_plan_id
        else None
    )
    stages = plan.stages if plan else []
    stage = _stage_of(stages, application, stage_id)
    interview = (
        await facts.scheduled_interview(session, application.id, stage["id"]) if stage else None
    )
    # The panel when the interview is booked; until then, the stage's interviewer pool.
    met = (
        facts.panel_ids(interview)
        if interview
        else [(uuid.UUID(u), False) for u in (stage["interviewer_pool"] if stage else [])]
    )
    people = await _profiles(session, [intake.hiring_manager_id, *(u for u, _ in met)])
    manager = people.get(str(intake.hiring_manager_id), {})
    where = f" in {intake.location}" if intake.location else ""
    return {
        "candidate_name": candidate.full_name.split()[0] if candidate.full_name else "",
        "organisation": await facts.organisation(session),
        "contact": await facts.contact(session, intake.recruiter_id),
        "role": {
            "title": intake.title,
            "department": intake.department,
            "location": intake.location,
            "remote_policy": str(intake.remote_policy),
            "employment_type": str(intake.employment_type),
            "selling_points": list(intake.selling_points),
            "ideal_candidate": intake.ideal_candidate,
        },
        "hiring_manager": manager,
        "process": facts.process(stages, stage["id"] if stage else None),
        "stage": None
        if stage is None
        else {
            "name": stage["name"],
            "kind": stage["kind"],
            "format": stage["format"],
            "duration_minutes": stage["duration_minutes"],
            "interview": facts.when(interview) if interview else None,
            "interviewers": _people_met(people, met, intake.hiring_manager_id),
            # In plain words: names and descriptions, never questions or rubrics.
            "what_we_look_at": [
                {"name": c["name"], "description": c.get("description")}
                for c in stage["competencies"]
            ],
            "how_to_prepare": PREPARATION.get(stage["kind"], PREPARATION["other"]),
            "logistics": _logistics(stage["format"], where, interview),
        },
    }


async def briefing_for(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, stage_id: str | None
) -> dict[str, Any]:
    """The briefing of an application the caller may see."""
    application, _ = await load_for_change(session, principal, application_id)
    return await build(session, application, stage_id)


@cache
def _templates(fmt: str) -> Environment:
    # HTML is autoescaped; in Markdown every value is escaped by `finalize`.
    return Environment(
        loader=PackageLoader("app", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        finalize=escape_markdown if fmt == "markdown" else None,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render(briefing: dict[str, Any], fmt: str) -> str:
    """The briefing as Markdown (`markdown`) or a mobile-friendly HTML page (`html`)."""
    name = "briefing.md.j2" if fmt == "markdown" else "briefing.html.j2"
    return _templates(fmt).get_template(name).render(b=briefing)


# --- Public links -------------------------------------------------------------------------------


def _sign(secret: str, nonce: bytes) -> bytes:
    key = hashlib.sha256(b"tandem-briefing-link\x00" + secret.encode()).digest()
    return hmac.new(key, nonce, hashlib.sha256).digest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def verify_token(secret: str, token: str) -> bool:
    """Whether a token is one we signed (checked before any database lookup)."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (ValueError, TypeError):
        return False
    nonce, mac = raw[:TOKEN_BYTES], raw[TOKEN_BYTES:]
    return len(nonce) == TOKEN_BYTES and hmac.compare_digest(mac, _sign(secret, nonce))


async def share(
    session: AsyncSession,
    principal: Principal,
    application_id: uuid.UUID,
    *,
    secret: str,
    stage_id: str | None,
    expires_in_days: int,
) -> tuple[BriefingLink, str]:
    """A new public link to the briefing; the token is returned this once."""
    application, _ = await load_for_change(session, principal, application_id)
    await build(session, application, stage_id)  # the stage must exist
    nonce = secrets.token_bytes(TOKEN_BYTES)
    token = _b64(nonce + _sign(secret, nonce))
    link = BriefingLink(
        application_id=application.id,
        stage_id=stage_id,
        token_hash=_token_hash(token),
        expires_at=utcnow() + timedelta(days=expires_in_days),
        created_by_id=principal.user_id,
    )
    session.add(link)
    await session.flush()
    record_event(
        session,
        "briefing.shared",
        ("application", application.id),
        {"application_id": str(application.id), "link_id": str(link.id), "stage_id": stage_id},
    )
    return link, token


async def list_links(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID
) -> list[BriefingLink]:
    """The application's links, newest first."""
    await load_for_change(session, principal, application_id)
    rows = await session.execute(
        select(BriefingLink)
        .where(_link.application_id == application_id)
        .order_by(_link.created_at.desc())
    )
    return list(rows.scalars())


async def revoke(
    session: AsyncSession, principal: Principal, application_id: uuid.UUID, link_id: uuid.UUID
) -> BriefingLink:
    """Stop a link working (revoking twice changes nothing)."""
    await load_for_change(session, principal, application_id)
    link = await session.get(BriefingLink, link_id)
    if link is None or link.application_id != application_id:
        raise NotFound(f"No briefing link with id {link_id}.")
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        await session.flush()
    return link


async def open_public(session: AsyncSession, secret: str, token: str) -> str:
    """The HTML page behind a public link, counting the view; 404 for anything else."""
    gone = NotFound("This link does not exist or has expired.")
    if not verify_token(secret, token):
        raise gone
    link = (
        await session.execute(
            select(BriefingLink).where(_link.token_hash == _token_hash(token)).with_for_update()
        )
    ).scalar_one_or_none()
    now = utcnow()
    if link is None or link.revoked_at is not None or link.expires_at <= now:
        raise gone
    application = await session.get(Application, link.application_id)
    assert application is not None  # noqa: S101 - cascade
    page = render(await build(session, application, link.stage_id), "html")
    link.first_viewed_at = link.first_viewed_at or now
    link.last_viewed_at, link.view_count = now, link.view_count + 1
    await session.flush()
    record_event(
        session,
        "briefing.viewed",
        ("application", application.id),
        {"application_id": str(application.id), "link_id": str(link.id), "views": link.view_count},
    )
    return page
