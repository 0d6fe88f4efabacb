"""The rules a panel must meet: active people from the stage's pool, a lead qualified for the
stage (or an override with a reason), and nobody, the candidate included, booked twice."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import DoubleBooked, FieldProblem, ValidationFailed
from app.models.base import table_of
from app.models.candidates import Application
from app.models.identity import User
from app.models.interviews import Interview, InterviewParticipant, InterviewStatus, PanelRole
from app.models.plans import InterviewPlan
from app.schemas.interviews import PanelMember
from app.services.plans import training

_user = table_of(User).c
_interview = table_of(Interview).c
_participant = table_of(InterviewParticipant).c
_application = table_of(Application).c

# Interviews that hold their time slot.
HOLDING = (InterviewStatus.SCHEDULED.value, InterviewStatus.COMPLETED.value)


async def lock_people(session: AsyncSession, user_ids: Sequence[uuid.UUID]) -> None:
    """Lock the panel's user rows (in id order, so two schedulers cannot deadlock) so that
    two concurrent bookings of one person are checked one after the other. SQLite
    serialises writers anyway."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            select(_user.id).where(_user.id.in_(sorted(set(user_ids)))).with_for_update()
        )


async def check_people(
    session: AsyncSession, stage: Mapping[str, Any], panel: Sequence[PanelMember]
) -> None:
    """Every panel member is an active user in the stage's interviewer pool (422 otherwise)."""
    ids = [m.user_id for m in panel]
    active = set(
        (
            await session.execute(
                select(_user.id).where(_user.id.in_(ids), _user.is_active.is_(True))
            )
        ).scalars()
    )
    pool = set(stage["interviewer_pool"])
    problems = []
    for i, member in enumerate(panel):
        where = f"body.interviewers[{i}].user_id"
        if member.user_id not in active:
            problems.append(FieldProblem(where, "no active user with this id", "unknown_user"))
        elif str(member.user_id) not in pool:
            problems.append(
                FieldProblem(where, "not in the stage's interviewer pool", "not_in_pool")
            )
    if problems:
        raise ValidationFailed("The panel is not valid for this stage.", errors=problems)


async def unqualified_leads(
    session: AsyncSession,
    plan: InterviewPlan,
    stage: Mapping[str, Any],
    panel: Sequence[PanelMember],
    override_reason: str | None,
) -> set[uuid.UUID]:
    """The lead, if not qualified for the stage; without an override reason that is a 422."""
    for i, member in enumerate(panel):
        if member.role is not PanelRole.LEAD:
            continue
        if await training.qualified_for(session, plan.id, stage["id"], member.user_id):
            return set()
        if override_reason is None:
            raise ValidationFailed(
                "The lead is not qualified for this stage; send override_reason to schedule "
                "them anyway.",
                errors=[
                    FieldProblem(
                        f"body.interviewers[{i}].role",
                        "not qualified to lead this stage",
                        "not_qualified",
                    )
                ],
            )
        return {member.user_id}
    return set()


async def check_free(
    session: AsyncSession,
    panel: Sequence[PanelMember],
    starts_at: datetime,
    ends_at: datetime,
    candidate_id: uuid.UUID,
    exclude_interview_id: uuid.UUID | None = None,
) -> None:
    """Nobody on the panel, and not the candidate, has another interview overlapping the
    time (409 listing each clash)."""
    busy = select(
        _participant.user_id,
        _participant.interview_id,
        _participant.starts_at,
        _participant.ends_at,
    ).where(
        _participant.user_id.in_([m.user_id for m in panel]),
        _participant.active.is_(True),
        _participant.starts_at < ends_at,
        _participant.ends_at > starts_at,
    )
    candidate_busy = (
        select(_interview.id, _interview.starts_at, _interview.ends_at)
        .join(Application, _application.id == _interview.application_id)
        .where(
            _application.candidate_id == candidate_id,
            _interview.status.in_(HOLDING),
            _interview.starts_at < ends_at,
            _interview.ends_at > starts_at,
        )
    )
    if exclude_interview_id is not None:
        busy = busy.where(_participant.interview_id != exclude_interview_id)
        candidate_busy = candidate_busy.where(_interview.id != exclude_interview_id)
    clashes = [
        {
            "user_id": str(row.user_id),
            "interview_id": str(row.interview_id),
            "starts_at": _iso(row.starts_at),
            "ends_at": _iso(row.ends_at),
        }
        for row in await session.execute(busy)
    ]
    clashes += [
        {
            "candidate_id": str(candidate_id),
            "interview_id": str(row.id),
            "starts_at": _iso(row.starts_at),
            "ends_at": _iso(row.ends_at),
        }
        for row in await session.execute(candidate_busy)
    ]
    if clashes:
        who = ", ".join(c.get("user_id") or f"the candidate {candidate_id}" for c in clashes)
        raise DoubleBooked(
            f"Already booked at that time: {who}.", extensions={"conflicts": clashes}
        )


async def check_panel(
    session: AsyncSession,
    *,
    plan: InterviewPlan,
    stage: Mapping[str, Any],
    panel: Sequence[PanelMember],
    starts_at: datetime,
    ends_at: datetime,
    candidate_id: uuid.UUID,
    override_reason: str | None,
    exclude_interview_id: uuid.UUID | None = None,
) -> set[uuid.UUID]:
    """Every rule above; returns the unqualified lead scheduled under an override (if any)."""
    await check_people(session, stage, panel)
    unqualified = await unqualified_leads(session, plan, stage, panel, override_reason)
    await check_free(session, panel, starts_at, ends_at, candidate_id, exclude_interview_id)
    return unqualified


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
