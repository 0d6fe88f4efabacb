"""One interviewer's coaching over time: every analysed interview they sat on (that the caller
may see), trends, and their training records with the coverage reached at each stage, so a
reverse-shadow reviewer or a plan owner sees how a trainee is doing."""

from __future__ import annotations

import uuid
from datetime import datetime
from statistics import mean
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import NotFound
from app.core.principal import Principal
from app.models.base import table_of
from app.models.identity import User
from app.models.intakes import IntakeTeamMember
from app.models.interviews import Evaluation, Interview, InterviewParticipant
from app.models.plans import TrainingRecord
from app.models.transcripts import Transcript
from app.services.identity.access import unrestricted
from app.services.interviews.visibility import DECISION_ROLES
from app.services.transcripts.coaching import interviewer_numbers, trend

_interview = table_of(Interview).c
_participant = table_of(InterviewParticipant).c
_transcript = table_of(Transcript).c
_evaluation = table_of(Evaluation).c
_member = table_of(IntakeTeamMember).c
_record = table_of(TrainingRecord).c

MAX_INTERVIEWS = 500


async def _visible_to(
    session: AsyncSession, principal: Principal
) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """(intakes where the caller decides, interviews the caller sat on)."""
    intakes = set(
        (
            await session.execute(
                select(_member.intake_id).where(
                    _member.user_id == principal.user_id,
                    _member.team_role.in_([r.value for r in DECISION_ROLES]),
                )
            )
        ).scalars()
    )
    panels = set(
        (
            await session.execute(
                select(_participant.interview_id).where(_participant.user_id == principal.user_id)
            )
        ).scalars()
    )
    return intakes, panels


async def _rows(
    session: AsyncSession, user_id: uuid.UUID, since: datetime | None, until: datetime | None
) -> list[Any]:
    query = (
        select(
            _interview.id,
            _interview.intake_id,
            _interview.plan_id,
            _interview.stage_id,
            _interview.stage_name,
            _interview.starts_at,
            _participant.role,
            _transcript.analysis,
            _evaluation.on_time,
            _evaluation.turnaround_seconds,
        )
        .join(InterviewParticipant, _participant.interview_id == _interview.id)
        .join(Transcript, _transcript.interview_id == _interview.id)
        .outerjoin(
            Evaluation,
            (_evaluation.interview_id == _interview.id) & (_evaluation.interviewer_id == user_id),
        )
        .where(_participant.user_id == user_id)
        .order_by(_interview.starts_at, _interview.id)
        .limit(MAX_INTERVIEWS)
    )
    if since is not None:
        query = query.where(_interview.starts_at >= since)
    if until is not None:
        query = query.where(_interview.starts_at < until)
    return list((await session.execute(query)).all())


def _interview_entry(row: Any, user_id: uuid.UUID) -> dict[str, Any]:
    numbers = interviewer_numbers(row.analysis or {}, str(user_id))
    turnaround = row.turnaround_seconds
    return {
        "interview_id": row.id,
        "intake_id": row.intake_id,
        "plan_id": row.plan_id,
        "stage_id": row.stage_id,
        "stage_name": row.stage_name,
        "starts_at": row.starts_at,
        "panel_role": str(row.role),
        "talk_share": numbers["talk_share"],
        "interviewers_talk_share": numbers["interviewers_talk_share"],
        "plan_coverage": numbers["plan_coverage"],
        "flagged_topics": len(numbers["risky_topics"]),
        "questions_asked": len(numbers["questions"]),
        "open_question_share": numbers["open_question_share"],
        "evaluation_on_time": row.on_time,
        "evaluation_turnaround_hours": round(turnaround / 3600, 2) if turnaround else None,
    }


def _mean(values: list[Any]) -> float | None:
    known = [float(v) for v in values if v is not None]
    return round(mean(known), 4) if known else None


async def _training_stages(
    session: AsyncSession, user_id: uuid.UUID, entries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    records = (
        await session.execute(select(TrainingRecord).where(_record.user_id == user_id))
    ).scalars()
    out = []
    for record in records:
        mine = [
            e
            for e in entries
            if e["plan_id"] == record.plan_id and str(e["stage_id"]) == str(record.stage_id)
        ]
        out.append(
            {
                "plan_id": str(record.plan_id),
                "stage_id": str(record.stage_id),
                "state": str(record.state),
                "interviews": len(mine),
                "mean_plan_coverage": _mean([e["plan_coverage"] for e in mine]),
                "flagged_topics": sum(e["flagged_topics"] for e in mine),
            }
        )
    return out


async def interviewer_coaching(
    session: AsyncSession,
    principal: Principal,
    user_id: uuid.UUID,
    *,
    since: datetime | None,
    until: datetime | None,
) -> dict[str, Any]:
    """The interviewer's coaching report over the period (404 if the caller may see none of
    it: interviewers see their own, HMs and recruiters their intakes', admins all)."""
    if await session.get(User, user_id) is None:
        raise NotFound(f"No user with id {user_id}.")
    rows = await _rows(session, user_id, since, until)
    everything = unrestricted(principal) or principal.user_id == user_id
    if not everything:
        intakes, panels = await _visible_to(session, principal)
        rows = [r for r in rows if r.intake_id in intakes or r.id in panels]
        if not rows:
            raise NotFound(f"No user with id {user_id}.")
    entries = [_interview_entry(row, user_id) for row in rows]
    flags = [e["flagged_topics"] for e in entries]
    on_time = [e["evaluation_on_time"] for e in entries if e["evaluation_on_time"] is not None]
    return {
        "user_id": user_id,
        "since": since,
        "until": until,
        "interviews": entries,
        "totals": {
            "interviews": len(entries),
            "mean_talk_share": _mean([e["talk_share"] for e in entries]),
            "mean_plan_coverage": _mean([e["plan_coverage"] for e in entries]),
            "mean_open_question_share": _mean([e["open_question_share"] for e in entries]),
            "flagged_topics": sum(flags),
            "evaluation_on_time_rate": round(sum(on_time) / len(on_time), 4) if on_time else None,
        },
        "trends": [
            trend("talk_share", [e["talk_share"] for e in entries]),
            trend("plan_coverage", [e["plan_coverage"] for e in entries]),
            trend("flagged_topics", [float(f) for f in flags]),
            trend("open_question_share", [e["open_question_share"] for e in entries]),
            trend(
                "evaluation_on_time",
                [
                    None if e["evaluation_on_time"] is None else float(e["evaluation_on_time"])
                    for e in entries
                ],
            ),
        ],
        "training": await _training_stages(session, user_id, entries)
        if everything or entries
        else [],
    }
