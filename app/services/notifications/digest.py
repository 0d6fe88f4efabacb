"""The pipeline digest per running intake, to its recruiter and hiring manager, on the intake's
sync cadence (weekly on Monday unless the intake says otherwise)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.clock import utcnow
from app.models.base import table_of
from app.models.candidates import Application, ApplicationStatus, StageChange
from app.models.intakes import Intake
from app.models.interviews import Evaluation, EvaluationStatus, NotificationIntent
from app.services.notifications.deadlines import RUNNING, tell

DIGEST_JOB = "intakes.digest"
KIND = "intake.digest"
PERIODS = {"weekly": 7, "biweekly": 14, "monthly": 28}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_intake = table_of(Intake).c
_application = table_of(Application).c
_move = table_of(StageChange).c
_evaluation = table_of(Evaluation).c
_intent = table_of(NotificationIntent).c
_PENDING = (EvaluationStatus.PENDING, EvaluationStatus.DRAFT)


async def _count(session: AsyncSession, statement: Any) -> int:
    return int((await session.execute(statement)).scalar_one())


async def summary(session: AsyncSession, intake: Any, days: int) -> dict[str, Any]:
    """What happened in an intake's pipeline over the last `days`, and what is waiting."""
    now = utcnow()
    since = now - timedelta(days=days)
    count = select(func.count())
    waiting_review = (
        _application.intake_id == intake.id,
        _application.status == ApplicationStatus.ACTIVE,
        _application.shortlisted_at.is_not(None),
        _application.hm_reviewed_at.is_(None),
    )
    pending = (_evaluation.intake_id == intake.id, _evaluation.status.in_(_PENDING))
    started = intake.opened_at or intake.agreed_at
    return {
        "title": intake.title,
        "days": days,
        "new_candidates": await _count(
            session,
            count.where(_application.intake_id == intake.id, _application.created_at >= since),
        ),
        "stage_moves": await _count(
            session,
            count.select_from(table_of(StageChange))
            .join(table_of(Application), _application.id == _move.application_id)
            .where(_application.intake_id == intake.id, _move.at >= since),
        ),
        "pending_reviews": await _count(session, count.where(*waiting_review)),
        "overdue_reviews": await _count(
            session, count.where(*waiting_review, _application.hm_review_due_at < now)
        ),
        "pending_evaluations": await _count(session, count.where(*pending)),
        "overdue_evaluations": await _count(
            session, count.where(*pending, _evaluation.due_at < now)
        ),
        "days_open": (now - started).days if started else 0,
        "target_fill_date": intake.target_fill_date.isoformat()
        if intake.target_fill_date
        else "not set",
    }


async def send_digests(session: AsyncSession) -> int:
    """Record the digests due today (once per period per intake); how many intakes."""
    now = utcnow()
    today = WEEKDAYS[now.weekday()]
    intakes = (await session.execute(select(Intake).where(_intake.status.in_(RUNNING)))).scalars()
    sent = 0
    for intake in list(intakes):
        cadence = intake.sync_cadence or {}
        if cadence.get("weekday", "monday") != today:
            continue
        days = PERIODS.get(cadence.get("frequency", "weekly"), 7)
        already = await _count(
            session,
            select(func.count()).where(
                _intent.kind == KIND,
                _intent.subject_id == intake.id,
                _intent.created_at > now - timedelta(days=days - 1),
            ),
        )
        if already:
            continue
        recipients = [intake.recruiter_id, intake.hiring_manager_id]
        tell(session, KIND, recipients, intake, **await summary(session, intake, days))
        sent += 1
    await session.flush()
    return sent


async def digest_job(session: AsyncSession, _payload: dict[str, Any]) -> None:
    """The periodic job: the digests due today."""
    await send_digests(session)
